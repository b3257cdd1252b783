// The shard codec keeps every internal value kind intact, and the partition hash sends equal
// SQL values to the same shard.
import t from 'tap';
import { Reader, Writer, decodeRows, encodeRows } from '../../lib/shard/codec.js';
import { hashValue, shardOfRows } from '../../lib/shard/hash.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';
import { makeJson } from '../../lib/types/json.js';
import type { Column } from '../../lib/exec/batch.js';
import type { Row } from '../../lib/types/value.js';

t.test('rows round-trip with every value kind', async (t) => {
  const rows: Row[] = [
    [null, 0, -0.5, 2 ** 53 - 1, 'héllo ✓', '', true, false],
    [new Uint8Array([0, 255, 7]), [1, null, ['x']], new Decimal(-12345678901234567890n, 4), new Interval(1, 2, 3_000_000), makeJson({ a: [1, 'b', null] }), NaN, Infinity, 'x'.repeat(70_000)],
    [],
  ];
  const back = decodeRows(encodeRows(rows));
  t.equal(back.length, 3);
  t.strictSame(back[0], rows[0]);
  const [bytes, list, dec, ivl, json, nan, inf, long] = back[1]!;
  t.strictSame([...(bytes as Uint8Array)], [0, 255, 7]);
  t.strictSame(list, [1, null, ['x']]);
  t.ok(dec instanceof Decimal);
  t.equal((dec as Decimal).unscaled, -12345678901234567890n);
  t.equal((dec as Decimal).scale, 4);
  t.ok(ivl instanceof Interval);
  t.strictSame([(ivl as Interval).months, (ivl as Interval).days, (ivl as Interval).micros], [1, 2, 3_000_000]);
  t.strictSame(json, { json: { a: [1, 'b', null] } });
  t.ok(Number.isNaN(nan));
  t.equal(inf, Infinity);
  t.equal((long as string).length, 70_000);
  t.strictSame(back[2], []);
  t.throws(() => encodeRows([[new Date() as never]]), /cannot encode/);
});

t.test('columns round-trip: typed arrays, all-number arrays and mixed arrays, by range', async (t) => {
  const f64 = new Float64Array([1.5, -2, 3, 4]);
  const i32 = new Int32Array([7, -8, 9, 10]);
  const nums: Column = [1, 2, 3, 4];
  const mixed: Column = ['a', null, 3, true];
  const w = new Writer();
  for (const c of [f64, i32, nums, mixed]) w.column(c as unknown as Column, 1, 3);
  const r = new Reader(w.take());
  const a = r.column(2);
  t.ok(a instanceof Float64Array);
  t.strictSame([...(a as Float64Array)], [-2, 3]);
  const b = r.column(2);
  t.ok(b instanceof Int32Array);
  t.strictSame([...(b as Int32Array)], [-8, 9]);
  t.strictSame(r.column(2), [2, 3]);
  t.strictSame(r.column(2), [null, 3]);
});

t.test('the partition hash: equal values agree, NULL goes to shard 0, keys spread', async (t) => {
  t.equal(hashValue(1), hashValue(1.0));
  t.equal(hashValue(0), hashValue(-0));
  t.equal(hashValue('abc'), hashValue('ab' + 'c'));
  t.equal(hashValue(new Uint8Array([1, 2])), hashValue(new Uint8Array([1, 2])));
  t.not(hashValue('a'), hashValue('b'));
  // equal decimals of different scales must meet on one shard (a join on a DECIMAL key)
  t.equal(hashValue(Decimal.parse('1.0')), hashValue(Decimal.parse('1.00')));
  t.equal(hashValue(Decimal.parse('1')), hashValue(Decimal.parse('1.000')));
  t.equal(hashValue(Decimal.parse('-2.50')), hashValue(Decimal.parse('-2.5')));
  t.equal(hashValue(Decimal.parse('0.00')), hashValue(Decimal.parse('0')));
  t.equal(hashValue(Decimal.parse('-0.0')), hashValue(Decimal.parse('0')));
  t.equal(hashValue(Decimal.parse('10')), hashValue(Decimal.parse('10.0')));
  t.not(hashValue(Decimal.parse('10')), hashValue(Decimal.parse('1')));
  t.not(hashValue(true), hashValue(false));
  const col: Column = [null, ...Array.from({ length: 999 }, (_, i) => i)];
  const out = new Uint8Array(1000);
  shardOfRows(col, 1000, 4, out);
  t.equal(out[0], 0);
  const counts = [0, 0, 0, 0];
  for (const s of out) counts[s]!++;
  t.ok(counts.every((c) => c > 200), `spread over 4 shards: ${counts.join(' ')}`);
});
