// EMIT ON WINDOW CLOSE over an aggregate grouped by window_start without window_end: the start
// determines the end (start + size for TUMBLE / HOP / CUMULATE, the session's end for SESSION per
// key), so each group is emitted once when the watermark passes it. Checked against DuckDB
// computing the same query with explicit window arithmetic, mid-stream and after the final
// watermark, for random event streams with bounded disorder.

import t from 'tap';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import type { Row } from '../../lib/types/value.js';
import { rewriteWindowTvfs } from './duck-windows.js';
import { duckRows, normRows } from './sql-e2e.js';

interface Case {
  name: string;
  sql: string;
  /** when the group whose JSON row is given is final, from its columns */
  endOf: (row: unknown[]) => number;
  session?: boolean;
  /** SESSION without a key: one sequence of sessions over all rows */
  global?: boolean;
}

const CASES: Case[] = [
  {
    name: 'TUMBLE by window_start',
    sql: `SELECT window_start, count(*) AS n, sum(v) AS s FROM TUMBLE(ev, ts, INTERVAL '5' SECOND) GROUP BY window_start`,
    endOf: (r) => (r[0] as number) + 5000,
  },
  {
    name: 'TUMBLE by key and window_start, start not first',
    sql: `SELECT k, max(v) AS m, window_start FROM TUMBLE(ev, ts, INTERVAL '4' SECOND) GROUP BY k, window_start`,
    endOf: (r) => (r[2] as number) + 4000,
  },
  {
    name: 'HOP by window_start',
    sql: `SELECT window_start, k, count(v) AS n FROM HOP(ev, ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND) GROUP BY window_start, k`,
    endOf: (r) => (r[0] as number) + 6000,
  },
  {
    name: 'CUMULATE by window_start: one group over the windows sharing a start',
    sql: `SELECT window_start, count(*) AS n, min(v) AS lo FROM CUMULATE(ev, ts, INTERVAL '2' SECOND, INTERVAL '8' SECOND) GROUP BY window_start`,
    endOf: (r) => (r[0] as number) + 8000,
  },
  {
    name: 'SESSION per key by key and window_start',
    sql: `SELECT k, window_start, count(*) AS n, sum(v) AS s FROM SESSION(ev, ts, INTERVAL '3' SECOND) GROUP BY k, window_start`,
    endOf: () => Infinity, // checked after the final watermark only (the end is not in the row)
    session: true,
  },
  {
    name: 'SESSION over all rows by window_start alone',
    sql: `SELECT window_start, count(*) AS n FROM SESSION(ev, ts, INTERVAL '2' SECOND) GROUP BY window_start`,
    endOf: () => Infinity,
    session: true,
    global: true,
  },
];

function events(seed: number, calls: number): Row[][] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let base = 0;
  const out: Row[][] = [];
  for (let c = 0; c < calls; c++) {
    const rows: Row[] = [];
    for (let i = 0; i < 5; i++) {
      base += Math.floor(rand() * 1200);
      const v = rand() < 0.15 ? null : Math.floor(rand() * 100) - 20;
      rows.push([['a', 'b', 'c'][Math.floor(rand() * 3)]!, v, base - Math.floor(rand() * 2000)]);
    }
    out.push(rows);
  }
  return out;
}

for (const c of CASES) {
  t.test(c.name, async (t) => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    for (const seed of [3, 11, 29]) {
      await duck.run(`CREATE OR REPLACE TABLE ev (k VARCHAR, v INT, ts TIMESTAMP)`);
      const e = new Engine();
      // the delay covers the disorder: no row is late, so the final result is the batch result
      e.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)`);
      e.execute(`CREATE MATERIALIZED VIEW w AS ${c.sql} EMIT ON WINDOW CLOSE`);
      const all: Row[] = [];
      const calls = events(seed, 40);
      for (const rows of calls.slice(0, 20)) e.insertRows('ev', rows), all.push(...rows);
      const midWm = Math.max(...all.map((r) => r[2] as number)) - 2000;
      const mid = normRows(e.query('SELECT * FROM w').rows);
      for (const rows of calls.slice(20)) e.insertRows('ev', rows), all.push(...rows);
      await duck.run(`INSERT INTO ev VALUES ${all.map((r) => `('${r[0]}', ${r[1] ?? 'NULL'}, make_timestamp(${(r[2] as number) * 1000}))`).join(', ')}`);
      const expected = await duckRows(duck, rewriteWindowTvfs(c.sql, c.session && !c.global ? { ev: ['k'] } : {}));
      if (!c.session) {
        // mid-stream: exactly the groups whose window end the watermark had reached, final values
        const closedByMid = (r: string) => c.endOf(JSON.parse(r) as unknown[]) <= midWm;
        const expectedMid = expected.filter(closedByMid);
        t.ok(expectedMid.length > 0 && expectedMid.length < expected.length, `seed ${seed}: some groups closed mid-stream`);
        t.same(mid, expectedMid, `seed ${seed}: mid-stream rows are the closed groups, with their final values`);
      } else {
        t.ok(mid.every((r) => expected.includes(r)), `seed ${seed}: mid-stream sessions are final`);
        // (over all rows, the dense stream is mostly one long session: nothing need close early)
        if (!c.global) t.ok(mid.length > 0 && mid.length < expected.length, `seed ${seed}: some sessions closed mid-stream`);
      }
      e.advanceWatermark('ev', 1e12);
      t.same(normRows(e.query('SELECT * FROM w').rows), expected, `seed ${seed}: after the final watermark equals DuckDB`);
      t.equal(e.viewStateSize('w'), 0, `seed ${seed}: every group freed`);
    }
  });
}

t.test('a computed window_start or no window column is still refused', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  t.throws(
    () => e.execute(`CREATE MATERIALIZED VIEW x AS SELECT k, count(*) AS n FROM ev GROUP BY k EMIT ON WINDOW CLOSE`),
    { code: 'UNSUPPORTED', message: /window_end or window_start/ },
  );
  t.throws(
    () => e.execute(`CREATE MATERIALIZED VIEW y AS SELECT window_start, count(*) AS n FROM (SELECT ts AS window_start FROM ev) s GROUP BY window_start EMIT ON WINDOW CLOSE`),
    { code: 'UNSUPPORTED', message: /window_start/ },
    'a column merely named window_start is not a window',
  );
});

t.test('property: random window shapes and watermark delays, grouped by window_start, equal DuckDB', async (t) => {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const shapeArb = fc.oneof(
    fc.integer({ min: 1, max: 6 }).map((s) => `TUMBLE(ev, ts, INTERVAL '${s}' SECOND)`),
    fc.record({ slide: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 3 }) }).map(({ slide, m }) => `HOP(ev, ts, INTERVAL '${slide}' SECOND, INTERVAL '${slide * m}' SECOND)`),
    fc.record({ step: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 3 }) }).map(({ step, m }) => `CUMULATE(ev, ts, INTERVAL '${step}' SECOND, INTERVAL '${step * m}' SECOND)`),
  );
  const eventsArb = fc.array(fc.record({ step: fc.integer({ min: 0, max: 900 }), back: fc.double({ min: 0, max: 1, noNaN: true }), k: fc.constantFrom('a', 'b'), v: fc.option(fc.integer({ min: -9, max: 9 }), { freq: 5 }) }), { minLength: 1, maxLength: 60 });
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(shapeArb, fc.integer({ min: 0, max: 3 }), fc.boolean(), eventsArb, fc.integer({ min: 1, max: 9 }), async (tvf, delaySec, byKey, items, chunk) => {
      const sql = `SELECT ${byKey ? 'k, ' : ''}window_start, count(*) AS n, sum(v) AS s, min(v) AS lo FROM ${tvf} GROUP BY ${byKey ? 'k, ' : ''}window_start`;
      const e = new Engine();
      e.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delaySec}' SECOND)`);
      e.execute(`CREATE MATERIALIZED VIEW w AS ${sql} EMIT ON WINDOW CLOSE`);
      let base = 0;
      // disorder within the delay: no row is late, so the final result is the batch result
      const rows: Row[] = items.map((it) => {
        base += it.step;
        return [it.k, it.v, Math.max(0, base - Math.floor(it.back * delaySec * 1000))];
      });
      const seen = new Set<string>();
      for (let i = 0; i < rows.length; i += chunk) {
        e.insertRows('ev', rows.slice(i, i + chunk));
        for (const r of normRows(e.query('SELECT * FROM w').rows)) seen.add(r);
      }
      e.advanceWatermark('ev', 1e12);
      const final = normRows(e.query('SELECT * FROM w').rows);
      await duck.run(`CREATE OR REPLACE TABLE ev (k VARCHAR, v INT, ts TIMESTAMP)`);
      await duck.run(`INSERT INTO ev VALUES ${rows.map((r) => `('${r[0]}', ${r[1] ?? 'NULL'}, make_timestamp(${(r[2] as number) * 1000}))`).join(', ')}`);
      const expected = await duckRows(duck, rewriteWindowTvfs(sql));
      runs++;
      if (JSON.stringify(final) !== JSON.stringify(expected)) throw new Error(`${sql}\ngot ${final.join(' ')}\nwant ${expected.join(' ')}`);
      for (const r of seen) if (!final.includes(r)) throw new Error(`${sql}: ${r} was emitted mid-stream but is not final`);
      if (e.viewLateRows('w') !== 0) throw new Error('no row is late within the delay');
    }),
    { numRuns: 40 },
  );
  t.equal(runs, 40, '40 random cases agree with DuckDB, mid-stream rows final');
});

t.test('changelog grouped by window_start alone runs windowed: equals the SELECT, and allowed_lateness bounds its state', async (t) => {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(`CREATE TABLE ev (k VARCHAR, v INT, ts TIMESTAMP)`);
  const e = new Engine();
  e.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)`);
  const sql = `SELECT k, window_start, count(*) AS n, sum(v) AS s FROM HOP(ev, ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND) GROUP BY k, window_start`;
  e.execute(`CREATE MATERIALIZED VIEW all_data AS ${sql}`);
  e.execute(`CREATE MATERIALIZED VIEW bounded WITH (allowed_lateness = '1 second') AS ${sql}`);
  const names = (view: string) => e.storageState().subgraphs.get(view)!.nodes.map((n) => n.name).join(' ');
  t.match(names('bounded'), /window-aggregate(?!-eowc)/, 'planned on the windowed aggregate');
  const all: Row[] = [];
  const sizes: number[] = [];
  for (const rows of events(17, 60)) {
    e.insertRows('ev', rows);
    all.push(...rows);
    sizes.push(e.viewStateSize('bounded'));
  }
  const load = (rows: Row[]) => duck.run(`INSERT INTO ev VALUES ${rows.map((r) => `('${r[0]}', ${r[1] ?? 'NULL'}, make_timestamp(${(r[2] as number) * 1000}))`).join(', ')}`);
  await load(all);
  const withoutLate = await duckRows(duck, rewriteWindowTvfs(sql));
  // a late row beyond the lateness: dropped by the bounded view, counted by the other
  e.insertRows('ev', [['a', 1000, 0]]);
  await load([['a', 1000, 0]]);
  const expected = await duckRows(duck, rewriteWindowTvfs(sql));
  t.not(JSON.stringify(expected), JSON.stringify(withoutLate), 'the late row changes the batch answer');
  t.same(normRows(e.query('SELECT * FROM all_data').rows), expected, 'default lateness: the view equals the SELECT over all data (late row included)');
  t.same(normRows(e.query(sql).rows), expected, 'and so does the one-shot SELECT');
  t.same(normRows(e.query('SELECT * FROM bounded').rows), withoutLate, 'bounded view: the same without the late row');
  t.equal(e.viewLateRows('bounded'), 2, 'the late row, once per HOP window it falls in');
  t.ok(Math.max(...sizes.slice(-20)) <= Math.max(...sizes.slice(5, 25)) + 6, `state flat with allowed_lateness (${sizes.slice(-3).join(', ')})`);
  t.ok(e.viewStateSize('all_data') >= 2 * e.viewStateSize('bounded'), 'without lateness every window stays');
});

t.test('changelog by window_start: aggregates the windowed operator lacks stay on the relational one', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  e.execute(`CREATE MATERIALIZED VIEW s AS SELECT window_start, string_agg(k, ',' ORDER BY k) AS ks FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY window_start`);
  e.execute(`CREATE MATERIALIZED VIEW c AS SELECT window_start, count(DISTINCT k) AS d FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY window_start`);
  e.insertRows('ev', [['b', 1, 1000], ['a', 2, 2000], ['a', 3, 3000], ['c', 4, 12000]]);
  t.same(e.query('SELECT * FROM s ORDER BY window_start').rows, [[0, 'a,a,b'], [10000, 'c']], 'string_agg … ORDER BY');
  t.same(e.query('SELECT * FROM c ORDER BY window_start').rows, [[0, 2], [10000, 1]], 'count(DISTINCT) on the windowed aggregate');
});
