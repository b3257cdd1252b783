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
