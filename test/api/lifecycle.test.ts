// open() options, query/execute result conversion and the closed state, over a stand-in engine.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClosedError, LaminarError } from '../../lib/errors.js';
import { T } from '../../lib/types/datatype.js';
import { openWith } from '../../lib/api/open.js';
import { FakeEngine } from './fake-engine.js';
import { catalog, fakeDb } from './helpers.js';

t.test('query rows: plain objects in SELECT order, values converted', async (t) => {
  const { db, engine } = fakeDb();
  engine.nextQuery = {
    columns: [
      { name: 'z', type: T.bigint, nullable: false },
      { name: 'a', type: T.timestamp, nullable: true },
      { name: 'm', type: { id: 'decimal', precision: 10, scale: 2 }, nullable: true },
      { name: '__proto__', type: T.varchar, nullable: true },
      { name: 'ok', type: T.boolean, nullable: true },
    ],
    rows: [
      [1, 1000, null, 'p', true],
      [2, null, null, null, null],
    ],
  };
  const rows = await db.query('SELECT …');
  t.same(Object.keys(rows[0]!), ['z', 'a', 'm', '__proto__', 'ok']);
  t.equal(Object.getPrototypeOf(rows[0]), Object.prototype, 'a column named __proto__ is an own key');
  t.equal(rows[0]!.z, 1);
  t.same(rows[0]!.a, new Date(1000));
  t.equal(rows[1]!.a, null);
  t.equal(rows[1]!.m, null);
});

t.test('bigint option returns BIGINT as bigint', async (t) => {
  const { db, engine } = fakeDb({ bigint: true });
  engine.nextQuery = { columns: [{ name: 'n', type: T.bigint, nullable: true }, { name: 'i', type: T.int, nullable: true }], rows: [[5, 6], [null, null]] };
  t.same(await db.query('SELECT'), [{ n: 5n, i: 6 }, { n: null, i: null }]);
});

t.test('execute: statement results and the rowsAffected total', async (t) => {
  const { db, engine } = fakeDb();
  engine.nextExecute = [
    { command: 'INSERT', rowsAffected: 2 },
    { command: 'DELETE', rowsAffected: 1 },
    { command: 'SELECT', rowsAffected: 1, columns: [{ name: 't', type: T.timestamp, nullable: false }], rows: [[0]] },
  ];
  const r = await db.execute('…');
  t.equal(r.rowsAffected, 3, 'rows returned by SELECT are not counted as affected');
  t.same(r.statements[0], { command: 'INSERT', rowsAffected: 2 });
  t.same(r.statements[2], { command: 'SELECT', rowsAffected: 1, columns: [{ name: 't', type: 'TIMESTAMP', nullable: false }], rows: [{ t: new Date(0) }] });
});

t.test('argument checks', async (t) => {
  const { db } = fakeDb();
  await t.rejects(db.query(42 as unknown as string), { code: 'INVALID_ARGUMENT' });
  await t.rejects(db.execute('SELECT 1', 'x' as unknown as unknown[]), { code: 'INVALID_ARGUMENT', message: /must be an array/ });
  t.throws(() => db.describe('nope'), { code: 'UNKNOWN_OBJECT' });
  t.same(db.describe('person').primaryKey, ['id']);
  t.same(
    db.describe('person').columns.map((c) => c.type),
    ['INT', 'VARCHAR', 'DECIMAL(10,2)'],
  );
  t.same(db.relations().map((r) => r.name), ['bid', 'person', 'bid_changes']);
});

t.test('open options are validated', async (t) => {
  const mk = (o: unknown) => () => openWith(() => new FakeEngine(catalog), o as string);
  t.throws(mk(''), { code: 'INVALID_ARGUMENT' });
  t.throws(mk(5), { code: 'INVALID_ARGUMENT' });
  t.throws(mk({ bigint: 'yes' }), { code: 'INVALID_ARGUMENT', message: /bigint/ });
  t.throws(mk({ subscriptionBufferSize: -1 }), { code: 'INVALID_ARGUMENT' });
  t.throws(mk({ subscriptionOverflow: 'wait' }), { code: 'INVALID_ARGUMENT' });
  t.throws(mk({ path: 7 }), { code: 'INVALID_ARGUMENT' });
});

t.test('a path is created, made absolute, and passed to the engine with other options', async (t) => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-api-')), 'a', 'b');
  t.teardown(() => fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true }));
  let seen: Record<string, unknown> = {};
  const db = openWith(
    (s) => {
      seen = s;
      return new FakeEngine(catalog);
    },
    { path: path.relative(process.cwd(), dir), bigint: true, walSync: 'group' },
  );
  t.ok(fs.statSync(dir).isDirectory());
  t.equal(db.path, dir);
  t.same(seen, { path: dir, bigint: true, walSync: 'group' });
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, '');
  t.throws(() => openWith(() => new FakeEngine(catalog), file + '/sub'), { code: 'IO_ERROR' });
});

t.test('after close: every call throws or rejects ClosedError; close twice is harmless', async (t) => {
  const { db, engine } = fakeDb();
  t.equal(db.closed, false);
  await db.close();
  await db.close();
  t.equal(engine.closeCount, 1);
  t.equal(db.closed, true);
  await t.rejects(db.execute('SELECT 1'), ClosedError);
  await t.rejects(db.query('SELECT 1'), ClosedError);
  await t.rejects(db.queryArrow('SELECT 1'), ClosedError);
  await t.rejects(db.flush(), ClosedError);
  await t.rejects(db.drain(), ClosedError);
  t.throws(() => db.insert('bid', {}), ClosedError);
  t.throws(() => db.subscribe('bid_changes'), ClosedError);
  t.throws(() => db.table('person'), ClosedError);
  t.throws(() => db.source('bid'), ClosedError);
  t.throws(() => db.relations(), ClosedError);
  t.throws(() => db.advanceWatermark('bid', 0), ClosedError);
  t.throws(() => db.registerFunction('f', () => 1, { args: [], returns: 'int' }), { code: 'CLOSED' });
});

t.test('await using closes the database', async (t) => {
  let engine: FakeEngine | undefined;
  {
    await using db = openWith(() => (engine = new FakeEngine(catalog)));
    await db.flush();
  }
  t.equal(engine!.closeCount, 1);
  t.equal(engine!.flushCount, 1);
});

t.test('errors are LaminarErrors with stable codes', async (t) => {
  const { db } = fakeDb();
  let thrown: unknown;
  try {
    db.insert('nope', {});
  } catch (e) {
    thrown = e;
  }
  t.ok(thrown instanceof LaminarError, 'a LaminarError');
  t.match(thrown, { name: 'CatalogError', code: 'UNKNOWN_OBJECT', message: 'relation "nope" does not exist' });
});
