// Bounded state over a long run: 10 M events (1 ms apart, up to 0.5 s out of order, 50 keys)
// through SQL views with a moving watermark; prints each view's operator state entries
// (Engine.viewStateSize, result rows excluded) every 1 M events, and the throughput.
//   npx tsx bench/bounded-state/run.ts [events]
// State that stays flat from the first sample to the last is bounded by the watermark, not by
// the number of events.

import { loadavg } from 'node:os';
import { Engine } from '../../lib/engine/engine.js';

const EVENTS = Number(process.argv[2] ?? 10_000_000);
const BATCH = 8192;
const KEYS = 50;

const VIEWS: [string, string][] = [
  ['window_agg_changes', `SELECT k, window_start, count(*) AS n, sum(v) AS s FROM TUMBLE(ev, ts, INTERVAL '1' SECOND) GROUP BY k, window_start, window_end`],
  ['window_agg_eowc', `SELECT k, window_start, count(*) AS n, max(v) AS m FROM TUMBLE(ev, ts, INTERVAL '1' SECOND) GROUP BY k, window_start EMIT ON WINDOW CLOSE`],
  ['window_top3', `SELECT * FROM (SELECT k, v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn FROM TUMBLE(ev, ts, INTERVAL '1' SECOND)) WHERE rn <= 3`],
  ['interval_join', `SELECT window_start, count(*) AS n FROM TUMBLE(pairs, ts, INTERVAL '1' SECOND) GROUP BY window_start EMIT ON WINDOW CLOSE`],
  ['first_row_per_window', `SELECT * FROM (SELECT k, v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, k ORDER BY ts) AS rn FROM TUMBLE(ev, ts, INTERVAL '1' SECOND)) WHERE rn = 1`],
];

const e = new Engine();
e.execute(`CREATE SOURCE ev (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`);
e.execute(`SET allowed_lateness = '2 seconds'`);
e.execute(`CREATE VIEW pairs AS SELECT a.k, a.ts FROM ev a JOIN ev b ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '100' MILLISECOND AND a.ts`);
for (const [name, sql] of VIEWS) e.execute(`CREATE MATERIALIZED VIEW ${name} AS ${sql}`);

let seed = 11;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const k = new Array<number>(BATCH);
const v = new Array<number>(BATCH);
const ts = new Array<number>(BATCH);
const names = VIEWS.map(([n]) => n);
const maxSeen = new Map<string, number>(names.map((n) => [n, 0]));
console.log(`bounded state: ${(EVENTS / 1e6).toFixed(1)} M events, ${KEYS} keys, 1 s windows, 1 s watermark delay; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(['events', ...names].map((s) => s.padStart(s === 'events' ? 10 : Math.max(12, s.length))).join(' '));
const t0 = process.hrtime.bigint();
let nextReport = 1_000_000;
for (let start = 0; start < EVENTS; start += BATCH) {
  const n = Math.min(BATCH, EVENTS - start);
  for (let i = 0; i < n; i++) {
    k[i] = (start + i) % KEYS;
    v[i] = Math.floor(rand() * 1_000_000);
    ts[i] = start + i - Math.floor(rand() * 500);
  }
  e.insertColumns('ev', [k, v, ts], n);
  for (const name of names) maxSeen.set(name, Math.max(maxSeen.get(name)!, e.viewStateSize(name)));
  if (start + n >= nextReport || start + n >= EVENTS) {
    nextReport += 1_000_000;
    console.log([String(start + n).padStart(10), ...names.map((name) => String(e.viewStateSize(name)).padStart(Math.max(12, name.length)))].join(' '));
  }
}
const sec = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(['max'.padStart(10), ...names.map((name) => String(maxSeen.get(name)).padStart(Math.max(12, name.length)))].join(' '));
console.log(`${(EVENTS / sec / 1e3).toFixed(0)} K events/s through all ${names.length} views (${sec.toFixed(1)} s); load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
