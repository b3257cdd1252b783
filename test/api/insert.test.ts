// Database.insert over a stand-in engine: validation is complete before anything is applied,
// errors name the column and the row, values are converted to the internal representation.
import t from 'tap';
import { CatalogError, ClosedError, LaminarError, SchemaError } from '../../lib/errors.js';
import { bidRow, fakeDb } from './helpers.js';

t.test('valid rows become one columnar insert in schema order', async (t) => {
  const { db, engine } = fakeDb();
  db.insert('bid', [bidRow(1), bidRow(2)]);
  t.equal(engine.insertCalls.length, 1, 'one engine call for the whole array');
  const call = engine.insertCalls[0]!;
  t.equal(call.length, 2);
  t.same(Array.from(call.columns[0]!), [1001, 1002], 'auction column');
  t.same(Array.from(call.columns[2]!), ['Google', null], 'NULL stays null');
  t.same(engine.rows.get('bid'), [
    [1001, 1.5, 'Google', 1_700_000_000_001],
    [1002, 3, null, 1_700_000_000_002],
  ]);
});

t.test('a single object row, key order irrelevant, missing nullable column is NULL', async (t) => {
  const { db, engine } = fakeDb();
  db.insert('bid', { ts: 5, price: 2, auction: 7 });
  t.same(engine.rows.get('bid'), [[7, 2, null, 5]]);
});

t.test('TIMESTAMP accepts Date, epoch ms and ISO/PostgreSQL strings (UTC)', async (t) => {
  const { db, engine } = fakeDb();
  db.insert('bid', [
    { auction: 1, price: 1, ts: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)) },
    { auction: 2, price: 1, ts: Date.UTC(2024, 0, 2) },
    { auction: 3, price: 1, ts: '2024-01-02T03:04:05.006Z' },
    { auction: 4, price: 1, ts: '2024-01-02 03:04:05.006' },
  ]);
  const ts = engine.rows.get('bid')!.map((r) => r[3]);
  const expected = Date.UTC(2024, 0, 2, 3, 4, 5, 6);
  t.same(ts, [expected, Date.UTC(2024, 0, 2), expected, expected]);
});

t.test('BIGINT accepts bigint within the safe range, DECIMAL accepts strings', async (t) => {
  const { db, engine } = fakeDb();
  db.insert('bid', { auction: 12n, price: 1, ts: 0 });
  t.same(engine.rows.get('bid')![0]![0], 12);
  db.insert('person', { id: 1, name: 'ann', balance: '12.50' });
  const balance = engine.rows.get('person')![0]![2] as { toString(): string };
  t.equal(String(balance), '12.50');
});

/** Runs fn, which must throw a SchemaError; checks code, column, rowIndex and message. */
function expectSchemaError(fn: () => void, code: string, column: string | undefined, rowIndex: number | undefined, text: RegExp) {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  t.type(thrown, SchemaError, `throws SchemaError ${code}`);
  const err = thrown as SchemaError;
  t.strictSame({ code: err.code, column: err.column, rowIndex: err.rowIndex }, { code, column, rowIndex });
  t.match(err.message, text);
}

t.test('a bad row anywhere rejects the whole call and applies nothing', async (t) => {
  const { db, engine } = fakeDb();
  const rows = [bidRow(0), bidRow(1), { ...bidRow(2), price: 'cheap' }, bidRow(3)];
  expectSchemaError(() => db.insert('bid', rows), 'INVALID_VALUE', 'price', 2, /row 2.*"price".*DOUBLE/);
  t.equal(engine.insertCalls.length, 0, 'nothing reached the engine');
  t.same(engine.rows.get('bid'), []);
});

t.test('unknown column names the column and row, with a hint for a case mismatch', async (t) => {
  const { db, engine } = fakeDb();
  expectSchemaError(() => db.insert('bid', [bidRow(0), { ...bidRow(1), bidder: 3 }]), 'UNKNOWN_COLUMN', 'bidder', 1, /unknown column "bidder"/);
  expectSchemaError(() => db.insert('bid', { ...bidRow(1), Price: 3 }), 'UNKNOWN_COLUMN', 'Price', 0, /did you mean "price"/);
  t.equal(engine.insertCalls.length, 0);
});

t.test('a key present with value undefined counts as NULL, not as unknown', async (t) => {
  const { db, engine } = fakeDb();
  db.insert('bid', { ...bidRow(1), channel: undefined });
  t.same(engine.rows.get('bid')![0]![2], null);
});

t.test('NULL or missing in a NOT NULL column', async (t) => {
  const { db } = fakeDb();
  expectSchemaError(() => db.insert('bid', { auction: 1, price: null, ts: 0 }), 'NOT_NULL_VIOLATION', 'price', 0, /NOT NULL.*null/);
  expectSchemaError(() => db.insert('bid', [bidRow(0), { auction: 1, price: 1 }]), 'NOT_NULL_VIOLATION', 'ts', 1, /missing/);
});

t.test('bad timestamps, non-integral or unsafe integers are rejected', async (t) => {
  const { db } = fakeDb();
  expectSchemaError(() => db.insert('bid', { ...bidRow(0), ts: 'yesterday' }), 'INVALID_VALUE', 'ts', 0, /ts/);
  expectSchemaError(() => db.insert('bid', { ...bidRow(0), ts: new Date(NaN) }), 'INVALID_VALUE', 'ts', 0, /ts/);
  expectSchemaError(() => db.insert('person', { id: 1.5 }), 'INVALID_VALUE', 'id', 0, /id/);
  expectSchemaError(() => db.insert('person', { id: 2 ** 40 }), 'INVALID_VALUE', 'id', 0, /id/);
  expectSchemaError(() => db.insert('bid', { ...bidRow(0), auction: 2n ** 70n }), 'INVALID_VALUE', 'auction', 0, /auction/);
});

t.test('rows that are not objects', async (t) => {
  const { db } = fakeDb();
  expectSchemaError(() => db.insert('bid', [bidRow(0), null as unknown as object]), 'INVALID_ROW', undefined, 1, /row 1 must be an object/);
  expectSchemaError(() => db.insert('bid', [[1, 2, 3, 4]]), 'INVALID_ROW', undefined, 0, /array/);
  t.throws(() => db.insert('bid', 42 as unknown as object), { code: 'INVALID_ARGUMENT' });
  t.throws(() => db.insert('bid', null as unknown as object), LaminarError);
});

t.test('an empty array is a no-op', async (t) => {
  const { db, engine } = fakeDb();
  db.insert('bid', []);
  t.equal(engine.insertCalls.length, 0);
});

t.test('unknown relation, views and bad names', async (t) => {
  const { db } = fakeDb();
  t.throws(() => db.insert('nope', {}), { code: 'UNKNOWN_OBJECT', constructor: CatalogError });
  t.throws(() => db.insert('bid_changes', bidRow(0)), { code: 'WRONG_OBJECT_KIND', message: /materialized view/ });
  t.throws(() => db.insert('', {}), { code: 'INVALID_ARGUMENT' });
  t.doesNotThrow(() => db.insert('BID', bidRow(0)), 'unquoted identifiers fold to lower case');
});

t.test('insert after close throws ClosedError synchronously', async (t) => {
  const { db } = fakeDb();
  await db.close();
  t.throws(() => db.insert('bid', bidRow(0)), ClosedError);
});

t.test('typed handles check the relation kind and insert through the same path', async (t) => {
  const { db, engine } = fakeDb();
  const bids = db.source<ReturnType<typeof bidRow>>('bid');
  t.equal(bids.name, 'bid');
  bids.insert(bidRow(1));
  bids.insertMany([bidRow(2), bidRow(3)]);
  t.equal(engine.rows.get('bid')!.length, 3);
  t.throws(() => bids.insertMany([bidRow(4), { ...bidRow(5), price: 'x' as unknown as number }]), { code: 'INVALID_VALUE', rowIndex: 1 });
  t.equal(engine.rows.get('bid')!.length, 3, 'failed insertMany applied nothing');
  bids.advanceWatermark(new Date(10_000));
  bids.advanceWatermark('1970-01-01 00:00:20');
  t.same(engine.watermarks, [
    { source: 'bid', ms: 10_000 },
    { source: 'bid', ms: 20_000 },
  ]);
  t.throws(() => bids.advanceWatermark('never'), { code: 'INVALID_ARGUMENT' });
  const people = db.table('person');
  people.insert({ id: 1, name: 'x', balance: null });
  t.equal(engine.rows.get('person')!.length, 1);
  t.throws(() => db.table('bid'), { code: 'WRONG_OBJECT_KIND', message: /append-only source/ });
  t.throws(() => db.source('person'), { code: 'WRONG_OBJECT_KIND' });
  t.throws(() => db.table('bid_changes'), { code: 'WRONG_OBJECT_KIND' });
  t.throws(() => db.source('missing'), { code: 'UNKNOWN_OBJECT' });
});
