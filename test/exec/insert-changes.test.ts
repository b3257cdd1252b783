import t from 'tap';
import { appendInserts, insertChangesBuilder } from '../../lib/exec/runtime/insert-changes.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { EngineChange } from '../../lib/engine/types.js';

const batch = (columns: Batch['columns'], length: number): Batch => ({ columns, length, weights: null });

// both the generated builder (one per view) and the generic loop (any width) are checked alike
const builders = {
  generated: (width: number) => insertChangesBuilder(width),
  generic: (width: number) => (changes: EngineChange[], batches: readonly (Batch | null)[], count: number) => appendInserts(changes, batches, count, width),
};

for (const [kind, make] of Object.entries(builders)) {
  t.test(`${kind}: earlier changes first, then every row of every batch in order, undefined read as NULL`, async (t) => {
    const earlier: EngineChange[] = [{ op: 'delete', row: [9, 'z'] }];
    const b1 = batch([new Float64Array([1, 2]), ['a', null]], 2);
    // a column longer than the batch: only the batch's rows are read
    const b2 = batch([[3, 4, 99], [undefined as unknown as null, 'd', 'x']], 2);
    const out = make(2)(earlier, [b1, b2, null], 2);
    t.strictSame(out, [
      { op: 'delete', row: [9, 'z'] },
      { op: 'insert', row: [1, 'a'] },
      { op: 'insert', row: [2, null] },
      { op: 'insert', row: [3, null] },
      { op: 'insert', row: [4, 'd'] },
    ]);
    t.equal(out.length, 5, 'sized exactly');
    t.ok(Object.keys(out).length === 5, 'no holes');
    t.same(earlier, [{ op: 'delete', row: [9, 'z'] }], 'the earlier list is left as it was');
  });

  t.test(`${kind}: each change and row is its own plain object (the scratch row is never handed out)`, async (t) => {
    const b = batch([new Float64Array([1, 2, 3]), ['x', 'y', 'z']], 3);
    const build = make(2);
    const out = build([], [b], 1);
    t.equal(Object.getPrototypeOf(out[0]), Object.prototype, 'a plain object');
    t.ok(Array.isArray(out[0]!.row));
    t.not(out[0], out[1]);
    t.not(out[0]!.row, out[1]!.row);
    out[0]!.row[0] = 42;
    t.strictSame(out[1]!.row, [2, 'y'], 'changing one row leaves the others');
    t.strictSame(Object.keys(out[2]!), ['op', 'row'], 'op then row, as a literal');
    const again = build([], [b], 1);
    t.strictSame(again[0]!.row, [1, 'x'], 'a later step does not see an earlier row changed by its subscriber');
  });

  t.test(`${kind}: widths 0, 1 and 80`, async (t) => {
    t.strictSame(make(0)([], [batch([], 2)], 1), [{ op: 'insert', row: [] }, { op: 'insert', row: [] }]);
    t.strictSame(make(1)([], [batch([[undefined as unknown as null, 7]], 2)], 1), [{ op: 'insert', row: [null] }, { op: 'insert', row: [7] }]);
    const wide = Array.from({ length: 80 }, (_, c) => [c, c + 1]);
    const out = make(80)([], [batch(wide, 2)], 1);
    t.equal(out[1]!.row.length, 80);
    t.equal(out[1]!.row[79], 80);
    t.equal(out[0]!.row[79], 79);
  });
}
