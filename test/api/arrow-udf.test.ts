// Arrow interop and JS UDF wrapping over a stand-in engine: what exactly reaches the engine.
import t from 'tap';
import * as arrow from 'apache-arrow';
import { T } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import { fakeDb } from './helpers.js';

t.test('numeric Arrow columns without nulls reach the engine without copying', async (t) => {
  const { db, engine } = fakeDb();
  const table = new arrow.Table({
    auction: arrow.makeVector(BigInt64Array.from([1n, 2n])),
    price: arrow.makeVector(Float64Array.from([1.5, 2.5])),
    ts: arrow.vectorFromArray([new Date(1000), new Date(2000)], new arrow.TimestampMillisecond()),
  });
  const batch = table.batches[0]!;
  db.insert('bid', batch);
  const call = engine.insertCalls[0]!;
  t.equal(call.length, 2);
  const price = call.columns[1] as Float64Array;
  t.type(price, Float64Array);
  t.equal(price.buffer, batch.getChild('price')!.data[0]!.values.buffer, 'same memory as the Arrow column');
  t.same(engine.rows.get('bid'), [
    [1, 1.5, null, 1000],
    [2, 2.5, null, 2000],
  ], 'Int64 → number, missing nullable column → NULL, timestamps → epoch ms');
});

t.test('columns with nulls or other layouts are converted and validated', async (t) => {
  const { db, engine } = fakeDb();
  const batch = new arrow.Table({
    auction: arrow.makeVector(Int32Array.from([7])),
    price: arrow.vectorFromArray([null], new arrow.Float64()),
    ts: arrow.makeVector(Float64Array.from([5])),
  }).batches[0]!;
  t.throws(() => db.insert('bid', batch), { code: 'NOT_NULL_VIOLATION', column: 'price', rowIndex: 0 });
  t.equal(engine.insertCalls.length, 0);
  const people = arrow.tableFromArrays({ id: Int32Array.from([1, 2]), balance: ['1.5', '2'] });
  db.table('person').insertArrow(people);
  const balances = engine.rows.get('person')!.map((r) => (r[2] as Decimal).toString());
  t.same(balances, ['1.50', '2.00'], 'DECIMAL(10,2) from Arrow strings');
  t.throws(() => db.insert('person', arrow.tableFromArrays({ id: Int32Array.from([1]), extra: Int32Array.from([1]) })), {
    code: 'UNKNOWN_COLUMN',
    column: 'extra',
  });
});

t.test('queryArrow builds typed Arrow columns', async (t) => {
  const { db, engine } = fakeDb();
  engine.nextQuery = {
    columns: [
      { name: 'i', type: T.int, nullable: true },
      { name: 'b', type: T.bigint, nullable: true },
      { name: 'ts', type: T.timestamp, nullable: true },
      { name: 'd', type: { id: 'decimal', precision: 10, scale: 2 }, nullable: true },
      { name: 's', type: T.varchar, nullable: true },
      { name: 'ok', type: T.boolean, nullable: true },
    ],
    rows: [
      [1, 2 ** 40, 1000.5, Decimal.tryParse('3.25')!, 'x', true],
      [null, null, null, null, null, null],
    ],
  };
  const table = await db.queryArrow<arrow.Table>('SELECT …');
  t.same(table.schema.fields.map((f) => String(f.type)), ['Int32', 'Int64', 'Timestamp<MICROSECOND>', 'Utf8', 'Utf8', 'Bool']);
  t.equal(table.getChild('b')!.get(0), 2n ** 40n);
  t.equal(table.getChild('ts')!.data[0]!.values[0], 1_000_500n, 'microseconds kept');
  t.equal(table.getChild('d')!.get(0), '3.25');
  t.same(table.toArray().map((r) => r.toJSON())[1], { i: null, b: null, ts: null, d: null, s: null, ok: null });
});

t.test('UDFs get user-facing arguments and return user-facing results', async (t) => {
  const { db, engine } = fakeDb();
  db.registerFunction('f', (at: Date, amount: string, n: number) => `${at.toISOString()} ${amount} ${n}`, {
    args: ['timestamp', 'numeric(10,2)', 'INTEGER'],
    returns: 'text',
  });
  const f = engine.functions.get('f')!;
  t.same(f.sig.args.map((a) => a.id), ['timestamp', 'decimal', 'int']);
  t.equal(f.sig.returns.id, 'varchar');
  t.equal(f.fn(0, Decimal.tryParse('1.50')!, 3), '1970-01-01T00:00:00.000Z 1.50 3');
  db.registerFunction('when', (s: string) => s, { args: ['varchar'], returns: 'timestamp' });
  t.equal(engine.functions.get('when')!.fn('1970-01-01 00:00:01'), 1000, 'result converted to internal');
  t.throws(() => engine.functions.get('when')!.fn('not a time'), { code: 'UDF_ERROR', message: /returned an invalid value/ });
  db.registerFunction('thrower', () => {
    throw new RangeError('bad input');
  }, { args: [], returns: 'int' });
  t.throws(() => engine.functions.get('thrower')!.fn(), { code: 'UDF_ERROR', message: 'function thrower threw: bad input' });
  db.registerFunction('arr', (xs: number[]) => xs.length, { args: ['int[]'], returns: 'bigint' });
  t.equal(engine.functions.get('arr')!.sig.args[0]!.id, 'array');
  t.throws(() => db.registerFunction('1bad', () => 1, { args: [], returns: 'int' }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => db.registerFunction('g', 5 as unknown as () => 1, { args: [], returns: 'int' }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => db.registerFunction('g', () => 1, { args: ['int'] } as never), { code: 'INVALID_ARGUMENT' });
  t.throws(() => db.registerFunction('g', () => 1, { args: ['blob'], returns: 'int' }), { code: 'INVALID_ARGUMENT', message: /unknown SQL type "blob"/ });
});

t.test('Int64, Timestamp and Float64-as-epoch-ms columns are converted in one typed pass', async (t) => {
  const { db, engine } = fakeDb();
  const micros = arrow.vectorFromArray([new Date(1000), new Date(2000)], new arrow.TimestampMicrosecond());
  db.insert('bid', new arrow.Table({ auction: arrow.makeVector(BigInt64Array.from([5n, 6n])), price: arrow.makeVector(Float64Array.from([1, 2])), ts: micros }).batches[0]!);
  t.type(engine.insertCalls[0]!.columns[0], Float64Array, 'Int64 → Float64Array of numbers');
  t.same(engine.rows.get('bid')!.map((r) => [r[0], r[3]]), [
    [5, 1000],
    [6, 2000],
  ]);
  const seconds = arrow.vectorFromArray([new Date(3000)], new arrow.TimestampSecond());
  db.insert('bid', new arrow.Table({ auction: arrow.makeVector(BigInt64Array.from([7n])), price: arrow.makeVector(Float64Array.from([1])), ts: seconds }).batches[0]!);
  t.equal(engine.rows.get('bid')![2]![3], 3000);
  const epochMs = Float64Array.from([4000.5]);
  db.insert('bid', new arrow.Table({ auction: arrow.makeVector(BigInt64Array.from([8n])), price: arrow.makeVector(Float64Array.from([1])), ts: arrow.makeVector(epochMs) }).batches[0]!);
  t.equal((engine.insertCalls[2]!.columns[3] as Float64Array).buffer, epochMs.buffer, 'finite Float64 epoch ms used without copying');
  t.equal(engine.rows.get('bid')![3]![3], 4000.5);
  const tooBig = new arrow.Table({ auction: arrow.makeVector(BigInt64Array.from([2n ** 60n])), price: arrow.makeVector(Float64Array.from([1])), ts: arrow.makeVector(Float64Array.from([0])) });
  t.throws(() => db.insert('bid', tooBig.batches[0]!), { code: 'INVALID_VALUE', column: 'auction', rowIndex: 0, message: /out of range/ });
  const notFinite = new arrow.Table({ auction: arrow.makeVector(BigInt64Array.from([1n])), price: arrow.makeVector(Float64Array.from([1])), ts: arrow.makeVector(Float64Array.from([NaN])) });
  t.throws(() => db.insert('bid', notFinite.batches[0]!), { code: 'INVALID_VALUE', column: 'ts', rowIndex: 0 });
  t.equal(engine.rows.get('bid')!.length, 4, 'failed inserts applied nothing');
});
