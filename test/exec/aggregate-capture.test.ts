// HashAggregate.captureGroups: the checkpoint cut of an aggregate walks no group (no kernel
// save at the cut); fill() later yields exactly what snapshot() gave at the cut, although groups
// are updated, deleted and created between its slices (copy-on-write at a group's first change);
// a newer capture, restore() or close() abandons the older one.
import t from 'tap';
import { HashAggregate, type AggregateSpec } from '../../lib/exec/operators/hash-aggregate.js';
import type { StateAccumulator } from '../../lib/exec/operators/aggregate-kernels.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Value } from '../../lib/types/value.js';
import { deletes, inserts } from './helpers.js';

/** sum with a save() that counts its calls (fresh values, like lib/functions' accumulators) */
function countingSum(): { acc: StateAccumulator<{ s: number }>; saves: () => number } {
  let saves = 0;
  const acc: StateAccumulator<{ s: number }> = {
    create: () => ({ s: 0 }),
    add: (st, v, w) => {
      st.s += (v as number) * w;
    },
    result: (st) => st.s,
    save: (st) => {
      saves++;
      return st.s;
    },
    load: (saved) => ({ s: saved as number }),
  };
  return { acc, saves: () => saves };
}

function aggregate(acc: StateAccumulator<{ s: number }>): HashAggregate {
  const out = { push: (_b: Batch) => {}, watermark: () => {} };
  const specs: AggregateSpec[] = [
    { fn: 'count_star' },
    { fn: 'sum', arg: 1 },
    { fn: 'min', arg: 1 },
    { fn: 'count', arg: 1, distinct: true },
    { fn: 'custom', arg: 1, accumulator: acc as StateAccumulator },
  ];
  return new HashAggregate(out, { groupBy: [0], aggregates: specs });
}

// records are compared as JSON (numbers, strings, null): t.same over 10 K nested records is slow
const rowsFor = (from: number, n: number, v: number): Value[][] => Array.from({ length: n }, (_, i) => [from + i, v + (i % 7)]);

t.test('the cut saves nothing; fill gives the state at the cut while groups change between slices', async (t) => {
  const { acc, saves } = countingSum();
  const agg = aggregate(acc);
  const GROUPS = 10_000;
  agg.push(inserts(...rowsFor(0, GROUPS, 1)), 0);
  agg.push(inserts(...rowsFor(0, GROUPS, 3)), 0);
  agg.push(inserts(['text key', 5], [null, 2], [1.5, 9]), 0);
  agg.flush();
  const expected = JSON.stringify(agg.snapshot());
  const before = saves();
  const capture = agg.captureGroups();
  t.equal(saves(), before, 'no group was saved at the cut');

  let step = 0;
  const changeSomething = async (): Promise<void> => {
    // a step between slices: update groups ahead of and behind the fill, delete some, add new
    // ones (reusing freed slots), touch the non-numeric groups
    const k = (step * 977) % GROUPS;
    agg.push(inserts([k, 100], [GROUPS - 1 - k, 200], [GROUPS + step, 1], ['text key', 1]), 0);
    agg.push(deletes(...rowsFor(k + 1, 1, 1), ...rowsFor(k + 1, 1, 3)), 0);
    agg.push(deletes([null, 2]), 0);
    agg.flush();
    step++;
  };
  const into: unknown[] = [];
  await capture.fill(into, changeSomething);
  t.ok(step >= 2, `${step} steps ran during the fill`);
  t.equal(JSON.stringify({ groups: into }), expected, 'the groups as they were at the cut');
  // only groups changed ahead of the fill were recorded early: fewer saves than two full walks
  t.ok(saves() - before < 2 * (GROUPS + 3), 'copy-on-write, not a second walk');

  // the live state moved on, and a new capture sees it
  const now = JSON.stringify(agg.snapshot());
  t.not(now, expected);
  const again: unknown[] = [];
  await agg.captureGroups().fill(again, async () => {});
  t.equal(JSON.stringify({ groups: again }), now);
});

t.test('a newer capture, restore() or close() abandons the open one', async (t) => {
  const { acc } = countingSum();
  const agg = aggregate(acc);
  agg.push(inserts(...rowsFor(0, 100, 1)), 0);
  agg.flush();
  const state = agg.snapshot();

  const first = agg.captureGroups();
  const second = agg.captureGroups();
  await t.rejects(first.fill([], async () => {}), /superseded/);
  const ok: unknown[] = [];
  await second.fill(ok, async () => {});
  t.equal(ok.length, 100);

  const third = agg.captureGroups();
  agg.restore(state);
  await t.rejects(third.fill([], async () => {}), /superseded/);

  const fourth = agg.captureGroups();
  agg.close();
  await t.rejects(fourth.fill([], async () => {}), /superseded/);
});

t.test('a capture abandoned half-way through its fill stops there', async (t) => {
  const { acc } = countingSum();
  const agg = aggregate(acc);
  agg.push(inserts(...rowsFor(0, 20_000, 1)), 0);
  agg.flush();
  const capture = agg.captureGroups();
  let pauses = 0;
  await t.rejects(
    capture.fill([], async () => {
      if (++pauses === 2) agg.captureGroups();
    }),
    /superseded/,
  );
  t.equal(pauses, 2);
});

t.test('a later capture hands over the same record for every group not touched since the last one', async (t) => {
  const { acc, saves } = countingSum();
  const agg = aggregate(acc);
  agg.push(inserts(...rowsFor(0, 5000, 1)), 0);
  agg.flush();
  const first: unknown[] = [];
  await agg.captureGroups().fill(first, async () => {});
  // change 3 groups, delete 1, add 1
  agg.push(inserts([10, 1], [20, 1], [4999, 1], [9000, 4]), 0);
  agg.push(deletes([30, 1 + (30 % 7)]), 0);
  agg.flush();
  const expected = JSON.stringify(agg.snapshot());
  const before = saves();
  const second: unknown[] = [];
  await agg.captureGroups().fill(second, async () => {});
  t.equal(JSON.stringify({ groups: second }), expected, 'the current state');
  t.equal(saves() - before, 4, 'only the 4 groups changed or new since the last capture were saved');
  const firstByKey = new Map(first.map((r) => [(r as { key: Value[] }).key[0], r]));
  const reused = second.filter((r) => firstByKey.get((r as { key: Value[] }).key[0]) === r).length;
  t.equal(reused, 4996, 'every other record is the same object');

  // a restore forgets the records (the groups may differ now): everything is built again
  agg.restore(agg.snapshot());
  const afterRestore = saves();
  const third: unknown[] = [];
  await agg.captureGroups().fill(third, async () => {});
  t.equal(saves() - afterRestore, 5000);
  t.equal(JSON.stringify({ groups: third }), expected);
});

t.test('after an unfinished capture the next one rebuilds every record', async (t) => {
  const { acc, saves } = countingSum();
  const agg = aggregate(acc);
  agg.push(inserts(...rowsFor(0, 10_000, 1)), 0);
  agg.flush();
  await agg.captureGroups().fill([], async () => {});
  // a capture abandoned half-way: its dirty flags are gone, its cache only half refreshed
  const half = agg.captureGroups();
  agg.push(inserts([9999, 50]), 0);
  agg.flush();
  await t.rejects(
    half.fill([], async () => {
      agg.captureGroups();
    }),
    /superseded/,
  );
  agg.push(inserts([9998, 60]), 0);
  agg.flush();
  const expected = JSON.stringify(agg.snapshot());
  const before = saves();
  const next: unknown[] = [];
  await agg.captureGroups().fill(next, async () => {});
  t.equal(JSON.stringify({ groups: next }), expected);
  t.equal(saves() - before, 10_000, 'nothing reused');
});
