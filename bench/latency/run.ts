// `npm run bench` (latency part) — single events pushed one insert call at a time at a steady
// rate (default 100 K events/s) through a filter/projection view and a keyed aggregate view with
// a subscriber callback; latency = time from the insert call to the callback, per event. The same
// for a hand-written TypeScript floor doing the same work in a direct call chain.
//   --events N   events per measured run (default 200,000; --quick: 2,000)
//   --rate R     events per second (default 100,000)
//   --dist       measure the compiled package (dist/cjs, what `require('laminardb')` runs) instead
//                of lib/ as tsx transpiles it. tsx's CommonJS output reads every imported function
//                through a getter; on this sub-microsecond path that alone costs ~0.3 µs per event.
//                Refused when dist/ is older than lib/ (run `npm run build:ts` first).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine as SourceEngine } from '../../lib/engine/engine.js';
import { NexmarkGenerator } from '../../lib/nexmark/generator.js';
import type { Row } from '../../lib/types/value.js';
import { printTable, writeResults, type BenchRow } from '../report.js';
import { schemaSql } from '../nexmark/run.js';

export interface LatencyResult {
  name: string;
  events: number;
  /** callbacks seen (the filter drops some events) */
  callbacks: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

const VIEWS = {
  'filter/projection': 'SELECT auction, bidder, price * 2 AS price2, date_time FROM bid WHERE price > 1000',
  'keyed aggregate': 'SELECT auction, count(*) AS bids, max(price) AS top FROM bid GROUP BY auction',
} as const;
type ViewName = keyof typeof VIEWS;

/** Bid rows (internal values, schema order) from the Nexmark generator. */
function bidRows(n: number): Row[] {
  const gen = new NexmarkGenerator();
  const rows: Row[] = [];
  while (rows.length < n) {
    const b = gen.next(4096);
    const d = b.bid;
    for (let i = 0; i < b.bids && rows.length < n; i++) {
      rows.push([d.auction[i], d.bidder[i], d.price[i], d.channel[i], d.url[i], d.date_time[i], d.extra[i]]);
    }
  }
  return rows;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Pushes each row by `push(row)` at `rate` events/s (busy-waiting until each one is due) and
 * records, per callback, the time since its push started. `push` must call `done()`
 * synchronously for each result it produces (at most once per push counts).
 */
function drive(rows: Row[], rate: number, push: (row: Row) => void, arm: (done: () => void) => void): { lat: Float64Array; callbacks: number } {
  const lat = new Float64Array(rows.length);
  let callbacks = 0;
  let startedAt = 0;
  let seenThisPush = false;
  arm(() => {
    if (seenThisPush) return;
    seenThisPush = true;
    lat[callbacks++] = (performance.now() - startedAt) * 1000;
  });
  const gapMs = 1000 / rate;
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i++) {
    const due = t0 + i * gapMs;
    while (performance.now() < due);
    seenThisPush = false;
    startedAt = performance.now();
    push(rows[i]);
  }
  return { lat: lat.slice(0, callbacks).sort(), callbacks };
}

function summarize(name: string, events: number, r: { lat: Float64Array; callbacks: number }): LatencyResult {
  return {
    name,
    events,
    callbacks: r.callbacks,
    p50Us: percentile(r.lat, 0.5),
    p99Us: percentile(r.lat, 0.99),
    p999Us: percentile(r.lat, 0.999),
    maxUs: r.lat.length > 0 ? r.lat[r.lat.length - 1] : NaN,
  };
}

type EngineClass = typeof SourceEngine;

/**
 * The Engine class of the compiled package; throws when dist/ is missing or when a module it
 * loaded is older than its lib/ source (checked module by module: files other engineers are
 * still writing and nothing imports do not count).
 */
export function distEngine(): EngineClass {
  const root = path.join(__dirname, '..', '..');
  const dist = path.join(root, 'dist', 'cjs');
  const compiled = path.join(dist, 'engine', 'engine.js');
  if (!fs.existsSync(compiled)) throw new Error(`--dist: ${compiled} does not exist (run npm run build:ts)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Engine = (require(compiled) as { Engine: EngineClass }).Engine;
  for (const file of Object.keys(require.cache)) {
    if (!file.startsWith(dist + path.sep) || !file.endsWith('.js')) continue;
    const source = path.join(root, 'lib', path.relative(dist, file)).replace(/\.js$/, '.ts');
    if (fs.existsSync(source) && fs.statSync(source).mtimeMs > fs.statSync(file).mtimeMs) {
      throw new Error(`--dist: ${path.relative(root, file)} is older than ${path.relative(root, source)} (run npm run build:ts)`);
    }
  }
  return Engine;
}

function engineRun(Engine: EngineClass, view: ViewName, rows: Row[], warm: Row[], rate: number): LatencyResult {
  const engine = new Engine();
  try {
    engine.execute(schemaSql());
    engine.execute(`CREATE MATERIALIZED VIEW v AS ${VIEWS[view]}`);
    let done: () => void = () => {};
    engine.subscribe('v', (changes) => {
      if (changes.length > 0) done();
    });
    for (const row of warm) engine.insertRows('bid', [row]);
    const one: Row[] = [[]];
    const r = drive(
      rows,
      rate,
      (row) => {
        one[0] = row;
        engine.insertRows('bid', one);
      },
      (d) => (done = d),
    );
    return summarize(`engine ${view}`, rows.length, r);
  } finally {
    engine.close();
  }
}

/** The floor: the same work as a direct call chain, no engine. */
function floorRun(view: ViewName, rows: Row[], warm: Row[], rate: number): LatencyResult {
  let done: () => void = () => {};
  let push: (row: Row) => void;
  if (view === 'filter/projection') {
    push = (row) => {
      const price = row[2] as number;
      if (!(price > 1000)) return;
      const out = { auction: row[0], bidder: row[1], price2: price * 2, date_time: row[5] };
      if (out !== null) done();
    };
  } else {
    const groups = new Map<number, { bids: number; top: number }>();
    push = (row) => {
      const auction = row[0] as number;
      const price = row[2] as number;
      const g = groups.get(auction);
      if (g === undefined) groups.set(auction, { bids: 1, top: price });
      else {
        g.bids++;
        if (price > g.top) g.top = price;
      }
      done();
    };
  }
  for (const row of warm) push(row);
  const r = drive(rows, rate, push, (d) => (done = d));
  return summarize(`floor ${view}`, rows.length, r);
}

export function runLatency(opts: { events: number; rate: number; engine?: EngineClass }): LatencyResult[] {
  const Engine = opts.engine ?? SourceEngine;
  const all = bidRows(opts.events + Math.max(100, opts.events >> 2));
  const warm = all.slice(opts.events);
  const rows = all.slice(0, opts.events);
  const out: LatencyResult[] = [];
  for (const view of Object.keys(VIEWS) as ViewName[]) {
    out.push(engineRun(Engine, view, rows, warm, opts.rate));
    out.push(floorRun(view, rows, warm, opts.rate));
  }
  return out;
}

export function latencyRows(results: LatencyResult[]): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of results) {
    for (const [k, v] of [['p50', r.p50Us], ['p99', r.p99Us], ['p999', r.p999Us], ['max', r.maxUs]] as const) {
      rows.push({ name: `${r.name} ${k}`, value: v, unit: 'µs' });
    }
  }
  return rows;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function main(argv: { quick: boolean; events?: number; rate?: number; dist?: boolean }): BenchRow[] {
  const events = argv.events ?? (argv.quick ? 2_000 : 200_000);
  const rate = argv.rate ?? 100_000;
  const results = runLatency({ events, rate, engine: argv.dist ? distEngine() : undefined });
  const rows = latencyRows(results);
  const build = argv.dist ? 'compiled package (dist/cjs)' : 'lib/ through tsx';
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  printTable(`Latency, insert call → subscriber callback, ${events} single events at ${rate} events/s, ${build}; load average ${load}`, rows);
  const file = argv.quick ? 'latency-quick.json' : argv.dist ? 'latency-dist.json' : 'latency.json';
  console.log(`\nresults: ${writeResults(file, rows)}`);
  return rows;
}

if (require.main === module) {
  main({
    quick: process.argv.includes('--quick'),
    events: arg('events') ? Number(arg('events')) : undefined,
    rate: arg('rate') ? Number(arg('rate')) : undefined,
    dist: process.argv.includes('--dist'),
  });
}
