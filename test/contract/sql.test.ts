// PRODUCT.md §3: the SQL dialect as a user writes it.
import t from 'tap';
import { CatalogError } from '../../lib/index.js';
import { open, rejected, collect } from './helpers.js';

t.test('CREATE TABLE with PRIMARY KEY: INSERT, UPDATE, DELETE, upsert on the key', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE TABLE acct (region VARCHAR, id INT, bal INT, PRIMARY KEY (region, id))`);
  await db.execute(`INSERT INTO acct VALUES ('eu', 1, 10), ('eu', 2, 20), ('us', 1, 30)`);
  await db.execute(`INSERT INTO acct VALUES ('eu', 1, 11)`); // upsert
  db.insert('acct', [{ region: 'us', id: 1, bal: 31 }, { region: 'us', id: 1, bal: 32 }]); // last one wins
  t.same(await db.query('SELECT region, id, bal FROM acct ORDER BY region, id'), [
    { region: 'eu', id: 1, bal: 11 },
    { region: 'eu', id: 2, bal: 20 },
    { region: 'us', id: 1, bal: 32 },
  ]);
  const up = await db.execute(`UPDATE acct SET bal = bal + 1 WHERE region = 'eu'`);
  t.equal(up.rowsAffected, 2);
  const del = await db.execute(`DELETE FROM acct WHERE bal > 30`);
  t.equal(del.rowsAffected, 1);
  t.equal((await db.execute(`DELETE FROM acct WHERE bal > 1000`)).rowsAffected, 0);
  t.same(await db.query('SELECT count(*), sum(bal) FROM acct'), [{ count: 2, sum: 33 }]);
  // a key changed by UPDATE replaces the row under its new key
  await db.execute(`UPDATE acct SET id = 5 WHERE id = 2`);
  t.same(await db.query('SELECT id FROM acct ORDER BY id'), [{ id: 1 }, { id: 5 }]);
  // unlike INSERT, an UPDATE onto another row's key is a unique violation and changes nothing
  await db.execute(`INSERT INTO acct VALUES ('eu', 6, 60)`);
  for (const sql of [`UPDATE acct SET id = 6 WHERE id = 5`, `UPDATE acct SET id = 7, region = 'eu'`]) {
    t.match(await rejected(db.execute(sql)), { code: 'PRIMARY_KEY_VIOLATION' }, sql);
  }
  t.same(await db.query('SELECT region, id, bal FROM acct ORDER BY region, id'), [
    { region: 'eu', id: 1, bal: 12 },
    { region: 'eu', id: 5, bal: 21 },
    { region: 'eu', id: 6, bal: 60 },
  ]);
  await db.execute(`UPDATE acct SET id = id + 1`);
  t.same(await db.query('SELECT id FROM acct ORDER BY id'), [{ id: 2 }, { id: 6 }, { id: 7 }], 'keys shifting onto vacated keys are fine');
});

t.test('CREATE SOURCE / APPEND ONLY tables, type aliases, quoted and reserved identifiers', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (a STRING, b TEXT, c VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND);
    CREATE TABLE ao (x INT, ts TIMESTAMP) APPEND ONLY;
    CREATE TABLE "Order" ("select" INT, "group" VARCHAR, "Mixed Case" TEXT, "from" INT)`);
  const desc = db.describe('s');
  t.same(desc.columns.map((c) => [c.name, c.type]), [['a', 'VARCHAR'], ['b', 'VARCHAR'], ['c', 'VARCHAR'], ['ts', 'TIMESTAMP']]);
  t.same(desc.watermark, { column: 'ts', delayMs: 5000 });
  db.insert('ao', { x: 1, ts: 0 });
  t.same(await db.query('SELECT x FROM ao'), [{ x: 1 }]);
  db.insert('Order', { select: 1, group: 'g', 'Mixed Case': 'ü', from: 2 });
  t.same(await db.query(`SELECT "select", "group" AS "Group", "Mixed Case", "from" + 1 AS "where" FROM "Order" WHERE "group" = 'g'`), [
    { select: 1, Group: 'g', 'Mixed Case': 'ü', where: 3 },
  ]);
  t.match(await rejected(db.query('SELECT * FROM Order')), { code: 'SYNTAX_ERROR' }, 'unquoted reserved word');
  t.match(await rejected(db.query('SELECT * FROM "order"')), { code: 'UNKNOWN_OBJECT' }, 'quoted identifiers are case-sensitive');
  await db.execute('CREATE TABLE CamelT (Val INT)');
  db.insert('camelt', { val: 1 });
  t.same(await db.query('SELECT VAL FROM CAMELT'), [{ val: 1 }], 'unquoted identifiers fold to lower case');
});

t.test('operators, casts and functions give PostgreSQL results', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const [row] = await db.query(`SELECT
      7 % 3 AS m, -7 % 3 AS mneg, 1 <> 2 AS ne, 'a' || 'b' || NULL AS cat_null, 'ab' || 1 AS cat_num,
      'abc' LIKE 'a%' AS l1, 'abc' LIKE '_b_' AS l2, 'a%c' LIKE 'a\\%c' AS l3, 'ABC' NOT LIKE 'a%' AS l4,
      '42'::INT + 1 AS c1, CAST('2.5' AS DOUBLE) AS c2, 3.7::INT AS c3, CAST(7 AS VARCHAR) AS c4, '1.005'::DECIMAL(10,2) AS c5,
      7 / 2 AS idiv, 7.0 / 2 AS fdiv, 2 ^ 10 AS pow, abs(-3) AS ab,
      to_char(TIMESTAMP '2024-01-02 03:04:05', 'YYYY-MM-DD HH24:MI:SS') AS tc,
      extract(year FROM TIMESTAMP '2024-01-02 03:04:05') AS ey,
      extract(epoch FROM TIMESTAMP '1970-01-01 00:00:10') AS ee,
      split_part('a,b,c', ',', 2) AS sp, split_part('a,b,c', ',', 9) AS sp9,
      regexp_match('foo123bar45', '([a-z]+)(\\d+)') AS rm, regexp_match('xyz', '\\d') AS rm_none,
      lower('ÀB') AS lo, length('héllo😀') AS len, replace('aXbXc', 'X', '--') AS rep,
      date_trunc('hour', TIMESTAMP '2024-01-02 03:04:05') AS dt,
      date_trunc('month', TIMESTAMP '2024-02-29 23:59:59') AS dtm,
      coalesce(NULL, NULL, 3) AS co, coalesce(NULL::INT) AS co_null, nullif(1, 1) AS nu,
      CASE WHEN 1 > 2 THEN 'x' WHEN 2 > 1 THEN 'y' END AS cs, CASE 3 WHEN 1 THEN 'one' ELSE 'other' END AS cs2,
      CASE WHEN NULL THEN 1 ELSE 0 END AS cs_null,
      NULL = NULL AS nn, NULL IS NULL AS isn, 1 IN (1, NULL) AS in1, 2 IN (1, NULL) AS in_null, 2 NOT IN (1, NULL) AS notin_null`);
  t.same(row, {
    m: 1, mneg: -1, ne: true, cat_null: null, cat_num: 'ab1',
    l1: true, l2: true, l3: true, l4: true,
    c1: 43, c2: 2.5, c3: 4, c4: '7', c5: '1.01',
    idiv: 3, fdiv: '3.5000000000000000', pow: 1024, ab: 3,
    tc: '2024-01-02 03:04:05', ey: '2024', ee: '10.000000',
    sp: 'b', sp9: '',
    rm: ['foo', '123'], rm_none: null,
    lo: 'àb', len: 6, rep: 'a--b--c',
    dt: new Date('2024-01-02T03:00:00Z'), dtm: new Date('2024-02-01T00:00:00Z'),
    co: 3, co_null: null, nu: null,
    cs: 'y', cs2: 'other', cs_null: 0,
    nn: null, isn: true, in1: true, in_null: null, notin_null: null,
  });
});

t.test('unnamed output columns are named as PostgreSQL names them', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (a INT, b VARCHAR, ts TIMESTAMP)');
  db.insert('t', [{ a: 1, b: 'x', ts: 0 }, { a: 2, b: 'y', ts: 1000 }]);
  const cases: [string, string][] = [
    ['count(*)', 'count'], ['sum(a)', 'sum'], ['avg(a)', 'avg'], ['min(b)', 'min'], ['max(ts)', 'max'],
    ['count(DISTINCT b)', 'count'], ['a + 1', '?column?'], ['1', '?column?'], ["'lit'", '?column?'],
    ['a', 'a'], ['t.a', 'a'], ['lower(b)', 'lower'], ['a::TEXT', 'a'], ['CAST(a AS BIGINT)', 'a'],
    ['CAST(1 AS INT)', 'int4'], ['CASE WHEN a > 1 THEN 1 END', 'case'], ['coalesce(a, 0)', 'coalesce'],
    ['extract(year FROM ts)', 'extract'], ['date_trunc(\'day\', ts)', 'date_trunc'], ['a IS NULL', '?column?'],
    ['(SELECT 1)', '?column?'], ['ROW_NUMBER() OVER (ORDER BY a)', 'row_number'],
  ];
  for (const [expr, name] of cases) {
    const grouped = /count|sum|avg|min\(|max\(/.test(expr);
    const rows = await db.query(`SELECT ${expr} FROM t${grouped ? '' : ' LIMIT 1'}`);
    t.same(Object.keys(rows[0]!), [name], expr);
  }
  await db.execute('CREATE MATERIALIZED VIEW v AS SELECT b, count(*), sum(a) FROM t GROUP BY b');
  t.same(db.describe('v').columns.map((c) => c.name), ['b', 'count', 'sum'], 'a view keeps the same names');
});

t.test('aggregates: NULLs, empty input, DISTINCT, FILTER, first/last value, GROUP BY / HAVING', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (g VARCHAR, v INT, seq INT)');
  t.same(await db.query('SELECT count(*) AS c, count(v) AS cv, sum(v) AS s, avg(v) AS a, min(v) AS lo, max(v) AS hi FROM t'), [
    { c: 0, cv: 0, s: null, a: null, lo: null, hi: null },
  ], 'a global aggregate over nothing is one row');
  t.same(await db.query('SELECT g, count(*) FROM t GROUP BY g'), [], 'a grouped aggregate over nothing is no rows');
  db.insert('t', [
    { g: 'a', v: 1, seq: 1 }, { g: 'a', v: 1, seq: 2 }, { g: 'a', v: null, seq: 3 }, { g: 'a', v: 4, seq: 4 },
    { g: null, v: 5, seq: 5 }, { g: null, v: null, seq: 6 }, { g: 'b', v: null, seq: 7 },
  ]);
  const rows = await db.query(`SELECT g, count(*) AS n, count(v) AS nv, count(DISTINCT v) AS dv, sum(v) AS s, avg(v) AS av,
      sum(v) FILTER (WHERE seq > 1) AS fs, count(*) FILTER (WHERE v IS NULL) AS nulls,
      first_value(seq) AS fv, last_value(seq) AS lv
    FROM t GROUP BY g ORDER BY g NULLS FIRST`);
  t.same(rows.map((r) => ({ ...r, av: r.av === null ? null : Number(r.av) })), [
    { g: null, n: 2, nv: 1, dv: 1, s: 5, av: 5, fs: 5, nulls: 1, fv: 5, lv: 6 },
    { g: 'a', n: 4, nv: 3, dv: 2, s: 6, av: 2, fs: 5, nulls: 1, fv: 1, lv: 4 },
    { g: 'b', n: 1, nv: 0, dv: 0, s: null, av: null, fs: null, nulls: 1, fv: 7, lv: 7 },
  ]);
  t.same(await db.query('SELECT g, sum(v) AS s FROM t GROUP BY g HAVING sum(v) > 4 ORDER BY g'), [{ g: 'a', s: 6 }, { g: null, s: 5 }]);
  t.same(await db.query(`SELECT sum(v) AS s FROM t WHERE g = 'nope' HAVING count(*) = 0`), [{ s: null }]);
});

t.test('CREATE VIEW, CREATE FUNCTION … LANGUAGE SQL, JavaScript UDFs', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE TABLE t (a INT, s VARCHAR);
    CREATE VIEW doubled AS SELECT a * 2 AS d, s FROM t;
    CREATE FUNCTION add_tax(x INT) RETURNS INT LANGUAGE SQL AS 'SELECT x * 2 + 1'`);
  db.registerFunction('shout', (s: string | null) => (s === null ? null : s.toUpperCase() + '!'), { args: ['VARCHAR'], returns: 'VARCHAR' });
  await db.execute(`CREATE MATERIALIZED VIEW mv AS SELECT add_tax(d) AS taxed, shout(s) AS loud FROM doubled`);
  db.insert('t', [{ a: 1, s: 'hi' }, { a: 2, s: null }]);
  await db.flush();
  t.same(await db.query('SELECT * FROM mv ORDER BY taxed'), [{ taxed: 5, loud: 'HI!' }, { taxed: 9, loud: null }]);
  t.same(await db.query(`SELECT shout('x') AS y, add_tax(NULL) AS z`), [{ y: 'X!', z: null }]);
  db.registerFunction('boom', () => {
    throw new Error('kaput');
  }, { args: [], returns: 'INT' });
  t.match(await rejected(db.query('SELECT boom() FROM t')), { code: 'UDF_ERROR' });
});

t.test('DROP refuses with dependants; CASCADE drops them; SHOW, DESCRIBE, EXPLAIN, FLUSH, CHECKPOINT', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR);
    CREATE MATERIALIZED VIEW m1 AS SELECT a FROM t;
    CREATE MATERIALIZED VIEW m2 AS SELECT count(*) AS n FROM m1;
    CREATE VIEW v1 AS SELECT b FROM t`);
  const sub = collect(db, 'm2');
  const e = await rejected(db.execute('DROP TABLE t'));
  t.ok(e instanceof CatalogError);
  t.equal(e.code, 'DEPENDENT_OBJECTS');
  t.match(e.message, /m1|v1/);
  t.match(await rejected(db.execute('DROP MATERIALIZED VIEW m1')), { code: 'DEPENDENT_OBJECTS' });
  t.match(await rejected(db.execute('DROP VIEW m1')), { code: 'WRONG_OBJECT_KIND' });
  const shown = await db.execute('SHOW TABLES; SHOW MATERIALIZED VIEWS');
  t.same(shown.statements[0]!.rows, [{ name: 't' }]);
  t.same(shown.statements[1]!.rows!.map((r) => r.name).sort(), ['m1', 'm2']);
  const described = await db.execute('DESCRIBE t');
  t.same(described.statements[0]!.rows!.map((r) => [r.name, r.type]), [['a', 'INT'], ['b', 'VARCHAR']]);
  const explained = await db.execute('EXPLAIN SELECT b, count(*) FROM t GROUP BY b');
  t.match(String(Object.values(explained.statements[0]!.rows![0]!)[0]), /ggregat/);
  const fc = await db.execute('FLUSH; CHECKPOINT');
  t.same(fc.statements.map((s) => s.command), ['FLUSH', 'CHECKPOINT']);
  await db.execute('DROP TABLE t CASCADE');
  t.same(db.relations(), [], 'dependants dropped, transitively');
  t.equal(sub.changes.length, 0);
  await db.execute('DROP TABLE IF EXISTS t; CREATE TABLE t (x INT)');
  t.same(await db.query('SELECT * FROM t'), [], 'the name is reusable with a new shape');
  await db.execute('DROP TABLE t');
});
