import t from 'tap';
import { LaminarError, SqlError, SqlSyntaxError } from '../../lib/errors.js';
import { parse, parseExpression, tokenize } from '../../lib/sql/index.js';

/** [sql, line, column, message pattern] — every error kind with its exact position. */
const CASES: [string, number, number, RegExp][] = [
  // lexer
  ["SELECT 'abc", 1, 8, /^line 1, column 8: unterminated string literal$/],
  ["SELECT E'abc\\'", 1, 8, /unterminated string literal/],
  ['SELECT "abc', 1, 8, /unterminated quoted identifier/],
  ['SELECT ""', 1, 8, /zero-length quoted identifier/],
  ['SELECT 1 /* a /* b */', 1, 10, /unterminated \/\* comment/],
  ['SELECT $$abc', 1, 8, /unterminated dollar-quoted string/],
  ['SELECT $tag$abc$tg$', 1, 8, /unterminated dollar-quoted string/],
  ['SELECT $x', 1, 8, /unexpected character '\$'/],
  ['SELECT 1 @ 2', 1, 10, /unexpected character '@'/],
  ['SELECT 1 ! 2', 1, 10, /unexpected character '!'/],
  ['SELECT `a`', 1, 8, /unexpected character '`'/],
  ['SELECT 123abc', 1, 8, /trailing junk after numeric literal '123a'/],
  ['SELECT 1e', 1, 8, /invalid exponent/],
  ['SELECT 0x', 1, 8, /invalid hexadecimal literal/],
  ['SELECT $1a', 1, 8, /trailing junk/],
  ["SELECT E'\\u12'", 1, 10, /invalid Unicode escape/],
  // expressions
  ['SELECT * FROM t WHERE', 1, 22, /^line 1, column 22: unexpected end of input, expected an expression$/],
  ['SELECT a, FROM t', 1, 11, /expected an expression, found 'FROM'/],
  ['SELECT 1 +', 1, 11, /unexpected end of input, expected an expression/],
  ['SELECT (1, 2', 1, 13, /unexpected end of input, expected '\)'/],
  ['SELECT f(a b)', 1, 12, /expected '\)', found 'b'/],
  ['SELECT a[1', 1, 11, /unexpected end of input, expected '\]'/],
  ['SELECT x::', 1, 11, /unexpected end of input, expected a type name/],
  ['SELECT x::foo', 1, 11, /unknown type 'foo'/],
  ['SELECT a IS b', 1, 13, /expected NULL, NOT, TRUE, FALSE, UNKNOWN or DISTINCT FROM, found 'b'/],
  ['SELECT a IS NOT b', 1, 17, /expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM, found 'b'/],
  ['SELECT x BETWEEN 1 OR 2', 1, 20, /expected AND, found 'OR'/],
  ['SELECT x NOT 1', 1, 10, /expected ';' or end of input, found 'NOT'/],
  ['SELECT CASE WHEN a THEN 1', 1, 26, /unexpected end of input, expected WHEN, ELSE or END/],
  ['SELECT CASE a END', 1, 15, /expected WHEN, found 'END'/],
  ['SELECT CAST(a INT)', 1, 15, /expected AS, found 'INT'/],
  ['SELECT count(*) FILTER (a > 1)', 1, 25, /expected WHERE, found 'a'/],
  ['SELECT rank() OVER (PARTITION a)', 1, 31, /expected BY, found 'a'/],
  ['SELECT rank() OVER (ORDER BY a ROWS 1)', 1, 38, /expected PRECEDING or FOLLOWING, found '\)'/],
  ['SELECT a IN 1', 1, 13, /expected '\(', found '1'/],
  ['SELECT a IN ()', 1, 14, /expected an expression, found '\)'/],
  ["SELECT INTERVAL '1' HOUR TO", 1, 28, /unexpected end of input, expected an interval unit/],
  ['SELECT 1 = 2 = 3', 1, 14, /non-associative/],
  ['SELECT $0', 1, 8, /parameter \$0 is out of range/],
  ['SELECT EXISTS 1', 1, 8, /expected an expression, found 'EXISTS'/],
  ['SELECT sum(x) OVER (ORDER BY a ROWS 1 FOLLOWING)', 1, 37, /a frame without BETWEEN cannot start FOLLOWING/],
  ['SELECT sum(x) OVER (ROWS UNBOUNDED ROW)', 1, 36, /expected PRECEDING or FOLLOWING, found 'ROW'/],
  ['SELECT sum(x) OVER (GROUPS 1 PRECEDING)', 1, 21, /GROUPS frames are not supported/],
  ['SELECT a FROM t ORDER BY a NULLS LAST1', 1, 34, /expected FIRST or LAST, found 'LAST1'/],
  // queries and statements
  ['SELECT a FROM LATERAL t', 1, 23, /expected a subquery or table function after LATERAL, found 't'/],
  ['EXPLAIN (COSTS) SELECT 1', 1, 10, /expected ANALYZE or VERBOSE, found 'COSTS'/],
  ['CREATE FUNCTION f() RETURNS INT STRICT RETURN 1', 1, 33, /expected RETURNS, LANGUAGE, AS, RETURN, IMMUTABLE, STABLE or VOLATILE, found 'STRICT'/],
  ['CREATE FUNCTION f() RETURNS INT LANGAUGE sql RETURN 1', 1, 33, /expected LANGUAGE, found 'LANGAUGE'/],
  ["CREATE FUNCTION f() RETURNS INT AS E'select\\n 1 +'", 1, 36, /in function body: unexpected end of input, expected an expression/],
  ['SELECT a\nFORM t', 2, 1, /^line 2, column 1: expected FROM, found 'FORM'$/],
  ['SELECT a, b\n  FROM t\n  WHERE a = 1\n  GRUOP BY a', 4, 3, /expected GROUP, found 'GRUOP'/],
  ['SELECT a FROM t GROUP a', 1, 23, /expected BY, found 'a'/],
  ['SELECT a FROM t ORDER a', 1, 23, /expected BY, found 'a'/],
  ['SELECT a FROM t WHERE a = 1\n  LIMT 5', 2, 3, /expected LIMIT, found 'LIMT'/],
  ['SELECT a FROM', 1, 14, /unexpected end of input, expected a table name/],
  ['SELECT a FROM t JOIN', 1, 21, /unexpected end of input, expected a table name/],
  ['SELECT a FROM (SELECT b FROM t', 1, 31, /unexpected end of input, expected '\)'/],
  ['SELECT a FROM (SELECT b FORM t) x', 1, 25, /expected FROM, found 'FORM'/],
  ['SELECT (SELECT b FORM t)', 1, 18, /expected FROM, found 'FORM'/],
  ['SELECT a FROM t UNION', 1, 22, /unexpected end of input, expected SELECT, VALUES or '\('/],
  ['INSERT INTO t VALUES (1', 1, 24, /unexpected end of input, expected '\)'/],
  ['CREATE TABLE t (a INT,\n  b INT\n', 3, 1, /^line 3, column 1: unexpected end of input, expected '\)'$/],
  ['CREATE TABLE t (a INT b INT)', 1, 23, /expected '\)', found 'b'/],
  ['SELECT 1;\nSELECT 2;\nSELECT 3 +;', 3, 11, /expected an expression, found ';'/],
  ['FOO', 1, 1, /expected a statement \(SELECT, WITH, VALUES, CREATE/],
  ['(1)', 1, 1, /expected a statement \(SELECT/],
  ['((SELECT 1) +', 1, 13, /expected '\)', found '\+'/],
  // positions count UTF-16 code units and tabs as one column; CRLF is one line break
  ["SELECT 'é', \tü +", 1, 17, /unexpected end of input/],
  ['SELECT 1\r\nFROM\r\n', 3, 1, /unexpected end of input, expected a table name/],
  ['SELECT 1\rFROM\r', 3, 1, /unexpected end of input, expected a table name/],
  ["SELECT 'a\nb\nc' FORM t", 3, 4, /expected FROM, found 'FORM'/],
  ['SELECT 1 -- comment\n/* multi\nline */ FORM t', 3, 9, /expected FROM, found 'FORM'/],
];

t.test('syntax errors name the problem and its line and column', async (t) => {
  for (const [sql, line, column, message] of CASES) {
    let caught: unknown;
    try {
      parse(sql);
    } catch (e) {
      caught = e;
    }
    t.type(caught, SqlSyntaxError, JSON.stringify(sql));
    const err = caught as SqlSyntaxError;
    t.match(err, { code: 'SYNTAX_ERROR', line, column, message }, JSON.stringify(sql));
    // the offset is consistent with line/column
    const before = sql.slice(0, err.position);
    const lines = before.split(/\r\n|\r|\n/);
    t.same([lines.length, lines[lines.length - 1].length + 1], [line, column], `offset of ${JSON.stringify(sql)}`);
  }
});

t.test('error classes', async (t) => {
  const err = t.throws(() => parse('SELECT FROM')) as unknown;
  t.ok(err instanceof SqlSyntaxError);
  t.ok(err instanceof SqlError);
  t.ok(err instanceof LaminarError);
  t.equal((err as SqlSyntaxError).name, 'SqlSyntaxError');
  t.throws(() => parseExpression('a +'), { name: 'SqlSyntaxError', line: 1, column: 4 });
  t.throws(() => parseExpression('a b'), { name: 'SqlSyntaxError', line: 1, column: 3, message: /expected end of input, found 'b'/ });
  t.throws(() => parseExpression(''), { name: 'SqlSyntaxError', line: 1, column: 1, message: /unexpected end of input, expected an expression/ });
});

t.test('lexer tokens', async (t) => {
  const sql = `SELECT "Col", e'\\n', 1.5, $2, ?, a::int, b->>'k', c != d -- x
    /* y */ FROM t`;
  const toks = tokenize(sql);
  t.same(toks.map((k) => [k.kind, k.value]), [
    ['word', 'select'], ['quoted', 'Col'], ['op', ','], ['string', '\n'], ['op', ','], ['number', '1.5'], ['op', ','],
    ['param', '2'], ['op', ','], ['param', ''], ['op', ','], ['word', 'a'], ['op', '::'], ['word', 'int'], ['op', ','],
    ['word', 'b'], ['op', '->>'], ['string', 'k'], ['op', ','], ['word', 'c'], ['op', '!='], ['word', 'd'],
    ['word', 'from'], ['word', 't'], ['eof', ''],
  ]);
  t.same(toks[0].upper, 'SELECT');
  t.same(toks[22].pos, { line: 2, column: 13, offset: sql.indexOf('FROM') });
  t.equal(toks[toks.length - 1].pos.offset, sql.length, 'eof sits at the end of the text');
  t.same(tokenize('a<-1').map((k) => k.value), ['a', '<', '-', '1', ''], 'no made-up operators');
  t.same(tokenize('a<=>b').map((k) => k.value), ['a', '<=', '>', 'b', '']);
  t.same(tokenize('1..2').map((k) => k.value), ['1', '.', '.2', '']);
  t.same(tokenize('x--y\nz').map((k) => k.value), ['x', 'z', ''], '-- starts a comment even after a word');
  t.same(tokenize('a$b $$x$$').map((k) => [k.kind, k.value]), [['word', 'a$b'], ['string', 'x'], ['eof', '']]);
  t.same(tokenize("'a' 'b'").map((k) => k.value), ['a', 'b', ''], 'literals on one line are not joined');
  t.same(tokenize('Café ÉTÉ ıs').map((k) => [k.value, k.upper]), [['café', 'CAFé'], ['ÉtÉ', 'ÉTÉ'], ['ıs', 'ıS'], ['', '']], 'only ASCII letters fold');
  const bom = tokenize('\uFEFFSELECT\n x');
  t.same(bom.map((k) => [k.value, k.pos.line, k.pos.column]), [['select', 1, 1], ['x', 2, 2], ['', 2, 3]], 'a leading byte-order mark is skipped');
});
