// Shell building blocks: statement completeness across lines, and psql-style formatting.
import t from 'tap';
import { isBlankSql, isCompleteSql } from '../../lib/cli/sql-input.js';
import { formatCell, formatStatement, formatTable } from '../../lib/cli/format.js';

t.test('a statement is complete only after a ; outside literals and comments', async (t) => {
  t.equal(isCompleteSql('SELECT 1;'), true);
  t.equal(isCompleteSql('SELECT 1;  \n  '), true);
  t.equal(isCompleteSql('SELECT 1'), false);
  t.equal(isCompleteSql("SELECT ';'"), false, '; inside a string');
  t.equal(isCompleteSql("SELECT 'it''s';"), true, 'doubled quote');
  t.equal(isCompleteSql("SELECT 'open;\nstill open;"), false, 'unterminated literal spans lines');
  t.equal(isCompleteSql('SELECT "a;b" FROM t;'), true);
  t.equal(isCompleteSql('SELECT 1; -- done'), true, 'comment after ;');
  t.equal(isCompleteSql('SELECT 1 -- not yet;'), false, '; inside a line comment');
  t.equal(isCompleteSql('SELECT 1 /* ; */'), false, '; inside a block comment');
  t.equal(isCompleteSql('SELECT 1 /* open ;'), false);
  t.equal(isCompleteSql('CREATE TABLE t (a INT);\nINSERT INTO t VALUES (1);'), true);
  t.equal(isCompleteSql("SELECT E'it\\'s;'"), false, "E'…' string: the backslash escapes the quote, ; is inside");
  t.equal(isCompleteSql("SELECT E'it\\'s';"), true);
  t.equal(isCompleteSql("SELECT name'a\\';"), true, "a quote after an identifier ending in e opens no E'…' string");
  t.equal(isCompleteSql('CREATE FUNCTION f() RETURNS INT LANGUAGE SQL AS $$ SELECT 1; $$'), false, '; inside $$…$$');
  t.equal(isCompleteSql('CREATE FUNCTION f() RETURNS INT LANGUAGE SQL AS $$ SELECT 1; $$;'), true);
  t.equal(isCompleteSql('SELECT $body$ a; $body$;'), true);
  t.equal(isCompleteSql('SELECT $body$ a; $$ b; $body'), false, 'a different tag does not close');
  t.equal(isCompleteSql('SELECT $1, $2;'), true, 'parameters are not dollar quotes');
  t.equal(isBlankSql('  -- only a comment\n /* and this */ '), true);
  t.equal(isBlankSql('SELECT'), false);
});

t.test('cells: NULL empty, timestamps without T/Z, bytes as hex', async (t) => {
  t.equal(formatCell(null), '');
  t.equal(formatCell(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), '2024-01-02 03:04:05');
  t.equal(formatCell(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 60))), '2024-01-02 03:04:05.060');
  t.equal(formatCell(new Uint8Array([1, 255])), '\\x01ff');
  t.equal(formatCell({ a: 1n }), '{"a":"1"}');
  t.equal(formatCell(12n), '12');
  t.equal(formatCell(true), 'true');
});

t.test('tables are aligned, numbers to the right, with a row count', async (t) => {
  const text = formatTable(
    [
      { name: 'id', type: 'INT' },
      { name: 'name', type: 'VARCHAR' },
    ],
    [
      { id: 1, name: 'a' },
      { id: 100, name: null },
    ],
  );
  t.equal(text, [' id  | name', '-----+------', '   1 | a', ' 100 |', '(2 rows)'].join('\n'));
  t.equal(formatTable([{ name: 'x', type: 'INT' }], []), [' x', '---', '(0 rows)'].join('\n'));
  t.equal(formatStatement({ command: 'INSERT', rowsAffected: 3 }), 'INSERT 3');
  t.equal(formatStatement({ command: 'CREATE TABLE', rowsAffected: 0 }), 'CREATE TABLE');
  t.match(formatStatement({ command: 'SELECT', rowsAffected: 0, columns: [{ name: 'n', type: 'BIGINT', nullable: true }], rows: [{ n: 1 }] }), /\(1 row\)$/);
});
