// ORDER BY inside aggregate calls (first_value / last_value / string_agg / array_agg) and
// string_agg's delimiter, as one-shot SELECTs and as maintained materialized views.

import t from 'tap';
import { open } from '../../lib/index.js';
import { bag, engineWith, rowsOf } from './helpers.js';

t.test('ORDER BY inside aggregates (QA)', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (g VARCHAR, seq INT, s VARCHAR)');
  db.insert('t', [{ g: 'a', seq: 2, s: 'y' }, { g: 'a', seq: 1, s: 'x' }]);
  t.same(await db.query(`SELECT first_value(s ORDER BY seq) AS f, last_value(s ORDER BY seq) AS l, string_agg(s, ',' ORDER BY seq) AS all FROM t`), [
    { f: 'x', l: 'y', all: 'x,y' },
  ]);
});

const setup = () =>
  engineWith(
    'CREATE TABLE t (id INT PRIMARY KEY, g VARCHAR, seq INT, s VARCHAR)',
    "INSERT INTO t VALUES (1, 'a', 3, 'c'), (2, 'a', 1, 'a'), (3, 'a', 2, 'b'), (4, 'b', 1, 'q'), (5, 'b', NULL, 'n'), (6, 'b', 2, NULL)",
  );

t.test('descending order, NULL keys and values, per group', (t) => {
  const e = setup();
  t.same(rowsOf(e, "SELECT g, string_agg(s, '-' ORDER BY seq DESC) AS d, array_agg(seq ORDER BY seq) AS arr, first_value(s ORDER BY seq DESC) AS top FROM t GROUP BY g ORDER BY g"), [
    ['a', 'c-b-a', [1, 2, 3], 'c'],
    // DESC puts NULLs first (PostgreSQL); string_agg skips the NULL value
    ['b', 'n-q', [1, 2, null], 'n'],
  ]);
  t.same(rowsOf(e, "SELECT string_agg(s, ' | ' ORDER BY id) AS s FROM t WHERE g = 'a'"), [['c | a | b']], 'multi-character delimiter');
  t.same(rowsOf(e, "SELECT string_agg(s, ',') AS s FROM t WHERE g = 'zz'"), [[null]], 'empty input: NULL');
  t.same(rowsOf(e, "SELECT string_agg(DISTINCT s, ',' ORDER BY s) AS s FROM t"), [['a,b,c,n,q']]);
  t.same(rowsOf(e, "SELECT string_agg(s, ';' ORDER BY seq NULLS FIRST, id) FILTER (WHERE id <> 1) AS s FROM t"), [['n;a;q;b']]);
  t.end();
});

t.test('errors', (t) => {
  const e = setup();
  t.throws(() => e.query("SELECT string_agg(DISTINCT s, ',' ORDER BY seq) FROM t"), { code: 'INVALID_ARGUMENT', message: /DISTINCT.*ORDER BY/ });
  t.end();
});

t.test('ordered aggregates as materialized views, created before and after the data', (t) => {
  const queries = [
    "SELECT g, string_agg(s, ',' ORDER BY seq) AS s, first_value(s ORDER BY seq) AS f, last_value(s ORDER BY seq) AS l FROM t GROUP BY g",
    'SELECT array_agg(id ORDER BY seq DESC, id) AS ids FROM t',
  ];
  const e = engineWith('CREATE TABLE t (id INT PRIMARY KEY, g VARCHAR, seq INT, s VARCHAR)');
  queries.forEach((q, i) => e.execute(`CREATE MATERIALIZED VIEW before_${i} AS ${q}`));
  e.execute("INSERT INTO t VALUES (1, 'a', 3, 'c'), (2, 'a', 1, 'a'), (3, 'a', 2, 'b'), (4, 'b', 1, 'q')");
  queries.forEach((q, i) => e.execute(`CREATE MATERIALIZED VIEW after_${i} AS ${q}`));
  const check = (label: string) => {
    queries.forEach((q, i) => {
      const expected = bag(rowsOf(e, q));
      t.same(bag(rowsOf(e, `SELECT * FROM before_${i}`)), expected, `before_${i}: ${label}`);
      t.same(bag(rowsOf(e, `SELECT * FROM after_${i}`)), expected, `after_${i}: ${label}`);
    });
  };
  check('initial');
  t.same(rowsOf(e, "SELECT s, f, l FROM before_0 WHERE g = 'a'"), [['a,b,c', 'a', 'c']]);
  e.execute('UPDATE t SET seq = 0 WHERE id = 1');
  check('a reorder');
  t.same(rowsOf(e, "SELECT s, f, l FROM before_0 WHERE g = 'a'"), [['c,a,b', 'c', 'b']]);
  e.execute('DELETE FROM t WHERE id = 2');
  check('delete of the first');
  e.execute("INSERT INTO t VALUES (9, 'b', NULL, 'z')");
  check('NULL order key');
  e.execute("DELETE FROM t WHERE g = 'b'");
  check('group gone');
  t.end();
});
