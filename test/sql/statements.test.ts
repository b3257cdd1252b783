import t from 'tap';
import type { Statement } from '../../lib/sql/ast.js';
import { parse, parseStatement } from '../../lib/sql/index.js';
import { strip, sx } from './helpers.js';

function one(sql: string): Statement {
  return strip(parseStatement(sql), true);
}

const INT = { name: 'INT', params: [], array: false };
const VARCHAR = { name: 'VARCHAR', params: [], array: false };
const TIMESTAMP = { name: 'TIMESTAMP', params: [], array: false };

t.test('CREATE TABLE', async (t) => {
  t.same(one(`CREATE TABLE IF NOT EXISTS Orders (
      id BIGINT NOT NULL, customer VARCHAR(20) DEFAULT 'n/a', amount DECIMAL(10, 2) NULL,
      ts TIMESTAMP, PRIMARY KEY (id)
    ) WITH (retention = '1 hour', 'Max.Rows' = 1000, ratio = -0.5, compact = true, mode = fast)`), {
    kind: 'create-table', source: false, name: 'orders', ifNotExists: true, orReplace: false,
    columns: [
      { name: 'id', type: { name: 'BIGINT', params: [], array: false }, notNull: true, primaryKey: false },
      { name: 'customer', type: { name: 'VARCHAR', params: [20], array: false }, notNull: false, primaryKey: false, default: { kind: 'string', value: 'n/a' } },
      { name: 'amount', type: { name: 'DECIMAL', params: [10, 2], array: false }, notNull: false, primaryKey: false },
      { name: 'ts', type: TIMESTAMP, notNull: false, primaryKey: false },
    ],
    primaryKey: ['id'], appendOnly: false,
    options: { retention: '1 hour', 'max.rows': 1000, ratio: -0.5, compact: true, mode: 'fast' },
  });
  t.match(one('CREATE TABLE t (id INT PRIMARY KEY, "Name" TEXT)'), {
    primaryKey: ['id'], columns: [{ name: 'id', primaryKey: true, notNull: true }, { name: 'Name', type: VARCHAR }],
  });
  t.match(one('CREATE TABLE t (a INT, b INT, CONSTRAINT pk PRIMARY KEY (a, b))'), { primaryKey: ['a', 'b'] });
  t.equal((one('CREATE TABLE t (a INT)') as { primaryKey?: string[] }).primaryKey, undefined);
  t.match(one("CREATE TABLE e (ts TIMESTAMP, v INT, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) APPEND ONLY WITH (connector = 'kafka', kafka.topic = 'events')"), {
    kind: 'create-table', source: false, appendOnly: true,
    watermark: { column: 'ts', expr: { kind: 'binary', op: '-', left: { kind: 'column', name: 'ts' }, right: { kind: 'interval', value: '5', unit: 'SECOND' } } },
    options: { connector: 'kafka', 'kafka.topic': 'events' },
  });
  t.match(one('CREATE TABLE e (ts TIMESTAMP) WITH (a = 1) APPEND ONLY'), { appendOnly: true, options: { a: 1 } }, 'clauses in either order');
  t.match(one('CREATE OR REPLACE TABLE t AS SELECT 1 AS x'), { orReplace: true, columns: [], asQuery: { kind: 'query' } });
  t.match(one('CREATE TABLE t (date DATE, time TIMESTAMP, value INT, key TEXT, name TEXT, source TEXT, timestamp TIMESTAMPTZ)'), {
    columns: [{ name: 'date' }, { name: 'time' }, { name: 'value' }, { name: 'key' }, { name: 'name' }, { name: 'source' }, { name: 'timestamp' }],
  });
  t.match(one('CREATE TABLE t (watermark INT)'), { columns: [{ name: 'watermark' }] }, 'watermark is a column name unless FOR follows');
  t.match(one('CREATE TABLE t (v INT) FORMAT PLAIN ENCODE JSON (schema.registry = \'x\')'), { options: { format: 'plain', encode: 'json', 'schema.registry': 'x' } });
  t.match(one("CREATE TABLE t (n BIGINT) WITH (big = 9007199254740993)"), { options: { big: '9007199254740993' } }, 'unsafe integers keep their text');
});

t.test('CREATE SOURCE', async (t) => {
  t.same(one("CREATE SOURCE bid (auction BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) WITH (connector = 'datagen')"), {
    kind: 'create-table', source: true, name: 'bid', ifNotExists: false, orReplace: false,
    columns: [
      { name: 'auction', type: { name: 'BIGINT', params: [], array: false }, notNull: false, primaryKey: false },
      { name: 'date_time', type: TIMESTAMP, notNull: false, primaryKey: false },
    ],
    appendOnly: true,
    watermark: { column: 'date_time', expr: { kind: 'binary', op: '-', left: { kind: 'column', name: 'date_time' }, right: { kind: 'interval', value: '4', unit: 'SECOND' } } },
    options: { connector: 'datagen' },
  });
  t.match(one('CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts)'), { watermark: { column: 'ts', expr: { kind: 'column', name: 'ts' } } });
  t.match(one('CREATE SOURCE IF NOT EXISTS s (x INT)'), { ifNotExists: true, source: true, appendOnly: true });
});

t.test('CREATE TABLE errors', async (t) => {
  const cases: [string, number, number, RegExp][] = [
    ['CREATE TABLE t (a INT PRIMARY KEY, b INT PRIMARY KEY)', 1, 36, /multiple primary keys/],
    ['CREATE TABLE t (a INT PRIMARY KEY, PRIMARY KEY (a))', 1, 36, /multiple primary keys/],
    ['CREATE TABLE t (a INT, PRIMARY KEY (a), PRIMARY KEY (a))', 1, 41, /multiple primary keys/],
    ['CREATE SOURCE s (ts TIMESTAMP,\n  WATERMARK FOR ts AS ts,\n  WATERMARK FOR ts AS ts)', 3, 3, /only one WATERMARK/],
    ["CREATE TABLE t (a INT) WITH (x = 1, X = 2)", 1, 37, /option 'x' given more than once/],
    ['CREATE TABLE t (a INT) WITH (x = )', 1, 34, /expected an option value/],
    ['CREATE SOURCE s AS SELECT 1', 1, 17, /expected '\(', found 'AS'/],
    ['CREATE TABLE t', 1, 15, /unexpected end of input, expected '\(' or AS/],
    ['CREATE TABLE t ()', 1, 17, /expected a column name, found '\)'/],
    ['CREATE TABLE t (a)', 1, 18, /expected a type name, found '\)'/],
    ['CREATE TABLE t (a FOO)', 1, 19, /unknown type 'foo'/],
    ['CREATE TABLE t (select INT)', 1, 17, /expected a column name, found 'select'/],
    ['CREATE TABEL t (a INT)', 1, 8, /expected TABLE, found 'TABEL'/],
    ['CREATE THING t', 1, 8, /expected TABLE, SOURCE, MATERIALIZED VIEW, VIEW, SINK, FUNCTION or INDEX, found 'THING'/],
  ];
  for (const [sql, line, column, message] of cases) {
    t.throws(() => parse(sql), { name: 'SqlSyntaxError', code: 'SYNTAX_ERROR', line, column, message }, sql);
  }
});

t.test('CREATE MATERIALIZED VIEW / VIEW / SINK / INDEX', async (t) => {
  t.match(one('CREATE MATERIALIZED VIEW v AS SELECT a FROM t'), { kind: 'create-materialized-view', name: 'v', ifNotExists: false, orReplace: false, options: {}, emit: undefined });
  t.match(one("CREATE MATERIALIZED VIEW IF NOT EXISTS v (x, y) AS SELECT a, b FROM t EMIT ON WINDOW CLOSE WITH (state_ttl = '1 hour')"), {
    ifNotExists: true, columns: ['x', 'y'], emit: 'window-close', options: { state_ttl: '1 hour' },
  });
  t.match(one('CREATE OR REPLACE MATERIALIZED VIEW v WITH (a = 1) AS SELECT 1 EMIT CHANGES'), { orReplace: true, emit: 'changes', options: { a: 1 } });
  t.match(one('CREATE MATERIALIZED VIEW v AS WITH c AS (SELECT 1) SELECT * FROM c ORDER BY 1 LIMIT 3'), { query: { with: {}, limit: { text: '3' } } });
  t.match(one('CREATE MATERIALIZED VIEW v AS SELECT * FROM t EMIT CHANGES'), { emit: 'changes', query: { body: { from: [{ kind: 'table', name: 't', alias: undefined }] } } });
  t.throws(() => parse('CREATE MATERIALIZED VIEW v AS SELECT 1 EMIT AFTER WATERMARK'), { name: 'SqlSyntaxError', column: 45, message: /expected ON WINDOW CLOSE or CHANGES, found 'AFTER'/ });
  t.throws(() => parse('CREATE MATERIALIZED v AS SELECT 1'), { name: 'SqlSyntaxError', column: 21, message: /expected VIEW, found 'v'/ });
  t.throws(() => parse('CREATE MATERIALIZED VIEW v SELECT 1'), { name: 'SqlSyntaxError', column: 28, message: /expected AS, found 'SELECT'/ });

  t.match(one('CREATE OR REPLACE VIEW v (a) AS SELECT 1'), { kind: 'create-view', orReplace: true, ifNotExists: false, columns: ['a'], query: { kind: 'query' } });
  t.match(one('CREATE VIEW IF NOT EXISTS v AS SELECT 1'), { kind: 'create-view', ifNotExists: true });

  t.same(one("CREATE SINK s FROM v WITH (connector = 'kafka', topic = 'out')"), { kind: 'create-sink', name: 's', ifNotExists: false, from: 'v', options: { connector: 'kafka', topic: 'out' } });
  t.match(one("CREATE SINK IF NOT EXISTS s AS SELECT * FROM v WITH (connector = 'stdout') FORMAT PLAIN ENCODE JSON"), {
    kind: 'create-sink', ifNotExists: true, from: undefined, query: { kind: 'query' }, options: { connector: 'stdout', format: 'plain', encode: 'json' },
  });
  t.throws(() => parse('CREATE SINK s v'), { name: 'SqlSyntaxError', column: 15, message: /expected FROM or AS, found 'v'/ });
  t.throws(() => parse('CREATE OR REPLACE SINK s FROM v'), { name: 'SqlSyntaxError', column: 19, message: /not allowed for SINK/ });

  t.same(one('CREATE INDEX idx ON t (a, b DESC)'), { kind: 'create-index', name: 'idx', table: 't', columns: ['a', 'b'], ifNotExists: false });
  t.same(one('CREATE INDEX IF NOT EXISTS ON t USING hash (a)'), { kind: 'create-index', table: 't', columns: ['a'], ifNotExists: true });
});

t.test('CREATE FUNCTION', async (t) => {
  const f = one("CREATE FUNCTION add(a INT, b INT) RETURNS INT LANGUAGE SQL IMMUTABLE AS 'select a + b'");
  t.same(f, {
    kind: 'create-function', name: 'add', orReplace: false,
    params: [{ name: 'a', type: INT }, { name: 'b', type: INT }], returns: INT, language: 'sql', body: 'select a + b',
    returnExpr: { kind: 'binary', op: '+', left: { kind: 'column', name: 'a' }, right: { kind: 'column', name: 'b' } },
    volatility: 'IMMUTABLE',
  });
  const g = parseStatement('CREATE OR REPLACE FUNCTION twice(int, double precision) RETURNS DOUBLE AS $$ SELECT $1 * $2 $$ LANGUAGE sql');
  if (g.kind !== 'create-function') throw new Error('expected a function');
  t.same(strip(g.params), [{ type: INT }, { type: { name: 'DOUBLE', params: [], array: false } }]);
  t.equal(g.orReplace, true);
  t.equal(g.body, ' SELECT $1 * $2 ');
  t.equal(sx(g.returnExpr!), '(* $0 $1)');
  const h = parseStatement('CREATE FUNCTION inc(x BIGINT) RETURNS BIGINT RETURN x + 1');
  if (h.kind !== 'create-function') throw new Error('expected a function');
  t.equal(h.body, 'x + 1');
  t.equal(h.language, 'sql');
  t.equal(sx(h.returnExpr!), '(+ x 1)');
  t.equal(h.volatility, undefined);
  const q = one("CREATE FUNCTION n() RETURNS BIGINT LANGUAGE SQL STABLE AS 'SELECT count(*) FROM t'");
  t.match(q, { params: [], body: 'SELECT count(*) FROM t', returnExpr: undefined, volatility: 'STABLE' }, 'a query body is kept as text');
  t.match(one("CREATE FUNCTION js(a INT) RETURNS INT LANGUAGE javascript AS 'return a +'"), { language: 'javascript', body: 'return a +', returnExpr: undefined }, 'non-SQL bodies are not parsed');
  // errors inside a body are positioned in the outer text
  t.throws(() => parse("CREATE FUNCTION f(a INT) RETURNS INT AS 'select a +'"), { name: 'SqlSyntaxError', line: 1, column: 52, message: /in function body: unexpected end of input, expected an expression/ });
  t.throws(() => parse("CREATE FUNCTION f(a INT) RETURNS INT\nAS $$select a FORM t$$"), { name: 'SqlSyntaxError', line: 2, column: 15, message: /in function body: expected FROM, found 'FORM'/ });
  t.throws(() => parse('CREATE FUNCTION f(a INT) AS $$select 1$$'), { name: 'SqlSyntaxError', message: /unexpected end of input, expected RETURNS/ });
  t.throws(() => parse('CREATE FUNCTION f(a INT) RETURNS INT'), { name: 'SqlSyntaxError', message: /expected a function body/ });
  t.throws(() => parse("CREATE FUNCTION f() RETURNS INT AS '1' AS '2'"), { name: 'SqlSyntaxError', column: 40, message: /body given more than once/ });
});

t.test('DROP', async (t) => {
  t.same(one('DROP TABLE t'), { kind: 'drop', objectKind: 'TABLE', names: ['t'], ifExists: false, cascade: false });
  t.same(one('DROP MATERIALIZED VIEW IF EXISTS a, b CASCADE'), { kind: 'drop', objectKind: 'MATERIALIZED VIEW', names: ['a', 'b'], ifExists: true, cascade: true });
  for (const kind of ['SOURCE', 'VIEW', 'SINK', 'FUNCTION', 'INDEX']) {
    t.match(one(`DROP ${kind} x RESTRICT`), { objectKind: kind, names: ['x'], cascade: false });
  }
  t.match(one('DROP FUNCTION f(int, text), g()'), { objectKind: 'FUNCTION', names: ['f', 'g'] });
  t.throws(() => parse('DROP DATABASE x'), { name: 'SqlSyntaxError', column: 6, message: /expected TABLE, SOURCE/ });
  t.throws(() => parse('DROP TABLE'), { name: 'SqlSyntaxError', column: 11, message: /unexpected end of input, expected a name/ });
});

t.test('INSERT / UPDATE / DELETE', async (t) => {
  t.match(one("INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL)"), {
    kind: 'insert', table: 't', columns: ['a', 'b'], source: { body: { kind: 'values', rows: [[{ text: '1' }, { value: 'x' }], [{ text: '2' }, { kind: 'null' }]] } },
  });
  t.match(one('INSERT INTO t SELECT * FROM u WHERE x'), { columns: undefined, source: { body: { kind: 'select' } } });
  t.match(one('INSERT INTO t (SELECT * FROM u)'), { columns: undefined, source: { body: { kind: 'select' } } });
  t.match(one('INSERT INTO t (a) (SELECT 1)'), { columns: ['a'] });
  t.match(one('INSERT INTO t WITH c AS (SELECT 1) SELECT * FROM c'), { source: { with: {} } });
  t.match(one('INSERT INTO t VALUES (1, 2) ON CONFLICT (a) DO UPDATE SET b = excluded.b, c = 1 WHERE t.b < excluded.b RETURNING *, a AS x'), {
    onConflict: { target: ['a'], action: 'update', set: [{ column: 'b', value: { kind: 'column', table: 'excluded', name: 'b' } }, { column: 'c' }], where: { kind: 'binary' } },
    returning: [{ kind: 'star' }, { kind: 'expr', alias: 'x' }],
  });
  t.match(one('INSERT INTO t SELECT * FROM u JOIN v ON u.k = v.k ON CONFLICT DO NOTHING'), { source: { body: { from: [{ kind: 'join' }] } }, onConflict: { action: 'nothing' } });
  t.match(one('INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING'), { onConflict: { action: 'nothing', target: undefined } });
  t.throws(() => parse('INSERT INTO t VALUES (1) ON CONFLICT DO SOMETHING'), { name: 'SqlSyntaxError', column: 41, message: /expected NOTHING or UPDATE/ });
  t.throws(() => parse('INSERT t VALUES (1)'), { name: 'SqlSyntaxError', column: 8, message: /expected INTO, found 't'/ });
  t.throws(() => parse('INSERT INTO t VALUS (1)'), { name: 'SqlSyntaxError', column: 15, message: /expected VALUES, found 'VALUS'/ });

  t.match(one('UPDATE t AS x SET a = a + 1, b = DEFAULT_B FROM u WHERE x.k = u.k'), {
    kind: 'update', table: 't', alias: 'x', set: [{ column: 'a', value: { kind: 'binary' } }, { column: 'b', value: { kind: 'column', name: 'default_b' } }],
    from: [{ kind: 'table', name: 'u' }], where: { kind: 'binary' },
  });
  t.match(one('UPDATE t SET a = 1'), { alias: undefined, where: undefined, from: undefined });
  t.match(one('UPDATE t x SET a = 1'), { alias: 'x' });
  t.same(one('DELETE FROM t WHERE a IS NULL'), { kind: 'delete', table: 't', where: { kind: 'is', expr: { kind: 'column', name: 'a' }, test: 'NULL', not: false } });
  t.same(one('DELETE FROM t'), { kind: 'delete', table: 't' });
  t.match(one('DELETE FROM t AS x WHERE x.a = 1'), { alias: 'x' });
  t.throws(() => parse('DELETE FORM t'), { name: 'SqlSyntaxError', line: 1, column: 8, message: /expected FROM, found 'FORM'/ });
  t.throws(() => parse('UPDATE t SET a'), { name: 'SqlSyntaxError', column: 15, message: /unexpected end of input, expected '='/ });
});

t.test('utility statements', async (t) => {
  t.same(one('SHOW TABLES'), { kind: 'show', what: 'TABLES' });
  t.same(one('show sources'), { kind: 'show', what: 'SOURCES' });
  t.same(one('SHOW VIEWS'), { kind: 'show', what: 'VIEWS' });
  t.same(one('SHOW MATERIALIZED VIEWS'), { kind: 'show', what: 'MATERIALIZED VIEWS' });
  t.same(one('SHOW SINKS'), { kind: 'show', what: 'SINKS' });
  t.same(one('SHOW FUNCTIONS'), { kind: 'show', what: 'FUNCTIONS' });
  t.same(one('SHOW COLUMNS FROM Bid'), { kind: 'show', what: 'COLUMNS', target: 'bid' });
  t.same(one('SHOW COLUMNS IN bid'), { kind: 'show', what: 'COLUMNS', target: 'bid' });
  t.same(one('SHOW batch.size'), { kind: 'show', what: 'OPTION', target: 'batch.size' });
  t.same(one('SHOW TIME ZONE'), { kind: 'show', what: 'OPTION', target: 'timezone' });
  t.same(one('DESCRIBE bid'), { kind: 'describe', name: 'bid' });
  t.same(one('DESC "Bid"'), { kind: 'describe', name: 'Bid' });
  t.match(one('EXPLAIN SELECT 1'), { kind: 'explain', analyze: false, verbose: false, statement: { kind: 'select' } });
  t.match(one('EXPLAIN ANALYZE VERBOSE SELECT 1'), { analyze: true, verbose: true });
  t.match(one('EXPLAIN (ANALYZE, VERBOSE false) SELECT 1'), { analyze: true, verbose: false });
  t.match(one('EXPLAIN (SELECT 1)'), { analyze: false, statement: { kind: 'select' } });
  t.match(one('EXPLAIN CREATE MATERIALIZED VIEW v AS SELECT 1'), { statement: { kind: 'create-materialized-view' } });
  const ex = parseStatement('EXPLAIN  SELECT 1');
  t.equal(ex.kind === 'explain' && ex.statement.text, 'SELECT 1', 'the explained statement has its own text');
  t.same(one('FLUSH'), { kind: 'flush' });
  t.same(one('CHECKPOINT'), { kind: 'checkpoint' });
  t.same(one('SET batch_size = 100'), { kind: 'set', name: 'batch_size', value: 100 });
  t.same(one("SET SESSION app.Name TO 'x'"), { kind: 'set', name: 'app.name', value: 'x' });
  t.same(one('SET flag = on'), { kind: 'set', name: 'flag', value: true });
  t.same(one('SET flag TO false'), { kind: 'set', name: 'flag', value: false });
  t.same(one('SET mode = fast'), { kind: 'set', name: 'mode', value: 'fast' });
  t.same(one("SET TIME ZONE 'UTC'"), { kind: 'set', name: 'timezone', value: 'UTC' });
  t.same(one('SET search_path = a, b'), { kind: 'set', name: 'search_path', value: 'a, b' });
  t.same(one('SET x = -1.5'), { kind: 'set', name: 'x', value: -1.5 });
  t.throws(() => parse('SET x 1'), { name: 'SqlSyntaxError', column: 7, message: /expected '=' or TO, found '1'/ });
  for (const sql of ['BEGIN', 'BEGIN TRANSACTION', 'START TRANSACTION', 'begin work']) t.same(one(sql), { kind: 'begin' }, sql);
  for (const sql of ['COMMIT', 'END', 'COMMIT WORK']) t.same(one(sql), { kind: 'commit', rollback: false }, sql);
  for (const sql of ['ROLLBACK', 'ABORT', 'ROLLBACK TRANSACTION']) t.same(one(sql), { kind: 'commit', rollback: true }, sql);
});

t.test('statement lists: text, positions, empty statements, comments', async (t) => {
  const sql = `-- the schema
CREATE TABLE t (a INT);;
  /* a /* nested */ comment */ INSERT INTO t VALUES (1) ;
SELECT 'a;b' FROM t -- trailing
;`;
  const stmts = parse(sql);
  t.same(stmts.map((s) => s.kind), ['create-table', 'insert', 'select']);
  t.same(stmts.map((s) => s.text), ['CREATE TABLE t (a INT)', 'INSERT INTO t VALUES (1)', "SELECT 'a;b' FROM t"]);
  t.same(stmts.map((s) => [s.pos.line, s.pos.column, s.pos.offset]), [[2, 1, 14], [3, 32, 70], [4, 1, 97]]);
  t.same(parse(''), []);
  t.same(parse(' ;; -- nothing\n ; '), []);
  t.equal(parse('SELECT 1').length, 1);
  t.equal(parseStatement('SELECT 1;').kind, 'select');
  t.equal(parseStatement(';SELECT 1;;').kind, 'select');
  t.throws(() => parseStatement('SELECT 1; SELECT 2'), { name: 'SqlSyntaxError', column: 11, message: /expected exactly one statement/ });
  t.throws(() => parseStatement('  '), { name: 'SqlSyntaxError', column: 3, message: /unexpected end of input, expected a statement/ });
  t.throws(() => parse('SELECT 1 SELECT 2'), { name: 'SqlSyntaxError', column: 10, message: /expected ';' or end of input, found 'SELECT'/ });
  t.throws(() => parse('SELEC 1'), { name: 'SqlSyntaxError', column: 1, message: /expected SELECT, found 'SELEC'/ });
  t.throws(() => parse('GRANT ALL ON t'), { name: 'SqlSyntaxError', column: 1, message: /expected a statement \(SELECT, WITH/ });
});
