// SQL over HOP where the aggregate assigns the windows itself (lib/plan/hop-fusion.ts): changelog
// views equal DuckDB mid-stream and at the end, also when the same HOP subplan is shared with a
// consumer that reads HOP's output (the HOP node must keep working for it).

import t from 'tap';
import { viewEqualsDuckDB } from '../helpers/window-fusion-duck.js';

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

for (const c of CASES) t.test(c.name, (t) => viewEqualsDuckDB(t, c.sql, { maxStepMs: 900 }));
