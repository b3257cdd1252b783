// Edit scripts between two versions of a large state array (incremental checkpoints): applying
// the script to the old array gives exactly the new one, whatever the change; Map-order changes
// (updates in place, deletes, appends) give scripts that carry only the changed elements.
import t from 'tap';
import fc from 'fast-check';
import { applyArrayDelta, ArrayDiff, type ArrayDelta } from '../../lib/storage/checkpoint-delta.js';

function diffAll(prev: readonly unknown[], next: readonly unknown[], maxLiterals = Infinity, budget = 1000): { delta: ArrayDelta | null; steps: number } {
  const d = new ArrayDiff(prev, next, maxLiterals);
  let steps = 1;
  while (!d.step(budget)) steps++;
  return { delta: d.abandoned ? null : d.result(), steps };
}

const rows = (n: number, tag = 'r'): unknown[][] => Array.from({ length: n }, (_, i) => [i, `${tag}${i}`]);

t.test('any two arrays: the script rebuilds the new one element for element (identity kept)', async (t) => {
  const elem = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(null, 'x', 'y'));
  fc.assert(
    fc.property(fc.array(elem, { maxLength: 300 }), fc.array(elem, { maxLength: 300 }), fc.integer({ min: 1, max: 50 }), (a, b, budget) => {
      const { delta } = diffAll(a, b, Infinity, budget);
      const out = applyArrayDelta(a, delta!);
      return out.length === b.length && out.every((v, i) => v === b[i]);
    }),
    { numRuns: 300 },
  );
  t.pass('300 random pairs');
});

t.test('Map-order changes: updates in place, deletes and appends carry only the changed rows', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2000 }),
      fc.array(fc.tuple(fc.constantFrom('update', 'delete', 'append'), fc.nat()), { maxLength: 60 }),
      (n, edits) => {
        const prev = rows(n);
        let next = prev.slice();
        let changed = 0;
        for (const [kind, at] of edits) {
          if (kind === 'append') {
            next.push([n + changed, 'new']);
            changed++;
          } else if (next.length > 0) {
            const i = at % next.length;
            if (kind === 'update') {
              next[i] = [i, 'updated'];
              changed++;
            } else next = next.filter((_, k) => k !== i);
          }
        }
        const { delta } = diffAll(prev, next);
        const out = applyArrayDelta(prev, delta!);
        if (out.length !== next.length || !out.every((r, i) => r === next[i])) return false;
        // each literal is a changed row (one updated twice counts twice at most)
        return delta!.literals.length <= changed;
      },
    ),
    { numRuns: 200 },
  );
  t.pass();
});

t.test('unchanged rows rebuilt as fresh arrays of the same values are not literals', async (t) => {
  const prev = rows(5000);
  const next = prev.map((r) => [...r]);
  next[10] = [10, 'changed'];
  const { delta } = diffAll(prev, next);
  t.equal(delta!.literals.length, 1);
  t.same(applyArrayDelta(prev, delta!), next);
});

t.test('long runs of deletes (scan ahead, then an index built in slices) and of updates stay small', async (t) => {
  const prev = rows(100_000);
  // 3000 consecutive deletes misalign the arrays past the look-ahead window: a scan finds the rest
  const some = [...prev.slice(0, 5000), ...prev.slice(8000)];
  let r = diffAll(prev, some, 100_000 >> 2, 4096);
  t.ok(r.delta!.literals.length <= 8, `3000 deletes: ${r.delta!.literals.length} literals`);
  t.same(applyArrayDelta(prev, r.delta!), some);
  // 70000 deletes: past the scan too; the index (built over several slices) resyncs
  const most = [...prev.slice(0, 10_000), ...prev.slice(80_000)];
  r = diffAll(prev, most, 100_000 >> 2, 4096);
  t.ok(r.delta!.literals.length <= (1 << 14) + 64, `70000 deletes: ${r.delta!.literals.length} literals before the index resynced, not the 90000 after them`);
  t.ok(r.steps > 10, `the diff ran in ${r.steps} slices`);
  t.same(applyArrayDelta(prev, r.delta!), most);
  // 2000 consecutive updates in place: exactly those rows
  const updated = prev.map((row, i) => (i >= 1000 && i < 3000 ? [i, 'u'] : row));
  r = diffAll(prev, updated, 100_000 >> 2, 4096);
  t.equal(r.delta!.literals.length, 2000);
  t.same(applyArrayDelta(prev, r.delta!), updated);
});

t.test('a diff with more changes than the limit is abandoned (a full copy is written instead)', async (t) => {
  const prev = rows(1000);
  const next = rows(1000, 'other');
  const { delta } = diffAll(prev, next, 250);
  t.equal(delta, null);
});

t.test('a script that does not fit the array it is applied to is refused', async (t) => {
  const prev = rows(100);
  const next = [...prev.slice(0, 50), [1, 'x'], ...prev.slice(50)];
  const { delta } = diffAll(prev, next);
  t.throws(() => applyArrayDelta(prev.slice(0, 40), delta!), RangeError);
  t.throws(() => applyArrayDelta(prev, { ...delta!, length: delta!.length + 1 }), RangeError);
  t.throws(() => applyArrayDelta(prev, { ...delta!, ops: Int32Array.from([9, 0, 0]) }), RangeError);
  t.throws(() => applyArrayDelta(prev, { ...delta!, literals: [] }), RangeError);
});
