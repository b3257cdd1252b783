// Shared set-up of the SQL tests of window fusion (test/stream/hop-fusion-sql.test.ts,
// session-fusion-sql.test.ts): a view over a source ev (k, v, ts) is fed seeded events call by
// call, and mid-stream and at the end it must equal DuckDB over all events so far.
import type { Test } from 'tap';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import type { Row } from '../../lib/types/value.js';
import { rewriteWindowTvfs } from '../stream/duck-windows.js';
import { duckRows, normRows } from '../stream/sql-e2e.js';

export interface FusionRunOptions {
  /** the largest step of event time between consecutive events (ms): sets how often windows
   *  or sessions are crossed */
  maxStepMs: number;
  /** SESSION partitions for the DuckDB rewrite (table name → key columns), as the planner
   *  partitions sessions by the group keys */
  sessionPartition?: Record<string, string[]>;
}

/** `calls` inserts of 6 rows (k, v, ts): mostly the key 'hot', some NULL v, out-of-order ts. */
export function fusionEvents(seed: number, calls: number, maxStepMs: number): Row[][] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let base = 0;
  const out: Row[][] = [];
  for (let c = 0; c < calls; c++) {
    const rows: Row[] = [];
    for (let i = 0; i < 6; i++) {
      base += Math.floor(rand() * maxStepMs);
      const v = rand() < 0.15 ? null : Math.floor(rand() * 100) - 20;
      // a hot key most of the time, so a batch repeats keys within a pane
      rows.push([rand() < 0.7 ? 'hot' : ['a', 'b', 'c'][Math.floor(rand() * 3)]!, v, base - Math.floor(rand() * 1500)]);
    }
    out.push(rows);
  }
  return out;
}

/** Runs `sql` as a materialized view over seeded events (seeds 5 and 17, 30 inserts each) and
 *  asserts after insert 15 and at the end that it equals DuckDB over the same events. */
export async function viewEqualsDuckDB(t: Test, sql: string, options: FusionRunOptions): Promise<void> {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  for (const seed of [5, 17]) {
    await duck.run(`CREATE OR REPLACE TABLE ev (k VARCHAR, v INT, ts TIMESTAMP)`);
    const e = new Engine();
    e.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)`);
    e.execute(`CREATE MATERIALIZED VIEW w AS ${sql}`);
    const all: Row[] = [];
    const calls = fusionEvents(seed, 30, options.maxStepMs);
    for (const [n, rows] of calls.entries()) {
      e.insertRows('ev', rows);
      all.push(...rows);
      if (n === 14 || n === calls.length - 1) {
        await duck.run(`DELETE FROM ev`);
        await duck.run(`INSERT INTO ev VALUES ${all.map((r) => `('${r[0]}', ${r[1] ?? 'NULL'}, make_timestamp(${(r[2] as number) * 1000}))`).join(', ')}`);
        const expected = await duckRows(duck, rewriteWindowTvfs(sql, options.sessionPartition));
        t.ok(expected.length > 0);
        t.same(normRows(e.query('SELECT * FROM w').rows), expected, `seed ${seed}, after ${n + 1} inserts: equals DuckDB`);
      }
    }
    e.close();
  }
}
