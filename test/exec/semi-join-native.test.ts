// Semi/anti/mark joins with their key indexes in the native store (numericKeys) against the JS
// Map path, change for change: NULL keys on both sides, -0 and 0, NaN, keys above 2^31, deletes
// that empty a key and bring it back, zero weights, snapshot/restore across paths, close().
import t from 'tap';
import fc from 'fast-check';
import { SemiJoin, type SemiJoinType } from '../../lib/exec/operators/semi-join.js';
import { stateStoreStats } from '../../lib/native/state-store.js';
import type { Row } from '../../lib/types/value.js';
import { batch, inserts, make } from './helpers.js';

const keyArb = fc.constantFrom(null, 0, -0, 1, 2, NaN, 3_000_000_000);
const sideStep = fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: -1, max: 2 })), { maxLength: 8 });
const stepsArb = fc.array(fc.tuple(fc.constantFrom(0, 1), sideStep), { maxLength: 10 });
const TYPES: SemiJoinType[] = ['semi', 'anti', 'anti-null-aware', 'mark-exists', 'mark-in'];

function changeSet(changes: [Row, number][]): string[] {
  return changes.map((c) => JSON.stringify(c)).sort();
}

function build(type: SemiJoinType, keyIndex: 'native' | 'js', residual: boolean) {
  return make(
    (o) =>
      new SemiJoin(o, {
        type,
        leftWidth: 2,
        rightWidth: 2,
        leftKeys: [0],
        rightKeys: [0],
        numericKeys: true,
        keyIndex,
        // left.v <= right.v over left ++ right
        residual: residual ? (b) => Array.from({ length: b.length }, (_, i) => (b.columns[1][i] as number) <= (b.columns[3][i] as number)) : undefined,
      }),
  );
}

for (const type of TYPES) {
  for (const residual of type === 'anti-null-aware' || type === 'mark-in' ? [false] : [false, true]) {
    t.test(`${type}${residual ? ' with a residual' : ''}: native and JS emit the same changes`, async (t) => {
      fc.assert(
        fc.property(stepsArb, (steps) => {
          const nat = build(type, 'native', residual);
          const js = build(type, 'js', residual);
          if (!nat.op.nativeKeys || js.op.nativeKeys) throw new Error('paths not as requested');
          for (const [port, rows] of steps) {
            const b = batch(rows.map(([k, v]) => [k, v] as Row), rows.map(([, , w]) => w));
            nat.op.push(b, port);
            js.op.push(b, port);
            // the same multiset of changes (a global NOT IN flip visits rows in index order)
            const a = JSON.stringify(changeSet(nat.out.changes()));
            const e = JSON.stringify(changeSet(js.out.changes()));
            if (a !== e) throw new Error(`differs after port ${port} ${JSON.stringify(rows)}:\nnative ${a}\njs     ${e}`);
            if (nat.op.stateSize() !== js.op.stateSize()) throw new Error('state sizes differ');
            nat.out.clear();
            js.out.clear();
          }
          nat.op.close();
          js.op.close();
        }),
        { numRuns: 150 },
      );
      t.pass('150 random histories agree');
    });
  }
}

t.test('snapshot from the native path restores into the JS path and back', async (t) => {
  const a = build('anti-null-aware', 'native', false);
  a.op.push(inserts([1, 0], [null, 0], [3_000_000_000, 1]), 0);
  a.op.push(inserts([3_000_000_000, 5]), 1);
  const saved = JSON.parse(JSON.stringify(a.op.snapshot()));
  for (const to of ['js', 'native'] as const) {
    const b = build('anti-null-aware', to, false);
    b.op.restore(saved);
    t.equal(b.op.stateSize(), a.op.stateSize(), `${to}: same state size`);
    b.op.push(batch([[3_000_000_000, 5]], [-1]), 1);
    // the right side is empty again: every left row is kept, NULL key included
    const got = b.out.changes().map(([r, w]) => JSON.stringify([r, w])).sort();
    t.same(got, [JSON.stringify([[3_000_000_000, 1], 1]), JSON.stringify([[null, 0], 1])].sort(), `${to}: the rows the right side hid come back`);
    b.op.close();
  }
  a.op.close();
});

t.test('close() frees both native key indexes', async (t) => {
  const before = stateStoreStats().open;
  const { op } = build('semi', 'native', false);
  op.push(inserts([1, 1]), 0);
  op.push(inserts([1, 1]), 1);
  t.equal(stateStoreStats().open, before + 2);
  op.close();
  t.equal(stateStoreStats().open, before);
});

t.test('a non-number in a numeric key column is an internal error, not a silent miss', async (t) => {
  const { op } = build('semi', 'native', false);
  t.throws(() => op.push(inserts(['x' as unknown as number, 1]), 0), { code: 'INTERNAL' });
  op.close();
});
