// SQL over HOP where the aggregate assigns the windows itself (lib/plan/hop-fusion.ts): changelog
// views equal DuckDB mid-stream and at the end, also when the same HOP subplan is shared with a
// consumer that reads HOP's output (the HOP node must keep working for it).

import t from 'tap';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import type { Row } from '../../lib/types/value.js';
import { rewriteWindowTvfs } from './duck-windows.js';
import { duckRows, normRows } from './sql-e2e.js';

const HOP = `HOP(ev, ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND)`;
const CASES: { name: string; sql: string }[] = [
  { name: 'count(*) per key and window_start (consolidated per pane)', sql: `SELECT k, window_start, count(*) AS n FROM ${HOP} GROUP BY k, window_start` },
  { name: 'arguments and FILTER per window_end (row by row)', sql: `SELECT k, window_end, count(*) AS n, sum(v) AS s, max(v) AS hi, count(*) FILTER (WHERE v > 0) AS pos FROM ${HOP} GROUP BY k, window_end` },
  {
    name: 'the HOP shared with a filtered consumer',
    sql: `SELECT a.k, a.ws, a.n, b.total FROM (SELECT k, window_start AS ws, count(*) AS n FROM ${HOP} GROUP BY k, window_start) a
      JOIN (SELECT window_start AS ws2, count(*) AS total FROM (SELECT * FROM ${HOP} WHERE v > 0) f GROUP BY window_start) b ON a.ws = b.ws2`,
  },
];

function events(seed: number, calls: number): Row[][] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let base = 0;
  const out: Row[][] = [];
  for (let c = 0; c < calls; c++) {
    const rows: Row[] = [];
    for (let i = 0; i < 6; i++) {
      base += Math.floor(rand() * 900);
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
          const expected = await duckRows(duck, rewriteWindowTvfs(c.sql));
          t.ok(expected.length > 0);
          t.same(normRows(e.query('SELECT * FROM w').rows), expected, `seed ${seed}, after ${n + 1} inserts: equals DuckDB`);
        }
      }
      e.close();
    }
  });
}
