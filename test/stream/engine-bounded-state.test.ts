// Long run through the Engine (SQL views, columnar inserts, moving watermark, 1 M events): the
// operator state of a changelog windowed aggregate with allowed_lateness, an EOWC aggregate, a
// windowed Top-N, an interval join and a per-window first-row dedup stays flat
// (Engine.viewStateSize, the view's result store excluded). bench/bounded-state runs 10 M.

import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';

const EVENTS = 1_000_000;

/** rows of the changelog aggregate view (one per key and window) */
const windowsHeld = (e: Engine) => e.query('SELECT count(*) FROM agg').rows[0]![0] as number;
const BATCH = 8192;

t.test('1 M events: windowed aggregate, EOWC, Top-N, interval join and first-row dedup state stays flat', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE ev (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`);
  e.execute(`SET allowed_lateness = '2 seconds'`);
  e.execute(`CREATE MATERIALIZED VIEW agg AS SELECT k, window_start, count(*) AS n, sum(v) AS s FROM TUMBLE(ev, ts, INTERVAL '1' SECOND) GROUP BY k, window_start, window_end`);
  e.execute(`CREATE MATERIALIZED VIEW top AS SELECT * FROM (SELECT k, v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn FROM TUMBLE(ev, ts, INTERVAL '1' SECOND)) WHERE rn <= 3`);
  e.execute(`CREATE MATERIALIZED VIEW eowc AS SELECT k, window_start, count(*) AS n, max(v) AS m FROM TUMBLE(ev, ts, INTERVAL '1' SECOND) GROUP BY k, window_start EMIT ON WINDOW CLOSE`);
  // an interval self-join (each row with the same key's rows of the previous 100 ms), counted per
  // window so the view's result stays small: its state is the join's plus the open windows'
  e.execute(`CREATE VIEW pairs AS SELECT a.k, a.ts FROM ev a JOIN ev b ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '100' MILLISECOND AND a.ts`);
  e.execute(`CREATE MATERIALIZED VIEW joined AS SELECT window_start, count(*) AS n FROM TUMBLE(pairs, ts, INTERVAL '1' SECOND) GROUP BY window_start EMIT ON WINDOW CLOSE`);
  e.execute(`CREATE MATERIALIZED VIEW firsts AS SELECT * FROM (SELECT k, v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, k ORDER BY ts) AS rn FROM TUMBLE(ev, ts, INTERVAL '1' SECOND)) WHERE rn = 1`);
  const samples: { agg: number; top: number; eowc: number; joined: number; firsts: number }[] = [];
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let start = 0; start < EVENTS; start += BATCH) {
    const k = new Array<number>(BATCH);
    const v = new Array<number>(BATCH);
    const ts = new Array<number>(BATCH);
    for (let i = 0; i < BATCH; i++) {
      k[i] = (start + i) % 50;
      v[i] = Math.floor(rand() * 1_000_000);
      ts[i] = start + i - Math.floor(rand() * 500); // 1 ms per event, up to 0.5 s disorder
    }
    e.insertColumns('ev', [k, v, ts], BATCH);
    samples.push({ agg: e.viewStateSize('agg'), top: e.viewStateSize('top'), eowc: e.viewStateSize('eowc'), joined: e.viewStateSize('joined'), firsts: e.viewStateSize('firsts') });
  }
  const half = Math.floor(samples.length / 2);
  const maxOf = (xs: number[]) => Math.max(...xs);
  const aggEarly = maxOf(samples.slice(5, half).map((s) => s.agg));
  const aggLate = maxOf(samples.slice(half).map((s) => s.agg));
  const topEarly = maxOf(samples.slice(5, half).map((s) => s.top));
  const topLate = maxOf(samples.slice(half).map((s) => s.top));
  t.ok(aggLate > 0 && aggLate <= aggEarly * 1.1, `aggregate state flat (early max ${aggEarly}, late max ${aggLate})`);
  t.ok(topLate > 0 && topLate <= topEarly * 1.1, `Top-N state flat (early max ${topEarly}, late max ${topLate})`);
  for (const view of ['eowc', 'joined', 'firsts'] as const) {
    const early = maxOf(samples.slice(5, half).map((s) => s[view]));
    const late = maxOf(samples.slice(half).map((s) => s[view]));
    t.ok(late > 0 && late <= early * 1.1, `${view} state flat (early max ${early}, late max ${late})`);
  }
  // bounded by what the watermark keeps open, not by the 1 M events: ~1.5 s of 50 keys, the
  // interval join's 100 ms + 1 s delay of rows on both sides
  t.ok(maxOf(samples.map((s) => s.eowc)) <= 4 * 50, 'EOWC aggregate: a few windows of 50 keys');
  t.ok(maxOf(samples.map((s) => s.joined)) < 2 * (1000 + 100 + BATCH) + 10, 'interval join: rows within the delay and the interval only');
  t.ok(maxOf(samples.map((s) => s.firsts)) <= 4 * 50, 'per-window first-row dedup: keys of the open windows only');
  e.advanceWatermark('ev', 1e13);
  t.equal(e.viewStateSize('eowc') + e.viewStateSize('firsts'), 0, 'the final watermark frees every window');
  const eowcRows = e.query('SELECT count(*) FROM eowc').rows[0]![0] as number;
  t.equal(eowcRows, windowsHeld(e), 'EOWC emitted one row per (key, window), like the changelog view');
  // the windows' results are all still in the views: ~1000 windows × 50 keys, 3 rows per window
  const windows = e.query('SELECT count(*) AS c FROM agg').rows[0]![0] as number;
  t.ok(windows >= 50 * 999, `aggregate view holds every window's result (${windows})`);
  const top = e.query('SELECT count(*) AS c FROM top').rows[0]![0] as number;
  t.ok(top >= 3 * 999, `Top-N view holds 3 rows per window (${top})`);
});
