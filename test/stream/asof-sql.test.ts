// ASOF JOIN tolerance and nearest matching through SQL (lib/plan/binder/asof-bounds.ts):
// a bound `r.ts >= l.ts - INTERVAL …` limits a backward join, `r.ts <= l.ts + INTERVAL …` a
// forward one, and a symmetric BETWEEN without a plain inequality means nearest.

import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { UnsupportedError } from '../../lib/errors.js';
import { normRows } from './sql-e2e.js';

function setup(): Engine {
  const e = new Engine();
  e.execute(`CREATE SOURCE q (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  e.execute(`CREATE SOURCE p (k INT, px INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  return e;
}

const LEFT_ROWS = [[1, 10_000], [1, 20_000], [1, 30_000], [2, 10_000]];
const RIGHT_ROWS = [[1, 100, 4_000], [1, 101, 9_000], [1, 102, 12_000], [1, 103, 29_000], [2, 200, 30_000]];

/** The view's rows after joining LEFT_ROWS with RIGHT_ROWS and closing both watermarks. */
function run(on: string, left = false): string[] {
  const e = setup();
  const sql = `SELECT q.k, q.ts, p.px FROM q ASOF ${left ? 'LEFT ' : ''}JOIN p ON q.k = p.k AND ${on}`;
  e.execute(`CREATE MATERIALIZED VIEW v AS ${sql}`);
  e.insertRows('p', RIGHT_ROWS);
  e.insertRows('q', LEFT_ROWS);
  e.advanceWatermark('q', 100_000);
  e.advanceWatermark('p', 100_000);
  return normRows(e.query('SELECT * FROM v').rows);
}

t.test('backward, forward, with tolerance, nearest', async (t) => {
  t.same(run(`p.ts <= q.ts`), normRows([[1, 10_000, 101], [1, 20_000, 102], [1, 30_000, 103]]), `p.ts <= q.ts`);
  t.same(run(`p.ts <= q.ts AND p.ts >= q.ts - INTERVAL '2' SECOND`, false), normRows([[1, 10_000, 101], [1, 30_000, 103]]), `p.ts <= q.ts AND p.ts >= q.ts - INTERVAL '2' SECOND`);
  t.same(run(`q.ts >= p.ts AND q.ts - INTERVAL '2' SECOND <= p.ts`, true), normRows([[1, 10_000, 101], [1, 30_000, 103], [1, 20_000, null], [2, 10_000, null]]), `q.ts >= p.ts AND q.ts - INTERVAL '2' SECOND <= p.ts`);
  t.same(run(`p.ts >= q.ts AND p.ts <= q.ts + INTERVAL '5' SECOND`), normRows([[1, 10_000, 102]]), `p.ts >= q.ts AND p.ts <= q.ts + INTERVAL '5' SECOND`);
  t.same(run(`p.ts BETWEEN q.ts - INTERVAL '3' SECOND AND q.ts + INTERVAL '3' SECOND`), normRows([[1, 10_000, 101], [1, 30_000, 103]]), `p.ts BETWEEN q.ts - INTERVAL '3' SECOND AND q.ts + INTERVAL '3' SECOND`);
  t.same(run(`p.ts BETWEEN q.ts - INTERVAL '1' MINUTE AND q.ts + INTERVAL '1' MINUTE`), normRows([[1, 10_000, 101], [1, 20_000, 102], [1, 30_000, 103], [2, 10_000, 200]]), `p.ts BETWEEN q.ts - INTERVAL '1' MINUTE AND q.ts + INTERVAL '1' MINUTE`);
});

t.test('bounds that do not fit are refused', async (t) => {
  const e = setup();
  const bad = (on: string) => () => e.execute(`CREATE MATERIALIZED VIEW x AS SELECT q.k FROM q ASOF JOIN p ON q.k = p.k AND ${on}`);
  t.throws(bad(`p.ts <= q.ts AND p.ts <= q.ts + INTERVAL '1' SECOND`), UnsupportedError, 'upper bound on a backward join');
  t.throws(bad(`p.ts BETWEEN q.ts - INTERVAL '1' SECOND AND q.ts + INTERVAL '2' SECOND`), { message: /symmetric/ });
  t.throws(bad(`p.ts >= q.ts - INTERVAL '1' SECOND`), { message: /ASOF JOIN needs/ }, 'a lone bound is not a match direction');
  t.equal(e.relation('x'), undefined);
});
