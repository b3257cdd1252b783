// Scaling bench: a keyed aggregation (nexmark q4-like count/sum/max per auction; agg), a keyed
// join + aggregation (bids joined to their auction's row, then per-auction totals; join) and the
// exchange alone (rows into a source no view reads: route + ring write + decode; exchange), each
// with 1 vs N shard threads. Rows enter as prebuilt columnar batches at the engine port, so what
// is measured is routing + exchange + operators, not row-object conversion. Reports wall-clock
// events/s, CPU time per event of every thread (main and each shard, from /proc), the ratios
// 1 → N of both, and the load average before and after every run (wall-clock ratios mean
// something only when the load average stays below the number of CPUs: --quiet waits for that).
//
//   npx tsx bench/scaling/keyed.ts [--query agg,join,exchange] [--events 4000000] [--batch 8192]
//     [--keys 10000] [--threads 1,2] [--repeat 3] [--quiet 1.5] [--durable] [--json out.json]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { ShardedEngine } from '../../lib/shard/sharded-engine.js';
import type { Column } from '../../lib/exec/batch.js';

type Query = 'agg' | 'join' | 'exchange';
const QUERIES: Query[] = ['agg', 'join', 'exchange'];

interface Args {
  events: number;
  batch: number;
  keys: number;
  threads: number[];
  queries: Query[];
  /** runs of each configuration; the median wall-clock run is reported */
  repeat: number;
  /** wait (up to 10 min) until the 1-minute load average is below this before each run */
  quiet?: number;
  json?: string;
  /** durable databases (a fresh directory per run under the system temp dir; group commit) */
  durable: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { events: 4_000_000, batch: 8192, keys: 10_000, threads: [1, 2], queries: QUERIES, repeat: 1, durable: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--events') a.events = Number(v);
    else if (argv[i] === '--batch') a.batch = Number(v);
    else if (argv[i] === '--keys') a.keys = Number(v);
    else if (argv[i] === '--threads') a.threads = v!.split(',').map(Number);
    else if (argv[i] === '--json') a.json = v;
    else if (argv[i] === '--durable') {
      a.durable = true;
      continue;
    }
    else if (argv[i] === '--repeat') a.repeat = Math.max(1, Number(v));
    else if (argv[i] === '--quiet') a.quiet = Number(v);
    else if (argv[i] === '--query') {
      const list = v!.split(',');
      for (const q of list) if (!QUERIES.includes(q as Query)) throw new Error(`--query takes ${QUERIES.join(', ')} (comma-separated), got ${q}`);
      a.queries = list as Query[];
    }
    else continue;
    i++;
  }
  return a;
}

/** CPU seconds (user + system) of every thread of this process, by thread name and id. */
function threadCpu(): Map<string, number> {
  const tick = 100; // USER_HZ
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(fields[11]) + Number(fields[12])) / tick;
      out.set(tid === String(process.pid) ? 'main' : `${name}#${tid}`, cpu);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Deterministic batches: hot keys like nexmark's hot auctions, prices in cents. */
function makeBatches(args: Args): { columns: Column[]; length: number }[] {
  const batches: { columns: Column[]; length: number }[] = [];
  let seed = 42;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  // a distinct set of batches reused round-robin keeps generation out of the measurement
  const distinct = Math.min(64, Math.ceil(args.events / args.batch));
  for (let b = 0; b < distinct; b++) {
    const auction = new Float64Array(args.batch);
    const price = new Float64Array(args.batch);
    for (let i = 0; i < args.batch; i++) {
      auction[i] = rnd() < 0.5 ? Math.floor(rnd() * 100) : Math.floor(rnd() * args.keys);
      price[i] = Math.floor(rnd() * 100_000);
    }
    batches.push({ columns: [auction as unknown as Column, price as unknown as Column], length: args.batch });
  }
  return batches;
}

const DDL: Record<Query, string[]> = {
  // no view reads the source: a shard decodes each record and appends the batch to the source
  exchange: ['CREATE SOURCE bid (auction BIGINT NOT NULL, price BIGINT NOT NULL)'],
  agg: [
    'CREATE TABLE bid (auction BIGINT NOT NULL, price BIGINT NOT NULL)',
    'CREATE MATERIALIZED VIEW q AS SELECT auction, count(*) AS bids, sum(price) AS total, max(price) AS top FROM bid GROUP BY auction',
  ],
  join: [
    'CREATE TABLE bid (auction BIGINT NOT NULL, price BIGINT NOT NULL)',
    'CREATE TABLE auction (id BIGINT NOT NULL, reserve BIGINT NOT NULL)',
    'CREATE MATERIALIZED VIEW q AS SELECT bid.auction, count(*) AS bids, sum(bid.price) AS total FROM bid JOIN auction ON bid.auction = auction.id WHERE bid.price >= auction.reserve GROUP BY bid.auction',
  ],
};

interface Result {
  query: string;
  threads: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  cpuNsPerEvent: Record<string, number>;
  /** events/s if every thread had a core to itself: 1e9 / the busiest thread's CPU ns per event */
  cpuBoundEventsPerSecond: number;
  /** 1-minute load average before the run and after it */
  loadBefore: number;
  loadAverage: number[];
  groups: number;
}

const load1 = (): number => Math.round(os.loadavg()[0]! * 100) / 100;

/** Waits until the 1-minute load average is below `limit` (at most 10 minutes). */
async function waitForQuiet(limit: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (load1() >= limit && Date.now() < deadline) {
    console.log(`waiting for a quiet machine: load average ${load1()} ≥ ${limit}`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
}

async function runOnce(query: Query, threads: number, args: Args, batches: { columns: Column[]; length: number }[]): Promise<Result> {
  if (args.quiet !== undefined) await waitForQuiet(args.quiet);
  const loadBefore = load1();
  const dir = args.durable ? fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-scaling-')) : undefined;
  const settings = { path: dir, checkpointIntervalMs: 0, closeCheckpointBytes: Infinity };
  const engine =
    threads === 1
      ? dir === undefined
        ? new Engine({})
        : DurableEngine.open(settings, new Engine({}))
      : new ShardedEngine({ threads, ...(dir === undefined ? {} : settings) });
  for (const sql of DDL[query]) engine.execute(sql);
  if (query === 'join') {
    const ids = new Float64Array(args.keys);
    const reserve = new Float64Array(args.keys);
    for (let i = 0; i < args.keys; i++) {
      ids[i] = i;
      reserve[i] = (i * 7919) % 50_000;
    }
    engine.insertColumns('auction', [ids as unknown as Column, reserve as unknown as Column], args.keys);
  }
  // warm-up: a tenth of the events, not measured
  const warm = Math.ceil(args.events / 10 / args.batch);
  for (let i = 0; i < warm; i++) engine.insertColumns('bid', batches[i % batches.length]!.columns, args.batch);
  await engine.flush();
  const cpuBefore = threadCpu();
  const count = Math.ceil(args.events / args.batch);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) engine.insertColumns('bid', batches[i % batches.length]!.columns, args.batch);
  // durable: until every row is on disk
  await engine.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = threadCpu();
  const events = count * args.batch;
  const cpuNsPerEvent: Record<string, number> = {};
  // every other thread together (GC helpers, libuv, WAL writers): not a bound, but CPU spent
  let others = 0;
  for (const [name, cpu] of cpuAfter) {
    const used = cpu - (cpuBefore.get(name) ?? 0);
    if (name === 'main' || name.startsWith('laminar-shard')) cpuNsPerEvent[name] = Math.round((used * 1e9) / events);
    else others += used;
  }
  const busiest = Math.max(...Object.values(cpuNsPerEvent));
  cpuNsPerEvent.otherThreads = Math.round((others * 1e9) / events);
  const cpuBoundEventsPerSecond = busiest > 0 ? Math.round(1e9 / busiest) : 0;
  const groups = query === 'exchange' ? 0 : (engine.query('SELECT count(*) AS n FROM q').rows[0]![0] as number);
  const loadAverage = os.loadavg().map((x) => Math.round(x * 100) / 100);
  await engine.close();
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  return { query, threads, events, seconds, eventsPerSecond: Math.round(events / seconds), cpuNsPerEvent, cpuBoundEventsPerSecond, loadBefore, loadAverage, groups };
}

/** The median run by wall-clock time (the CPU figures of that same run). */
function median(runs: Result[]): Result {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

interface Scaling {
  query: Query;
  threads: number;
  wallRatio: number;
  cpuBoundRatio: number | null;
  /** the main thread's CPU per event (for exchange: hash, gather and ring writes, nothing else) */
  mainNsPerEvent: number;
  shardNsPerEvent: number[];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const batches = makeBatches(args);
  console.log(`${args.durable ? 'durable ' : ''}cpus=${os.cpus().length} load average=${os.loadavg().map((x) => x.toFixed(2)).join(' ')} events=${args.events} batch=${args.batch} repeat=${args.repeat}`);
  const results: Result[] = [];
  const scaling: Scaling[] = [];
  for (const query of args.queries) {
    const byThreads: Result[] = [];
    for (const threads of args.threads) {
      const runs: Result[] = [];
      for (let k = 0; k < args.repeat; k++) runs.push(await runOnce(query, threads, args, batches));
      const r = median(runs);
      byThreads.push(r);
      results.push(r);
      console.log(
        `${r.query} threads=${r.threads} events=${r.events} ${r.seconds.toFixed(2)} s  ${(r.eventsPerSecond / 1e6).toFixed(2)} M events/s  ` +
          `cpu ns/event ${JSON.stringify(r.cpuNsPerEvent)}  cpu-bound ${(r.cpuBoundEventsPerSecond / 1e6).toFixed(2)} M events/s  groups=${r.groups}  load before=${r.loadBefore} after=${r.loadAverage.join(' ')}`,
      );
    }
    const base = byThreads.find((r) => r.threads === 1);
    if (!base) continue;
    for (const r of byThreads) {
      if (r === base) continue;
      const shards = Object.entries(r.cpuNsPerEvent).filter(([k]) => k.startsWith('laminar-shard')).map(([, v]) => v);
      const s: Scaling = {
        query,
        threads: r.threads,
        wallRatio: Number((r.eventsPerSecond / base.eventsPerSecond).toPrecision(3)),
        // CPU time comes in 10 ms ticks: a run too short to register any has no CPU-bound ratio
        cpuBoundRatio: base.cpuBoundEventsPerSecond > 0 && r.cpuBoundEventsPerSecond > 0 ? Number((r.cpuBoundEventsPerSecond / base.cpuBoundEventsPerSecond).toPrecision(3)) : null,
        mainNsPerEvent: r.cpuNsPerEvent.main ?? 0,
        shardNsPerEvent: shards,
      };
      scaling.push(s);
      if (query === 'exchange') {
        // one thread appends a batch to a source no view reads in O(1): the cost is all exchange
        console.log(
          `exchange cost per event (${r.threads} threads): wall ${(1e9 / r.eventsPerSecond).toFixed(1)} ns; CPU: main thread ${s.mainNsPerEvent} ns (hash, gather, ring write), shards ${shards.join(' / ')} ns (decode, append); one thread appending the same batches: ${base.cpuNsPerEvent.main} ns`,
        );
        continue;
      }
      console.log(`speed-up ${query} ${r.threads} threads vs 1: wall ${s.wallRatio}x, cpu-bound ${s.cpuBoundRatio === null ? 'n/a (run too short)' : `${s.cpuBoundRatio}x`}`);
    }
  }
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ args, cpus: os.cpus().length, loadAverage: os.loadavg(), results, scaling }, null, 2));
}

void main();
