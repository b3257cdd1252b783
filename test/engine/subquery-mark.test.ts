// IN / EXISTS / NOT IN / NOT EXISTS subqueries inside expressions (under OR, in the SELECT list,
// in CASE, in HAVING): mark joins with SQL three-valued logic, as one-shot SELECTs and as
// materialized views maintained under inserts, updates and deletes.

import t from 'tap';
import { open } from '../../lib/index.js';
import type { Engine } from '../../lib/engine/engine.js';
import { bag, engineWith, rowsOf } from './helpers.js';

t.test('IN / EXISTS subqueries outside a top-level AND of WHERE (QA)', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE a (id INT, v INT); CREATE TABLE b (v INT)');
  db.insert('a', [{ id: 1, v: 1 }, { id: 2, v: 2 }, { id: 3, v: 9 }]);
  db.insert('b', [{ v: 1 }]);
  t.same(await db.query('SELECT id FROM a WHERE v > 5 OR v IN (SELECT v FROM b) ORDER BY id'), [{ id: 1 }, { id: 3 }]);
  t.same(await db.query('SELECT id, EXISTS (SELECT 1 FROM b WHERE b.v = a.v) AS hit FROM a ORDER BY id'), [
    { id: 1, hit: true },
    { id: 2, hit: false },
    { id: 3, hit: false },
  ]);
  t.same(await db.query('SELECT id, v IN (SELECT v FROM b) AS hit FROM a ORDER BY id'), [
    { id: 1, hit: true },
    { id: 2, hit: false },
    { id: 3, hit: false },
  ]);
});

const setup = (): Engine =>
  engineWith(
    'CREATE TABLE a (id INT PRIMARY KEY, g VARCHAR, v INT)',
    'CREATE TABLE b (id INT PRIMARY KEY, v INT)',
    "INSERT INTO a VALUES (1, 'x', 1), (2, 'x', 2), (3, 'y', NULL), (4, 'y', 9)",
    'INSERT INTO b VALUES (1, 1), (2, 5)',
  );

t.test('IN has three-valued results; NOT IN over a NULL is NULL', (t) => {
  const e = setup();
  const q = 'SELECT id, v IN (SELECT v FROM b) AS i, v NOT IN (SELECT v FROM b) AS ni FROM a ORDER BY id';
  t.same(rowsOf(e, q), [[1, true, false], [2, false, true], [3, null, null], [4, false, true]]);
  t.same(rowsOf(e, 'SELECT id, v = ANY (SELECT v FROM b) AS x FROM a ORDER BY id'), [[1, true], [2, false], [3, null], [4, false]], '= ANY is IN');
  t.throws(() => e.query('SELECT id, v > ALL (SELECT v FROM b) FROM a'), { code: 'UNSUPPORTED', message: /line 1, column 12: ALL \(subquery\)/ });
  e.execute('INSERT INTO b VALUES (3, NULL)');
  t.same(rowsOf(e, q), [[1, true, false], [2, null, null], [3, null, null], [4, null, null]], 'a NULL on the right: no FALSE left');
  e.execute('DELETE FROM b');
  t.same(rowsOf(e, q), [[1, false, true], [2, false, true], [3, false, true], [4, false, true]], 'empty right side: IN is FALSE even for NULL');
  t.end();
});

t.test('EXISTS / NOT EXISTS in CASE, under OR and NOT, in HAVING', (t) => {
  const e = setup();
  t.same(rowsOf(e, "SELECT id, CASE WHEN EXISTS (SELECT 1 FROM b WHERE b.v = a.v) THEN 'hit' ELSE 'miss' END AS c FROM a ORDER BY id"), [
    [1, 'hit'],
    [2, 'miss'],
    [3, 'miss'],
    [4, 'miss'],
  ]);
  t.same(rowsOf(e, 'SELECT id FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.v = a.v) OR id = 1 ORDER BY id'), [[1], [2], [3], [4]]);
  t.same(rowsOf(e, 'SELECT id FROM a WHERE NOT (v IN (SELECT v FROM b) OR id > 3) ORDER BY id'), [[2]], 'NOT of NULL drops the NULL row');
  t.same(rowsOf(e, 'SELECT g, count(*) AS n FROM a GROUP BY g HAVING count(*) IN (SELECT v - 1 FROM b) OR g = \'y\' ORDER BY g'), [['y', 2]]);
  t.same(rowsOf(e, 'SELECT g FROM a GROUP BY g HAVING max(v) IN (SELECT v FROM b) ORDER BY g'), []);
  t.same(rowsOf(e, 'SELECT g FROM a GROUP BY g HAVING min(v) IN (SELECT v FROM b) ORDER BY g'), [['x']]);
  t.end();
});

t.test('errors', (t) => {
  const e = setup();
  t.throws(() => e.query('SELECT id, v IN (SELECT v, id FROM b) FROM a'), { code: 'INVALID_ARGUMENT' });
  t.throws(() => e.query("SELECT id, v IN (SELECT 'x' || v FROM b) FROM a"), /compare|type/);
  // correlated IN in an expression is a mark join now (test/engine/correlated-in-mark.test.ts);
  // correlation other than `inner = outer`, and > ANY outside WHERE, are still refused
  t.throws(() => e.query('SELECT id, v IN (SELECT v FROM b WHERE b.id < a.id) FROM a'), { code: 'UNSUPPORTED' });
  t.throws(() => e.query('SELECT id, v > ANY (SELECT v FROM b WHERE b.id = a.id) FROM a'), { code: 'UNSUPPORTED' });
  t.end();
});

t.test('mark joins as materialized views, created before and after the data', (t) => {
  const queries = [
    'SELECT id, v IN (SELECT v FROM b) AS i, v NOT IN (SELECT v FROM b) AS ni FROM a',
    'SELECT id, EXISTS (SELECT 1 FROM b WHERE b.v = a.v) AS e, NOT EXISTS (SELECT 1 FROM b WHERE b.v = a.v + 1) AS ne FROM a',
    'SELECT id FROM a WHERE v > 5 OR v IN (SELECT v FROM b)',
    "SELECT g, count(*) AS n FROM a WHERE v IS NULL OR EXISTS (SELECT 1 FROM b WHERE b.v = a.v) GROUP BY g",
    'SELECT g FROM a GROUP BY g HAVING min(v) IN (SELECT v FROM b)',
  ];
  const e = engineWith('CREATE TABLE a (id INT PRIMARY KEY, g VARCHAR, v INT)', 'CREATE TABLE b (id INT PRIMARY KEY, v INT)');
  queries.forEach((q, i) => e.execute(`CREATE MATERIALIZED VIEW before_${i} AS ${q}`));
  e.execute("INSERT INTO a VALUES (1, 'x', 1), (2, 'x', 2), (3, 'y', NULL), (4, 'y', 9)");
  e.execute('INSERT INTO b VALUES (1, 1), (2, 5)');
  queries.forEach((q, i) => e.execute(`CREATE MATERIALIZED VIEW after_${i} AS ${q}`));
  const check = (label: string) => {
    queries.forEach((q, i) => {
      const expected = bag(rowsOf(e, q));
      t.same(bag(rowsOf(e, `SELECT * FROM before_${i}`)), expected, `before_${i}: ${label}`);
      t.same(bag(rowsOf(e, `SELECT * FROM after_${i}`)), expected, `after_${i}: ${label}`);
    });
  };
  check('initial');
  e.execute('INSERT INTO b VALUES (3, 2)');
  check('a match appears');
  e.execute('INSERT INTO b VALUES (4, NULL)');
  check('a NULL on the right');
  e.execute('UPDATE b SET v = 10 WHERE id = 4');
  check('the NULL becomes a value');
  e.execute('UPDATE a SET v = 5 WHERE id = 3');
  check('left update');
  e.execute('DELETE FROM b WHERE id IN (1, 3)');
  check('matches disappear');
  e.execute('DELETE FROM b');
  check('right side empty');
  e.execute('DELETE FROM a WHERE id = 2');
  e.execute("INSERT INTO a VALUES (7, 'z', NULL)");
  check('left delete and insert');
  t.end();
});

t.test('a scalar subquery returning more than one row is an error, not duplicated rows', (t) => {
  const e = setup();
  t.throws(() => e.query('SELECT id, (SELECT v FROM b) AS x FROM a'), { code: 'CARDINALITY_VIOLATION', message: /more than one row returned by a subquery used as an expression/ });
  t.throws(() => e.query('SELECT id FROM a WHERE v = (SELECT v FROM b WHERE v IS NOT NULL)'), { code: 'CARDINALITY_VIOLATION' });
  t.same(rowsOf(e, 'SELECT id, (SELECT v FROM b WHERE id = 2) AS x FROM a ORDER BY id'), [[1, 5], [2, 5], [3, 5], [4, 5]], 'one row');
  t.same(rowsOf(e, 'SELECT id, (SELECT v FROM b WHERE id = 99) AS x FROM a ORDER BY id'), [[1, null], [2, null], [3, null], [4, null]], 'no row: NULL');
  t.same(rowsOf(e, 'SELECT id, (SELECT NULL::INT FROM b WHERE id = 1) AS x FROM a WHERE id = 1'), [[1, null]]);
  e.execute('INSERT INTO b VALUES (7, 2)');
  // correlated: b.v = a.v matches one row for every a
  t.same(rowsOf(e, 'SELECT id, (SELECT b.id FROM b WHERE b.v = a.v) AS bid FROM a ORDER BY id'), [[1, 1], [2, 7], [3, null], [4, null]]);
  e.execute('INSERT INTO b VALUES (8, 2)');
  t.throws(() => e.query('SELECT id, (SELECT b.id FROM b WHERE b.v = a.v) AS bid FROM a'), { code: 'CARDINALITY_VIOLATION' }, 'two rows for one outer row');
  t.end();
});
