// DISTINCT with its row index in the native store against the JS Map path, change for change:
// strings, NULLs, numbers, mixed rows, deletes to zero and below, repeats inside one batch,
// slot reuse after a row disappears, snapshot/restore across the two paths, and close().
import t from 'tap';
import fc from 'fast-check';
import { Distinct } from '../../lib/exec/operators/distinct.js';
import { stateStoreStats } from '../../lib/native/state-store.js';
import { ClosedError } from '../../lib/errors.js';
import type { Row } from '../../lib/types/value.js';
import { batch, deletes, inserts, make } from './helpers.js';

const cell = fc.oneof(
  fc.constantFrom(null, 0, -0, 1, 2.5, NaN, 3_000_000_000),
  fc.constantFrom('', 'a', 'b', 'ü', '𝄞', 'a\u0000b'),
  fc.boolean(),
);
const rowArb = fc.tuple(cell, cell).map((r) => r as Row);
const stepArb = fc.array(fc.tuple(rowArb, fc.integer({ min: -2, max: 2 })), { maxLength: 12 });

t.test('native and JS DISTINCT emit the same changes for every step', async (t) => {
  fc.assert(
    fc.property(fc.array(stepArb, { maxLength: 8 }), (steps) => {
      const nat = make((o) => new Distinct(o, 2));
      const js = make((o) => new Distinct(o, 2, { keyIndex: 'js' }));
      if (!nat.op.nativeIndex || js.op.nativeIndex) throw new Error('paths not as requested');
      for (const step of steps) {
        const b = batch(step.map(([r]) => r), step.map(([, w]) => w));
        nat.op.push(b, 0);
        js.op.push(b, 0);
        nat.op.flush();
        js.op.flush();
        const a = JSON.stringify(nat.out.changes());
        const e = JSON.stringify(js.out.changes());
        if (a !== e) throw new Error(`step differs:\nnative ${a}\njs     ${e}`);
        if (nat.op.stateSize() !== js.op.stateSize()) throw new Error('state sizes differ');
        nat.out.clear();
        js.out.clear();
      }
      nat.op.close();
      js.op.close();
    }),
    { numRuns: 300 },
  );
});

t.test('a row that disappears frees its key; it can come back (slot reuse)', async (t) => {
  const { op, out } = make((o) => new Distinct(o, 1));
  op.push(inserts(['x'], ['y'], ['x']), 0);
  op.flush();
  t.same(out.changes(), [[['x'], 1], [['y'], 1]], 'a repeat inside one batch counts once');
  out.clear();
  op.push(deletes(['x'], ['x']), 0);
  op.flush();
  t.same(out.changes(), [[['x'], -1]]);
  t.equal(op.stateSize(), 1, 'only y is left');
  out.clear();
  op.push(inserts(['z'], ['x']), 0);
  op.flush();
  t.same(out.changes(), [[['z'], 1], [['x'], 1]], 'new rows take freed slots and are still told apart');
  out.clear();
  op.push(deletes(['y']), 0);
  op.push(inserts(['y']), 0);
  op.flush();
  t.same(out.changes(), [], 'deleted and re-inserted in one step: no change');
  op.close();
});

t.test('snapshot from one path restores into the other', async (t) => {
  for (const [from, to] of [
    ['native', 'js'],
    ['js', 'native'],
    ['native', 'native'],
  ] as const) {
    const a = make((o) => new Distinct(o, 2, { keyIndex: from }));
    a.op.push(inserts([1, 'a'], [1, 'a'], [null, 'b'], [2, null]), 0);
    a.op.push(deletes([2, null]), 0);
    a.op.flush();
    const saved = JSON.parse(JSON.stringify(a.op.snapshot()));
    const b = make((o) => new Distinct(o, 2, { keyIndex: to }));
    b.op.restore(saved);
    t.equal(b.op.stateSize(), 2, `${from} → ${to}: two rows`);
    b.op.push(deletes([1, 'a']), 0);
    b.op.flush();
    t.same(b.out.changes(), [], `${from} → ${to}: the restored count is 2, one delete keeps the row`);
    b.op.push(deletes([1, 'a'], [null, 'b']), 0);
    b.op.flush();
    t.same(b.out.changes(), [[[1, 'a'], -1], [[null, 'b'], -1]], `${from} → ${to}: then both go`);
    a.op.close();
    b.op.close();
  }
});

t.test('close() frees the native store; a closed DISTINCT refuses input', async (t) => {
  const before = stateStoreStats().open;
  const { op } = make((o) => new Distinct(o, 1));
  t.equal(stateStoreStats().open, before, 'no store before the first row');
  op.push(inserts(['a'], ['b']), 0);
  op.flush();
  t.equal(stateStoreStats().open, before + 1);
  op.close();
  t.equal(stateStoreStats().open, before);
  t.equal(op.stateSize(), 0);
  t.throws(() => op.push(inserts(['c']), 0), ClosedError);
});
