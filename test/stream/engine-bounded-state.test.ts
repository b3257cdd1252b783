// Long run through the Engine (SQL views, columnar inserts, moving watermark, 1 M events): the
// operator state of a changelog windowed aggregate with allowed_lateness and of a windowed
// Top-N stays flat (Engine.viewStateSize, the view's result store excluded).

import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';

const EVENTS = 1_000_000;
const BATCH = 8192;

t.test('1 M events: windowed aggregate and windowed Top-N state stays flat', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE ev (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`);
  e.execute(`SET allowed_lateness = '2 seconds'`);
  e.execute(`CREATE MATERIALIZED VIEW agg AS SELECT k, window_start, count(*) AS n, sum(v) AS s FROM TUMBLE(ev, ts, INTERVAL '1' SECOND) GROUP BY k, window_start, window_end`);
  e.execute(`CREATE MATERIALIZED VIEW top AS SELECT * FROM (SELECT k, v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn FROM TUMBLE(ev, ts, INTERVAL '1' SECOND)) WHERE rn <= 3`);
  const samples: { agg: number; top: number }[] = [];
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
    samples.push({ agg: e.viewStateSize('agg'), top: e.viewStateSize('top') });
  }
  const half = Math.floor(samples.length / 2);
  const maxOf = (xs: number[]) => Math.max(...xs);
  const aggEarly = maxOf(samples.slice(5, half).map((s) => s.agg));
  const aggLate = maxOf(samples.slice(half).map((s) => s.agg));
  const topEarly = maxOf(samples.slice(5, half).map((s) => s.top));
  const topLate = maxOf(samples.slice(half).map((s) => s.top));
  t.ok(aggLate > 0 && aggLate <= aggEarly * 1.1, `aggregate state flat (early max ${aggEarly}, late max ${aggLate})`);
  t.ok(topLate > 0 && topLate <= topEarly * 1.1, `Top-N state flat (early max ${topEarly}, late max ${topLate})`);
  // the windows' results are all still in the views: ~1000 windows × 50 keys, 3 rows per window
  const windows = e.query('SELECT count(*) AS c FROM agg').rows[0]![0] as number;
  t.ok(windows >= 50 * 999, `aggregate view holds every window's result (${windows})`);
  const top = e.query('SELECT count(*) AS c FROM top').rows[0]![0] as number;
  t.ok(top >= 3 * 999, `Top-N view holds 3 rows per window (${top})`);
});
