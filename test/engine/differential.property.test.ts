// Differential property test: random inserts / upserts / updates / deletes on two tables and a
// set of materialized views (filters, GROUP BY aggregates, inner/left/full joins, DISTINCT,
// Top-N, NOT IN / EXISTS, ROW_NUMBER), some created before the data and some part-way. After
// every step each view must equal its SELECT recomputed from scratch by the engine, and (at the
// end of each run) the same SELECT run by DuckDB over the same rows.

import t from 'tap';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import { bag, plainRows } from './helpers.js';

const VIEWS: Record<string, string> = {
  filt: 'SELECT k, g, v FROM t1 WHERE v > 2',
  agg: 'SELECT g, count(*) AS c, count(v) AS cv, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM t1 GROUP BY g',
  scalar_agg: 'SELECT count(*) AS c, sum(w) AS s FROM t2',
  inner_j: 'SELECT t1.k, t2.id, t1.v, t2.w FROM t1 JOIN t2 ON t1.g = t2.g',
  left_j: 'SELECT t1.k, t2.w FROM t1 LEFT JOIN t2 ON t1.g = t2.g AND t2.w > 1',
  full_j: 'SELECT t1.k, t2.id FROM t1 FULL JOIN t2 ON t1.g = t2.g',
  dist: 'SELECT DISTINCT g FROM t2',
  topn: 'SELECT k, v FROM t1 ORDER BY v DESC NULLS FIRST, k LIMIT 3',
  not_in: 'SELECT k FROM t1 WHERE g NOT IN (SELECT g FROM t2)',
  exists_agg: 'SELECT g, count(*) AS c FROM t2 WHERE EXISTS (SELECT 1 FROM t1 WHERE t1.g = t2.g) GROUP BY g',
  rownum: 'SELECT k, g, row_number() OVER (PARTITION BY g ORDER BY v, k) AS rn FROM t1',
  join_agg: 'SELECT t1.g, sum(t2.w) AS s, count(*) AS c FROM t1 JOIN t2 ON t1.g = t2.g GROUP BY t1.g HAVING count(*) > 1',
};

const small = fc.integer({ min: 0, max: 4 });
const maybe = fc.option(small, { nil: null, freq: 4 });

type Op =
  | { kind: 'ins1'; rows: [number, number | null, number | null][] }
  | { kind: 'ins2'; rows: [number, number | null, number | null][] }
  | { kind: 'upd1'; g: number | null; v: number | null }
  | { kind: 'del1'; k: number }
  | { kind: 'del2'; w: number | null }
  | { kind: 'upd2'; id: number; g: number | null };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('ins1' as const), rows: fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), maybe, maybe), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('ins2' as const), rows: fc.array(fc.tuple(small, maybe, maybe), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('upd1' as const), g: maybe, v: maybe }),
  fc.record({ kind: fc.constant('del1' as const), k: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('del2' as const), w: maybe }),
  fc.record({ kind: fc.constant('upd2' as const), id: small, g: maybe }),
);

const lit = (v: number | null): string => (v === null ? 'NULL' : String(v));

function apply(e: Engine, op: Op): void {
  switch (op.kind) {
    case 'ins1':
      e.execute(`INSERT INTO t1 VALUES ${op.rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
      return;
    case 'ins2':
      e.execute(`INSERT INTO t2 VALUES ${op.rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
      return;
    case 'upd1':
      e.execute(`UPDATE t1 SET v = ${lit(op.v)} WHERE g ${op.g === null ? 'IS NULL' : `= ${op.g}`}`);
      return;
    case 'del1':
      e.execute('DELETE FROM t1 WHERE k = $1', [op.k]);
      return;
    case 'del2':
      e.execute(`DELETE FROM t2 WHERE w ${op.w === null ? 'IS NULL' : `= ${op.w}`}`);
      return;
    case 'upd2':
      e.execute('UPDATE t2 SET g = $1 WHERE id = $2', [op.g, op.id]);
      return;
  }
}

const normalize = (rows: unknown[][]): string[] =>
  bag(rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'object' && v !== null ? Number(String(v)) : v))));

t.test('views equal their SELECT after every step, and DuckDB at the end', async (t) => {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run('CREATE TABLE t1 (k INT PRIMARY KEY, g INT, v INT); CREATE TABLE t2 (id INT, g INT, w INT)');
  let checks = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 12 }), async (ops, lateAt) => {
      const e = new Engine();
      e.execute('CREATE TABLE t1 (k INT PRIMARY KEY, g INT, v INT); CREATE TABLE t2 (id INT, g INT, w INT)');
      const names = Object.keys(VIEWS);
      const early = names.filter((_, i) => i % 2 === 0);
      const late = names.filter((_, i) => i % 2 === 1);
      for (const n of early) e.execute(`CREATE MATERIALIZED VIEW ${n} AS ${VIEWS[n]}`);
      const live = [...early];
      ops.forEach((op, step) => {
        if (step === Math.min(lateAt, ops.length - 1)) {
          for (const n of late) e.execute(`CREATE MATERIALIZED VIEW ${n} AS ${VIEWS[n]}`);
          live.push(...late);
        }
        apply(e, op);
        for (const n of live) {
          const view = bag(plainRows(e.query(`SELECT * FROM ${n}`).rows));
          const fresh = bag(plainRows(e.query(VIEWS[n]!).rows));
          if (JSON.stringify(view) !== JSON.stringify(fresh)) {
            throw new Error(`view ${n} after step ${step} (${JSON.stringify(op)}):\n view ${JSON.stringify(view)}\n select ${JSON.stringify(fresh)}`);
          }
          checks++;
        }
      });
      // the same SELECTs in DuckDB over the final rows
      await duck.run('DELETE FROM t1; DELETE FROM t2');
      for (const tbl of ['t1', 't2']) {
        const rows = e.query(`SELECT * FROM ${tbl}`).rows;
        if (rows.length > 0) await duck.run(`INSERT INTO ${tbl} VALUES ${rows.map((r) => `(${r.map((v) => lit(v as number | null)).join(', ')})`).join(', ')}`);
      }
      for (const n of live) {
        const expected = normalize((await duck.runAndReadAll(VIEWS[n]!)).getRowsJS() as unknown[][]);
        const got = normalize(plainRows(e.query(`SELECT * FROM ${n}`).rows));
        if (JSON.stringify(expected) !== JSON.stringify(got)) {
          throw new Error(`view ${n} differs from DuckDB:\n engine ${JSON.stringify(got)}\n duckdb ${JSON.stringify(expected)}`);
        }
      }
    }),
    { numRuns: 40 },
  );
  t.ok(checks > 100, `compared ${checks} view states`);
});
