// Joins on a single numeric key (JoinOptions.numericKeys) index their keys in the native store
// from the first key (the store itself is created at the first insert); they give exactly the
// answers of the plain join, for NULL, -0/0, NaN, fractional and large keys, under inserts and
// deletes, across snapshot/restore; emptied keys leave the index.
import t from 'tap';
import fc from 'fast-check';
import { Join, type JoinType } from '../../lib/exec/operators/join.js';
import { Arrangement } from '../../lib/exec/operators/arrangement.js';
import { stateStoreStats } from '../../lib/native/state-store.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Row } from '../../lib/types/value.js';
import { batch, deletes, inserts, make, sortRows, stepBatch, stepsArb } from './helpers.js';

const residual = (b: Batch): boolean[] => {
  const out: boolean[] = [];
  for (let i = 0; i < b.length; i++) out.push((b.columns[1][i] as number) <= (b.columns[3][i] as number));
  return out;
};

const join = (type: JoinType, numericKeys: boolean, withResidual = false) =>
  make((o) => new Join(o, { type, leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0], residual: withResidual ? residual : undefined, numericKeys }));

// keys that are equal under join equality must meet: -0 and 0, NaN and NaN (the engine's
// equality), 1.5 and 1.5, timestamps beyond 2^31
const keyArb = fc.constantFrom<number | null>(null, 0, -0, 1, 2, 1.5, NaN, 1_704_067_200_000, 2 ** 52 + 1, -7);

t.test('property: native-keyed joins equal Map-keyed joins', async (t) => {
  const rowArb = fc.tuple(keyArb, fc.integer({ min: 0, max: 3 })).map((r) => r as Row);
  const sideSteps = fc.array(fc.tuple(fc.constantFrom(0, 1), stepsArb(rowArb, 1, 6).map((s) => s[0])), { minLength: 1, maxLength: 12 });
  for (const type of ['inner', 'left', 'right', 'full'] as JoinType[]) {
    for (const withResidual of [false, true]) {
      fc.assert(
        fc.property(sideSteps, (steps) => {
          const a = join(type, true, withResidual);
          const b = join(type, false, withResidual);
          const current: [Row[], Row[]] = [[], []];
          for (const [side, ops] of steps) {
            const batch = stepBatch(ops, current[side], 2);
            a.op.push(batch, side);
            b.op.push(batch, side);
            const got = JSON.stringify(a.out.net());
            const want = JSON.stringify(b.out.net());
            if (got !== want) throw new Error(`${type}: got ${got}, expected ${want}`);
            if (a.op.stateSize() !== b.op.stateSize()) throw new Error(`${type}: state ${a.op.stateSize()} vs ${b.op.stateSize()}`);
          }
        }),
        { numRuns: 120 },
      );
    }
  }
  t.pass('held for every join type, with and without a residual');
});

t.test('-0 meets 0 and NaN meets NaN; NULL meets nothing', async (t) => {
  const { op, out } = join('inner', true);
  op.push(inserts([0, 1], [NaN, 2], [null, 3]), 0);
  op.push(inserts([-0, 10], [NaN, 20], [null, 30]), 1);
  t.same(out.net().length, 2);
  t.same(out.net().map((r) => r[1]).sort(), [1, 2]);
});

t.test('a key whose rows are all deleted leaves the native index; one deleted and re-added in a batch stays', async (t) => {
  const before = stateStoreStats().open;
  const a = new Arrangement({ nativeKeys: true });
  t.ok(a.nativeKeys, 'native from the start');
  t.equal(a.bucket(2.5), undefined, 'an empty index answers lookups');
  t.equal(stateStoreStats().open, before, 'no store before the first key');
  a.add(2.5, [2.5, 'x'], 1, 0);
  t.equal(stateStoreStats().open, before + 1, 'the store comes with the first key');
  t.same(a.bucket(2.5)?.map((id) => a.rowOf(id)), [[2.5, 'x']], 'with its rows');
  const keys = new Float64Array([5, 6, 5]);
  const slots = new Uint32Array(3);
  a.slotsOf(keys, 3, slots);
  t.equal(slots[0], slots[2], 'one slot per key');
  a.addAt(slots[0], 5, [5, 'a'], 1, 0);
  a.addAt(slots[1], 6, [6, 'b'], 1, 0);
  a.releaseEmptied();
  t.equal(a.keyCount, 3);
  // same batch: 5 emptied then refilled, 6 emptied
  a.slotsOf(keys, 3, slots);
  a.addAt(slots[0], 5, [5, 'a'], -1, 0);
  a.addAt(slots[1], 6, [6, 'b'], -1, 0);
  a.addAt(slots[2], 5, [5, 'c'], 1, 0);
  a.releaseEmptied();
  t.equal(a.keyCount, 2, 'only key 6 was released (5 and 2.5 stay)');
  t.same(a.bucket(5)?.map((id) => a.rowOf(id)), [[5, 'c']]);
  t.equal(a.bucket(6), undefined);
  const found: (readonly unknown[] | undefined)[] = [];
  a.bucketsOf(new Float64Array([6, 5]), 2, found as never, new Int32Array(2));
  t.equal(found[0], undefined);
  t.equal((found[1] as unknown[]).length, 1);
});

t.test('churn: many keys inserted and deleted leave nothing behind', async (t) => {
  const { op, out } = join('inner', true);
  for (let round = 0; round < 5; round++) {
    const rows: Row[] = [];
    for (let i = 0; i < 3000; i++) rows.push([round * 10_000 + i, i]);
    op.push(inserts(...rows), 0);
    op.push(inserts(...rows.slice(0, 10)), 1);
    op.push(deletes(...rows), 0);
    op.push(deletes(...rows.slice(0, 10)), 1);
  }
  t.equal(op.stateSize(), 0);
  t.same(out.net(), []);
  const sides = (op as unknown as { sides: Arrangement[] }).sides;
  t.same(sides.map((s) => s.keyCount), [0, 0], 'the native indexes are empty');
});

t.test('snapshot/restore of a native-keyed join', async (t) => {
  const a = join('full', true);
  a.op.push(inserts([1, 1], [2, 2], [1_704_067_200_000, 3]), 0);
  a.op.push(inserts([1, 5], [1_704_067_200_000, 6]), 1);
  const b = join('full', true);
  b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
  b.op.push(deletes([1, 5]), 1);
  b.op.push(inserts([2, 9]), 1);
  t.same(
    sortRows(b.out.changes().map(([r, w]) => [...r, w])),
    sortRows([[1, 1, 1, 5, -1], [1, 1, null, null, 1], [null, null, 2, 9, -1 + 1], [2, 2, null, null, -1], [2, 2, 2, 9, 1]].filter((r) => r[4] !== 0)),
  );
});

t.test('a join on small-integer keys is native from its first key and stays exact', async (t) => {
  const { op, out } = join('left', true);
  const n = 20_000;
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) rows.push([i, i & 7]);
  const sides = (op as unknown as { sides: Arrangement[] }).sides;
  op.push(batch(rows.slice(0, 1000)), 0);
  t.ok(sides[0]!.nativeKeys, 'native at once');
  t.equal(sides[0]!.keyCount, 1000, 'keys in the native index');
  op.push(batch(rows.slice(1000)), 0);
  op.push(inserts([5, 100], [n - 1, 200], [n + 5, 300]), 1);
  op.push(deletes([5, 5]), 0);
  const net = out.net();
  t.equal(net.length, n - 1, 'every left row once (padded or matched), the deleted one gone');
  t.ok(net.some((r) => r[0] === n - 1 && r[3] === 200), 'a key inserted later matches');
  t.notOk(net.some((r) => r[0] === 5), 'row 5 deleted');
  t.equal(sides[0]!.keyCount, n - 1);
  t.equal(sides[1]!.keyCount, 3);
  op.close();
  t.equal(sides[0]!.keyCount, 0, 'closed: the index is gone');
});
