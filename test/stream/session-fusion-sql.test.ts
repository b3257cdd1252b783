// SQL over SESSION where the changelog aggregate assigns sessions itself (session-fusion.ts):
// views equal DuckDB mid-stream and at the end (sessions per group key, as SESSION is).

import t from 'tap';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import type { Row } from '../../lib/types/value.js';
import { rewriteWindowTvfs } from './duck-windows.js';
import { duckRows, normRows } from './sql-e2e.js';

const SESSION = `SESSION(ev, ts, INTERVAL '2' SECOND)`;
const CASES: { name: string; sql: string }[] = [
  { name: 'count(*) per key and session (Nexmark q11 shape)', sql: `SELECT k, count(*) AS n, window_start, window_end FROM ${SESSION} GROUP BY k, window_start, window_end` },
  { name: 'aggregate arguments, window_end first', sql: `SELECT window_end, k, sum(v) AS s, min(v) AS lo, count(v) AS nv, window_start FROM ${SESSION} GROUP BY window_end, k, window_start` },
  // not fused (changelog by window_start alone stays relational over SESSION): same answers
  { name: 'grouped by window_start alone', sql: `SELECT window_start, k, sum(v) AS s FROM ${SESSION} GROUP BY k, window_start` },
];

function events(seed: number, calls: number): Row[][] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let base = 0;
  const out: Row[][] = [];
  for (let c = 0; c < calls; c++) {
    const rows: Row[] = [];
    for (let i = 0; i < 6; i++) {
      base += Math.floor(rand() * 1500);
      const v = rand() < 0.15 ? null : Math.floor(rand() * 100) - 20;
      // a hot key most of the time, so a batch repeats keys within a pane
      rows.push([rand() < 0.7 ? 'hot' : ['a', 'b', 'c'][Math.floor(rand() * 3)]!, v, base - Math.floor(rand() * 1500)]);
    }
    out.push(rows);
  }
  return out;
}

for (const c of CASES) {
  t.test(c.name, async (t) => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    for (const seed of [5, 17]) {
      await duck.run(`CREATE OR REPLACE TABLE ev (k VARCHAR, v INT, ts TIMESTAMP)`);
      const e = new Engine();
      e.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)`);
      e.execute(`CREATE MATERIALIZED VIEW w AS ${c.sql}`);
      const all: Row[] = [];
      const calls = events(seed, 30);
      for (const [n, rows] of calls.entries()) {
        e.insertRows('ev', rows);
        all.push(...rows);
        if (n === 14 || n === calls.length - 1) {
          await duck.run(`DELETE FROM ev`);
          await duck.run(`INSERT INTO ev VALUES ${all.map((r) => `('${r[0]}', ${r[1] ?? 'NULL'}, make_timestamp(${(r[2] as number) * 1000}))`).join(', ')}`);
          const expected = await duckRows(duck, rewriteWindowTvfs(c.sql, { ev: ['k'] }));
          t.ok(expected.length > 0);
          t.same(normRows(e.query('SELECT * FROM w').rows), expected, `seed ${seed}, after ${n + 1} inserts: equals DuckDB`);
        }
      }
      e.close();
    }
  });
}
