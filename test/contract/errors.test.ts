// PRODUCT.md §2 errors: exported classes, stable codes, line/column of the offending token,
// and a failed statement leaves the catalog as it was.
import t from 'tap';
import * as api from '../../lib/index.js';
import { CatalogError, LaminarError, SqlError, SqlSyntaxError, SqlTypeError, ExecutionError } from '../../lib/index.js';
import { open, rejected } from './helpers.js';

t.test('error classes are exported and form one hierarchy', async (t) => {
  for (const name of ['LaminarError', 'SqlError', 'SqlSyntaxError', 'CatalogError', 'SqlTypeError', 'UnsupportedError', 'SchemaError', 'ExecutionError', 'StorageError', 'ClosedError'] as const) {
    t.type(api[name], 'function', `${name} exported`);
    t.ok(api[name].prototype instanceof Error);
  }
  t.ok(SqlSyntaxError.prototype instanceof SqlError && SqlError.prototype instanceof LaminarError);
});

t.test('syntax errors carry line and column of the offending token', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (a INT, b VARCHAR)');
  const cases: [string, number, number][] = [
    ['SELECT a,\n  b\nFROM t\nWHERE a = = 3', 4, 11],
    ['SELEC a FROM t', 1, 1],
    ['SELECT a FROM t WHERE', 1, 22],
    ["SELECT 'unterminated FROM t", 1, 8],
    ['SELECT a\n  FROM t\n  ORDER BY a LIMIT x y', 3, 22],
    ['CREATE TABLE u (a INT,, b INT)', 1, 23],
  ];
  for (const [sql, line, column] of cases) {
    const e = await rejected(db.query(sql));
    t.ok(e instanceof SqlSyntaxError, JSON.stringify(sql));
    t.equal(e.code, 'SYNTAX_ERROR');
    t.equal(e.line, line, `line of ${JSON.stringify(sql)}`);
    t.equal(e.column, column, `column of ${JSON.stringify(sql)}`);
  }
  const e = await rejected(db.execute('CREATE TABLE ok1 (a INT);\nSELECT * FROM t;\nSELECT FROM WHERE;'));
  t.equal(e.line, 3, 'the line within a multi-statement script');
  t.same(await db.query(`SELECT count(*) FROM t`), [{ count: 0 }]);
});

t.test('unknown table and column errors are positioned CatalogErrors', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (a INT, b VARCHAR)');
  const unknownTable = await rejected(db.query('SELECT a\nFROM nope'));
  t.ok(unknownTable instanceof CatalogError);
  t.match(unknownTable, { code: 'UNKNOWN_OBJECT', line: 2, column: 6 });
  t.match(unknownTable.message, 'nope');
  const unknownColumn = await rejected(db.query('SELECT a,\n       zz\nFROM t'));
  t.match(unknownColumn, { code: 'UNKNOWN_COLUMN', line: 2, column: 8 });
  t.match(unknownColumn.message, 'zz');
  t.match(await rejected(db.execute('INSERT INTO t (a, nope) VALUES (1, 2)')), { code: 'UNKNOWN_COLUMN' });
  t.match(await rejected(db.execute('DROP TABLE nope')), { code: 'UNKNOWN_OBJECT' });
  t.match(await rejected(db.query('SELECT a + b FROM t')), { code: 'TYPE_MISMATCH', line: 1, column: 8 });
  t.ok((await rejected(db.query(`SELECT a FROM t WHERE b`))) instanceof SqlTypeError);
  t.match(await rejected(db.execute('CREATE TABLE t (x INT)')), { code: 'DUPLICATE_OBJECT' });
  t.ok((await rejected(db.query('SELECT 1 / 0'))) instanceof ExecutionError, 'division by zero');
  t.match(await rejected(db.query(`SELECT 'abc'::INT`)), { code: 'INVALID_CAST' });
});

t.test('a failed statement changes nothing in the catalog', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (a INT)');
  const before = db.relations().map((r) => r.name).sort();
  for (const sql of [
    'CREATE MATERIALIZED VIEW v AS SELECT nope FROM t',
    'CREATE MATERIALIZED VIEW v AS SELECT a FROM t GROUP BY nope',
    'CREATE VIEW v AS SELECT a +',
    'CREATE TABLE u (a INT, a INT)',
    'CREATE TABLE u (a NOSUCHTYPE)',
    'CREATE TABLE u (a INT, PRIMARY KEY (b))',
    'DROP TABLE t, nope',
  ]) {
    await rejected(db.execute(sql));
    t.same(db.relations().map((r) => r.name).sort(), before, sql);
  }
  await db.execute('CREATE MATERIALIZED VIEW v AS SELECT a FROM t');
  t.ok(db.relations().some((r) => r.name === 'v'), 'the name is still free');
  db.insert('t', { a: 1 });
  await db.flush();
  t.same(await db.query('SELECT * FROM v'), [{ a: 1 }]);
});
