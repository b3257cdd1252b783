// SESSION windows through SQL: sessions are per grouping key (PRODUCT.md §3), both emit modes,
// and Nexmark q11 — against DuckDB computing per-key sessions with explicit gap arithmetic.
// Depends on the planner applying partitionSessionWindows (lib/plan/physical-stream.ts), which
// partitions a SESSION TVF by the group keys of the aggregate above it.

import t from 'tap';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import type { Row } from '../../lib/types/value.js';
import { rewriteWindowTvfs } from './duck-windows.js';
import { duckRows, nexmarkQuery, nexmarkSetup, normRows } from './sql-e2e.js';

t.test('SESSION views per key in both emit modes against DuckDB', async (t) => {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(`CREATE TABLE ev (k VARCHAR, v INT, ts TIMESTAMP)`);
  const e = new Engine();
  e.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)`);
  const sql = `SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s FROM SESSION(ev, ts, INTERVAL '3' SECOND) GROUP BY k, window_start, window_end`;
  e.execute(`CREATE MATERIALIZED VIEW live AS ${sql}`);
  e.execute(`CREATE MATERIALIZED VIEW eowc AS ${sql} EMIT ON WINDOW CLOSE`);
  let seed = 5;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  let base = 0;
  const all: Row[] = [];
  for (let call = 0; call < 30; call++) {
    const rows: Row[] = [];
    for (let i = 0; i < 6; i++) {
      base += Math.floor(rand() * 1500);
      rows.push([['a', 'b'][Math.floor(rand() * 2)]!, Math.floor(rand() * 100), base - Math.floor(rand() * 2000)]);
    }
    e.insertRows('ev', rows);
    all.push(...rows);
  }
  await duck.run(`INSERT INTO ev VALUES ${all.map((r) => `('${r[0]}', ${r[1]}, make_timestamp(${(r[2] as number) * 1000}))`).join(', ')}`);
  const expected = await duckRows(duck, rewriteWindowTvfs(sql, { ev: ['k'] }));
  t.ok(expected.length > 5, 'the oracle has several sessions');
  t.same(normRows(e.query('SELECT * FROM live').rows), expected, 'changelog view: sessions per key');
  t.same(normRows(e.query(sql).rows), expected, 'one-shot SELECT');
  const wm = Math.max(...all.map((r) => r[2] as number)) - 2000;
  t.same(normRows(e.query('SELECT * FROM eowc').rows), expected.filter((r) => (JSON.parse(r)[2] as number) < wm), 'EOWC: exactly the sessions the watermark has passed');
  e.advanceWatermark('ev', 1e12);
  t.same(normRows(e.query('SELECT * FROM eowc').rows), expected, 'EOWC after the final watermark');
});

t.test('Nexmark q11 (bids per bidder session) against DuckDB', async (t) => {
  const q11 = nexmarkQuery('q11');
  const { engine: e, duck } = await nexmarkSetup(3, 2000, (eng) => {
    eng.execute(`CREATE MATERIALIZED VIEW q11_before AS ${q11}`);
    eng.execute(`CREATE MATERIALIZED VIEW q11_eowc AS ${q11} EMIT ON WINDOW CLOSE`);
  });
  const expected = await duckRows(duck, rewriteWindowTvfs(q11, { bid: ['bidder'] }));
  t.ok(expected.length > 0);
  t.same(normRows(e.query(q11).rows), expected, 'SELECT');
  t.same(normRows(e.query('SELECT * FROM q11_before').rows), expected, 'view created before the data');
  t.same(normRows(e.query('SELECT * FROM q11_eowc').rows), expected, 'EMIT ON WINDOW CLOSE view after the final watermark');
  e.execute(`CREATE MATERIALIZED VIEW q11_after AS ${q11}`);
  t.same(normRows(e.query('SELECT * FROM q11_after').rows), expected, 'view created after the data');
});
