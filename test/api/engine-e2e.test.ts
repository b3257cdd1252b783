// The public API over the real engine, used the way an application uses it: SQL in, inserts,
// queries, materialized views kept current, subscriptions, typed handles, UDFs and Arrow.
import t from 'tap';
import {
  open,
  CatalogError,
  ClosedError,
  SchemaError,
  SqlSyntaxError,
  type Change,
} from '../../lib/index.js';

t.test('tables: insert, query in SELECT order, converted values, NULLs', async (t) => {
  await using db = await open();
  await db.execute(`CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR NOT NULL, balance DECIMAL(10,2), born TIMESTAMP, big BIGINT)`);
  db.insert('person', [
    { id: 1, name: 'ann', balance: '12.50', born: new Date(Date.UTC(1990, 4, 6)), big: 2 ** 40 },
    { id: 2, name: 'bob', balance: null, born: '1985-01-02 03:04:05', big: null },
  ]);
  db.insert('person', { id: 3, name: 'cy' });
  const rows = await db.query('SELECT name, id, balance, born, big FROM person ORDER BY id');
  t.same(Object.keys(rows[0]!), ['name', 'id', 'balance', 'born', 'big']);
  t.same(rows, [
    { name: 'ann', id: 1, balance: '12.50', born: new Date(Date.UTC(1990, 4, 6)), big: 2 ** 40 },
    { name: 'bob', id: 2, balance: null, born: new Date(Date.UTC(1985, 0, 2, 3, 4, 5)), big: null },
    { name: 'cy', id: 3, balance: null, born: null, big: null },
  ]);
  const [count] = await db.query<{ count: number }>('SELECT count(*) FROM person WHERE id > $1', [1]);
  t.same(count, { count: 2 }, 'unnamed aggregate column is named like PostgreSQL; parameters bind');
});

t.test('bigint option returns BIGINT as bigint', async (t) => {
  await using db = await open({ bigint: true });
  await db.execute('CREATE TABLE t (id BIGINT PRIMARY KEY, n INT)');
  db.insert('t', [{ id: 9007199254740991n, n: 1 }, { id: -5, n: 2 }]);
  t.same(await db.query('SELECT id, n FROM t ORDER BY n'), [
    { id: 9007199254740991n, n: 1 },
    { id: -5n, n: 2 },
  ]);
  t.throws(() => db.insert('t', { id: 2n ** 60n, n: 3 }), { code: 'INVALID_VALUE', column: 'id', message: /out of range/ }, 'beyond 2^53 is refused, never rounded');
});

t.test('a bad row rejects the whole insert; the table is unchanged', async (t) => {
  await using db = await open();
  await db.execute('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR NOT NULL)');
  db.insert('t', { id: 1, name: 'a' });
  t.throws(() => db.insert('t', [{ id: 2, name: 'b' }, { id: 3, name: null }]), { code: 'NOT_NULL_VIOLATION', column: 'name', rowIndex: 1 });
  t.throws(() => db.insert('t', [{ id: 4, name: 'd' }, { id: 'five', name: 'e' }]), SchemaError);
  t.throws(() => db.insert('t', [{ id: 6, name: 'f', extra: 1 }]), { code: 'UNKNOWN_COLUMN', column: 'extra', rowIndex: 0 });
  t.same(await db.query('SELECT id FROM t'), [{ id: 1 }]);
});

t.test('materialized views are current when insert returns; subscriptions see the changes', async (t) => {
  await using db = await open();
  await db.execute(`
    CREATE SOURCE bid (auction BIGINT NOT NULL, price BIGINT NOT NULL, ts TIMESTAMP NOT NULL,
                       WATERMARK FOR ts AS ts - INTERVAL '5' SECOND);
    CREATE MATERIALIZED VIEW per_auction AS SELECT auction, count(*) AS n, sum(price) AS total FROM bid GROUP BY auction;
  `);
  const changes: Change[] = [];
  const live = db.subscribe('per_auction', { onChange: (c) => changes.push(c) });
  const iterated = db.subscribe('per_auction');
  const bids = db.source<{ auction: number; price: number; ts: Date | number }>('bid');
  bids.insert({ auction: 1, price: 10, ts: 1000 });
  t.same(await db.query('SELECT * FROM per_auction'), [{ auction: 1, n: 1, total: 10 }], 'view current after insert');
  bids.insertMany([
    { auction: 1, price: 5, ts: 2000 },
    { auction: 2, price: 7, ts: 3000 },
  ]);
  t.same(changes[0], { op: 'insert', row: { auction: 1, n: 1, total: 10 } });
  const update = changes.find((c) => c.op === 'update');
  t.same(update, { op: 'update', row: { auction: 1, n: 2, total: 15 }, old: { auction: 1, n: 1, total: 10 } }, 'keyed change is one update');
  t.ok(changes.some((c) => c.op === 'insert' && c.row.auction === 2));
  t.equal(iterated.pending, changes.length, 'the iterated subscription buffered the same changes');
  const first = await iterated[Symbol.asyncIterator]().next();
  t.same(first.value, changes[0]);
  live.close();
  iterated.close();
  await db.flush();
  t.same(await db.query('SELECT auction, n FROM per_auction ORDER BY auction'), [
    { auction: 1, n: 2 },
    { auction: 2, n: 1 },
  ]);
});

t.test('advanceWatermark closes event-time windows without new events', async (t) => {
  await using db = await open();
  await db.execute(`
    CREATE SOURCE bid (auction BIGINT, price BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND);
    CREATE MATERIALIZED VIEW per_window AS
      SELECT window_start, count(*) AS n FROM TUMBLE(bid, ts, INTERVAL '10' SECOND)
      GROUP BY window_start, window_end EMIT ON WINDOW CLOSE;
  `);
  const closed: Change[] = [];
  db.subscribe('per_window', { onChange: (c) => closed.push(c) });
  const bids = db.source('bid');
  bids.insertMany([
    { auction: 1, price: 1, ts: 1000 },
    { auction: 1, price: 2, ts: 9000 },
  ]);
  t.same(await db.query('SELECT * FROM per_window'), [], 'window [0s, 10s) still open');
  bids.advanceWatermark(new Date(10_000));
  t.same(await db.query('SELECT window_start, n FROM per_window'), [{ window_start: new Date(0), n: 2 }]);
  t.same(closed, [{ op: 'insert', row: { window_start: new Date(0), n: 2 } }]);
  bids.advanceWatermark(5_000);
  t.equal(closed.length, 1, 'an earlier watermark is ignored');
  t.throws(() => db.advanceWatermark('per_window', 0), { code: 'WRONG_OBJECT_KIND' });
});

t.test('a view created after the data back-fills; snapshot subscription starts from it', async (t) => {
  await using db = await open();
  await db.execute('CREATE TABLE t (k VARCHAR PRIMARY KEY, v INT)');
  db.insert('t', [{ k: 'a', v: 1 }, { k: 'b', v: 2 }]);
  await db.execute('CREATE MATERIALIZED VIEW big AS SELECT k, v FROM t WHERE v > 1');
  const sub = db.subscribe('big', { snapshot: true });
  const it = sub[Symbol.asyncIterator]();
  t.same((await it.next()).value, { op: 'insert', row: { k: 'b', v: 2 } });
  await db.execute("UPDATE t SET v = 5 WHERE k = 'a'");
  t.same((await it.next()).value, { op: 'insert', row: { k: 'a', v: 5 } });
  await db.execute("DELETE FROM t WHERE k = 'b'");
  t.same((await it.next()).value, { op: 'delete', row: { k: 'b', v: 2 } });
  await db.close();
  t.same(await it.next(), { done: true, value: undefined }, 'closing the database ends the subscription');
});

t.test('dropping a subscribed view ends its subscriptions with an error after the buffered changes', async (t) => {
  await using db = await open();
  await db.execute('CREATE TABLE t (k INT PRIMARY KEY, v INT); CREATE MATERIALIZED VIEW mv AS SELECT k, v FROM t WHERE v > 0');
  const sub = db.subscribe('mv');
  const other = db.subscribe('mv', { onChange: () => {} });
  db.insert('t', { k: 1, v: 1 });
  await db.execute('DROP MATERIALIZED VIEW mv');
  t.ok(sub.closed && other.closed);
  const it = sub[Symbol.asyncIterator]();
  t.same((await it.next()).value, { op: 'insert', row: { k: 1, v: 1 } });
  await t.rejects(it.next(), { code: 'UNKNOWN_OBJECT', message: /"mv" was dropped/ });
  t.same(await it.next(), { done: true, value: undefined });
  await db.execute('CREATE MATERIALIZED VIEW mv AS SELECT k FROM t');
  const again = db.subscribe('mv');
  await t.rejects(db.execute('DROP MATERIALIZED VIEW mv; SELECT * FROM nope'), CatalogError);
  t.ok(again.closed, 'noticed even when a later statement of the same call fails');
});

t.test('inserts follow the catalog: a table dropped and re-created with another schema', async (t) => {
  await using db = await open();
  await db.execute('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR)');
  const handle = db.table('t');
  handle.insert({ id: 1, name: 'a' });
  await db.execute('DROP TABLE t');
  t.throws(() => handle.insert({ id: 2, name: 'b' }), { code: 'UNKNOWN_OBJECT' });
  await db.execute('CREATE TABLE t (id INT PRIMARY KEY, score DOUBLE NOT NULL)');
  t.throws(() => db.insert('t', { id: 3, score: 2, name: 'c' }), { code: 'UNKNOWN_COLUMN', column: 'name' });
  handle.insert({ id: 4, score: 1.5 });
  t.same(await db.query('SELECT * FROM t'), [{ id: 4, score: 1.5 }]);
});

t.test('execute reports each statement; SQL errors carry line and column', async (t) => {
  await using db = await open();
  const r = await db.execute(`CREATE TABLE t (id INT PRIMARY KEY);
INSERT INTO t VALUES (1), (2);
SELECT id FROM t ORDER BY id;`);
  t.same(
    r.statements.map((s) => [s.command, s.rowsAffected]),
    [
      ['CREATE TABLE', 0],
      ['INSERT', 2],
      ['SELECT', 2],
    ],
  );
  t.same(r.statements[2]!.rows, [{ id: 1 }, { id: 2 }]);
  t.equal(r.rowsAffected, 2);
  const syntax = await db.query('SELECT id\nFROM t WHERE').catch((e: unknown) => e);
  t.type(syntax, SqlSyntaxError);
  t.match(syntax, { code: 'SYNTAX_ERROR', line: 2, column: Number });
  await t.rejects(db.query('SELECT * FROM nope'), CatalogError);
  t.throws(() => db.insert('nope', {}), { code: 'UNKNOWN_OBJECT' });
});

t.test('JavaScript UDFs see user-facing values', async (t) => {
  await using db = await open();
  await db.execute('CREATE TABLE e (id INT PRIMARY KEY, at TIMESTAMP, amount DECIMAL(10,2))');
  db.insert('e', { id: 1, at: Date.UTC(2024, 1, 29, 12), amount: '3.10' });
  db.registerFunction('year_of', (d: Date | null) => (d === null ? null : d.getUTCFullYear()), { args: ['timestamp'], returns: 'int' });
  db.registerFunction('tag', (a: string) => `€${a}`, { args: ['decimal(10,2)'], returns: 'varchar' });
  db.registerFunction('boom', () => {
    throw new Error('nope');
  }, { args: [], returns: 'int' });
  t.same(await db.query('SELECT year_of(at) AS y, tag(amount) AS s FROM e'), [{ y: 2024, s: '€3.10' }]);
  await t.rejects(db.query('SELECT boom() FROM e'), { code: 'UDF_ERROR', message: /nope/ });
  t.throws(() => db.registerFunction('bad', () => 1, { args: ['nosuchtype'], returns: 'int' }), { code: 'INVALID_ARGUMENT' });
});

t.test('Arrow: RecordBatch in (zero-copy numeric columns), Table out', async (t) => {
  const arrow = await import('apache-arrow');
  await using db = await open();
  await db.execute('CREATE TABLE m (id INT PRIMARY KEY, x DOUBLE, label VARCHAR, at TIMESTAMP)');
  const table = arrow.tableFromArrays({
    id: Int32Array.from([1, 2, 3]),
    x: Float64Array.from([0.5, 1.5, 2.5]),
    label: ['a', null, 'c'],
  });
  db.insert('m', table.batches[0]!);
  db.table('m').insertArrow(arrow.tableFromArrays({ id: Int32Array.from([4]), x: Float64Array.from([9]) }));
  t.same(await db.query('SELECT id, x, label FROM m ORDER BY id'), [
    { id: 1, x: 0.5, label: 'a' },
    { id: 2, x: 1.5, label: null },
    { id: 3, x: 2.5, label: 'c' },
    { id: 4, x: 9, label: null },
  ]);
  t.throws(() => db.insert('m', arrow.tableFromArrays({ nope: Int32Array.from([1]) })), { code: 'UNKNOWN_COLUMN', column: 'nope' });
  const out = await db.queryArrow<import('apache-arrow').Table>('SELECT id, x, label, at FROM m ORDER BY id');
  t.equal(out.numRows, 4);
  t.same(out.schema.fields.map((f) => f.name), ['id', 'x', 'label', 'at']);
  t.same(out.getChild('id')!.toArray(), Int32Array.from([1, 2, 3, 4]));
  t.equal(out.getChild('label')!.get(1), null);
});

t.test('closed database', async (t) => {
  const db = await open();
  await db.execute('CREATE TABLE t (id INT)');
  await db.close();
  await db.close();
  await t.rejects(db.query('SELECT 1'), ClosedError);
  t.throws(() => db.insert('t', { id: 1 }), ClosedError);
});
