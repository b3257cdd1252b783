import t from 'tap';
import fc from 'fast-check';
import { NumericKeyIndex } from '../../lib/exec/operators/group-index.js';
import { HashAggregate } from '../../lib/exec/operators/hash-aggregate.js';
import type { StateAccumulator } from '../../lib/exec/operators/aggregate-kernels.js';
import type { Row } from '../../lib/types/value.js';
import { batch, deletes, inserts, make, sortRows, stepBatch, stepsArb } from './helpers.js';
import { stateStoreStats } from '../../lib/native/state-store.js';

function setProbe(idx: NumericKeyIndex, key: readonly number[]): NumericKeyIndex {
  idx.probe.set(key);
  return idx;
}

t.test('NumericKeyIndex behaves like a Map over random inserts and deletes (growth, backward-shift deletion)', async (t) => {
  // few distinct values so keys collide in the first column and probe chains get long
  const key = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 1.5, -7, 1.7e12, 2 ** 53 - 1));
  const op = fc.record({ del: fc.boolean(), key });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
      const idx = new NumericKeyIndex(2, 4);
      const ref = new Map<string, number>();
      let next = 0;
      for (const { del, key: k } of ops) {
        const name = k.join(',');
        if (del) {
          if (setProbe(idx, k).delete() !== ref.delete(name)) return false;
        } else if (!ref.has(name)) {
          setProbe(idx, k).insert(next);
          ref.set(name, next++);
        }
        if (idx.size !== ref.size) return false;
      }
      // every key still present is found with its slot, every deleted one is gone
      for (let a = 0; a <= 40; a++) {
        for (const b of [0, 1.5, -7, 1.7e12, 2 ** 53 - 1]) {
          const want = ref.get(`${a},${b}`) ?? -1;
          if (setProbe(idx, [a, b]).find() !== want) return false;
        }
      }
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass('200 random operation sequences agreed with a Map');
});

t.test('NumericKeyIndex: one column, many keys, clear', async (t) => {
  const idx = new NumericKeyIndex(1);
  for (let k = 0; k < 50_000; k++) setProbe(idx, [k * 1000 + 0.25]).insert(k);
  t.equal(idx.size, 50_000);
  t.equal(setProbe(idx, [49_999 * 1000 + 0.25]).find(), 49_999);
  t.equal(setProbe(idx, [0.25]).find(), 0);
  t.equal(setProbe(idx, [0.5]).find(), -1);
  idx.clear();
  t.equal(idx.size, 0);
  t.equal(setProbe(idx, [0.25]).find(), -1);
});

const countSum = (mode: 'native' | 'js') => (o: ConstructorParameters<typeof HashAggregate>[0]) =>
  new HashAggregate(o, { groupBy: [0, 1], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 2 }], groupIndex: mode });

// the same behaviour whether all-number keys are indexed in the native store or in JS
for (const mode of ['native', 'js'] as const) {
  t.test(`${mode} index: aggregate with numeric keys: -0 groups with 0, NaN with NaN, NULL and text keys apart`, async (t) => {
    const { op, out } = make(countSum(mode));
    op.push(
      inserts(
        [0, 1, 1],
        [-0, 1, 2],
        [NaN, 1, 4],
        [NaN, 1, 8],
        [null, 1, 16],
        [null, 1, 32],
        ['0', 1, 64],
        [1.7e12, 2 ** 53 - 1, 128],
        [1.7e12, 2 ** 53 - 1, 256],
      ),
      0,
    );
    op.flush();
    const rows = out.net();
    t.same(
      sortRows(rows),
      sortRows([
        [0, 1, 2, 3],
        [NaN, 1, 2, 12],
        [null, 1, 2, 48],
        ['0', 1, 1, 64],
        [1.7e12, 2 ** 53 - 1, 2, 384],
      ] as Row[]),
    );
    t.equal(op.stateSize(), 5);
  });

  t.test(`${mode} index: aggregate with numeric keys: a group that empties is released and comes back fresh`, async (t) => {
    const { op, out } = make(countSum(mode));
    op.push(inserts([5, 7, 10], [5, 7, 20], [6, 7, 1]), 0);
    op.flush();
    op.push(batch([[5, 7, 10], [5, 7, 20]], [-1, -1]), 0);
    op.flush();
    t.same(sortRows(out.net()), [[6, 7, 1, 1]], 'group (5,7) gone');
    t.equal(op.stateSize(), 1);
    // the freed slot is reused by another key, and (5,7) starts again from zero
    op.push(inserts([8, 9, 3], [5, 7, 100]), 0);
    op.flush();
    t.same(sortRows(out.net()), sortRows([[6, 7, 1, 1], [8, 9, 1, 3], [5, 7, 1, 100]] as Row[]));
    // and survives a snapshot/restore round trip with its numeric lookup intact
    const { op: copy, out: copyOut } = make(countSum(mode));
    copy.restore(JSON.parse(JSON.stringify(op.snapshot())));
    copy.push(inserts([5, 7, 1], [6, 7, 1]), 0);
    copy.flush();
    t.same(sortRows(copyOut.changes().map(([r, w]) => [...r, w])), sortRows([[5, 7, 1, 100, -1], [5, 7, 2, 101, 1], [6, 7, 1, 1, -1], [6, 7, 2, 2, 1]] as Row[]));
    t.equal(copy.stateSize(), 3);
  });

  t.test(`${mode} index: aggregate with numeric keys equals a naive grouping over random changes`, async (t) => {
    const rowArb = fc.tuple(
      fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(null, NaN, -0, 1.7e12)),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: -50, max: 50 }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(rowArb, { maxLength: 12 }), { maxLength: 8 }), fc.array(fc.boolean(), { maxLength: 100 }), (steps, dels) => {
        const { op, out } = make(countSum(mode));
        const live: Row[] = [];
        let d = 0;
        for (const step of steps) {
          const rows: Row[] = [];
          const weights: number[] = [];
          for (const r of step) {
            // sometimes retract an earlier live row instead of inserting
            if (dels[d++ % Math.max(dels.length, 1)] && live.length > 0) {
              rows.push(live.pop()!);
              weights.push(-1);
            } else {
              rows.push(r);
              weights.push(1);
              live.push(r);
            }
          }
          if (rows.length === 0) continue;
          op.push(batch(rows, weights), 0);
          op.flush();
        }
        const groups = new Map<string, Row>();
        for (const r of live) {
          const k = JSON.stringify([Object.is(r[0], -0) ? 0 : r[0], r[1]]) + (Number.isNaN(r[0]) ? 'nan' : '');
          const g = groups.get(k);
          if (g) {
            (g[2] as number)++;
            (g[3] as number) += r[2] as number;
          } else groups.set(k, [Object.is(r[0], -0) ? 0 : r[0], r[1], 1, r[2]]);
        }
        t.same(sortRows(out.net()), sortRows([...groups.values()]));
        return op.stateSize() === groups.size;
      }),
      { numRuns: 150 },
    );
  });
}

t.test('native index: the aggregate holds one native store, indexes only all-number keys, frees it on close', async (t) => {
  const before = stateStoreStats();
  const { op, out } = make(countSum('native'));
  op.push(inserts(['x', 2, 5], [null, 2, 6]), 0);
  op.flush();
  t.equal(stateStoreStats().open, before.open, 'no store while no all-number key came (text keys stay in JS by default)');
  op.push(inserts([1, 2, 3]), 0);
  op.flush();
  t.equal(stateStoreStats().open, before.open + 1, 'one store per aggregate');
  op.close();
  t.equal(stateStoreStats().open, before.open, 'closed');
});

t.test('textGroupIndex native: all-number keys in one native store, other keys in a byte-keyed one, both freed on close', async (t) => {
  const before = stateStoreStats();
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [0, 1], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 2 }], groupIndex: 'native', textGroupIndex: 'native' }));
  op.push(inserts(['x', 2, 5], [null, 2, 6]), 0);
  op.flush();
  t.equal(stateStoreStats().open, before.open + 1, 'text / NULL keys: the byte-keyed store only');
  op.push(inserts([1, 2, 3], [1, 2, 4], [NaN, 2, 7], [3, null, 8]), 0);
  op.flush();
  t.equal(stateStoreStats().open, before.open + 2, 'the first all-number key opens the numeric store');
  t.equal(op.stateSize(), 5);
  t.same(sortRows(out.net()), sortRows([[1, 2, 2, 7], ['x', 2, 1, 5], [null, 2, 1, 6], [NaN, 2, 1, 7], [3, null, 1, 8]] as Row[]));
  t.ok(stateStoreStats().bytes > before.bytes, 'the keys live in native memory');
  // a released group leaves its native store (deleted at the end of the flush)
  op.push(deletes([1, 2, 3], [1, 2, 4]), 0);
  op.flush();
  t.equal(op.stateSize(), 4);
  op.push(deletes(['x', 2, 5], [NaN, 2, 7]), 0);
  op.flush();
  t.equal(op.stateSize(), 2, 'released byte-keyed groups leave the store too');
  op.push(inserts(['x', 2, 9]), 0);
  op.flush();
  t.same(sortRows(out.net()), sortRows([['x', 2, 1, 9], [null, 2, 1, 6], [3, null, 1, 8]] as Row[]), 'a key that came back starts a fresh group');
  op.close();
  t.equal(stateStoreStats().open, before.open, 'closed');
});

t.test('native and JS indexes give the same changes, in the same order, over random batches', async (t) => {
  const keyArb = fc.oneof(fc.integer({ min: -4, max: 4 }), fc.constantFrom<number | string | null>(null, NaN, -0, 0.5, 1.7e12, 2 ** 53 + 2, 'a', 'b'));
  const rowArb = fc.tuple(keyArb, fc.integer({ min: -20, max: 20 })).map((r) => r as Row);
  // text: where keys that are not all numbers go with the native index (JS maps or the byte store)
  for (const [width, text] of [[1, 'js'], [2, 'js'], [1, 'native'], [2, 'native']] as const) {
    fc.assert(
      fc.property(stepsArb(rowArb, 10, 12), fc.array(fc.boolean(), { maxLength: 40 }), (steps, zeroWeights) => {
        const agg = (mode: 'native' | 'js') =>
          make(
            (o) =>
              new HashAggregate(o, {
                groupBy: width === 1 ? [0] : [0, 0],
                aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 1 }, { fn: 'min', arg: 1 }],
                groupIndex: mode,
                textGroupIndex: text,
              }),
          );
        const native = agg('native');
        const js = agg('js');
        const current: Row[] = [];
        let z = 0;
        for (const step of steps) {
          const b = stepBatch(step, current, 2);
          // rows of weight 0 are skipped (also by the batched native lookup)
          const weights = b.weights === null ? null : Int32Array.from(b.weights, (w) => (zeroWeights[z++ % Math.max(1, zeroWeights.length)] === true ? 0 : w));
          // a zeroed row did not happen: undo what stepBatch did to `current` for it
          for (let i = 0; weights !== null && i < b.length; i++) {
            if (weights[i] !== 0) continue;
            const row = [b.columns[0][i], b.columns[1][i]] as Row;
            if (b.weights![i] < 0) current.push(row);
            else current.splice(current.lastIndexOf(current.find((r) => Object.is(r[0], row[0]) && r[1] === row[1])!), 1);
          }
          const nb = { ...b, weights };
          native.op.push(nb, 0);
          js.op.push(nb, 0);
          native.op.flush();
          js.op.flush();
        }
        t.same(native.out.changes(), js.out.changes());
        // and a restored copy indexes the same groups
        const copy = agg('native');
        copy.op.restore(native.op.snapshot());
        t.equal(copy.op.stateSize(), js.op.stateSize());
        const probe = inserts(...current.slice(0, 5));
        copy.op.push(probe, 0);
        js.op.push(probe, 0);
        copy.op.flush();
        js.op.flush();
        t.same(copy.out.changes(), js.out.changes().slice(js.out.changes().length - copy.out.changes().length));
        native.op.close();
        copy.op.close();
      }),
      { numRuns: 60 },
    );
  }
});

t.test('native index: a flush that throws leaves no stale key behind', async (t) => {
  let failOn: number | null = null;
  const acc: StateAccumulator<{ s: number }> = {
    create: () => ({ s: 0 }),
    add: (st, v, w) => {
      st.s += (v as number) * w;
    },
    result: (st) => {
      if (st.s === failOn) throw new Error('result failed');
      return st.s;
    },
  };
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [0], aggregates: [{ fn: 'custom', arg: 1, accumulator: acc as StateAccumulator }], groupIndex: 'native' }));
  op.push(inserts([1, 10]), 0);
  op.flush();
  // group 1 is released (its slot freed) before group 2's result throws
  failOn = 20;
  op.push(batch([[1, 10], [2, 20]], [-1, 1]), 0);
  t.throws(() => op.flush(), /result failed/);
  failOn = null;
  // group 3 takes the freed slot; key 1 must then be a new group, not group 3's slot
  op.push(inserts([3, 30]), 0);
  op.push(inserts([1, 5]), 0);
  op.flush();
  const net = new Map(out.net().map((r) => [r[0], r[1]]));
  t.equal(net.get(1), 5, 'key 1 starts fresh');
  t.equal(net.get(3), 30, 'key 3 unaffected');
  t.equal(op.stateSize(), 3);
  op.close();
});
