// Kysely over LaminarDB: typed queries compile to PostgreSQL-flavoured SQL and run in-process.
import t from 'tap';
import { sql } from 'kysely';
import { open } from '../../lib/index.js';

interface DB {
  person: { id: number; name: string; city: string | null };
  by_city: { city: string | null; n: number };
}

t.test('select, insert, update, delete, introspection, stream', async (t) => {
  await using db = await open();
  await db.execute(`
    CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR NOT NULL, city VARCHAR);
    CREATE MATERIALIZED VIEW by_city AS SELECT city, count(*) AS n FROM person GROUP BY city;
  `);
  const k = db.kysely<DB>();
  const ins = await k
    .insertInto('person')
    .values([
      { id: 1, name: 'ann', city: 'Oslo' },
      { id: 2, name: "o'brien", city: 'Oslo' },
      { id: 3, name: 'cy', city: null },
    ])
    .executeTakeFirst();
  t.equal(ins.numInsertedOrUpdatedRows, 3n);
  const oslo = await k.selectFrom('person').select(['name', 'id']).where('city', '=', 'Oslo').orderBy('id').execute();
  t.same(oslo, [
    { name: 'ann', id: 1 },
    { name: "o'brien", id: 2 },
  ]);
  const upd = await k.updateTable('person').set({ city: 'Bergen' }).where('id', '=', 2).executeTakeFirst();
  t.equal(upd.numUpdatedRows, 1n);
  const del = await k.deleteFrom('person').where('city', 'is', null).executeTakeFirst();
  t.equal(del.numDeletedRows, 1n);
  t.same(await k.selectFrom('by_city').selectAll().orderBy('city').execute(), [
    { city: 'Bergen', n: 1 },
    { city: 'Oslo', n: 1 },
  ]);
  const raw = await sql<{ two: number }>`SELECT ${1} + 1 AS two`.execute(k);
  t.same(raw.rows, [{ two: 2 }]);

  const chunks: number[] = [];
  for await (const row of k.selectFrom('person').select('id').orderBy('id').stream(1)) chunks.push(row.id);
  t.same(chunks, [1, 2]);

  const tables = await k.introspection.getTables();
  const person = tables.find((x) => x.name === 'person')!;
  t.equal(person.isView, false);
  t.same(person.columns.map((c) => [c.name, c.dataType, c.isNullable]), [
    ['id', 'int', false],
    ['name', 'varchar', false],
    ['city', 'varchar', true],
  ]);
  t.equal(tables.find((x) => x.name === 'by_city')!.isView, true);

  await t.rejects(k.transaction().execute(async () => 1), { code: 'UNSUPPORTED' });
  await k.destroy();
  t.equal(db.closed, false, 'destroying Kysely leaves the database open');
});

interface ShopDB {
  person: { id: number; name: string; city: string | null };
  orders: { oid: number; pid: number; amount: string; at: Date };
}

t.test('joins, aggregates, upserts, subqueries, schema builder, typed Date parameters', async (t) => {
  await using db = await open();
  const k = db.kysely<ShopDB>();
  await k.schema.createTable('person').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull()).addColumn('city', 'text').execute();
  await k.schema.createTable('orders').ifNotExists().addColumn('oid', 'integer', (c) => c.primaryKey()).addColumn('pid', 'integer').addColumn('amount', 'decimal(10, 2)').addColumn('at', 'timestamp').execute();
  t.same(db.describe('orders').columns.map((c) => c.type), ['INT', 'INT', 'DECIMAL(10,2)', 'TIMESTAMP']);
  await k.insertInto('person').values([{ id: 1, name: 'ann', city: 'x' }, { id: 2, name: 'bob', city: null }]).execute();
  await k
    .insertInto('orders')
    .values([
      { oid: 1, pid: 1, amount: '2.50', at: new Date(Date.UTC(2024, 0, 1)) },
      { oid: 2, pid: 1, amount: '3.00', at: new Date(Date.UTC(2024, 0, 2)) },
    ])
    .execute();
  await k.insertInto('person').values({ id: 1, name: 'x', city: 'y' }).onConflict((oc) => oc.column('id').doUpdateSet({ name: 'ann2' })).execute();
  const totals = await k
    .selectFrom('person as p')
    .innerJoin('orders as o', 'o.pid', 'p.id')
    .select((eb) => ['p.name', eb.fn.sum<string>('o.amount').as('total'), eb.fn.count<number>('o.oid').as('n')])
    .groupBy('p.name')
    .execute();
  t.same(totals, [{ name: 'ann2', total: '5.50', n: 2 }]);
  const late = await k.selectFrom('orders').select('oid').where('at', '>', new Date(Date.UTC(2024, 0, 1, 12))).execute();
  t.same(late, [{ oid: 2 }]);
  const buyers = await k.selectFrom('person').select('name').where('id', 'in', k.selectFrom('orders').select('pid')).execute();
  t.same(buyers, [{ name: 'ann2' }]);
  const tables = await k.introspection.getTables();
  t.same(tables.map((x) => x.name).sort(), ['orders', 'person']);
});
