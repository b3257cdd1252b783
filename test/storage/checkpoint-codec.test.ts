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
