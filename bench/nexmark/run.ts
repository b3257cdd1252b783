// `npm run bench:nexmark` — Nexmark queries through the engine, side by side with a hand-written
// TypeScript floor doing the same observable work (floor.ts), the old minimal kernels ("kernel
// only", floor-kernels.ts) and RxJS, over the same pre-generated columnar batches.
//   --events N     events per query run (default 2,000,000; --quick: 20,000)
//   --queries a,b  subset (default: every query file)
//   --batch N      events per insert call (default 4096)
// Every query runs as a materialized view maintained as a changelog (EMIT CHANGES, the default),
// with a subscriber. Window queries are not switched to EMIT ON WINDOW CLOSE: at the generator's
// 10 M events/s of event time a 2 M-event run spans 0.2 s, so no 10 s window would ever close and
// such a view would emit nothing. Results: bench/results/nexmark.json and a chart nexmark.svg.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Engine } from '../../lib/engine/engine.js';
import { NexmarkGenerator, insertNexmarkBatch, type EventBatch } from '../../lib/nexmark/generator.js';
import { comparisonTable, timeFloor, timeKernel, timeRx, verdicts, warmCount, type ComparisonRow } from './compare.js';
import { printTable, writeResults, type BenchRow } from '../report.js';
import { nexmarkChart } from './chart.js';

const QUERY_DIR = path.join(__dirname, '..', '..', 'lib', 'nexmark', 'queries');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface QueryResult {
  query: string;
  eventsPerSec: number;
  /** events per second of process CPU time (user + system, GC threads included): on a shared
   *  machine this moves less with other processes' load than the wall-clock rate */
  cpuEventsPerSec: number;
  outputRows: number;
  /** process RSS when the query started (the generated batches are already resident) */
  rssBeforeMb: number;
  /** highest process RSS seen from the engine's creation to the end of the run */
  peakRssMb: number;
  /** entries held by the view's operators at the end (Engine.viewStateSize; result rows excluded) */
  stateEntries: number;
  error?: string;
}

/** Issue 7's per-core targets, events/s. */
export const TARGETS: Record<string, number> = {
  q0: 5e6, q1: 5e6, q2: 5e6,
  q5: 1e6, q7: 1e6, q8: 1e6,
  q3: 5e5, q4: 5e5, q9: 5e5, q18: 5e5, q19: 5e5, q20: 5e5,
};

export function queryNames(): string[] {
  return fs
    .readdirSync(QUERY_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

export function querySql(name: string): string {
  return fs.readFileSync(path.join(QUERY_DIR, `${name}.sql`), 'utf8');
}

export function schemaSql(): string {
  return fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'nexmark', 'schema.sql'), 'utf8');
}

export function generate(events: number, batchSize: number): { batches: EventBatch[]; ms: number } {
  const gen = new NexmarkGenerator();
  const batches: EventBatch[] = [];
  const t0 = performance.now();
  for (let done = 0; done < events; done += batchSize) batches.push(gen.next(Math.min(batchSize, events - done)));
  return { batches, ms: performance.now() - t0 };
}


let gcFn: (() => void) | undefined;
/**
 * A full collection before each timed run, so no query pays for promoting the generated batches
 * or for the previous query's garbage (the first query ran ~2× slower than the same query later).
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** Called right before and right after the timed loop (the profiler brackets exactly that). */
export interface TimedHooks {
  start(): void;
  stop(): void;
}

/** Runs one query over the batches; the first tenth warms up and is not timed. */
export function runQuery(name: string, batches: EventBatch[], hooks?: TimedHooks): QueryResult {
  const engine = new Engine();
  const rssBefore = process.memoryUsage.rss();
  try {
    engine.execute(schemaSql());
    // the view is created over the first half of the warm-up data (back-filled), since some
    // queries cannot be evaluated over empty sources (q102 divides by a count); the second half
    // runs through the incremental path, so its code is warm before timing as the floor's is
    const warm = warmCount(batches);
    const backfill = Math.max(1, warm >> 1);
    for (let i = 0; i < backfill; i++) insertNexmarkBatch(engine, batches[i]);
    engine.execute(`CREATE MATERIALIZED VIEW ${name} AS ${querySql(name).replace(/;\s*$/, '')}`);
    let outputRows = 0;
    engine.subscribe(
      name,
      (changes) => {
        outputRows += changes.length;
      },
      { snapshot: true },
    );
    for (let i = backfill; i < warm; i++) insertNexmarkBatch(engine, batches[i]);
    engine.flush();
    collectGarbage();
    let events = 0;
    // from the engine's creation on: back-fill and view creation count too
    let peakRss = Math.max(rssBefore, process.memoryUsage.rss());
    hooks?.start();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = warm; i < batches.length; i++) {
      insertNexmarkBatch(engine, batches[i]);
      events += batches[i].events;
      if ((i & 63) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
    engine.flush();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    hooks?.stop();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const stateEntries = engine.viewStateSize(name);
    return { query: name, eventsPerSec: (events / ms) * 1000, cpuEventsPerSec: (events / cpuMs) * 1000, outputRows, rssBeforeMb: rssBefore / 2 ** 20, peakRssMb: peakRss / 2 ** 20, stateEntries };
  } catch (err) {
    return { query: name, eventsPerSec: 0, cpuEventsPerSec: 0, outputRows: 0, rssBeforeMb: rssBefore / 2 ** 20, peakRssMb: 0, stateEntries: -1, error: (err as Error).message.split('\n')[0] };
  } finally {
    engine.close();
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const events = Number(arg('events') ?? (quick ? 20_000 : 2_000_000));
  const batchSize = Number(arg('batch') ?? 4096);
  const names = (arg('queries') ?? queryNames().join(',')).split(',');
  const { batches, ms } = generate(events, batchSize);
  const rows: BenchRow[] = [{ name: 'generator alone', value: (events / ms) * 1000, unit: 'events/s' }];
  const results: (QueryResult & { target?: number; floor?: number; floorCpu?: number; floorColumnar?: number; kernel?: number; rxjs?: number; rxjsCpu?: number; verdicts?: ReturnType<typeof verdicts> })[] = [];
  const comparison: ComparisonRow[] = [];
  for (const name of names) {
    const r = runQuery(name, batches);
    collectGarbage();
    const floor = timeFloor(name, batches);
    collectGarbage();
    const floorColumnar = timeFloor(name, batches, 'columnar');
    collectGarbage();
    const kernel = timeKernel(name, batches);
    collectGarbage();
    const rxjs = timeRx(name, batches);
    const target = TARGETS[name];
    results.push({
      ...r,
      target,
      floor: floor?.eventsPerSec,
      floorCpu: floor?.cpuEventsPerSec,
      floorColumnar: floorColumnar?.eventsPerSec,
      kernel: kernel?.eventsPerSec,
      rxjs: rxjs?.eventsPerSec,
      rxjsCpu: rxjs?.cpuEventsPerSec,
      verdicts: verdicts(r.eventsPerSec, target, floor?.eventsPerSec, rxjs?.eventsPerSec),
    });
    comparison.push({
      query: name,
      engine: r.eventsPerSec,
      target,
      floor: floor?.eventsPerSec,
      floorColumnar: floorColumnar?.eventsPerSec,
      kernel: kernel?.eventsPerSec,
      rxjs: rxjs?.eventsPerSec,
      cpu: { engine: r.cpuEventsPerSec, floor: floor?.cpuEventsPerSec, rxjs: rxjs?.cpuEventsPerSec },
      error: r.error,
    });
    rows.push({
      name: r.error ? `${name} (FAILED: ${r.error})` : name,
      value: r.eventsPerSec,
      unit: 'events/s',
      ...(floor !== undefined ? { baseline: 'hand-written floor, same work', baselineValue: floor.eventsPerSec } : {}),
    });
    if (floorColumnar !== undefined) rows.push({ name: `${name} floor, changes as column slices`, value: floorColumnar.eventsPerSec, unit: 'events/s' });
    if (kernel !== undefined) rows.push({ name: `${name} kernel only (less work than the view)`, value: kernel.eventsPerSec, unit: 'events/s' });
    if (rxjs !== undefined) rows.push({ name: `${name} RxJS`, value: rxjs.eventsPerSec, unit: 'events/s' });
    const targetText = target !== undefined ? ` (target ${(target / 1e6).toFixed(1)} M: ${r.eventsPerSec >= target ? 'met' : 'MISSED'})` : '';
    const floorText = floor !== undefined ? `; floor ${(floor.eventsPerSec / 1e6).toFixed(3)} M, ${floor.outputRows} changes` : '';
    console.log(
      `${name}: ${(r.eventsPerSec / 1e6).toFixed(3)} M ev/s (${(r.cpuEventsPerSec / 1e6).toFixed(3)} M per CPU-second)${targetText}, ${r.outputRows} changes, RSS ${r.rssBeforeMb.toFixed(0)} → peak ${r.peakRssMb.toFixed(0)} MB, ${r.stateEntries} state entries${floorText}${r.error ? ` ERROR ${r.error}` : ''}`,
    );
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const title = `Nexmark, ${events} events, batches of ${batchSize}, views as changelogs (EMIT CHANGES); load average ${load}`;
  printTable(title, rows);
  console.log(`\nEngine against the hand-written floor (same observable work) and RxJS; load average ${load}\n${comparisonTable(comparison)}`);
  const file = quick ? 'nexmark-quick.json' : 'nexmark.json';
  const json = writeResults(file, rows, { mode: 'materialized views, EMIT CHANGES, one subscriber', events, batchSize, queries: results });
  const svg = json.replace(/\.json$/, '.svg');
  fs.writeFileSync(svg, nexmarkChart(title, results));
  console.log(`\nresults: ${json}\nchart: ${svg}`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
