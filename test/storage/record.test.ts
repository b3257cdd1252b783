// WAL record format: every record kind and column form round-trips exactly (NULLs, typed arrays,
// Decimal, Interval, bytea, JSONB, arrays, -0/NaN/Infinity, unicode); damaged bytes are refused
// with StorageError CORRUPTION, never decoded into wrong values.
import t from 'tap';
import { StorageError } from '../../lib/errors.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';
import { decodeRecord, RecordEncoder, RecordKind } from '../../lib/storage/record.js';
import { decodeValue, encodeValue } from '../../lib/storage/value-codec.js';
import type { Column } from '../../lib/exec/batch.js';

const enc = new RecordEncoder();

function roundTripColumns(columns: Column[], length: number): Column[] {
  const bytes = enc.insertColumns('t', 123456789, columns, length).slice();
  const rec = decodeRecord(bytes);
  if (rec.kind !== RecordKind.InsertColumns) throw new Error('wrong kind');
  t.equal(rec.relation, 't');
  t.equal(rec.schema, 123456789);
  t.equal(rec.length, length);
  return rec.columns;
}

t.test('typed-array columns keep their type and values', async (t) => {
  const f = new Float64Array([1.5, -0, NaN, Infinity, 1e300]);
  const i = new Int32Array([1, -2, 3, 2147483647, -2147483648]);
  const [f2, i2] = roundTripColumns([f, i], 5);
  t.ok(f2 instanceof Float64Array);
  t.ok(i2 instanceof Int32Array);
  t.same(Array.from(f2 as Float64Array), Array.from(f));
  t.ok(Object.is((f2 as Float64Array)[1], -0));
  t.same(Array.from(i2 as Int32Array), Array.from(i));
});

t.test('only the first `length` values of a longer column are logged', async (t) => {
  const [a, b] = roundTripColumns([new Float64Array([1, 2, 3, 4]), [1, 2, 3, 4]], 2);
  t.same(Array.from(a as Float64Array), [1, 2]);
  t.same(b, [1, 2]);
});

t.test('a number column without NULLs decodes as its packed doubles; with a NULL as values', async (t) => {
  const [packed, withNull] = roundTripColumns([[3, -0, NaN, 1_700_000_000_123, 2 ** 53], [3, null, 1, 2, 5]], 5);
  t.ok(packed instanceof Float64Array, 'no value boxed per row for a column without NULL');
  t.same(Array.from(packed as Float64Array), [3, -0, NaN, 1_700_000_000_123, 2 ** 53]);
  t.ok(Object.is((packed as Float64Array)[1], -0));
  t.ok(Array.isArray(withNull));
  t.same(withNull, [3, null, 1, 2, 5]);
});

t.test('number, string and boolean columns with NULLs', async (t) => {
  const nums = [1, null, -0, 3.25, NaN, null];
  const strs = ['a', null, '', 'héllo ✓ 𝄞', null, 'x'.repeat(1000)];
  const bools = [true, false, null, true, null, false];
  const empty = [null, null, null, null, null, null];
  const [n, s, b, e] = roundTripColumns([nums, strs, bools, empty], 6);
  t.same(n, nums);
  t.ok(Object.is((n as number[])[2], -0));
  t.same(s, strs);
  t.same(b, bools);
  t.same(e, empty);
});

t.test('other values go through the tagged generic form', async (t) => {
  const dec = [new Decimal(12345n, 2), null, new Decimal(-1n, 30)];
  const ivl = [new Interval(1, 2, 3_000_000), null, new Interval(-1, 0, 0)];
  const bytes = [new Uint8Array([0, 255, 7]), null, new Uint8Array()];
  const json = [{ json: { a: [1, 'x', null], b: { tag: 'd' } } }, { json: ['d', '1', 2] }, null];
  const arrays = [[1, null, 3], null, [['nested']]];
  const mixed = [1, 'one', true];
  const cols = roundTripColumns([dec, ivl, bytes, json, arrays, mixed], 3);
  t.ok((cols[0] as Decimal[])[0] instanceof Decimal);
  t.equal((cols[0] as Decimal[])[0]!.toString(), '123.45');
  t.equal((cols[0] as Decimal[])[2]!.scale, 30);
  t.ok((cols[1] as Interval[])[0] instanceof Interval);
  t.same(cols[1], ivl);
  t.ok((cols[2] as Uint8Array[])[0] instanceof Uint8Array);
  t.same(Array.from((cols[2] as Uint8Array[])[0]!), [0, 255, 7]);
  t.same(cols[3], json, 'JSON data that looks like a tag stays data');
  t.same(cols[4], arrays);
  t.same(cols[5], mixed);
});

t.test('execute, watermark, flush, failed and row records', async (t) => {
  const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
  const params = [1, 'two', null, when, 10n ** 20n, undefined, { k: [1] }, new Uint8Array([9])];
  const e = decodeRecord(enc.execute('INSERT INTO t VALUES ($1)', params).slice());
  t.equal(e.kind, RecordKind.Execute);
  if (e.kind !== RecordKind.Execute) return;
  t.equal(e.sql, 'INSERT INTO t VALUES ($1)');
  t.ok(e.params[3] instanceof Date);
  t.equal((e.params[3] as Date).getTime(), when.getTime());
  t.equal(e.params[4], 10n ** 20n);
  t.equal(e.params[5], undefined);
  t.same(e.params.slice(0, 3), [1, 'two', null]);
  t.same(decodeRecord(enc.watermark('src', 1234.5).slice()), { kind: RecordKind.Watermark, source: 'src', eventTimeMs: 1234.5 });
  t.same(decodeRecord(enc.flush().slice()), { kind: RecordKind.Flush });
  t.same(decodeRecord(enc.failed(2 ** 40).slice()), { kind: RecordKind.Failed, lsn: 2 ** 40 });
  const rows = decodeRecord(enc.insertRows('t', 7, [[1, new Decimal(5n, 1), null]]).slice());
  t.same(rows, { kind: RecordKind.InsertRows, relation: 't', schema: 7, rows: [[1, new Decimal(5n, 1), null]] });
});

t.test('values that cannot be logged are refused with a clear error', async (t) => {
  t.throws(() => encodeValue(new Map()), { code: 'INVALID_ARGUMENT', message: /Map/ });
  t.throws(() => decodeValue(['?', 1]), StorageError);
});

t.test('truncated, extended and garbled records are CORRUPTION', async (t) => {
  const good = enc.insertColumns('t', 1, [[1, 2, 3], ['a', 'b', null]], 3).slice();
  for (let cut = 0; cut < good.length; cut++) {
    t.throws(() => decodeRecord(good.subarray(0, cut)), { code: 'CORRUPTION' }, `cut at ${cut}`);
  }
  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  t.throws(() => decodeRecord(longer), { code: 'CORRUPTION', message: /trailing/ });
  t.throws(() => decodeRecord(new Uint8Array([99])), { code: 'CORRUPTION', message: /unknown kind/ });
  const badJson = enc.execute('SELECT 1', []).slice();
  badJson[badJson.length - 2] = 0x7b; // '[]' → '{]'
  t.throws(() => decodeRecord(badJson), { code: 'CORRUPTION' });
});
