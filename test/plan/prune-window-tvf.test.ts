// Projection pruning below TUMBLE / HOP / CUMULATE: the window TVF copies every input column once
// per window, so only the columns read above it (plus the event time) should reach it.
import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';

function setup(): Engine {
  const e = new Engine();
  e.execute(`CREATE TABLE ev (k BIGINT, pad VARCHAR, v BIGINT, note VARCHAR, ts TIMESTAMP)`);
  return e;
}

const planOf = (e: Engine, sql: string): string[] => (e.execute(`EXPLAIN ${sql}`)[0]!.rows as string[][]).map((r) => r[0]!);

t.test('HOP reads only the columns its consumers need', async (t) => {
  const e = setup();
  t.teardown(() => e.close());
  const lines = planOf(e, "SELECT k, window_start, count(*) FROM HOP(ev, ts, INTERVAL '1' SECOND, INTERVAL '3' SECOND) GROUP BY k, window_start");
  const tvf = lines.findIndex((l) => l.includes('WindowTvf HOP'));
  t.ok(tvf >= 0, lines.join('\n'));
  t.match(lines[tvf + 1]!, /^\s*Project k#0, ts#4$/, 'a projection of k and ts sits under the TVF');
  t.match(lines[tvf + 2]!, /Scan ev/);
});

t.test('pruned HOP / CUMULATE / TUMBLE give the rows the full-width windows give', async (t) => {
  const e = setup();
  t.teardown(() => e.close());
  const base = Date.UTC(2024, 0, 1);
  const rows: string[] = [];
  for (let i = 0; i < 60; i++) {
    const ts = i % 13 === 0 ? 'NULL' : `TIMESTAMP '${new Date(base + ((i * 7919) % 9000)).toISOString().replace('T', ' ').replace('Z', '')}'`;
    rows.push(`(${i % 4}, 'p${i}', ${i % 9 === 0 ? 'NULL' : i}, 'n', ${ts})`);
  }
  e.execute(`INSERT INTO ev VALUES ${rows.join(', ')}`);
  const evRows = e.query('SELECT k, v, ts FROM ev').rows as [number, number | null, number | null][];
  const tvfs: [string, (ts: number) => [number, number][]][] = [
    ["HOP(ev, ts, INTERVAL '1' SECOND, INTERVAL '3' SECOND)", (ts) => {
      const out: [number, number][] = [];
      for (let s = Math.floor(ts / 1000) * 1000; s > ts - 3000; s -= 1000) out.push([s, s + 3000]);
      return out;
    }],
    ["CUMULATE(ev, ts, INTERVAL '1' SECOND, INTERVAL '3' SECOND)", (ts) => {
      const s = Math.floor(ts / 3000) * 3000;
      const out: [number, number][] = [];
      for (let end = Math.floor(ts / 1000) * 1000 + 1000; end <= s + 3000; end += 1000) out.push([s, end]);
      return out;
    }],
    ["TUMBLE(ev, ts, INTERVAL '2' SECOND)", (ts) => [[Math.floor(ts / 2000) * 2000, Math.floor(ts / 2000) * 2000 + 2000]]],
  ];
  for (const [tvf, windows] of tvfs) {
    const got = e.query(`SELECT k, window_start, window_end, count(*), sum(v) FROM ${tvf} GROUP BY k, window_start, window_end`).rows
      .map((r) => JSON.stringify(r)).sort();
    const expected = new Map<string, [number, number, number, number, number | null]>();
    for (const [k, v, ts] of evRows) {
      if (ts === null) continue;
      for (const [s, end] of windows(ts)) {
        const key = `${k}/${s}/${end}`;
        const g = expected.get(key) ?? [k, s, end, 0, null];
        g[3]++;
        if (v !== null) g[4] = (g[4] ?? 0) + v;
        expected.set(key, g);
      }
    }
    t.same(got, [...expected.values()].map((r) => JSON.stringify(r)).sort(), tvf);
    t.ok(got.length > 10, `${tvf}: groups to compare`);
  }
});
