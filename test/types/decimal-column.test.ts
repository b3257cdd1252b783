// Packed DECIMAL columns (unscaled doubles + scale): unpacking must give back every value exactly
// (same unscaled value, same scale, so the same text with its trailing zeros), NULLs and unscaled
// values beyond 2^53 (bigints) included; columns of other types are refused.
import t from 'tap';
import fc from 'fast-check';
import { Decimal } from '../../lib/types/decimal.js';
import { packDecimals, unpackDecimals } from '../../lib/types/decimal-column.js';
import type { Value } from '../../lib/types/value.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Each value as text with its scale, NULL as null: what a reader can observe. */
function observe(values: ArrayLike<Value | undefined>): (string | null)[] {
  return Array.from(values, (v) => (v === null || v === undefined ? null : `${(v as Decimal).toString()}@${(v as Decimal).scale}`));
}

function roundTrip(values: Value[]): Value[] {
  const p = packDecimals(values, values.length);
  if (p === null) throw new Error('expected the column to pack');
  return unpackDecimals(p);
}

t.test('one scale: values, signs, zero and the safe-integer bounds come back exactly', async (t) => {
  const col = [
    new Decimal(0, 2),
    new Decimal(150, 2),
    new Decimal(-150, 2),
    new Decimal(MAX, 2),
    new Decimal(-MAX, 2),
    new Decimal(1, 2),
  ];
  const p = packDecimals(col, col.length)!;
  t.equal(p.scale, 2);
  t.equal(p.scales, null, 'a shared scale is stored once');
  const back = unpackDecimals(p);
  t.same(observe(back), ['0.00@2', '1.50@2', '-1.50@2', '90071992547409.91@2', '-90071992547409.91@2', '0.01@2']);
  t.ok(back.every((v) => v instanceof Decimal), 'Decimals, not numbers');
  t.ok(back.every((v, i) => (v as Decimal).equals(col[i]!)), 'equal to the originals');
});

t.test('NULLs (and holes read as NULL) survive in any position', async (t) => {
  const col: Value[] = [null, new Decimal(5, 1), null, new Decimal(-7, 1), null];
  t.same(observe(roundTrip(col)), [null, '0.5@1', null, '-0.7@1', null]);
  // a column whose first rows are NULL takes its scale from the first value
  const holes = new Array<Value>(3);
  holes[1] = new Decimal(12, 0);
  const p = packDecimals(holes, 3)!;
  t.same(observe(unpackDecimals(p)), [null, '12@0', null]);
});

t.test('rows of different scales keep their own scale (1.5 and 1.50 stay distinct texts)', async (t) => {
  const col = [new Decimal(15, 1), new Decimal(150, 2), null, new Decimal(3, 0), new Decimal(123456, 1000)];
  const p = packDecimals(col, col.length)!;
  t.not(p.scales, null, 'per-row scales');
  t.same(observe(unpackDecimals(p)), observe(col));
  t.equal((unpackDecimals(p)[4] as Decimal).scale, 1000, 'a high scale');
});

t.test('unscaled values beyond 2^53 (bigints) mixed with compact ones come back exactly', async (t) => {
  const big = BigInt(MAX);
  const col: Value[] = [new Decimal(big, 2), new Decimal(big + 1n, 2), null, new Decimal(-(big + 1n), 2), new Decimal(10n ** 40n + 7n, 5), new Decimal(-3, 2)];
  const p = packDecimals(col, col.length)!;
  t.equal(p.big!.size, 3, 'only the values past 2^53 are kept aside');
  const back = unpackDecimals(p);
  t.same(observe(back), observe(col));
  t.same(observe(back), ['90071992547409.91@2', '90071992547409.92@2', null, '-90071992547409.92@2', '100000000000000000000000000000000000.00007@5', '-0.03@2']);
  t.equal(packDecimals([new Decimal(1, 2)], 1)!.big, null, 'no side table without bigints');
});

t.test('columns of other types are refused, never altered', async (t) => {
  t.equal(packDecimals([1, 2, 3], 3), null, 'numbers');
  t.equal(packDecimals(['1.5'], 1), null, 'strings');
  t.equal(packDecimals([new Decimal(1, 0), 'x'], 2), null, 'a Decimal then another type');
  t.equal(packDecimals([null, null], 2), null, 'all NULL');
  t.equal(packDecimals([], 0), null, 'empty');
  t.equal(packDecimals(new Float64Array([1, 2]), 2), null, 'a typed array');
  t.equal(packDecimals([new Decimal(1, 0), new Decimal(1, 40000)], 2), null, 'a scale beyond 16 bits');
  // exactly at 2^53 - 1 the value is still a number and packs
  t.not(packDecimals([new Decimal(BigInt(MAX), 0)], 1), null, '2^53 - 1 packs');
});

t.test('only the first `length` values are packed', async (t) => {
  const col = [new Decimal(1, 0), new Decimal(2, 0), 'not a decimal'];
  t.same(observe(unpackDecimals(packDecimals(col, 2)!)), ['1@0', '2@0']);
});

t.test('property: any column of Decimals and NULLs round-trips exactly', async (t) => {
  const value = fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 6, arbitrary: fc.tuple(fc.maxSafeInteger(), fc.integer({ min: 0, max: 30 })).map(([u, s]) => new Decimal(u, s)) },
    { weight: 2, arbitrary: fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 30 })).map(([u, s]) => new Decimal(u, s)) },
  );
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), (col) => {
      const p = packDecimals(col, col.length);
      if (col.every((v) => v === null)) return p === null;
      const back = unpackDecimals(p!);
      return JSON.stringify(observe(back)) === JSON.stringify(observe(col));
    }),
  );
});
