// WindowAggregateOperator keeps its open window ends in an array it drops closed ends from in
// bulk (a moving head, compacted from time to time): windows must still close exactly once, in
// end order, when ends arrive out of order around the head and across compactions.

import t from 'tap';
import { WindowAggregateOperator } from '../../lib/exec/stream/window-aggregate.js';
import { streamAccumulator } from '../../lib/exec/stream/accumulators.js';
import { batch, col, Recorder } from './harness.js';

t.test('thousands of windows closed one advance at a time, ends arriving out of order', async (t) => {
  const out = new Recorder();
  const agg = new WindowAggregateOperator(out, {
    groupBy: [col(0), col(1)], // [window_end, k]
    windowEndGroupIndex: 0,
    aggregates: [{ create: streamAccumulator('count'), arg: col(1) }],
    emit: 'window-close',
    inputWidth: 2,
  });
  const WINDOWS = 5000;
  // open every window (ends 10·w) for key a, in a scrambled order
  const order = Array.from({ length: WINDOWS }, (_, i) => i + 1).sort((a, b) => ((a * 7919) % 5003) - ((b * 7919) % 5003));
  for (const w of order) agg.push(batch([[w * 10, 'a']]), 0);
  // close 3000 one advance at a time; every 7th step a new end (10·w + 5) opens in the middle
  let b = 0;
  for (let w = 1; w <= 3000; w++) {
    if (w % 7 === 0) {
      agg.push(batch([[(w + 500) * 10 + 5, 'b']]), 0);
      b++;
    }
    agg.watermark(w * 10, 0);
    const last = out.inserts().slice(-1)[0]!;
    if (last[0] !== w * 10) t.fail(`advance to ${w * 10} closed ${JSON.stringify(last)}`);
  }
  const ends = out.inserts().map((r) => r[0] as number);
  t.ok(ends.every((e, i) => i === 0 || e >= ends[i - 1]!), 'windows closed in end order');
  t.ok(ends.every((e) => e <= 30_000), 'no window closed before the watermark reached its end');
  // a row for a window between two open ones, after the compactions
  agg.push(batch([[30_005, 'z']]), 0);
  agg.watermark(30_005, 0);
  t.same(out.inserts().slice(-1), [[30_005, 'z', 1]], 'an end inserted between open ends closes at its time');
  agg.push(batch([[20, 'late']]), 0);
  t.equal(agg.lateRows, 1, 'a row for a closed window is late');
  agg.watermark(1e9, 0);
  const all = out.inserts();
  t.equal(new Set(all.map((r) => `${r[0]}/${r[1]}`)).size, all.length, 'still nothing emitted twice');
  t.equal(all.filter((r) => r[1] === 'a').length, WINDOWS, 'every window of key a closed once');
  t.equal(all.filter((r) => r[1] === 'b').length, b, 'and every window opened in the middle');
  t.equal(agg.stateSize(), 0);
});
