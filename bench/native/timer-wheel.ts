// Timer wheel cost (TypeScript) against one N-API boundary crossing: the measurement behind
// keeping the wheel in TypeScript (a native wheel pays at least one crossing per schedule, plus
// one per advance and a JS callback or result array per fired timer).
import type { BenchRow } from '../report.js';
import { TimerWheel } from '../../lib/exec/timer-wheel.js';
import { monotonicNowNs } from '../../lib/native/ring.js';

function nsPer(ops: number, fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / ops;
}

export async function run(opts: { quick: boolean }): Promise<BenchRow[]> {
  const n = opts.quick ? 20_000 : 2_000_000;
  const base = Date.UTC(2024, 0, 1);
  // Window triggers: 10 K keys, 1 s tumbling windows, the watermark advancing 100 ms at a time.
  const scheduleAndFire = () => {
    const w = new TimerWheel<number>(base);
    let fired = 0;
    for (let i = 0; i < n; i++) {
      w.schedule(i % 10_000, base + Math.floor(i / 10_000) * 1000 + 1000);
      if (i % 1000 === 999) fired += w.advance(base + Math.floor(i / 10_000) * 1000 - 100).length;
    }
    fired += w.advance(Infinity).length;
    if (fired === 0) throw new Error('timer bench fired nothing');
  };
  scheduleAndFire(); // warm-up
  const wheel = nsPer(n, scheduleAndFire);
  const cancel = nsPer(n, () => {
    const w = new TimerWheel<number>(base);
    for (let i = 0; i < n; i++) {
      w.schedule(i, base + (i % 100_000) * 7);
      if (i & 1) w.cancel(i);
    }
  });
  let sink = 0;
  const crossing = nsPer(n, () => {
    for (let i = 0; i < n; i++) sink += monotonicNowNs() & 1;
  });
  if (sink < 0) throw new Error('unreachable');
  return [
    { name: 'TS timer wheel: schedule + fire, per timer', value: wheel, unit: 'ns', baseline: 'one N-API call (clock read)', baselineValue: crossing },
    { name: 'TS timer wheel: schedule + half cancelled, per timer', value: cancel, unit: 'ns' },
  ];
}
