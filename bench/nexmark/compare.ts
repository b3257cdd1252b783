// The Nexmark bench's comparisons: the hand-written floors (same observable work as the views),
// the old minimal kernels (less work, printed for the record) and RxJS, timed over the same
// batches as the engine, and the issue-7 verdicts: the absolute target (PRODUCT.md §4), at least
// half the floor's rate, at least ten times RxJS's.
import type { EventBatch } from '../../lib/nexmark/generator.js';
import { floors } from './floor.js';
import { rowChanges } from './floor-columns.js';
import { kernels } from './floor-kernels.js';
import * as rx from './rxjs.js';

/** A floor, kernel or RxJS run, timed like the engine: the first tenth warms up untimed. */
export interface TimedRun {
  eventsPerSec: number;
  /** events per second of process CPU time (moves less with other processes' load) */
  cpuEventsPerSec: number;
  /** changes (floor), output rows (kernel) or kept rows (RxJS) */
  outputRows: number;
}

function rates(events: number, t0: number, cpu0: NodeJS.CpuUsage, outputRows: number): TimedRun {
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { eventsPerSec: (events / ms) * 1000, cpuEventsPerSec: (events / ((cpu.user + cpu.system) / 1000)) * 1000, outputRows };
}

/** Batches run before timing (a tenth): the engine and every floor and RxJS pipeline warm up alike. */
export function warmCount(batches: readonly EventBatch[]): number {
  return Math.max(1, Math.floor(batches.length / 10));
}

/**
 * Times a floor. `rows` (the default, the "same work" floor): its changes reach the subscriber as
 * { op, row } objects, as the engine's subscribers receive them; `columnar`: as column slices,
 * which a hand-written program could hand over instead (printed beside it).
 */
export function timeFloor(name: string, batches: readonly EventBatch[], delivery: 'rows' | 'columnar' = 'rows'): TimedRun | undefined {
  const make = floors[name];
  if (!make) return undefined;
  let outputRows = 0;
  // the subscriber does what the engine's bench subscriber does: counts the changes it receives
  const count = (changes: { length: number }): void => {
    outputRows += changes.length;
  };
  const f = make(delivery === 'rows' ? rowChanges(count) : count);
  const warm = warmCount(batches);
  // the warm-up's changes count, as the engine's subscriber counts the back-filled snapshot
  for (let i = 0; i < warm; i++) f.push(batches[i]);
  let events = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = warm; i < batches.length; i++) {
    f.push(batches[i]);
    events += batches[i].events;
  }
  f.finish();
  return rates(events, t0, cpu0, outputRows);
}

export function timeKernel(name: string, batches: readonly EventBatch[]): TimedRun | undefined {
  const make = kernels[name];
  if (!make) return undefined;
  const k = make();
  const warm = warmCount(batches);
  for (let i = 0; i < warm; i++) k.push(batches[i]);
  let events = 0;
  let outputRows = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = warm; i < batches.length; i++) {
    outputRows += k.push(batches[i]);
    events += batches[i].events;
  }
  outputRows += k.finish();
  return rates(events, t0, cpu0, outputRows);
}

const RX: Record<string, ((bids: rx.BidObject[]) => rx.RxRun<unknown>) | undefined> = { q1: rx.q1, q2: rx.q2, q5: rx.q5, q7: rx.q7 };

/** RxJS over every batch's bids as objects (built before timing: an RxJS user holds objects). */
export function timeRx(name: string, batches: readonly EventBatch[]): TimedRun | undefined {
  const fn = RX[name];
  if (!fn) return undefined;
  const bids: rx.BidObject[] = [];
  let events = 0;
  for (const b of batches) {
    for (const o of rx.bidObjects(b)) bids.push(o);
    events += b.events;
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = fn(bids);
  return rates(events, t0, cpu0, run.rows.length);
}

/** Which issue-7 targets a query meets; undefined where the target does not apply. */
export interface Verdicts {
  absolute?: boolean;
  halfFloor?: boolean;
  tenTimesRx?: boolean;
}

export function verdicts(engine: number, target?: number, floor?: number, rxjs?: number): Verdicts {
  const v: Verdicts = {};
  if (target !== undefined) v.absolute = engine >= target;
  if (floor !== undefined) v.halfFloor = engine >= 0.5 * floor;
  if (rxjs !== undefined) v.tenTimesRx = engine >= 10 * rxjs;
  return v;
}

export interface ComparisonRow {
  query: string;
  engine: number;
  target?: number;
  floor?: number;
  /** the floor handing its changes over as column slices instead of row objects */
  floorColumnar?: number;
  kernel?: number;
  rxjs?: number;
  /** the same rates per CPU-second, when measured: their ratios are printed beside the wall-clock ones */
  cpu?: { engine: number; floor?: number; rxjs?: number };
  error?: string;
}

function rate(n: number | undefined): string {
  if (n === undefined) return '-';
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} K`;
}

function ratio(a: number, b: number | undefined, cpuA?: number, cpuB?: number): string {
  if (b === undefined) return '-';
  const wall = `${(a / b).toFixed(2)}×`;
  return cpuA !== undefined && cpuB !== undefined ? `${wall} (CPU ${(cpuA / cpuB).toFixed(2)}×)` : wall;
}

function verdictText(r: ComparisonRow): string {
  if (r.error !== undefined) return `FAILED: ${r.error}`;
  const v = verdicts(r.engine, r.target, r.floor, r.rxjs);
  const parts: string[] = [];
  if (v.absolute !== undefined) parts.push(`≥ ${rate(r.target)}: ${v.absolute ? 'met' : 'MISSED'}`);
  if (v.halfFloor !== undefined) parts.push(`≥ 0.5× floor: ${v.halfFloor ? 'met' : 'MISSED'}`);
  if (v.tenTimesRx !== undefined) parts.push(`≥ 10× RxJS: ${v.tenTimesRx ? 'met' : 'MISSED'}`);
  return parts.join(', ');
}

/** The side-by-side table: engine, floor, engine÷floor, floor with columnar changes, kernel only,
 *  RxJS, engine÷RxJS, targets
 *  (verdicts on wall-clock rates; CPU-time ratios in parentheses where measured). */
export function comparisonTable(rows: readonly ComparisonRow[]): string {
  const head = ['query', 'engine', 'floor (same work)', 'engine÷floor', 'floor, columnar changes', 'kernel only', 'RxJS', 'engine÷RxJS', 'targets'];
  const body = rows.map((r) => [
    r.query,
    rate(r.engine),
    rate(r.floor),
    ratio(r.engine, r.floor, r.cpu?.engine, r.cpu?.floor),
    rate(r.floorColumnar),
    rate(r.kernel),
    rate(r.rxjs),
    ratio(r.engine, r.rxjs, r.cpu?.engine, r.cpu?.rxjs),
    verdictText(r),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  return [head, ...body].map((cells) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
}
