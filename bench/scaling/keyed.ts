// Scaling bench: a keyed aggregation (nexmark q4-like count/sum/max per auction; --query agg) or
// a keyed join + aggregation (bids joined to their auction's row, then per-auction totals;
// --query join) with 1 vs N shard threads. Rows enter as prebuilt columnar batches at the engine port, so what is measured
// is routing + exchange + aggregation, not row-object conversion. Reports wall-clock events/s,
// CPU time per event of every thread (main and each shard, from /proc), and the load average.
//
//   npx tsx bench/scaling/keyed.ts [--query agg|join] [--events 4000000] [--batch 8192] [--keys 10000] [--threads 1,2] [--json out.json]
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Engine } from '../../lib/engine/engine.js';
import { ShardedEngine } from '../../lib/shard/sharded-engine.js';
import type { Column } from '../../lib/exec/batch.js';

interface Args {
  events: number;
  batch: number;
  keys: number;
  threads: number[];
  query: 'agg' | 'join';
  json?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { events: 4_000_000, batch: 8192, keys: 10_000, threads: [1, 2], query: 'agg' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--events') a.events = Number(v);
    else if (argv[i] === '--batch') a.batch = Number(v);
    else if (argv[i] === '--keys') a.keys = Number(v);
    else if (argv[i] === '--threads') a.threads = v!.split(',').map(Number);
    else if (argv[i] === '--json') a.json = v;
    else if (argv[i] === '--query') {
      if (v !== 'agg' && v !== 'join') throw new Error(`--query must be agg or join, got ${v}`);
      a.query = v;
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

const DDL = {
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
  loadAverage: number[];
  groups: number;
}

async function runOnce(threads: number, args: Args, batches: { columns: Column[]; length: number }[]): Promise<Result> {
  const engine = threads === 1 ? new Engine({}) : new ShardedEngine({ threads });
  for (const sql of DDL[args.query]) engine.execute(sql);
  if (args.query === 'join') {
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
  engine.flush();
  const cpuBefore = threadCpu();
  const count = Math.ceil(args.events / args.batch);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) engine.insertColumns('bid', batches[i % batches.length]!.columns, args.batch);
  engine.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = threadCpu();
  const events = count * args.batch;
  const cpuNsPerEvent: Record<string, number> = {};
  for (const [name, cpu] of cpuAfter) {
    const used = cpu - (cpuBefore.get(name) ?? 0);
    if (name === 'main' || name.startsWith('laminar-shard')) cpuNsPerEvent[name] = Math.round((used * 1e9) / events);
  }
  const busiest = Math.max(...Object.values(cpuNsPerEvent));
  const cpuBoundEventsPerSecond = busiest > 0 ? Math.round(1e9 / busiest) : 0;
  const groups = engine.query('SELECT count(*) AS n FROM q').rows[0]![0] as number;
  const loadAverage = os.loadavg().map((x) => Math.round(x * 100) / 100);
  await engine.close();
  return { query: args.query, threads, events, seconds, eventsPerSecond: Math.round(events / seconds), cpuNsPerEvent, cpuBoundEventsPerSecond, loadAverage, groups };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const batches = makeBatches(args);
  const results: Result[] = [];
  for (const threads of args.threads) {
    const r = await runOnce(threads, args, batches);
    results.push(r);
    console.log(
      `${r.query} threads=${r.threads} events=${r.events} ${r.seconds.toFixed(2)} s  ${(r.eventsPerSecond / 1e6).toFixed(2)} M events/s  ` +
        `cpu ns/event ${JSON.stringify(r.cpuNsPerEvent)}  cpu-bound ${(r.cpuBoundEventsPerSecond / 1e6).toFixed(2)} M events/s  groups=${r.groups}  load=${r.loadAverage.join(' ')}`,
    );
  }
  const base = results.find((r) => r.threads === 1);
  if (base) {
    for (const r of results) {
      if (r === base) continue;
      console.log(`speed-up ${r.threads} threads vs 1: wall ${(r.eventsPerSecond / base.eventsPerSecond).toFixed(2)}x, cpu-bound ${(r.cpuBoundEventsPerSecond / base.cpuBoundEventsPerSecond).toFixed(2)}x`);
    }
  }
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ args, cpus: os.cpus().length, results }, null, 2));
}

void main();
