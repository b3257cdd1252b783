// The Engine as the API uses it: DDL, DML, SELECT clauses, views before and after data,
// subscriptions, catalog rules, statement results.

import t from 'tap';
import { CatalogError, ClosedError, SchemaError, SqlTypeError, UnsupportedError } from '../../lib/errors.js';
import { Engine } from '../../lib/engine/engine.js';
import type { EngineChange } from '../../lib/engine/types.js';
import { T } from '../../lib/types/datatype.js';
import { bag, engineWith, plainRows, rowsOf } from './helpers.js';

const setup = (): Engine =>
  engineWith(
    'CREATE TABLE a (id INT PRIMARY KEY, x INT, s VARCHAR)',
    'CREATE TABLE b (id INT, aid INT, y INT)',
    "INSERT INTO a VALUES (1, 10, 'p'), (2, 20, 'q'), (3, NULL, 'r')",
    'INSERT INTO b VALUES (1, 1, 5), (2, 1, 6), (3, 2, 7), (4, NULL, 8)',
  );

t.test('statement results', (t) => {
  const e = new Engine();
  const r = e.execute("CREATE TABLE t (k INT PRIMARY KEY, v VARCHAR NOT NULL); INSERT INTO t VALUES (1, 'a'), (2, 'b'); SELECT * FROM t ORDER BY k");
  t.same(r.map((x) => x.command), ['CREATE TABLE', 'INSERT', 'SELECT']);
  t.equal(r[1]!.rowsAffected, 2);
  t.same(r[2]!.rows, [[1, 'a'], [2, 'b']]);
  t.same(r[2]!.columns!.map((c) => [c.name, c.type.id, c.nullable]), [['k', 'int', false], ['v', 'varchar', false]]);
  t.same(e.execute('UPDATE t SET v = v || v WHERE k = 2')[0], { command: 'UPDATE', rowsAffected: 1 });
  t.same(e.execute('DELETE FROM t WHERE k > 5')[0], { command: 'DELETE', rowsAffected: 0 });
  t.same(e.execute('FLUSH; CHECKPOINT; BEGIN; COMMIT; SET x = 1').map((x) => x.command), ['FLUSH', 'CHECKPOINT', 'BEGIN', 'COMMIT', 'SET']);
  t.same(rowsOf(e, 'SELECT v FROM t ORDER BY k'), [['a'], ['bb']]);
  t.end();
});

t.test('joins of every kind', (t) => {
  const e = setup();
  t.same(rowsOf(e, 'SELECT a.id, b.y FROM a JOIN b ON a.id = b.aid ORDER BY 1, 2'), [[1, 5], [1, 6], [2, 7]]);
  t.same(rowsOf(e, 'SELECT a.id, b.y FROM a LEFT JOIN b ON a.id = b.aid ORDER BY 1, 2'), [[1, 5], [1, 6], [2, 7], [3, null]]);
  t.same(rowsOf(e, 'SELECT a.id, b.y FROM a RIGHT JOIN b ON a.id = b.aid ORDER BY 2'), [[1, 5], [1, 6], [2, 7], [null, 8]]);
  t.same(rowsOf(e, 'SELECT a.id, b.y FROM a FULL JOIN b ON a.id = b.aid AND b.y > 5 ORDER BY 1, 2'), [[1, 6], [2, 7], [3, null], [null, 5], [null, 8]]);
  t.same(rowsOf(e, 'SELECT a.id, b.y FROM a, b WHERE a.id = b.aid AND b.y > 5 ORDER BY 1, 2'), [[1, 6], [2, 7]]);
  t.same(rowsOf(e, 'SELECT count(*) FROM a CROSS JOIN b'), [[12]]);
  t.same(rowsOf(e, 'SELECT a.id, b.id FROM a JOIN b ON a.x > b.y * 3 ORDER BY 1, 2'), [[2, 1], [2, 2]]);
  t.same(rowsOf(e, 'SELECT * FROM a JOIN b USING (id) ORDER BY id'), [[1, 10, 'p', 1, 5], [2, 20, 'q', 1, 6], [3, null, 'r', 2, 7]]);
  t.same(rowsOf(e, 'SELECT id FROM a FULL JOIN b USING (id) ORDER BY id'), [[1], [2], [3], [4]]);
  t.end();
});

t.test('subqueries', (t) => {
  const e = setup();
  t.same(rowsOf(e, 'SELECT id FROM a WHERE id IN (SELECT aid FROM b) ORDER BY id'), [[1], [2]]);
  t.same(rowsOf(e, 'SELECT id FROM a WHERE id NOT IN (SELECT aid FROM b) ORDER BY id'), [], 'NOT IN over a NULL is never true');
  t.same(rowsOf(e, 'SELECT id FROM a WHERE id NOT IN (SELECT aid FROM b WHERE aid IS NOT NULL)'), [[3]]);
  t.same(rowsOf(e, 'SELECT id FROM a WHERE NOT (id IN (SELECT aid FROM b WHERE aid > 1)) ORDER BY id'), [[1], [3]]);
  t.same(rowsOf(e, 'SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.aid = a.id) ORDER BY id'), [[1], [2]]);
  t.same(rowsOf(e, 'SELECT id FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.aid = a.id AND b.y > 5)'), [[3]]);
  t.same(rowsOf(e, 'SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE y > 100)'), []);
  t.same(rowsOf(e, 'SELECT id, (SELECT max(y) FROM b) AS m FROM a ORDER BY id'), [[1, 8], [2, 8], [3, 8]]);
  t.same(rowsOf(e, 'SELECT id, (SELECT y FROM b WHERE y > 100) FROM a ORDER BY id'), [[1, null], [2, null], [3, null]]);
  t.same(rowsOf(e, 'SELECT id, (SELECT count(*) FROM b WHERE b.aid = a.id) AS c FROM a ORDER BY id'), [[1, 2], [2, 1], [3, 0]]);
  t.same(rowsOf(e, 'SELECT id, (SELECT max(y) FROM b WHERE b.aid = a.id) FROM a ORDER BY id'), [[1, 6], [2, 7], [3, null]]);
  t.same(rowsOf(e, 'SELECT s FROM a WHERE x > ANY (SELECT y * 2 FROM b) ORDER BY s'), [['q']]);
  t.same(rowsOf(e, 'SELECT s FROM a WHERE x > ALL (SELECT y FROM b) ORDER BY s'), [['p'], ['q']]);
  t.same(rowsOf(e, 'SELECT s FROM a WHERE x = ANY (SELECT y + 5 FROM b)'), [['p']]);
  t.same(rowsOf(e, 'SELECT aid FROM b GROUP BY aid HAVING sum(y) > (SELECT avg(y) FROM b) ORDER BY aid'), [[1], [2], [null]]);
  const err = t.throws(() => e.query('SELECT id FROM a WHERE id IN (SELECT aid, y FROM b)'));
  t.match(err, { code: 'INVALID_ARGUMENT' });
  t.same(rowsOf(e, 'SELECT id FROM a WHERE id = 3 OR id IN (SELECT aid FROM b) ORDER BY id'), [[1], [2], [3]], 'IN under OR: a mark join');
  t.end();
});

t.test('grouping, ordering, distinct, set operations, CTEs', (t) => {
  const e = setup();
  t.same(rowsOf(e, 'SELECT aid, sum(y) FROM b GROUP BY 1 HAVING sum(y) > 7 ORDER BY 1'), [[1, 11], [null, 8]]);
  t.same(rowsOf(e, 'SELECT aid AS k, count(*) FROM b GROUP BY k ORDER BY k NULLS FIRST'), [[null, 1], [1, 2], [2, 1]]);
  t.same(rowsOf(e, 'SELECT aid % 2, count(*) FROM b WHERE aid IS NOT NULL GROUP BY aid % 2 ORDER BY 1'), [[0, 1], [1, 2]]);
  t.same(rowsOf(e, 'SELECT count(*), count(x), sum(x), min(s), max(s) FROM a'), [[3, 2, 30, 'p', 'r']]);
  t.same(rowsOf(e, 'SELECT count(*), sum(x) FROM a WHERE false'), [[0, null]]);
  t.same(rowsOf(e, 'SELECT count(DISTINCT aid) FROM b'), [[2]]);
  t.same(rowsOf(e, 'SELECT count(*) FILTER (WHERE y > 5) FROM b'), [[3]]);
  t.same(rowsOf(e, 'SELECT DISTINCT aid FROM b ORDER BY aid'), [[1], [2], [null]]);
  t.same(rowsOf(e, 'SELECT DISTINCT ON (aid) aid, y FROM b ORDER BY aid, y DESC'), [[1, 6], [2, 7], [null, 8]]);
  t.same(rowsOf(e, 'SELECT id FROM b ORDER BY y DESC LIMIT 2'), [[4], [3]]);
  t.same(rowsOf(e, 'SELECT id FROM b ORDER BY id LIMIT 2 OFFSET 1'), [[2], [3]]);
  t.same(rowsOf(e, 'SELECT s FROM a ORDER BY x DESC NULLS LAST'), [['q'], ['p'], ['r']]);
  t.same(rowsOf(e, 'SELECT s FROM a ORDER BY -id'), [['r'], ['q'], ['p']], 'ORDER BY an expression not in the select list');
  t.same(rowsOf(e, 'SELECT x FROM a UNION ALL SELECT y FROM b ORDER BY 1'), [[5], [6], [7], [8], [10], [20], [null]]);
  t.same(rowsOf(e, 'SELECT aid FROM b UNION SELECT id FROM a ORDER BY 1'), [[1], [2], [3], [null]]);
  t.same(rowsOf(e, 'WITH c AS (SELECT aid, sum(y) AS t FROM b GROUP BY aid) SELECT t FROM c WHERE aid = 1'), [[11]]);
  t.same(rowsOf(e, 'SELECT n, m FROM (VALUES (1, \'a\'), (2, \'b\')) AS v(n, m) ORDER BY n DESC'), [[2, 'b'], [1, 'a']]);
  t.same(rowsOf(e, 'SELECT q.total FROM (SELECT sum(y) AS total FROM b) q'), [[26]]);
  t.same(rowsOf(e, 'SELECT id, row_number() OVER (PARTITION BY aid ORDER BY y DESC) AS rn FROM b ORDER BY id'), [[1, 2], [2, 1], [3, 1], [4, 1]]);
  t.same(rowsOf(e, 'SELECT id, sum(y) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM b ORDER BY id'), [[1, 5], [2, 11], [3, 13], [4, 15]]);
  t.end();
});

t.test('output column names follow PostgreSQL', (t) => {
  const e = setup();
  const names = (sql: string) => e.query(sql).columns.map((c) => c.name);
  t.same(names('SELECT count(*), sum(x), x + 1, lower(s), CASE WHEN x > 1 THEN 1 END, x AS y, 1, true, s::varchar FROM a GROUP BY x, s'), [
    'count', 'sum', '?column?', 'lower', 'case', 'y', '?column?', 'bool', 's',
  ]);
  t.same(names('SELECT a.*, b.y FROM a JOIN b ON a.id = b.aid'), ['id', 'x', 's', 'y']);
  t.end();
});

t.test('parameters', (t) => {
  const e = setup();
  t.same(rowsOf(e, 'SELECT s FROM a WHERE id = $1', [2]), [['q']]);
  t.same(rowsOf(e, 'SELECT s FROM a WHERE s = $1 OR x > $2 ORDER BY s', ['p', 15]), [['p'], ['q']]);
  t.same(rowsOf(e, 'SELECT $1 || s FROM a WHERE id = 1', ['x-']), [['x-p']]);
  t.same(rowsOf(e, 'SELECT count(*) FROM a WHERE x > $1', [null]), [[0]]);
  e.execute('INSERT INTO a VALUES ($1, $2, $3)', [9, 90, "it's"]);
  t.same(rowsOf(e, 'SELECT s FROM a WHERE id = 9'), [["it's"]], 'parameters are values, never spliced SQL');
  t.throws(() => e.query('SELECT $2 + 1', [1]), { code: 'INVALID_PARAMETER' });
  t.same(rowsOf(e, 'SELECT s FROM a WHERE x > $1 ORDER BY s', [15.5]), [["it's"], ['q']], 'a fractional parameter compares numerically with INT');
  t.same(rowsOf(e, 'SELECT s FROM a WHERE id IN ($1, $2) ORDER BY s', [1, '3']), [['p'], ['r']]);
  e.execute('CREATE TABLE ev (id INT, ts TIMESTAMP, amount DECIMAL(10,2))');
  e.execute('INSERT INTO ev VALUES ($1, $2, $3), ($4, $5, $6)', [1, new Date(Date.UTC(2024, 0, 1)), 1.5, 2, Date.UTC(2024, 0, 2), '2.25']);
  t.same(rowsOf(e, 'SELECT id, ts, amount FROM ev ORDER BY id'), [[1, Date.UTC(2024, 0, 1), '1.50'], [2, Date.UTC(2024, 0, 2), '2.25']]);
  t.same(rowsOf(e, 'SELECT id FROM ev WHERE ts > $1', [new Date(Date.UTC(2024, 0, 1, 12))]), [[2]]);
  t.same(rowsOf(e, 'SELECT id FROM ev WHERE ts >= $1 ORDER BY id', [Date.UTC(2024, 0, 1)]), [[1], [2]], 'epoch-ms parameters meet TIMESTAMP columns');
  t.same(rowsOf(e, "SELECT id FROM ev WHERE ts < $1", ['2024-01-01 12:00:00']), [[1]]);
  t.end();
});

t.test('positioned binder errors', (t) => {
  const e = setup();
  const err = (sql: string) => {
    try {
      e.query(sql);
    } catch (x) {
      return x as CatalogError;
    }
    throw new Error(`no error for ${sql}`);
  };
  t.match(err('SELECT nosuch FROM a'), { code: 'UNKNOWN_COLUMN', line: 1, column: 8 });
  t.match(err('SELECT *\nFROM nope'), { code: 'UNKNOWN_OBJECT', line: 2, column: 6 });
  t.match(err('SELECT id FROM a JOIN b ON a.id = b.aid'), { code: 'AMBIGUOUS_COLUMN', column: 8 });
  t.match(err('SELECT z.id FROM a'), { code: 'UNKNOWN_OBJECT' });
  t.match(err("SELECT x + true FROM a"), { code: 'TYPE_MISMATCH', column: 8 });
  t.type(err("SELECT x + true FROM a"), SqlTypeError);
  t.match(err('SELECT id FROM a WHERE x'), { code: 'TYPE_MISMATCH', column: 24 });
  t.match(err('SELECT aid, y FROM b GROUP BY aid'), { code: 'GROUPING_ERROR', column: 13 });
  t.same(rowsOf(e, 'SELECT id, x FROM a GROUP BY id ORDER BY id'), [[1, 10], [2, 20], [3, null]], 'grouping by the primary key');
  t.match(err('SELECT id FROM a WHERE count(*) > 1'), { code: 'GROUPING_ERROR', column: 24 });
  t.match(err('SELECT nosuchfn(x) FROM a'), { code: 'UNKNOWN_OBJECT', column: 8 });
  t.match(err('SELECT id FROM a ORDER BY 5'), { code: 'INVALID_ARGUMENT' });
  t.match(err('SELECT x FROM a UNION SELECT y, id FROM b'), { code: 'TYPE_MISMATCH' });
  t.end();
});

t.test('DML: defaults, NOT NULL, upserts, ON CONFLICT, all-or-nothing', (t) => {
  const e = engineWith("CREATE TABLE t (k INT PRIMARY KEY, v VARCHAR NOT NULL, n INT DEFAULT 7, ts TIMESTAMP)");
  e.execute("INSERT INTO t (k, v, ts) VALUES (1, 'a', '2024-01-02 03:04:05')");
  t.same(rowsOf(e, 'SELECT k, v, n, ts FROM t'), [[1, 'a', 7, Date.UTC(2024, 0, 2, 3, 4, 5)]]);
  t.throws(() => e.execute("INSERT INTO t (k) VALUES (2)"), SchemaError);
  t.throws(() => e.execute("INSERT INTO t (k, v) VALUES (2, 'b'), (3, NULL)"), { code: 'NOT_NULL_VIOLATION', column: 'v', rowIndex: 1 });
  t.same(rowsOf(e, 'SELECT count(*) FROM t'), [[1]], 'a failed insert applies nothing');
  e.execute("INSERT INTO t (k, v) VALUES (1, 'replaced')");
  t.same(rowsOf(e, 'SELECT k, v, n FROM t'), [[1, 'replaced', 7]], 'inserting an existing key replaces the row');
  e.execute("INSERT INTO t (k, v) VALUES (1, 'ignored'), (2, 'b') ON CONFLICT DO NOTHING");
  t.same(rowsOf(e, 'SELECT k, v FROM t ORDER BY k'), [[1, 'replaced'], [2, 'b']]);
  e.execute("INSERT INTO t (k, v, n) VALUES (2, 'x', 1) ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n, v = excluded.v || '!'");
  t.same(rowsOf(e, 'SELECT k, v, n FROM t ORDER BY k'), [[1, 'replaced', 7], [2, 'x!', 8]]);
  e.execute("INSERT INTO t (k, v) VALUES (2, 'y') ON CONFLICT (k) DO UPDATE SET v = excluded.v WHERE t.n > 100");
  t.same(rowsOf(e, 'SELECT v FROM t WHERE k = 2'), [['x!']], 'DO UPDATE … WHERE false keeps the row');
  t.throws(() => e.execute('UPDATE t SET v = NULL WHERE k = 1'), { code: 'NOT_NULL_VIOLATION' });
  t.throws(() => e.execute("INSERT INTO t (k, nope) VALUES (1, 2)"), { code: 'UNKNOWN_COLUMN' });
  t.throws(() => e.execute("INSERT INTO t VALUES (1)"), { code: 'INVALID_ARGUMENT' });
  e.execute('UPDATE t SET k = k + 10');
  t.same(rowsOf(e, 'SELECT k FROM t ORDER BY k'), [[11], [12]], 'updating the key moves rows');
  e.execute('CREATE TABLE bag (x INT)');
  e.execute('INSERT INTO bag VALUES (1), (1), (2)');
  e.execute('UPDATE bag SET x = 5 WHERE x = 1');
  t.same(rowsOf(e, 'SELECT x FROM bag ORDER BY x'), [[2], [5], [5]]);
  e.execute('DELETE FROM bag WHERE x = 5');
  t.same(rowsOf(e, 'SELECT x FROM bag'), [[2]]);
  e.execute('INSERT INTO bag SELECT k FROM t');
  t.same(rowsOf(e, 'SELECT x FROM bag ORDER BY x'), [[2], [11], [12]]);
  e.execute('CREATE SOURCE s (x INT)');
  t.throws(() => e.execute('DELETE FROM s'), UnsupportedError);
  t.end();
});

t.test('materialized views created before and after data stay equal to their SELECT', (t) => {
  const e = setup();
  const q = 'SELECT a.s, count(b.id) AS n, sum(b.y) AS total FROM a LEFT JOIN b ON a.id = b.aid GROUP BY a.s';
  e.execute(`CREATE MATERIALIZED VIEW before_v AS ${q}`);
  e.execute('INSERT INTO b VALUES (5, 3, 100)');
  e.execute(`CREATE MATERIALIZED VIEW after_v AS ${q}`);
  const check = (label: string) => {
    const expected = bag(rowsOf(e, q));
    t.same(bag(rowsOf(e, 'SELECT * FROM before_v')), expected, `before: ${label}`);
    t.same(bag(rowsOf(e, 'SELECT * FROM after_v')), expected, `after: ${label}`);
  };
  check('initial');
  e.execute('UPDATE b SET aid = 3 WHERE id = 1');
  check('update');
  e.execute('DELETE FROM a WHERE id = 2');
  check('delete');
  e.execute("INSERT INTO a VALUES (7, 1, 'z')");
  check('insert');
  t.end();
});

t.test('views over views, plain views, Top-N view, subscriptions', (t) => {
  const e = setup();
  e.execute('CREATE VIEW big AS SELECT id, y FROM b WHERE y > 5');
  e.execute('CREATE MATERIALIZED VIEW top2 AS SELECT id, y FROM big ORDER BY y DESC LIMIT 2');
  e.execute('CREATE MATERIALIZED VIEW cnt AS SELECT count(*) AS c FROM top2');
  t.same(bag(rowsOf(e, 'SELECT * FROM top2')), bag([[4, 8], [3, 7]]));
  const seen: EngineChange[][] = [];
  const sub = e.subscribe('top2', (c) => seen.push(c));
  e.execute('INSERT INTO b VALUES (9, 1, 50)');
  t.same(bag(rowsOf(e, 'SELECT * FROM top2')), bag([[9, 50], [4, 8]]));
  t.equal(seen.length, 1);
  t.same(bag(seen[0]!.map((c) => [c.op, ...plainRows([c.row])[0]!])), bag([['insert', 9, 50], ['delete', 3, 7]]));
  sub.close();
  e.execute('INSERT INTO b VALUES (10, 1, 60)');
  t.equal(seen.length, 1, 'closed subscriptions hear nothing');
  t.same(rowsOf(e, 'SELECT c FROM cnt'), [[2]]);
  const snap: EngineChange[][] = [];
  e.subscribe('cnt', (c) => snap.push(c), { snapshot: true });
  t.same(snap.flat().map((c) => c.op), ['insert']);
  e.execute('INSERT INTO b VALUES (11, 1, 70)');
  t.throws(() => e.subscribe('big', () => {}), { code: 'WRONG_OBJECT_KIND' }, 'plain views have no changes to deliver');
  t.end();
});

t.test('keyed view changes arrive as updates', (t) => {
  const e = engineWith('CREATE TABLE t (k INT PRIMARY KEY, g VARCHAR, v INT)', 'CREATE MATERIALIZED VIEW s AS SELECT g, sum(v) AS total FROM t GROUP BY g');
  const seen: EngineChange[] = [];
  e.subscribe('s', (c) => seen.push(...c));
  e.execute("INSERT INTO t VALUES (1, 'a', 1)");
  e.execute("INSERT INTO t VALUES (2, 'a', 2)");
  t.same(seen.map((c) => [c.op, c.row, c.old ?? null]), [
    ['insert', ['a', 1], null],
    ['update', ['a', 3], ['a', 1]],
  ]);
  t.end();
});

t.test('catalog: duplicates, dependencies, DROP, SHOW, DESCRIBE, EXPLAIN', (t) => {
  const e = setup();
  e.execute('CREATE MATERIALIZED VIEW v1 AS SELECT id FROM a');
  e.execute('CREATE VIEW v2 AS SELECT id FROM v1');
  t.throws(() => e.execute('CREATE TABLE a (z INT)'), { code: 'DUPLICATE_OBJECT' });
  e.execute('CREATE TABLE IF NOT EXISTS a (z INT)');
  t.throws(() => e.execute('DROP TABLE a'), { code: 'DEPENDENT_OBJECTS' });
  t.throws(() => e.execute('DROP VIEW v1'), { code: 'WRONG_OBJECT_KIND' });
  t.throws(() => e.execute('DROP TABLE nope'), { code: 'UNKNOWN_OBJECT' });
  e.execute('DROP TABLE IF EXISTS nope');
  t.same(rowsOf(e, 'SHOW MATERIALIZED VIEWS'), [['v1']]);
  t.same(rowsOf(e, 'SHOW TABLES'), [['a'], ['b']]);
  t.same(rowsOf(e, 'DESCRIBE a'), [['id', 'INT', false, true], ['x', 'INT', true, false], ['s', 'VARCHAR', true, false]]);
  const plan = rowsOf(e, 'EXPLAIN SELECT s FROM a, b WHERE a.id = b.aid AND b.y > 5').map((r) => String(r[0]).replace(/#\d+/g, ''));
  t.match(plan.join('\n'), /Join inner keys=\[id = aid\]/);
  t.match(plan.join('\n'), /Filter \(y > 5\)/);
  e.execute('DROP TABLE a CASCADE');
  t.same(rowsOf(e, 'SHOW VIEWS'), []);
  t.same(rowsOf(e, 'SHOW MATERIALIZED VIEWS'), []);
  t.equal(e.relation('v1'), undefined);
  t.same(e.relations().map((r) => r.name), ['b']);
  t.end();
});

t.test('a failing CREATE leaves the catalog unchanged', (t) => {
  const e = setup();
  t.throws(() => e.execute('CREATE MATERIALIZED VIEW bad AS SELECT nosuch FROM a'));
  t.equal(e.relation('bad'), undefined);
  t.throws(() => e.execute('CREATE MATERIALIZED VIEW bad AS SELECT x FROM a WHERE x IN (SELECT y, id FROM b)'), { code: 'INVALID_ARGUMENT' });
  t.equal(e.relation('bad'), undefined);
  e.execute('CREATE MATERIALIZED VIEW bad AS SELECT x FROM a');
  t.same(e.relation('bad')!.columns.map((c) => c.name), ['x']);
  t.end();
});

t.test('functions: SQL functions inline, JavaScript UDFs', (t) => {
  const e = setup();
  e.execute('CREATE FUNCTION twice(n INT) RETURNS INT LANGUAGE SQL AS $$ SELECT n * 2 $$');
  t.same(rowsOf(e, 'SELECT twice(x) FROM a WHERE id = 1'), [[20]]);
  e.registerFunction('shout', (s) => (s === null ? null : `${String(s).toUpperCase()}!`), { args: [T.varchar], returns: T.varchar });
  t.same(rowsOf(e, 'SELECT shout(s) FROM a ORDER BY id'), [['P!'], ['Q!'], ['R!']]);
  t.same(rowsOf(e, 'SHOW FUNCTIONS').map((r) => r[0]), ['shout', 'twice']);
  t.end();
});

t.test('sources, watermarks, closed engine', (t) => {
  const e = engineWith("CREATE SOURCE ev (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)");
  t.same(e.relation('ev')!.watermark, { column: 'ts', delayMs: 5000 });
  e.insertRows('ev', [[1, 1000], [2, 2000]]);
  e.execute('CREATE MATERIALIZED VIEW c AS SELECT count(*) AS n FROM ev');
  e.insertColumns('ev', [[3, 4], [3000, 4000]], 2);
  t.same(rowsOf(e, 'SELECT n FROM c'), [[4]], 'later views see retained source rows');
  t.throws(() => e.insertRows('c', [[1]]), { code: 'WRONG_OBJECT_KIND' });
  t.throws(() => e.insertRows('ev', [[1]]), { code: 'INVALID_ROW' });
  e.close();
  t.throws(() => e.query('SELECT 1'), ClosedError);
  t.end();
});

t.test('INTERSECT / EXCEPT compare rows NULL-safely and stay maintained', (t) => {
  const e = engineWith(
    'CREATE TABLE l (x INT, s VARCHAR)',
    'CREATE TABLE r (x INT, s VARCHAR)',
    "INSERT INTO l VALUES (1, 'a'), (1, 'a'), (2, NULL), (3, 'c'), (NULL, NULL)",
    "INSERT INTO r VALUES (1, 'a'), (2, NULL), (NULL, NULL), (4, 'd')",
  );
  t.same(rowsOf(e, 'SELECT * FROM l INTERSECT SELECT * FROM r ORDER BY 1'), [[1, 'a'], [2, null], [null, null]]);
  t.same(rowsOf(e, 'SELECT * FROM l EXCEPT SELECT * FROM r'), [[3, 'c']]);
  e.execute('CREATE MATERIALIZED VIEW ex AS SELECT * FROM l EXCEPT SELECT * FROM r');
  e.execute('DELETE FROM r WHERE x = 1');
  t.same(bag(rowsOf(e, 'SELECT * FROM ex')), bag([[1, 'a'], [3, 'c']]));
  // l after the delete still has (1,'a') twice, r has none: the ALL forms count copies
  t.same(bag(rowsOf(e, 'SELECT * FROM l INTERSECT ALL SELECT * FROM r')), bag([[2, null], [null, null]]));
  t.same(bag(rowsOf(e, 'SELECT * FROM l EXCEPT ALL SELECT * FROM r')), bag([[1, 'a'], [1, 'a'], [3, 'c']]));
  t.end();
});

t.test('functions are catalog dependencies; CREATE TABLE AS; source retention', (t) => {
  const e = engineWith('CREATE TABLE n (x INT)', 'INSERT INTO n VALUES (1), (2)');
  e.execute('CREATE FUNCTION inc(v INT) RETURNS INT LANGUAGE SQL AS $$ SELECT v + 1 $$');
  e.execute('CREATE FUNCTION inc2(v INT) RETURNS INT LANGUAGE SQL RETURN inc(inc(v))');
  e.execute('CREATE MATERIALIZED VIEW incs AS SELECT inc2(x) AS y FROM n');
  t.same(rowsOf(e, 'SELECT y FROM incs ORDER BY y'), [[3], [4]]);
  t.throws(() => e.execute('DROP FUNCTION inc'), { code: 'DEPENDENT_OBJECTS' });
  e.execute('DROP FUNCTION inc CASCADE');
  t.equal(e.relation('incs'), undefined, 'CASCADE drops the dependent function and view');
  t.same(rowsOf(e, 'SHOW FUNCTIONS'), []);
  const r = e.execute('CREATE TABLE copy AS SELECT x * 10 AS x10, x FROM n');
  t.same(r[0], { command: 'CREATE TABLE', rowsAffected: 2 });
  t.same(rowsOf(e, 'SELECT * FROM copy ORDER BY x'), [[10, 1], [20, 2]]);
  e.execute("CREATE SOURCE recent (v INT) WITH (retention_rows = 2)");
  e.insertRows('recent', [[1], [2], [3]]);
  t.same(rowsOf(e, 'SELECT v FROM recent ORDER BY v'), [[2], [3]], 'retention bounds what later queries see');
  t.end();
});

t.test('constant table functions', (t) => {
  const e = new Engine();
  t.same(rowsOf(e, 'SELECT * FROM generate_series(1, 4)'), [[1], [2], [3], [4]]);
  t.same(rowsOf(e, 'SELECT g * 2 FROM generate_series(10, 1, -3) AS t(g)'), [[20], [14], [8], [2]]);
  t.same(rowsOf(e, 'SELECT sum(generate_series) FROM generate_series(1, 100)'), [[5050]]);
  t.same(rowsOf(e, "SELECT * FROM unnest(ARRAY['a', 'b'])"), [['a'], ['b']]);
  t.throws(() => e.query('SELECT * FROM generate_series(1, 5, 0)'), { code: 'INVALID_ARGUMENT' });
  t.end();
});

t.test('GROUP BY a primary key makes the other columns of that table selectable', (t) => {
  const e = setup();
  t.same(rowsOf(e, 'SELECT a.id, a.s, sum(b.y) FROM a JOIN b ON a.id = b.aid GROUP BY a.id ORDER BY a.id'), [[1, 'p', 11], [2, 'q', 7]]);
  t.throws(() => e.query('SELECT b.y, count(*) FROM a JOIN b ON a.id = b.aid GROUP BY a.id'), { code: 'GROUPING_ERROR' });
  t.end();
});

t.test('subscribing to a table or a source', (t) => {
  const e = engineWith('CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR)', 'CREATE SOURCE ev (n INT)', "INSERT INTO kv VALUES (1, 'a')");
  const kv: EngineChange[][] = [];
  const sub = e.subscribe('kv', (c) => kv.push(c), { snapshot: true });
  e.execute("INSERT INTO kv VALUES (1, 'b'), (2, 'c')");
  e.execute('DELETE FROM kv WHERE k = 2');
  t.same(kv.map((cs) => cs.map((c) => [c.op, c.row, c.old ?? null])), [
    [['insert', [1, 'a'], null]],
    [['update', [1, 'b'], [1, 'a']], ['insert', [2, 'c'], null]],
    [['delete', [2, 'c'], null]],
  ]);
  sub.close();
  e.execute("INSERT INTO kv VALUES (3, 'z')");
  t.equal(kv.length, 3, 'closed: nothing more');
  const ev: EngineChange[] = [];
  e.subscribe('ev', (c) => ev.push(...c));
  e.insertRows('ev', [[1], [2]]);
  t.same(ev.map((c) => [c.op, c.row]), [['insert', [1]], ['insert', [2]]]);
  e.execute('DROP SOURCE ev');
  t.equal(e.relation('ev'), undefined, 'a source with a live subscription can be dropped');
  t.end();
});
