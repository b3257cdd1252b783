import t from 'tap';
import fc from 'fast-check';
import { compareAny, compareNullable, compareValues, encodeValue, keyOf, makeKeyFn, rowKey, valuesEqual } from '../../lib/types/compare.js';
import { T } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';
import { makeJson } from '../../lib/types/json.js';

const dec = (s: string) => Decimal.parse(s);

t.test('SQL ordering per type', async (t) => {
  t.equal(compareValues(1, 2, T.int), -1);
  t.equal(compareValues(2.5, 2.5, T.double), 0);
  t.equal(compareValues(NaN, Infinity, T.double), 1, 'NaN sorts above everything (PostgreSQL)');
  t.equal(compareValues(NaN, NaN, T.double), 0);
  t.equal(compareValues('a', 'b', T.varchar), -1);
  t.equal(compareValues('B', 'a', T.varchar), -1, 'C collation: uppercase first');
  t.equal(compareValues(false, true, T.boolean), -1);
  t.equal(compareValues(dec('1.0'), dec('1'), T.decimal), 0);
  t.equal(compareValues(dec('-1.5'), dec('1'), T.decimal), -1);
  t.equal(compareValues(new Interval(1, 0, 0), new Interval(0, 29, 0), T.interval), 1);
  t.equal(compareValues([1, 2], [1, 3], T.array(T.int)), -1);
  t.equal(compareValues([1, 2], [1, 2, 0], T.array(T.int)), -1);
  t.equal(compareValues([1, null], [1, 5], T.array(T.int)), 1, 'NULL elements sort last');
  t.equal(compareValues(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]), T.bytea), -1);
  t.equal(compareAny('x', 'x'), 0);
  t.equal(compareAny(dec('2'), dec('10')), -1);
});

t.test('NULL placement', async (t) => {
  t.equal(compareNullable(null, 1, false), 1, 'NULLS LAST');
  t.equal(compareNullable(null, 1, true), -1, 'NULLS FIRST');
  t.equal(compareNullable(null, null, true), 0);
  t.equal(compareNullable(1, null, false), -1);
});

t.test('equality', async (t) => {
  t.ok(valuesEqual(1, 1));
  t.notOk(valuesEqual(1, '1' as never));
  t.ok(valuesEqual(NaN, NaN));
  t.ok(valuesEqual(dec('1.50'), dec('1.5'), T.decimal));
  t.ok(valuesEqual(new Interval(0, 1, 0), new Interval(0, 0, 86_400_000_000)));
  t.ok(valuesEqual(['a', null], ['a', null], T.array(T.varchar)));
  t.notOk(valuesEqual('a', 'b'));
});

t.test('keys distinguish types and NULL, and merge SQL-equal values', async (t) => {
  t.equal(keyOf(1), 1, 'numbers are their own key');
  t.equal(keyOf('x'), 'x');
  t.equal(keyOf(null), null);
  t.equal(keyOf(dec('1.0')), keyOf(dec('1.00')));
  t.not(rowKey(1), rowKey('1'));
  t.not(rowKey(null), rowKey('null'));
  t.not(rowKey(null), rowKey('N'));
  t.not(rowKey('a', 'bc'), rowKey('ab', 'c'));
  t.not(rowKey(1, 23), rowKey(12, 3));
  t.not(rowKey(true), rowKey('T'));
  t.equal(rowKey(0), rowKey(-0));
  t.equal(rowKey(dec('2.50'), 'x'), rowKey(dec('2.5'), 'x'));
  t.equal(rowKey(new Interval(1, 0, 0)), rowKey(new Interval(0, 30, 0)));
  t.equal(rowKey(makeJson({ a: 1, b: 2 })), rowKey(makeJson({ b: 2, a: 1 })), 'jsonb key order is irrelevant');
  t.not(rowKey(['a', 'b']), rowKey(['a,b']));
  t.not(rowKey([1], 2), rowKey([1, 2]));
  const m = new Map<unknown, number>();
  m.set(keyOf(1), 1);
  m.set(keyOf('1'), 2);
  m.set(keyOf(null), 3);
  m.set(keyOf('null'), 4);
  t.equal(m.size, 4);
});

t.test('makeKeyFn: one primitive column is the value itself, several a tuple key', async (t) => {
  const cols = [[1, 2, null], ['a', 'b', null], [dec('1.0'), dec('1.00'), null]];
  const one = makeKeyFn([T.bigint], [0]);
  t.equal(one(cols, 0), 1);
  t.equal(one(cols, 2), null);
  const dk = makeKeyFn([T.decimal], [2]);
  t.equal(dk(cols, 0), dk(cols, 1));
  const two = makeKeyFn([T.bigint, T.varchar], [0, 1]);
  t.equal(two(cols, 0), rowKey(1, 'a'));
  const three = makeKeyFn([T.bigint, T.varchar, T.decimal], [0, 1, 2]);
  t.equal(three(cols, 2), rowKey(null, null, null));
});

t.test('property: the tuple encoding is injective on distinct tuples', async (t) => {
  const val = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean(), fc.double({ noNaN: true }));
  fc.assert(
    fc.property(fc.array(val, { maxLength: 3 }), fc.array(val, { maxLength: 3 }), (a, b) => {
      const same = a.length === b.length && a.every((x, i) => x === b[i] || (x === 0 && b[i] === 0));
      return (rowKey(...a) === rowKey(...b)) === same;
    }),
    { numRuns: 3000 },
  );
  t.equal(encodeValue(null), 'N');
});
