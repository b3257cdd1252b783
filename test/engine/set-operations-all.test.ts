// INTERSECT / EXCEPT and their ALL forms, as one-shot SELECTs and as materialized views
// maintained under inserts, updates and deletes; checked against DuckDB after every change.

import t from 'tap';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import { bag, engineWith, plainRows, rowsOf } from './helpers.js';

t.test('ALL forms keep min / difference of multiplicities, NULLs compare equal', async (t) => {
  const e = engineWith(
    'CREATE TABLE l (x INT); CREATE TABLE r (x BIGINT)',
    'INSERT INTO l VALUES (1), (1), (1), (2), (NULL), (NULL), (3)',
    'INSERT INTO r VALUES (1), (1), (NULL), (3), (3), (4)',
  );
  t.same(bag(rowsOf(e, 'SELECT x FROM l INTERSECT ALL SELECT x FROM r')), bag([[1], [1], [null], [3]]));
  t.same(bag(rowsOf(e, 'SELECT x FROM l EXCEPT ALL SELECT x FROM r')), bag([[1], [2], [null]]));
  t.same(bag(rowsOf(e, 'SELECT x FROM r EXCEPT ALL SELECT x FROM l')), bag([[3], [4]]));
  t.same(bag(rowsOf(e, 'SELECT x FROM l INTERSECT SELECT x FROM r')), bag([[1], [null], [3]]));
  t.same(bag(rowsOf(e, 'SELECT x FROM l EXCEPT SELECT x FROM r')), bag([[2]]));
  // INTERSECT binds tighter than EXCEPT: l EXCEPT ALL (r INTERSECT ALL l)
  t.same(bag(rowsOf(e, 'SELECT x FROM l EXCEPT ALL SELECT x FROM r INTERSECT ALL SELECT x FROM l')), bag([[1], [2], [null]]));
  // output columns are named after the left side
  t.same(e.query('SELECT x AS y FROM l INTERSECT ALL SELECT x FROM r').columns.map((c) => c.name), ['y']);
});

t.test('ALL forms refuse mismatched inputs with a positioned error', async (t) => {
  const e = engineWith('CREATE TABLE l (x INT, s VARCHAR)');
  t.throws(() => e.query('SELECT x, s FROM l INTERSECT ALL SELECT x FROM l'), { code: 'TYPE_MISMATCH' });
  t.throws(() => e.query('SELECT x FROM l EXCEPT ALL SELECT s FROM l'), { code: 'TYPE_MISMATCH', message: /line 1, column 1/ });
});

t.test('a view over EXCEPT ALL retracts and re-adds copies as rows change', async (t) => {
  const e = engineWith(
    'CREATE TABLE l (id INT PRIMARY KEY, x INT); CREATE TABLE r (id INT PRIMARY KEY, x INT)',
    'CREATE MATERIALIZED VIEW only_l AS SELECT x FROM l EXCEPT ALL SELECT x FROM r',
    'CREATE MATERIALIZED VIEW both_lr AS SELECT x FROM l INTERSECT ALL SELECT x FROM r',
  );
  const changes: unknown[] = [];
  e.subscribe('only_l', (batch) => changes.push(batch));
  e.execute('INSERT INTO l VALUES (1, 7), (2, 7), (3, 7)');
  t.same(bag(rowsOf(e, 'SELECT * FROM only_l')), bag([[7], [7], [7]]));
  e.execute('INSERT INTO r VALUES (1, 7), (2, 7)');
  t.same(rowsOf(e, 'SELECT * FROM only_l'), [[7]]);
  t.same(bag(rowsOf(e, 'SELECT * FROM both_lr')), bag([[7], [7]]));
  e.execute('UPDATE r SET x = 8 WHERE id = 2');
  t.same(bag(rowsOf(e, 'SELECT * FROM only_l')), bag([[7], [7]]));
  t.same(rowsOf(e, 'SELECT * FROM both_lr'), [[7]]);
  e.execute('DELETE FROM l');
  t.same(rowsOf(e, 'SELECT * FROM only_l'), []);
  t.same(rowsOf(e, 'SELECT * FROM both_lr'), []);
  t.ok(changes.length >= 4, 'subscribers saw the changes');
});

const VIEWS: Record<string, string> = {
  intersect_all: 'SELECT a, b FROM l INTERSECT ALL SELECT a, b FROM r',
  except_all: 'SELECT a, b FROM l EXCEPT ALL SELECT a, b FROM r',
  except_all_rev: 'SELECT a FROM r EXCEPT ALL SELECT a FROM l',
  intersect_set: 'SELECT a, b FROM l INTERSECT SELECT a, b FROM r',
  except_set: 'SELECT a FROM l EXCEPT SELECT a FROM r',
  nested: 'SELECT a FROM l EXCEPT ALL SELECT a FROM r INTERSECT ALL SELECT a FROM l WHERE b IS NOT NULL',
  agg_over: 'SELECT a, count(*) AS c FROM (SELECT a, b FROM l EXCEPT ALL SELECT a, b FROM r) d GROUP BY a',
};

const small = fc.integer({ min: 0, max: 3 });
const maybe = fc.option(small, { nil: null, freq: 4 });
const maybeStr = fc.option(fc.constantFrom('p', 'q'), { nil: null, freq: 4 });
type Op =
  | { kind: 'ins'; table: 'l' | 'r'; rows: [number, number | null, string | null][] }
  | { kind: 'del'; table: 'l' | 'r'; id: number }
  | { kind: 'upd'; table: 'l' | 'r'; id: number; a: number | null };
const table = fc.constantFrom('l' as const, 'r' as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('ins' as const), table, rows: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), maybe, maybeStr), { minLength: 1, maxLength: 5 }) }),
  fc.record({ kind: fc.constant('del' as const), table, id: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('upd' as const), table, id: fc.integer({ min: 0, max: 5 }), a: maybe }),
);
const lit = (v: number | string | null): string => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v));
const sqlOf = (op: Op): string => {
  switch (op.kind) {
    case 'ins':
      return `INSERT INTO ${op.table} VALUES ${op.rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`;
    case 'del':
      return `DELETE FROM ${op.table} WHERE id = ${op.id}`;
    case 'upd':
      return `UPDATE ${op.table} SET a = ${lit(op.a)} WHERE id = ${op.id}`;
  }
};
const normalize = (rows: unknown[][]): string[] => bag(rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))));

t.test('set-operation views equal DuckDB after every insert / update / delete', async (t) => {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const ddl = 'CREATE TABLE l (id INT, a INT, b VARCHAR); CREATE TABLE r (id INT, a INT, b VARCHAR)';
  let checks = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 10 }), async (ops, lateAt) => {
      const e = new Engine();
      e.execute(ddl);
      await duck.run('DROP TABLE IF EXISTS l; DROP TABLE IF EXISTS r; ' + ddl);
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
          if (JSON.stringify(expected) !== JSON.stringify(oneShot)) throw new Error(`SELECT ${n} differs from DuckDB`);
          checks++;
        }
      }
    }),
    { numRuns: 30 },
  );
  t.ok(checks > 100, `compared ${checks} view states`);
});
