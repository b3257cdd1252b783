// `npm run bench` (window-trigger part) — the cost of closing a window: from the watermark
// passing window_end to the window's rows reaching a subscriber of an EMIT ON WINDOW CLOSE view.
// Windows are filled first (with a watermark held back), then closed one advance at a time
// (latency per window) and, in a second run, all in one advance (throughput per window). The
// floor is a hand-written map of windows doing the same emission.
//   --windows N   windows per run (default 20,000; --quick: 200)
//   --groups G    keys per window (default 4)
import { loadavg } from 'node:os';
import { Engine } from '../../lib/engine/engine.js';
import { printTable, writeResults, type BenchRow } from '../report.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SCHEMA = `CREATE SOURCE ev (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '100000000' SECOND)`;
const VIEW = `CREATE MATERIALIZED VIEW w AS
  SELECT window_start, k, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '1' SECOND)
  GROUP BY window_start, window_end, k EMIT ON WINDOW CLOSE`;

export interface TriggerResult {
  name: string;
  windows: number;
  rows: number;
  p50Us: number;
  p99Us: number;
  perWindowUs: number;
  /** process CPU time per window (user + system): steadier than wall time on a shared machine */
  cpuPerWindowUs: number;
}

/** CPU microseconds (user + system) used since `start` (a process.cpuUsage() value). */
function cpuUs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

function filled(windows: number, groups: number): { engine: Engine; rows: () => number; arm: (fn: () => void) => void } {
  const engine = new Engine();
  engine.execute(SCHEMA);
  engine.execute(VIEW);
  let rows = 0;
  let onRows: () => void = () => {};
  engine.subscribe('w', (changes) => {
    rows += changes.length;
    onRows();
  });
  const k: number[] = [];
  const ts: number[] = [];
  for (let w = 0; w < windows; w++) {
    for (let g = 0; g < groups; g++) {
      k.push(g);
      ts.push(w * 1000 + 500);
    }
  }
  engine.insertColumns('ev', [k, ts], k.length);
  return { engine, rows: () => rows, arm: (fn) => (onRows = fn) };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** One advance per window: the latency of each window's close. */
export function closeOneByOne(windows: number, groups: number): TriggerResult {
  const { engine, rows, arm } = filled(windows, groups);
  const lat = new Float64Array(windows);
  let started = 0;
  let seen = 0;
  arm(() => {
    lat[seen++] = (performance.now() - started) * 1000;
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let w = 0; w < windows; w++) {
    started = performance.now();
    engine.advanceWatermark('ev', (w + 1) * 1000);
  }
  const totalUs = (performance.now() - t0) * 1000;
  const cpu = cpuUs(c0);
  engine.close();
  const sorted = lat.slice(0, seen).sort();
  return { name: 'engine, one advance per window', windows: seen, rows: rows(), p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99), perWindowUs: totalUs / windows, cpuPerWindowUs: cpu / windows };
}

/** One advance closing every window: amortised cost per window. */
export function closeAllAtOnce(windows: number, groups: number): TriggerResult {
  const { engine, rows } = filled(windows, groups);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  engine.advanceWatermark('ev', (windows + 1) * 1000);
  const us = (performance.now() - t0) * 1000;
  const cpu = cpuUs(c0);
  engine.close();
  return { name: 'engine, one advance for all windows', windows, rows: rows(), p50Us: NaN, p99Us: NaN, perWindowUs: us / windows, cpuPerWindowUs: cpu / windows };
}

/** The floor: per-window count maps in end order, closed by a watermark, one callback per
 *  window with the window's rows as arrays (what a subscriber receives). */
export function floor(windows: number, groups: number): TriggerResult {
  const starts: number[] = [];
  const state = new Map<number, Map<number, number>>();
  for (let w = 0; w < windows; w++) {
    const m = new Map<number, number>();
    for (let g = 0; g < groups; g++) m.set(g, (m.get(g) ?? 0) + 1);
    state.set(w * 1000, m);
    starts.push(w * 1000);
  }
  let rows = 0;
  const emit = (out: [number, number, number][]) => {
    rows += out.length;
  };
  let next = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let w = 0; w < windows; w++) {
    const wm = (w + 1) * 1000;
    while (next < starts.length && starts[next]! + 1000 <= wm) {
      const start = starts[next++]!;
      const m = state.get(start)!;
      const out: [number, number, number][] = [];
      for (const [k, n] of m) out.push([start, k, n]);
      state.delete(start);
      emit(out);
    }
  }
  const us = (performance.now() - t0) * 1000;
  const cpu = cpuUs(c0);
  return { name: 'hand-written floor', windows, rows, p50Us: NaN, p99Us: NaN, perWindowUs: us / windows, cpuPerWindowUs: cpu / windows };
}

export function triggerRows(results: TriggerResult[]): BenchRow[] {
  const floorResult = results.find((r) => r.name === 'hand-written floor');
  return results
    .filter((r) => r !== floorResult)
    .flatMap((r) => [
      { name: `${r.name}: per window`, value: r.perWindowUs, unit: 'µs', baseline: 'hand-written floor', baselineValue: floorResult?.perWindowUs },
      { name: `${r.name}: CPU per window`, value: r.cpuPerWindowUs, unit: 'µs', baseline: 'hand-written floor', baselineValue: floorResult?.cpuPerWindowUs },
      ...(Number.isNaN(r.p50Us) ? [] : [{ name: `${r.name}: p50`, value: r.p50Us, unit: 'µs' }, { name: `${r.name}: p99`, value: r.p99Us, unit: 'µs' }]),
    ]);
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const windows = Number(arg('windows') ?? (quick ? 200 : 20_000));
  const groups = Number(arg('groups') ?? 4);
  // Warm-up at full size: a 500-window round left the first measured round still compiling
  // (mean 4-6 µs against ~2 µs once warm). Then the median of three rounds per variant.
  closeOneByOne(windows, groups);
  closeAllAtOnce(windows, groups);
  const median = (run: () => TriggerResult): TriggerResult => {
    const rounds = [run(), run(), run()].sort((a, b) => a.perWindowUs - b.perWindowUs);
    return rounds[1]!;
  };
  const results = [
    median(() => closeOneByOne(windows, groups)),
    median(() => closeAllAtOnce(windows, groups)),
    median(() => floor(windows, groups)),
  ];
  for (const r of results) console.log(`${r.name}: ${r.windows} windows, ${r.rows} rows, ${r.perWindowUs.toFixed(2)} µs/window (CPU ${r.cpuPerWindowUs.toFixed(2)} µs)`);
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const rows = triggerRows(results);
  printTable(`Window trigger, ${windows} windows × ${groups} keys (target < 2 µs per window)`, rows);
  console.log(`\nresults: ${writeResults(quick ? 'window-trigger-quick.json' : 'window-trigger.json', rows)}`);
}

if (require.main === module) main();
