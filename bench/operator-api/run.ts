// `npx tsx bench/operator-api/run.ts` — the same keyed aggregation (per auction, per 10-second
// tumbling window: count and max price, emitted when the window closes) written three ways over
// the same Nexmark bids, each fed through db.insert in batches:
//   SQL          CREATE MATERIALIZED VIEW … TUMBLE … GROUP BY … EMIT ON WINDOW CLOSE
//   operator API db.stream('bid', { timestamps: 'ms' }).keyBy(auction).window(tumble(10 s)).aggregate(…)
//   process()    the same with a custom keyed ProcessFunction (map state + event-time timers)
//   floor        a hand-written TypeScript loop over the same rows (no database)
// Events/s per core (one JS thread); results compared so no side cheats.
//   --events N (default 1,000,000; --quick: 20,000)   --batch B (default 1,000)
//   --rounds R (default 5; --quick: 1): the variants run interleaved R times, medians reported
//   (the headline ratio is median SQL rate ÷ median operator rate; each round's own ratio is
//   printed too, as rounds are closest in time and so in machine load)
import * as os from 'node:os';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { open } from '../../lib/index.js';
import { tumble, type ProcessContext, type ProcessFunction } from '../../lib/stream-api/index.js';
import { NexmarkGenerator } from '../../lib/nexmark/generator.js';
import { printTable, writeResults, type BenchRow } from '../report.js';

interface Bid {
  auction: number;
  bidder: number;
  price: number;
  date_time: number;
}

const WINDOW = 10_000;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function bids(n: number): Bid[] {
  const gen = new NexmarkGenerator();
  const out: Bid[] = [];
  while (out.length < n) {
    const b = gen.next(4096);
    const d = b.bid;
    for (let i = 0; i < b.bids && out.length < n; i++) {
      out.push({ auction: Number(d.auction[i]), bidder: Number(d.bidder[i]), price: Number(d.price[i]), date_time: Number(d.date_time[i]) });
    }
  }
  return out;
}

const SOURCE = `CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, date_time TIMESTAMP,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND)`;

// a full collection before each measured run, so one variant's garbage is not billed to the next
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

async function feed(db: Awaited<ReturnType<typeof open>>, rows: Bid[], batch: number): Promise<number> {
  collect();
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < rows.length; i += batch) db.insert('bid', rows.slice(i, i + batch));
  db.advanceWatermark('bid', 8.64e15);
  const used = process.cpuUsage(t0);
  if (process.env.LAMINAR_BENCH_WALL) console.log(`  wall ${(performance.now() - w0).toFixed(0)} ms, cpu ${((used.user + used.system) / 1000).toFixed(0)} ms`);
  return rows.length / ((used.user + used.system) / 1e6);
}

async function sql(rows: Bid[], batch: number): Promise<{ rate: number; check: string }> {
  const db = await open();
  await db.execute(SOURCE);
  await db.execute(`CREATE MATERIALIZED VIEW w AS
    SELECT auction, window_start, count(*) AS n, max(price) AS top
    FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end EMIT ON WINDOW CLOSE`);
  const rate = await feed(db, rows, batch);
  const r = await db.query<{ c: number; n: number; top: number }>('SELECT count(*) AS c, sum(n) AS n, max(top) AS top FROM w');
  await db.close();
  return { rate, check: `${r[0]!.c} windows, ${r[0]!.n} bids, top ${r[0]!.top}` };
}

async function operatorApi(rows: Bid[], batch: number): Promise<{ rate: number; check: string }> {
  const db = await open();
  await db.execute(SOURCE);
  let windows = 0;
  let n = 0;
  let top = -Infinity;
  db.stream<Bid>('bid', { timestamps: 'ms' })
    .keyBy((b) => b.auction)
    .window(tumble(WINDOW), (b) => b.date_time)
    .aggregate<{ n: number; top: number }, { n: number; top: number }>({
      create: () => ({ n: 0, top: -Infinity }),
      add: (a, b) => {
        a.n++;
        if (b.price > a.top) a.top = b.price;
        return a;
      },
      result: (a) => a,
    })
    .forEach((ws) => {
      for (const w of ws) {
        windows++;
        n += w.value.n;
        if (w.value.top > top) top = w.value.top;
      }
    });
  const rate = await feed(db, rows, batch);
  await db.close();
  return { rate, check: `${windows} windows, ${n} bids, top ${top}` };
}

/** The same aggregation as a user would write it with process(): map state + event-time timers. */
class WindowedCountMax implements ProcessFunction<number, Bid, { start: number; n: number; top: number }> {
  process(b: Bid, ctx: ProcessContext<number, { start: number; n: number; top: number }>): void {
    const start = b.date_time - (b.date_time % WINDOW);
    if (start + WINDOW <= ctx.watermark) return; // late: its window has closed (as in SQL)
    const windows = ctx.state.map<number, { n: number; top: number }>('windows');
    const acc = windows.get(start);
    if (acc !== undefined) {
      acc.n++;
      if (b.price > acc.top) acc.top = b.price;
    } else {
      windows.put(start, { n: 1, top: b.price });
      ctx.timers.registerEventTimeTimer(start + WINDOW);
    }
  }
  onTimer(timer: { time: number }, ctx: ProcessContext<number, { start: number; n: number; top: number }>): void {
    const windows = ctx.state.map<number, { n: number; top: number }>('windows');
    const start = timer.time - WINDOW;
    const acc = windows.get(start);
    if (acc === undefined) return;
    ctx.emit({ start, n: acc.n, top: acc.top });
    windows.remove(start);
  }
}

async function processApi(rows: Bid[], batch: number): Promise<{ rate: number; check: string }> {
  const db = await open();
  await db.execute(SOURCE);
  let windows = 0;
  let n = 0;
  let top = -Infinity;
  db.stream<Bid>('bid', { timestamps: 'ms' })
    .keyBy((b) => b.auction)
    .process(new WindowedCountMax())
    .forEach((ws) => {
      for (const w of ws) {
        windows++;
        n += w.n;
        if (w.top > top) top = w.top;
      }
    });
  const rate = await feed(db, rows, batch);
  await db.close();
  return { rate, check: `${windows} windows, ${n} bids, top ${top}` };
}

function floor(rows: Bid[]): { rate: number; check: string } {
  const t0 = process.cpuUsage();
  // auction → window start → accumulator (numeric keys, no string building)
  const open = new Map<number, Map<number, { n: number; top: number }>>();
  let windows = 0;
  let n = 0;
  let top = -Infinity;
  for (const b of rows) {
    const start = b.date_time - (b.date_time % WINDOW);
    let perAuction = open.get(b.auction);
    if (perAuction === undefined) open.set(b.auction, (perAuction = new Map()));
    const w = perAuction.get(start);
    if (w) {
      w.n++;
      if (b.price > w.top) w.top = b.price;
    } else perAuction.set(start, { n: 1, top: b.price });
  }
  for (const perAuction of open.values()) {
    for (const w of perAuction.values()) {
      windows++;
      n += w.n;
      if (w.top > top) top = w.top;
    }
  }
  const used = process.cpuUsage(t0);
  return { rate: rows.length / ((used.user + used.system) / 1e6), check: `${windows} windows, ${n} bids, top ${top}` };
}

type Measured = { rate: number; check: string };

function median(ms: Measured[]): Measured {
  const sorted = ms.slice().sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const events = arg('--events', quick ? 20_000 : 1_000_000);
  const batch = arg('--batch', 1_000);
  const rounds = arg('--rounds', quick ? 1 : 5);
  const rows = bids(events);
  // the variants interleaved, several rounds, the median of each: the shared machine's load
  // swings between runs, and a ratio within one round is what compares
  const runs: { s: Measured; o: Measured; p: Measured }[] = [];
  for (let r = 0; r < rounds; r++) runs.push({ s: await sql(rows, batch), o: await operatorApi(rows, batch), p: await processApi(rows, batch) });
  const s = median(runs.map((r) => r.s));
  const o = median(runs.map((r) => r.o));
  const p = median(runs.map((r) => r.p));
  const f = floor(rows);
  for (const r of runs) {
    console.log(
      `  round: SQL ${(r.s.rate / 1e6).toFixed(2)} M, window API ${(r.o.rate / 1e6).toFixed(2)} M (${(r.s.rate / r.o.rate).toFixed(2)}×), ` +
        `process() ${(r.p.rate / 1e6).toFixed(2)} M (${(r.s.rate / r.p.rate).toFixed(2)}×) events/s`,
    );
  }
  if (s.check !== o.check || o.check !== f.check || p.check !== f.check) {
    throw new Error(`results differ: SQL ${s.check} | operator API ${o.check} | process() ${p.check} | floor ${f.check}`);
  }
  const table: BenchRow[] = [
    { name: 'keyed tumbling aggregate, operator API', value: o.rate, unit: 'events/s', baseline: 'same in SQL', baselineValue: s.rate },
    { name: 'keyed tumbling aggregate, custom process()', value: p.rate, unit: 'events/s', baseline: 'same in SQL', baselineValue: s.rate },
    { name: 'keyed tumbling aggregate, SQL', value: s.rate, unit: 'events/s', baseline: 'hand-written TS floor', baselineValue: f.rate },
  ];
  printTable(
    `operator API vs SQL (${events} bids, batches of ${batch}; ${o.check}); SQL / window API = ${(s.rate / o.rate).toFixed(2)}×, SQL / process() = ${(s.rate / p.rate).toFixed(2)}×`,
    table,
  );
  console.log(`  load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} (shared machine: compare ratios within one run)`);
  console.log(`  results: ${writeResults(quick ? 'operator-api-quick.json' : 'operator-api.json', table)}`);
}

void main();
