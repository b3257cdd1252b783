// Runtime expression errors inside materialized views become NULL values and are reported;
// one-shot SELECTs keep PostgreSQL's error (docs/expression-errors.md).

import t from 'tap';
import type { LaminarError } from '../../lib/errors.js';
import { engineWith, rowsOf } from './helpers.js';

t.test('a failing value in a view is NULL, counted and reported; the write succeeds', (t) => {
  const e = engineWith('CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT)');
  const heard: [string, string][] = [];
  e.onExpressionError((view, err: LaminarError) => heard.push([view, err.code]));
  e.execute('CREATE MATERIALIZED VIEW q AS SELECT id, a / b AS r, a + 1 AS s FROM t');
  e.execute('CREATE MATERIALIZED VIEW f AS SELECT id FROM t WHERE a / b > 1');
  e.execute('CREATE MATERIALIZED VIEW ratio AS SELECT count(*) / count(b) AS r FROM t');
  t.same(rowsOf(e, 'SELECT r FROM ratio'), [[null]], 'a global aggregate over no rows: 0 / 0 → NULL');
  t.same(e.expressionErrors(), [{ view: 'ratio', count: 1, code: 'DIVISION_BY_ZERO', message: 'division by zero' }]);
  e.execute('INSERT INTO t VALUES (1, 6, 2), (2, 5, 0), (3, NULL, 0), (4, 9, 3)');
  t.same(rowsOf(e, 'SELECT * FROM q ORDER BY id'), [[1, 3, 7], [2, null, 6], [3, null, null], [4, 3, 10]], 'only the failing value is NULL');
  t.same(rowsOf(e, 'SELECT * FROM f ORDER BY id'), [[1], [4]], 'a failing predicate does not select the row');
  t.same(rowsOf(e, 'SELECT r FROM ratio'), [[1]]);
  const q = e.expressionErrors().find((x) => x.view === 'q');
  t.equal(q?.count, 1, 'NULL / 0 is NULL, not an error');
  t.equal(e.expressionErrors().find((x) => x.view === 'f')?.count, 1);
  t.same(heard.filter(([v]) => v === 'q'), [['q', 'DIVISION_BY_ZERO']]);
  t.throws(() => e.query('SELECT id, a / b FROM t'), { code: 'DIVISION_BY_ZERO' }, 'one-shot SELECT keeps the error');
  e.execute('UPDATE t SET b = 1 WHERE id = 2');
  t.same(rowsOf(e, 'SELECT * FROM q ORDER BY id'), [[1, 3, 7], [2, 5, 6], [3, null, null], [4, 3, 10]], 'the row recovers when its input is fixed');
  e.execute('DELETE FROM t WHERE id = 2');
  t.same(rowsOf(e, 'SELECT * FROM q ORDER BY id'), [[1, 3, 7], [3, null, null], [4, 3, 10]], 'deleting a row whose value was NULLed retracts it');
  e.onExpressionError(undefined);
  e.execute('INSERT INTO t VALUES (5, 1, 0)');
  // every evaluation counts: a retraction re-evaluates the failing expression of the old row
  t.same(heard, [['ratio', 'DIVISION_BY_ZERO'], ['q', 'DIVISION_BY_ZERO'], ['f', 'DIVISION_BY_ZERO'], ['ratio', 'DIVISION_BY_ZERO'], ['q', 'DIVISION_BY_ZERO'], ['f', 'DIVISION_BY_ZERO']], 'no listener after removal');
  t.same(e.expressionErrors().map((x) => [x.view, x.count]), [['ratio', 2], ['q', 3], ['f', 3]], 'still counted');
  t.same(rowsOf(e, 'SELECT * FROM q ORDER BY id'), [[1, 3, 7], [3, null, null], [4, 3, 10], [5, null, 2]]);
  t.end();
});

t.test('a scalar subquery with several rows inside a view: NULL and reported, the write succeeds', (t) => {
  const e = engineWith('CREATE TABLE a (id INT PRIMARY KEY, k INT)', 'CREATE TABLE b (id INT PRIMARY KEY, k INT, v INT)');
  const q = 'SELECT id, (SELECT v FROM b WHERE b.k = a.k) AS v FROM a';
  e.execute(`CREATE MATERIALIZED VIEW before_v AS ${q}`);
  e.execute('INSERT INTO a VALUES (1, 1), (2, 2)');
  e.execute('INSERT INTO b VALUES (1, 1, 10), (2, 2, 20)');
  t.same(rowsOf(e, 'SELECT * FROM before_v ORDER BY id'), [[1, 10], [2, 20]]);
  e.execute('INSERT INTO b VALUES (3, 2, 30)');
  t.same(rowsOf(e, 'SELECT * FROM before_v ORDER BY id'), [[1, 10], [2, null]], 'key 2 has two rows: NULL');
  t.match(e.expressionErrors(), [{ view: 'before_v', code: 'CARDINALITY_VIOLATION' }]);
  t.throws(() => e.query(q), { code: 'CARDINALITY_VIOLATION' }, 'the one-shot SELECT fails');
  e.execute(`CREATE MATERIALIZED VIEW after_v AS ${q}`);
  t.same(rowsOf(e, 'SELECT * FROM after_v ORDER BY id'), [[1, 10], [2, null]], 'created over the data: same');
  e.execute('DELETE FROM b WHERE id = 2');
  t.same(rowsOf(e, q + ' ORDER BY id'), [[1, 10], [2, 30]]);
  t.same(rowsOf(e, 'SELECT * FROM before_v ORDER BY id'), [[1, 10], [2, 30]], 'back to one row: the value returns');
  t.same(rowsOf(e, 'SELECT * FROM after_v ORDER BY id'), [[1, 10], [2, 30]]);
  t.end();
});
