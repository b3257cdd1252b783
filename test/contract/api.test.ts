// PRODUCT.md §2: the public API exactly as a user calls it.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClosedError, LaminarError, SchemaError, CatalogError } from '../../lib/index.js';
import { open, thrown, rejected, collect, type Change } from './helpers.js';

t.test('open(): in memory; open(path) and open({ path }) create the directory', async (t) => {
  const mem = await open();
  t.equal(mem.path, undefined);
  await mem.execute('CREATE TABLE t (a INT)');
  mem.insert('t', { a: 1 });
  t.same(await mem.query('SELECT a FROM t'), [{ a: 1 }]);
  await mem.close();

  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ldb-contract-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  for (const arg of [path.join(base, 'a', 'nested'), { path: path.join(base, 'b') }]) {
    const db = await open(arg as never);
    const dir = typeof arg === 'string' ? arg : arg.path;
    t.ok(fs.existsSync(dir), `${dir} exists`);
    await db.execute('CREATE TABLE t (a INT)');
    db.insert('t', [{ a: 1 }, { a: 2 }]);
    await db.flush();
    await db.close();
    const again = await open(arg as never);
    t.same(await again.query('SELECT a FROM t ORDER BY a'), [{ a: 1 }, { a: 2 }], 'catalog and data survive reopen');
    await again.close();
  }
});

t.test('execute: several statements, $n and ? parameters', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const r = await db.execute(`CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR);
    INSERT INTO t VALUES (1, 'one');
    INSERT INTO t VALUES (2, 'two'), (3, 'three')`);
  t.equal(r.statements.length, 3);
  t.same(r.statements.map((s) => s.command), ['CREATE TABLE', 'INSERT', 'INSERT']);
  t.equal(r.statements[2]!.rowsAffected, 2);
  await db.execute('INSERT INTO t VALUES ($1, $2)', [4, 'four']);
  await db.execute('INSERT INTO t (name, id) VALUES (?, ?)', ['five', 5]);
  t.same(await db.query('SELECT name FROM t WHERE id = $1', [4]), [{ name: 'four' }]);
  t.same(await db.query('SELECT id FROM t WHERE name = ? OR id = ? ORDER BY id', ['five', 1]), [{ id: 1 }, { id: 5 }]);
  t.same(await db.query('SELECT $2::INT + $1::INT AS s', [1, 2]), [{ s: 3 }], '$n reused out of order');
  t.same(await db.query('SELECT name FROM t WHERE name = $1', ["it's; -- not sql"]), [], 'a parameter is a value, never SQL');
  const trailing = await db.execute('DELETE FROM t WHERE id = 5;;');
  t.equal(trailing.rowsAffected, 1, 'empty statements are ignored');
});

t.test('query: plain objects, keys in SELECT list order', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (a INT, b VARCHAR, c BOOLEAN)');
  db.insert('t', { c: true, b: 'x', a: 1 });
  const rows = await db.query('SELECT c, a, b, a + 1 AS z, b AS a2 FROM t');
  t.same(Object.keys(rows[0]!), ['c', 'a', 'b', 'z', 'a2']);
  t.equal(Object.getPrototypeOf(rows[0]), Object.prototype);
  const star = await db.query('SELECT * FROM t');
  t.same(Object.keys(star[0]!), ['a', 'b', 'c'], 'SELECT * follows the table definition');
  t.same(await db.query('SELECT a FROM t WHERE a > 100'), [], 'no rows: empty array');
});

t.test('insert: synchronous, object or array; visible without awaiting', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (a INT, b VARCHAR)');
  t.equal(db.insert('t', { a: 1, b: 'x' }), undefined);
  db.insert('t', [{ a: 2 }, { a: 3, b: null }]);
  db.insert('t', []);
  t.same(await db.query('SELECT a, b FROM t ORDER BY a'), [{ a: 1, b: 'x' }, { a: 2, b: null }, { a: 3, b: null }]);
  const e = thrown(() => db.insert('nope', { a: 1 }));
  t.ok(e instanceof CatalogError);
  t.equal(e.code, 'UNKNOWN_OBJECT');
});

t.test('a bad row throws a SchemaError naming the column; nothing of that call is applied', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE TABLE t (id INT PRIMARY KEY, ts TIMESTAMP, n INT NOT NULL);
    CREATE MATERIALIZED VIEW c AS SELECT count(*) AS n, sum(id) AS s FROM t`);
  db.insert('t', { id: 1, n: 1 });
  await db.flush();
  const seen = collect(db, 'c');
  const cases: [object[], string, string][] = [
    [[{ id: 2, n: 1 }, { id: 3, n: 1, ts: 'not a time' }], 'INVALID_VALUE', 'ts'],
    [[{ id: 2, n: 1 }, { id: 3, n: 'x' }], 'INVALID_VALUE', 'n'],
    [[{ id: 2, n: 1 }, { id: 3 }], 'NOT_NULL_VIOLATION', 'n'],
    [[{ id: 2, n: 1 }, { id: 3, n: 1, extra: 1 }], 'UNKNOWN_COLUMN', 'extra'],
    [[{ id: 1.5, n: 1 }], 'INVALID_VALUE', 'id'],
    [[{ id: 2, n: 1 }, { n: 1 }], 'NOT_NULL_VIOLATION', 'id'],
    [[{ id: 2, n: 2 ** 40 }], 'INVALID_VALUE', 'n'],
  ];
  for (const [rows, code, column] of cases) {
    const e = thrown(() => db.insert('t', rows));
    t.ok(e instanceof SchemaError && e instanceof LaminarError, `${code} is a SchemaError`);
    t.equal(e.code, code);
    t.equal(e.column, column);
    t.match(e.message, column);
  }
  await db.flush();
  t.same(await db.query('SELECT id FROM t'), [{ id: 1 }], 'no row of a failed call was applied');
  t.same(await db.query('SELECT * FROM c'), [{ n: 1, s: 1 }]);
  t.same(seen.changes, [], 'subscribers saw nothing');
  db.insert('t', [{ id: 2, n: 1 }]);
  await db.flush();
  t.same(seen.changes, [{ op: 'update', row: { n: 2, s: 3 }, old: { n: 1, s: 1 } }], 'the table still works afterwards');
  seen.close();
});

t.test('subscribe: onChange, snapshot, update carries old, close stops delivery', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE TABLE t (k VARCHAR PRIMARY KEY, v INT);
    CREATE MATERIALIZED VIEW m AS SELECT k, v * 10 AS v10 FROM t WHERE v > 0`);
  db.insert('t', [{ k: 'a', v: 1 }, { k: 'b', v: 2 }]);
  await db.flush();
  const snap = collect(db, 'm', true);
  const live = collect(db, 'm');
  t.same(
    snap.changes.map((c) => c.op),
    ['insert', 'insert'],
    'snapshot: current contents arrive as inserts first',
  );
  t.same(live.changes, [], 'without snapshot nothing arrives before a change');
  await db.execute(`UPDATE t SET v = 3 WHERE k = 'a'`);
  await db.flush();
  t.same(live.changes, [{ op: 'update', row: { k: 'a', v10: 30 }, old: { k: 'a', v10: 10 } }]);
  await db.execute(`UPDATE t SET v = -1 WHERE k = 'b'`);
  await db.flush();
  t.same(live.changes.at(-1), { op: 'delete', row: { k: 'b', v10: 20 } }, 'leaving the filter is a delete');
  t.notOk('old' in live.changes.at(-1)!, 'only updates have old');
  db.insert('t', { k: 'c', v: 5 });
  await db.flush();
  t.same(live.changes.at(-1), { op: 'insert', row: { k: 'c', v10: 50 } });
  live.close();
  db.insert('t', { k: 'd', v: 6 });
  await db.flush();
  t.equal(live.changes.length, 3, 'closed subscription receives nothing');
  snap.close();
  const e = thrown(() => db.subscribe('nope', { onChange: () => {} }));
  t.ok(e instanceof CatalogError);
});

t.test('subscribe: async iteration with for await', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE TABLE t (g VARCHAR, v INT);
    CREATE MATERIALIZED VIEW s AS SELECT g, sum(v) AS total FROM t GROUP BY g`);
  db.insert('t', { g: 'x', v: 1 });
  await db.flush();
  const sub = db.subscribe('s', { snapshot: true });
  const got: Change[] = [];
  const reader = (async () => {
    for await (const c of sub) {
      got.push(c);
      if (got.length === 3) break;
    }
  })();
  db.insert('t', { g: 'x', v: 2 });
  db.insert('t', { g: 'y', v: 5 });
  await db.flush();
  await reader;
  t.same(got, [
    { op: 'insert', row: { g: 'x', total: 1 } },
    { op: 'update', row: { g: 'x', total: 3 }, old: { g: 'x', total: 1 } },
    { op: 'insert', row: { g: 'y', total: 5 } },
  ]);
  t.equal(sub.closed, true, 'break closes the subscription');
  // closing ends a pending iteration
  const sub2 = db.subscribe('s');
  const done = (async () => {
    const seen: Change[] = [];
    for await (const c of sub2) seen.push(c);
    return seen;
  })();
  setTimeout(() => sub2.close(), 10);
  t.same(await done, [], 'close() ends a for await loop');
});

t.test('flush, close twice, and every call after close throws ClosedError', async (t) => {
  const db = await open();
  await db.execute(`CREATE TABLE t (a INT); CREATE MATERIALIZED VIEW m AS SELECT count(*) AS n FROM t`);
  db.insert('t', [{ a: 1 }, { a: 2 }]);
  await db.flush();
  t.same(await db.query('SELECT n FROM m'), [{ n: 2 }]);
  const sub = db.subscribe('m');
  await db.close();
  await db.close();
  t.equal(db.closed, true);
  t.equal(sub.closed, true, 'subscriptions end with the database');
  for (const [what, p] of [
    ['query', db.query('SELECT 1')],
    ['execute', db.execute('SELECT 1')],
    ['flush', db.flush()],
  ] as const) {
    const e = await rejected(p);
    t.ok(e instanceof ClosedError, `${what} after close`);
    t.equal(e.code, 'CLOSED');
  }
  t.ok(thrown(() => db.insert('t', { a: 1 })) instanceof ClosedError);
  t.ok(thrown(() => db.subscribe('m')) instanceof ClosedError);
});

t.test('a throwing onChange callback goes to onError and does not break insert', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (a INT); CREATE MATERIALIZED VIEW c AS SELECT count(*) AS n FROM t');
  const errors: unknown[] = [];
  const sub = db.subscribe('c', { onChange: () => { throw new Error('subscriber bug'); }, onError: (e) => errors.push(e) });
  db.insert('t', { a: 1 });
  await db.flush();
  t.same(await db.query('SELECT n FROM c'), [{ n: 1 }]);
  t.match(errors, [{ message: 'subscriber bug' }]);
  sub.close();
});
