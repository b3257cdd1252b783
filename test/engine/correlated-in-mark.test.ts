// Correlated IN / NOT IN / = ANY outside a top-level AND of WHERE (SELECT list, CASE, OR): mark
// joins with SQL three-valued logic per correlated group, as one-shot SELECTs and as views
// maintained under inserts, updates and deletes; checked against DuckDB after every change.

import t from 'tap';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import { bag, engineWith, plainRows, rowsOf } from './helpers.js';

t.test('three-valued IN over the correlated group: TRUE, FALSE, NULL cases', async (t) => {
  const e = engineWith(
    'CREATE TABLE o (id INT, k INT, x INT); CREATE TABLE s (k INT, v INT)',
    // group 1: {1, 2}; group 2: {3, NULL}; group 3: empty; NULL key: no group
    'INSERT INTO s VALUES (1, 1), (1, 2), (2, 3), (2, NULL), (NULL, 5)',
    'INSERT INTO o VALUES (1, 1, 1), (2, 1, 9), (3, 2, 3), (4, 2, 9), (5, 3, 1), (6, 1, NULL), (7, 3, NULL), (8, NULL, 5)',
  );
  const inCol = 'SELECT id, x IN (SELECT v FROM s WHERE s.k = o.k) AS m FROM o ORDER BY id';
  t.same(rowsOf(e, inCol), [
    [1, true], // 1 in {1,2}
    [2, false], // 9 not in {1,2}
    [3, true], // 3 in {3,NULL}
    [4, null], // 9 vs {3,NULL}: unknown
    [5, false], // empty group
    [6, null], // NULL vs non-empty group
    [7, false], // NULL vs empty group
    [8, false], // NULL correlation key: empty group
  ]);
  t.same(rowsOf(e, inCol.replace(' IN ', ' NOT IN ')).map((r) => r[1]), [false, true, false, null, true, null, true, true]);
  t.same(rowsOf(e, inCol.replace(' IN ', ' = ANY ')).map((r) => r[1]), [true, false, true, null, false, null, false, false]);
  t.same(
    rowsOf(e, 'SELECT id FROM o WHERE id = 5 OR x IN (SELECT v FROM s WHERE s.k = o.k) ORDER BY id'),
    [[1], [3], [5]],
  );
  t.same(
    rowsOf(e, "SELECT id, CASE WHEN x NOT IN (SELECT v FROM s WHERE o.k = s.k) THEN 'out' ELSE 'in or unknown' END AS c FROM o WHERE id <= 4 ORDER BY id"),
    [[1, 'in or unknown'], [2, 'out'], [3, 'in or unknown'], [4, 'in or unknown']],
  );
});

t.test('a view with a correlated IN follows group changes, including NULLs appearing and leaving', async (t) => {
  const e = engineWith(
    'CREATE TABLE o (id INT PRIMARY KEY, k INT, x INT); CREATE TABLE s (id INT PRIMARY KEY, k INT, v INT)',
    'CREATE MATERIALIZED VIEW m AS SELECT id, x IN (SELECT v FROM s WHERE s.k = o.k) AS hit FROM o',
    'INSERT INTO o VALUES (1, 1, 5)',
  );
  const hit = (): unknown => rowsOf(e, 'SELECT hit FROM m')[0]![0];
  t.equal(hit(), false, 'empty group');
  e.execute('INSERT INTO s VALUES (1, 1, NULL)');
  t.equal(hit(), null, 'a NULL in the group');
  e.execute('INSERT INTO s VALUES (2, 1, 5)');
  t.equal(hit(), true, 'a match');
  e.execute('UPDATE s SET k = 2 WHERE id = 2');
  t.equal(hit(), null, 'the match moved to another group');
  e.execute('DELETE FROM s WHERE id = 1');
  t.equal(hit(), false, 'the NULL left');
  e.execute('UPDATE o SET k = 2');
  t.equal(hit(), true, 'the outer row moved to the matching group');
  e.execute('UPDATE o SET x = NULL');
  t.equal(hit(), null, 'NULL against a non-empty group');
});

const VIEWS: Record<string, string> = {
  in_col: 'SELECT id, x IN (SELECT v FROM s WHERE s.k = o.k) AS m FROM o',
  not_in_col: 'SELECT id, x NOT IN (SELECT v FROM s WHERE s.k = o.k AND s.v <> 2) AS m FROM o',
  any_case: 'SELECT id, CASE WHEN x = ANY (SELECT v FROM s WHERE s.k = o.k) THEN 1 WHEN x IS NULL THEN 2 ELSE 3 END AS c FROM o',
  in_or: 'SELECT id, x FROM o WHERE x = 0 OR x IN (SELECT v FROM s WHERE s.k = o.k)',
  not_in_or: 'SELECT id FROM o WHERE k IS NULL OR NOT (x IN (SELECT v FROM s WHERE s.k = o.k))',
  exists_col: 'SELECT id, EXISTS (SELECT 1 FROM s WHERE s.k = o.k AND s.v IS NULL) AS e FROM o',
  agg_over: 'SELECT m, count(*) AS c FROM (SELECT x IN (SELECT v FROM s WHERE s.k = o.k) AS m FROM o) d GROUP BY m',
};

const small = fc.integer({ min: 0, max: 3 });
const maybe = fc.option(small, { nil: null, freq: 4 });
type Op =
  | { kind: 'ins_o'; rows: [number, number | null, number | null][] }
  | { kind: 'ins_s'; rows: [number | null, number | null][] }
  | { kind: 'del_o'; id: number }
  | { kind: 'del_s'; v: number | null }
  | { kind: 'upd_o'; id: number; x: number | null }
  | { kind: 'upd_s'; k: number | null; v: number | null };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('ins_o' as const), rows: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), maybe, maybe), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('ins_s' as const), rows: fc.array(fc.tuple(maybe, maybe), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('del_o' as const), id: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('del_s' as const), v: maybe }),
  fc.record({ kind: fc.constant('upd_o' as const), id: fc.integer({ min: 0, max: 5 }), x: maybe }),
  fc.record({ kind: fc.constant('upd_s' as const), k: maybe, v: maybe }),
);
const lit = (v: number | null): string => (v === null ? 'NULL' : String(v));
const eq = (col: string, v: number | null): string => (v === null ? `${col} IS NULL` : `${col} = ${v}`);
const sqlOf = (op: Op): string => {
  switch (op.kind) {
    case 'ins_o':
      return `INSERT INTO o VALUES ${op.rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`;
    case 'ins_s':
      return `INSERT INTO s VALUES ${op.rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`;
    case 'del_o':
      return `DELETE FROM o WHERE id = ${op.id}`;
    case 'del_s':
      return `DELETE FROM s WHERE ${eq('v', op.v)}`;
    case 'upd_o':
      return `UPDATE o SET x = ${lit(op.x)} WHERE id = ${op.id}`;
    case 'upd_s':
      return `UPDATE s SET v = ${lit(op.v)} WHERE ${eq('k', op.k)}`;
  }
};
const normalize = (rows: unknown[][]): string[] => bag(rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))));

t.test('correlated IN / NOT IN / EXISTS views equal DuckDB after every insert / update / delete', async (t) => {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const ddl = 'CREATE TABLE o (id INT, k INT, x INT); CREATE TABLE s (k INT, v INT)';
  let checks = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 10 }), async (ops, lateAt) => {
      const e = new Engine();
      e.execute(ddl);
      await duck.run('DROP TABLE IF EXISTS o; DROP TABLE IF EXISTS s; ' + ddl);
      const names = Object.keys(VIEWS);
      const early = names.filter((_, i) => i % 2 === 0);
      const late = names.filter((_, i) => i % 2 === 1);
      for (const n of early) e.execute(`CREATE MATERIALIZED VIEW ${n} AS ${VIEWS[n]}`);
      const live = [...early];
      for (let step = 0; step < ops.length; step++) {
        if (step === Math.min(lateAt, ops.length - 1)) {
          for (const n of late) e.execute(`CREATE MATERIALIZED VIEW ${n} AS ${VIEWS[n]}`);
          live.push(...late);
        }
        const sql = sqlOf(ops[step]!);
        e.execute(sql);
        await duck.run(sql);
        for (const n of live) {
          const expected = normalize((await duck.runAndReadAll(VIEWS[n]!)).getRowsJS() as unknown[][]);
          const got = normalize(plainRows(e.query(`SELECT * FROM ${n}`).rows));
          if (JSON.stringify(expected) !== JSON.stringify(got)) {
            throw new Error(`view ${n} after ${sql}:\n engine ${JSON.stringify(got)}\n duckdb ${JSON.stringify(expected)}`);
          }
          const oneShot = normalize(plainRows(e.query(VIEWS[n]!).rows));
          if (JSON.stringify(expected) !== JSON.stringify(oneShot)) throw new Error(`SELECT ${n} differs from DuckDB: ${JSON.stringify(oneShot)}`);
          checks++;
        }
      }
    }),
    { numRuns: 30 },
  );
  t.ok(checks > 100, `compared ${checks} view states`);
});
