// Regression: V8 pretenured the allocation sites of a view's change list, change objects or
// rows in about half the Nexmark runs, and from then on every delivered change was promoted to
// old space even though the subscriber dropped it (q0/q1 2.5–4× slower per CPU-second). The
// view store now builds its changes with no allocation site (lib/exec/runtime/insert-changes.ts).
// Whether V8 makes that decision depends on GC timing, so several runs are made: before the
// fix, each had about even odds of growing old space by ~120 bytes per change.
import t from 'tap';
import * as v8 from 'node:v8';
import { generate, runQuery } from '../../bench/nexmark/run.js';

const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;

t.test('q0 with a subscriber that drops its changes: the timed loop leaves old space flat, run after run', async (t) => {
  const { batches } = generate(1_000_000, 4096);
  for (let run = 0; run < 3; run++) {
    let before = 0;
    let grown = 0;
    const r = runQuery('q0', batches, { start: () => (before = oldSpace()), stop: () => (grown = oldSpace() - before) });
    t.equal(r.error, undefined);
    t.ok(r.outputRows > 900_000, 'every bid was delivered');
    // the view keeps the batches by reference: a few hundred bytes per step; promoted changes
    // would be ~120 bytes per delivered row (~100 MB here)
    t.ok(grown < 30 * 2 ** 20, `run ${run + 1}: old space grew ${(grown / 2 ** 20).toFixed(1)} MB in the timed loop`);
  }
});
