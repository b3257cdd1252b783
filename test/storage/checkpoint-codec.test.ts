// Checkpoint state encoding: every value an operator snapshot can hold comes back equal and with
// its class (Decimal/Interval keep their methods); row arrays written as columns round-trip.
import t from 'tap';
import { deserializeState, serializeState } from '../../lib/storage/checkpoint-codec.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';

t.test('scalars, classes, Maps and nested values survive', async (t) => {
  const state = {
    d: new Decimal(-12345n, 2),
    i: new Interval(1, 2, 3_000_000),
    big: 2n ** 70n,
    m: new Map<unknown, unknown>([['k', [new Decimal(5n, 0), null]], [7, new Set([1, 2])]]),
    bytes: new Uint8Array([1, 2, 3]),
    nums: [-0, NaN, Infinity, -Infinity, 1.5],
    json: { json: { a: [1, 'x'] } },
  };
  const back = deserializeState(serializeState(state)) as typeof state;
  t.ok(back.d instanceof Decimal && back.d.unscaled === -12345n && back.d.scale === 2);
  t.ok(back.i instanceof Interval && back.i.micros === 3_000_000 && back.i.months === 1);
  t.equal(back.big, 2n ** 70n);
  t.ok((back.m.get('k') as unknown[])[0] instanceof Decimal);
  t.same([...(back.m.get(7) as Set<number>)], [1, 2]);
  t.same([...back.bytes], [1, 2, 3]);
  t.ok(Object.is(back.nums[0], -0) && Number.isNaN(back.nums[1]));
  t.same(back.nums.slice(2), [Infinity, -Infinity, 1.5]);
  t.same(back.json, { json: { a: [1, 'x'] } });
});

t.test('long row arrays (written as columns) come back row for row', async (t) => {
  const rows = Array.from({ length: 500 }, (_, i) => [
    i,
    i % 3 === 0 ? null : `s${i}`,
    i % 5 === 0 ? -0 : i / 7,
    new Decimal(BigInt(i), 1),
    i % 2 === 0 ? [i, [i + 1]] : null,
  ]);
  const back = deserializeState(serializeState({ rows })) as { rows: unknown[][] };
  t.equal(back.rows.length, 500);
  t.same(back.rows.map((r) => r.slice(0, 3)), rows.map((r) => r.slice(0, 3)));
  t.ok(Object.is(back.rows[0]![2], -0), '-0 kept in a number column');
  t.ok(back.rows.every((r, i) => r[3] instanceof Decimal && (r[3] as Decimal).unscaled === BigInt(i)));
  t.same(back.rows.map((r) => r[4]), rows.map((r) => r[4]));
  // not all the same width: kept as a plain array
  const ragged = [...rows.slice(0, 100), [1, 2]];
  t.same((deserializeState(serializeState(ragged)) as unknown[][])[100], [1, 2]);
  t.equal((deserializeState(serializeState(ragged)) as unknown[][]).length, 101);
});

t.test('long arrays of same-keyed records and of numbers (written as columns) come back exactly', async (t) => {
  const groups = Array.from({ length: 300 }, (_, i) => ({
    key: [i, `k${i % 4}`],
    count: i % 7,
    emitted: i % 3 === 0 ? null : [i, i * 2, new Decimal(BigInt(i), 2)],
    aggs: [i, [i * 1.5, i % 2, i % 5 === 0 ? ['12', 2] : null]],
    distinct: [null, i % 11 === 0 ? [[`v${i}`, 1]] : null],
  }));
  const back = deserializeState(serializeState({ groups })) as { groups: typeof groups };
  t.same(back.groups, groups);
  t.ok(back.groups.every((g, i) => g.emitted === null || ((g.emitted[2] as Decimal).unscaled === BigInt(i))), 'classes inside record columns survive');
  t.same(Object.keys(back.groups[0]!), ['key', 'count', 'emitted', 'aggs', 'distinct'], 'key order kept');
  // numbers: -0, NaN and infinities survive the Float64Array column
  const nums = Array.from({ length: 200 }, (_, i) => (i === 0 ? -0 : i === 1 ? NaN : i === 2 ? -Infinity : i / 3));
  const nb = deserializeState(serializeState({ nums })) as { nums: number[] };
  t.ok(Array.isArray(nb.nums), 'a plain array again');
  t.ok(Object.is(nb.nums[0], -0) && Number.isNaN(nb.nums[1]) && nb.nums[2] === -Infinity);
  t.same(nb.nums.slice(3), nums.slice(3));
  // records that differ in keys or key order, or are not plain, stay as they are
  const mixed: unknown[] = Array.from({ length: 100 }, (_, i) => ({ a: i, b: i }));
  mixed[50] = { b: 1, a: 2 };
  mixed[60] = { a: 1 };
  mixed[70] = new Map([[1, 2]]);
  const mb = deserializeState(serializeState(mixed)) as unknown[];
  t.same(mb[50], { b: 1, a: 2 });
  t.same(Object.keys(mb[50] as object), ['b', 'a']);
  t.same(mb[60], { a: 1 });
  t.ok(mb[70] instanceof Map);
  t.same(mb[99], { a: 99, b: 99 });
  // a user value that happens to look like a tag is not mistaken for one
  const tricky = Array.from({ length: 100 }, (_, i) => ({ __laminar_value: 'f', v: i }));
  t.same(deserializeState(serializeState(tricky)), tricky);
  const lone = { json: { __laminar_value: 'd', u: 5n, s: 0, nested: { __laminar_value: 'i' } } };
  t.same(deserializeState(serializeState(lone)), lone, 'a lone object with the tag key too');
});
