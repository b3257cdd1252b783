// SQL over SESSION where the changelog aggregate assigns sessions itself (session-fusion.ts):
// views equal DuckDB mid-stream and at the end (sessions per group key, as SESSION is).

import t from 'tap';
import { viewEqualsDuckDB } from '../helpers/window-fusion-duck.js';

const SESSION = `SESSION(ev, ts, INTERVAL '2' SECOND)`;
const CASES: { name: string; sql: string }[] = [
  { name: 'count(*) per key and session (Nexmark q11 shape)', sql: `SELECT k, count(*) AS n, window_start, window_end FROM ${SESSION} GROUP BY k, window_start, window_end` },
  { name: 'aggregate arguments, window_end first', sql: `SELECT window_end, k, sum(v) AS s, min(v) AS lo, count(v) AS nv, window_start FROM ${SESSION} GROUP BY window_end, k, window_start` },
  // not fused (changelog by window_start alone stays relational over SESSION): same answers
  { name: 'grouped by window_start alone', sql: `SELECT window_start, k, sum(v) AS s FROM ${SESSION} GROUP BY k, window_start` },
];

for (const c of CASES) t.test(c.name, (t) => viewEqualsDuckDB(t, c.sql, { maxStepMs: 1500, sessionPartition: { ev: ['k'] } }));
