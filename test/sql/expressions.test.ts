import t from 'tap';
import { SqlSyntaxError } from '../../lib/errors.js';
import { parse, parseExpression, parseTypeName } from '../../lib/sql/index.js';
import { px, strip } from './helpers.js';

t.test('operator precedence follows PostgreSQL', async (t) => {
  const cases: [string, string][] = [
    ['1 + 2 * 3', '(+ 1 (* 2 3))'],
    ['1 - 2 - 3', '(- (- 1 2) 3)'],
    ['8 / 4 / 2', '(/ (/ 8 4) 2)'],
    ['a % b * c', '(* (% a b) c)'],
    ['2 ^ 3 ^ 2', '(^ (^ 2 3) 2)'],
    ['2 * 3 ^ 2', '(* 2 (^ 3 2))'],
    ['-2 ^ 2', '(^ -2 2)'],
    ['-x ^ 2', '(^ (- x) 2)'],
    ['-x::int', '(- (cast x INT))'],
    ['-x[1]', '(- (at x 1))'],
    ['a * -b + c', '(+ (* a (- b)) c)'],
    ['- - 1', '(- -1)'],
    ['a - -1', '(- a -1)'],
    ['+a', '(+ a)'],
    ['a OR b AND c', '(or a (and b c))'],
    ['a AND b OR c AND d', '(or (and a b) (and c d))'],
    ['NOT a AND b', '(and (not a) b)'],
    ['NOT a = b', '(not (= a b))'],
    ['NOT a IS NULL', '(not (is-null a))'],
    ['NOT NOT a', '(not (not a))'],
    ['a AND NOT b OR c', '(or (and a (not b)) c)'],
    ['a = b IS NULL', '(is-null (= a b))'],
    ['a IS NULL = b', '(= (is-null a) b)'],
    ['a < b LIKE c', '(< a (like b c))'],
    ['a LIKE b || c', '(like a (|| b c))'],
    ["'a' || 'b' LIKE 'ab'", "(like (|| 'a' 'b') 'ab')"],
    ['a || b + c', '(|| a (+ b c))'],
    ['a + b || c', '(|| (+ a b) c)'],
    ['a & b | c', '(| (& a b) c)'],
    ['a << 2 + 1', '(<< a (+ 2 1))'],
    ['a # b', '(# a b)'],
    ['~a + b', '(~ (+ a b))'],
    ['~a || b', '(|| (~ a) b)'],
    ['a BETWEEN 1 AND 2 AND c', '(and (between a 1 2) c)'],
    ['a BETWEEN b + 1 AND c * 2', '(between a (+ b 1) (* c 2))'],
    ['a NOT BETWEEN SYMMETRIC 2 AND 1', '(not-between-symmetric a 2 1)'],
    ['a BETWEEN ASYMMETRIC 1 AND 2', '(between a 1 2)'],
    ['a IN (1, 2) = true', '(= (in a [1 2]) true)'],
    ['a NOT IN (1)', '(not-in a [1])'],
    ['a = b AND c <> d OR e != f', '(or (and (= a b) (<> c d)) (<> e f))'],
    ['a >= 1 AND a <= 2', '(and (>= a 1) (<= a 2))'],
    ["a ~ 'x' AND b !~* 'y'", "(and (~ a 'x') (!~* b 'y'))"],
    ["a ~* 'x' OR a !~ 'y'", "(or (~* a 'x') (!~ a 'y'))"],
    ["j -> 'a' ->> 'b'", "(->> (-> j 'a') 'b')"],
    ["j ->> 'a' = 'x'", "(= (->> j 'a') 'x')"],
    ['a @> b AND b <@ a AND a && b', '(and (and (@> a b) (<@ b a)) (&& a b))'],
    ['a[1][2]', '(at (at a 1) 2)'],
    ['(a)[1]', '(at a 1)'],
    ['a::int[]', '(cast a INT[])'],
    ["x::text || 'a'", "(|| (cast x VARCHAR) 'a')"],
    ['x::int::bigint', '(cast (cast x INT) BIGINT)'],
    ['a IS DISTINCT FROM b', '(is distinct from a b)'],
    ['a IS NOT DISTINCT FROM b + 1', '(is not distinct from a (+ b 1))'],
    ['a IS NOT TRUE', '(is-not-true a)'],
    ['a IS FALSE OR a IS UNKNOWN', '(or (is-false a) (is-unknown a))'],
    ['a ISNULL', '(is-null a)'],
    ['a NOTNULL', '(is-not-null a)'],
    ["a NOT LIKE 'x!%' ESCAPE '!'", "(not like a 'x!%' escape '!')"],
    ["a ILIKE 'x' AND a NOT ILIKE 'y'", "(and (ilike a 'x') (not ilike a 'y'))"],
    ["a SIMILAR TO 'x' OR a NOT SIMILAR TO 'y'", "(or (similar to a 'x') (not similar to a 'y'))"],
    ['x = ANY(ARRAY[1, 2])', '(= any x [1 2])'],
    ['x <> ALL ($1)', '(<> all x $0)'],
    ['x > SOME (SELECT y FROM t)', '(> any x {select y from t})'],
    ["x LIKE ANY (ARRAY['a%', 'b%'])", "(like any x ['a%' 'b%'])"],
    ["ts AT TIME ZONE 'UTC'", "(timezone 'UTC' ts)"],
    ["a + b AT TIME ZONE 'UTC'", "(+ a (timezone 'UTC' b))"],
  ];
  for (const [sql, want] of cases) t.equal(px(sql), want, sql);
});

t.test('non-associative operators must be parenthesised', async (t) => {
  for (const [sql, col] of [['1 = 1 = 1', 7], ['a < b < c', 7], ["a LIKE 'b' LIKE 'c'", 12], ['a IS NULL IS NULL', 11]] as const) {
    t.throws(() => parseExpression(sql), { name: 'SqlSyntaxError', code: 'SYNTAX_ERROR', line: 1, column: col }, sql);
  }
  t.equal(px('(1 = 1) = true'), '(= (= 1 1) true)');
});

t.test('literals', async (t) => {
  t.same(strip(parseExpression('42')), { kind: 'number', text: '42', integer: true });
  t.same(strip(parseExpression('4.20')), { kind: 'number', text: '4.20', integer: false });
  t.same(strip(parseExpression('.5')), { kind: 'number', text: '.5', integer: false });
  t.same(strip(parseExpression('1e10')), { kind: 'number', text: '1e10', integer: false });
  t.same(strip(parseExpression('1.5E-3')), { kind: 'number', text: '1.5E-3', integer: false });
  t.same(strip(parseExpression('0x1F')), { kind: 'number', text: '31', integer: true });
  t.same(strip(parseExpression('-9223372036854775808')), { kind: 'number', text: '-9223372036854775808', integer: true });
  t.same(strip(parseExpression("'it''s'")), { kind: 'string', value: "it's" });
  t.same(strip(parseExpression("E'a\\nb\\t\\'c\\\\'")), { kind: 'string', value: "a\nb\t'c\\" });
  t.same(strip(parseExpression("e'\\x41\\101\\u00e9'")), { kind: 'string', value: 'AAé' });
  t.same(strip(parseExpression("'a\\nb'")), { kind: 'string', value: 'a\\nb' }, 'no escapes in standard strings');
  t.same(strip(parseExpression('$$it\'s $1$$')), { kind: 'string', value: "it's $1" });
  t.same(strip(parseExpression('$fn$a $$ b$fn$')), { kind: 'string', value: 'a $$ b' });
  t.same(strip(parseExpression("'ab'\n  'cd'")), { kind: 'string', value: 'abcd' }, 'continued across a newline');
  t.same(strip(parseExpression('TRUE')), { kind: 'boolean', value: true });
  t.same(strip(parseExpression('false')), { kind: 'boolean', value: false });
  t.same(strip(parseExpression('NULL')), { kind: 'null' });
});

t.test('typed and interval literals', async (t) => {
  t.equal(px("TIMESTAMP '2024-01-01 00:00:00'"), "(TIMESTAMP '2024-01-01 00:00:00')");
  t.equal(px("DATE '2024-01-01'"), "(DATE '2024-01-01')");
  t.equal(px("TIMESTAMPTZ '2024-01-01 00:00:00+02'"), "(TIMESTAMPTZ '2024-01-01 00:00:00+02')");
  t.equal(px("TIMESTAMP WITH TIME ZONE '2024-01-01'"), "(TIMESTAMPTZ '2024-01-01')");
  t.equal(px("DOUBLE PRECISION '1.5'"), "(DOUBLE '1.5')");
  t.equal(px("INTERVAL '5' SECOND"), "(interval '5' SECOND)");
  t.equal(px("INTERVAL '5 seconds'"), "(interval '5 seconds')");
  t.equal(px("INTERVAL '1:30' HOUR TO MINUTE"), "(interval '1:30' HOUR to MINUTE)");
  t.equal(px("INTERVAL '10' MINUTES"), "(interval '10' MINUTE)");
  t.equal(px('INTERVAL 3 DAYS'), "(interval '3' DAY)");
  t.equal(px("ts - INTERVAL '4' SECOND"), "(- ts (interval '4' SECOND))");
  t.equal(px('date + 1'), '(+ date 1)', 'a column named date');
  t.equal(px('timestamp'), 'timestamp', 'a column named timestamp');
  t.equal(px('interval'), 'interval', 'a column named interval');
  t.equal(px('date(ts)'), '(date ts)', 'date() is a function call');
});

t.test('NULL in expressions', async (t) => {
  t.equal(px('NULL::int'), '(cast null INT)');
  t.equal(px('CAST(NULL AS TEXT)'), '(cast null VARCHAR)');
  t.equal(px('NULL IS NULL'), '(is-null null)');
  t.equal(px('x IS NOT NULL AND y = NULL'), '(and (is-not-null x) (= y null))');
  t.equal(px('NULL IN (1, NULL)'), '(in null [1 null])');
  t.equal(px('COALESCE(NULL, NULLIF(a, NULL))'), '(coalesce null (nullif a null))');
  t.equal(px('NOT NULL'), '(not null)');
  t.equal(px('-NULL'), '(- null)');
  t.equal(px("CASE WHEN NULL THEN NULL ELSE 'x' END"), "(case (when null null) (else 'x'))");
});

t.test('parameters', async (t) => {
  t.equal(px('$1 + $2'), '(+ $0 $1)');
  t.equal(px('? + ? * ?'), '(+ $0 (* $1 $2))');
  t.equal(px('$3 = ?'), '(= $2 $0)', 'mixing numbers ? from 0 independently');
  const stmts = parse('INSERT INTO t VALUES (?, ?); SELECT ? FROM t WHERE a = $1');
  t.equal(stmts.length, 2);
  const sel = stmts[1];
  if (sel.kind !== 'select' || sel.query.body.kind !== 'select') throw new Error('expected select');
  const item = sel.query.body.items[0];
  t.equal(item.kind === 'expr' && item.expr.kind === 'param' ? item.expr.index : -1, 2, '? numbering runs over the whole input');
  t.throws(() => parseExpression('$0'), { name: 'SqlSyntaxError', column: 1 });
});

t.test('identifiers: case folding, quoting, keywords as names', async (t) => {
  t.same(strip(parseExpression('FooBar')), { kind: 'column', name: 'foobar' });
  t.same(strip(parseExpression('"FooBar"')), { kind: 'column', name: 'FooBar' });
  t.same(strip(parseExpression('"a""b"')), { kind: 'column', name: 'a"b' });
  t.same(strip(parseExpression('"select"')), { kind: 'column', name: 'select' });
  t.same(strip(parseExpression('T.Col')), { kind: 'column', table: 't', name: 'col' });
  t.same(strip(parseExpression('s.t.c')), { kind: 'column', table: 't', name: 'c' });
  t.same(strip(parseExpression('t.from')), { kind: 'column', table: 't', name: 'from' }, 'any word after a dot');
  for (const name of ['date', 'time', 'timestamp', 'value', 'window_start', 'window_end', 'name', 'source', 'key', 'type', 'year', 'text', 'count', 'filter', 'over', 'emit', 'asof', 'zone']) {
    t.same(strip(parseExpression(`${name} = 1`)), {
      kind: 'binary', op: '=', left: { kind: 'column', name }, right: { kind: 'number', text: '1', integer: true },
    }, name);
  }
  t.throws(() => parseExpression('select + 1'), { name: 'SqlSyntaxError', message: /expected an expression, found 'select'/ });
});

t.test('special function forms are normalised into calls', async (t) => {
  t.equal(px('EXTRACT(HOUR FROM ts)'), "(extract 'hour' ts)");
  t.equal(px("extract('epoch' from ts)"), "(extract 'epoch' ts)");
  t.equal(px("SUBSTRING('abc' FROM 2 FOR 1)"), "(substring 'abc' 2 1)");
  t.equal(px('SUBSTRING(s FROM 2)'), '(substring s 2)');
  t.equal(px('SUBSTRING(s FOR 2)'), '(substring s 1 2)');
  t.equal(px('substring(s, 1, 2)'), '(substring s 1 2)');
  t.equal(px("POSITION('b' IN s)"), "(position 'b' s)");
  t.equal(px('POSITION(a || b IN s)'), '(position (|| a b) s)');
  t.equal(px('TRIM(s)'), '(btrim s)');
  t.equal(px("TRIM(BOTH 'x' FROM s)"), "(btrim s 'x')");
  t.equal(px("TRIM(LEADING 'x' FROM s)"), "(ltrim s 'x')");
  t.equal(px('TRIM(TRAILING FROM s)'), '(rtrim s)');
  t.equal(px("TRIM('x' FROM s)"), "(btrim s 'x')");
  t.equal(px("OVERLAY(s PLACING 'x' FROM 2 FOR 3)"), "(overlay s 'x' 2 3)");
  t.equal(px("OVERLAY(s PLACING 'x' FROM 2)"), "(overlay s 'x' 2)");
  t.equal(px('CURRENT_TIMESTAMP'), '(current_timestamp)');
  t.equal(px('current_date'), '(current_date)');
  t.equal(px('LOCALTIMESTAMP'), '(localtimestamp)');
  t.equal(px('NOW()'), '(now)');
  t.equal(px('COALESCE(a, NULLIF(b, 0), 1)'), '(coalesce a (nullif b 0) 1)');
  t.equal(px('GREATEST(a, b) + LEAST(a, b)'), '(+ (greatest a b) (least a b))');
  t.equal(px('left(s, 2) || right(s, 1)'), '(|| (left s 2) (right s 1))');
  t.equal(px('pg_catalog.lower(s)'), '(lower s)');
  t.equal(px('"MyFn"(1)'), '(MyFn 1)');
});

t.test('aggregates and window functions', async (t) => {
  t.equal(px('count(*)'), '(count *)');
  t.equal(px('COUNT(DISTINCT a)'), '(count distinct a)');
  t.equal(px('count(ALL a)'), '(count a)');
  t.equal(px("string_agg(a, ',' ORDER BY b DESC, c)"), "(string_agg a ',' order b desc c)");
  t.equal(px('count(*) FILTER (WHERE price < 10000)'), '(count * filter (< price 10000))');
  t.equal(px('sum(x) FILTER (WHERE x > 0) OVER (PARTITION BY k)'), '(sum x filter (> x 0) (over partition k))');
  t.equal(px('ROW_NUMBER() OVER (PARTITION BY a, b ORDER BY c DESC)'), '(row_number (over partition a b; order c desc))');
  t.equal(
    px('AVG(q.final) OVER (PARTITION BY q.seller ORDER BY q.date_time ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)'),
    '(avg q.final (over partition q.seller; order q.date_time; rows 10 preceding .. current-row))',
  );
  t.equal(px('sum(x) OVER (ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)'),
    '(sum x (over order t; range unbounded-preceding .. unbounded-following))');
  t.equal(px("sum(x) OVER (ORDER BY t RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND 2 FOLLOWING)"),
    "(sum x (over order t; range (interval '1' HOUR) preceding .. 2 following))");
  t.equal(px('sum(x) OVER (ROWS 3 PRECEDING)'), '(sum x (over rows 3 preceding .. current-row))');
  t.equal(px('sum(x) OVER w'), '(sum x (over name w))');
  t.equal(px('sum(x) OVER (w ORDER BY y)'), '(sum x (over name w; order y))');
  const e = parseExpression('rank() OVER (ORDER BY a NULLS FIRST, b DESC NULLS LAST, c ASC)');
  if (e.kind !== 'call' || !e.over) throw new Error('expected a window call');
  t.same(e.over.orderBy.map((o) => [o.desc, o.nullsFirst]), [[false, true], [true, false], [false, undefined]]);
  t.throws(() => parseExpression('sum(x) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW)'), { name: 'SqlSyntaxError', column: 27 });
  t.throws(() => parseExpression('sum(x) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING)'), { name: 'SqlSyntaxError', column: 43 });
});

t.test('CASE, CAST, ARRAY, ROW, subscripts', async (t) => {
  t.equal(px("CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END"), "(case (when (> a 1) 'x') (when (> a 0) 'y') (else 'z'))");
  t.equal(px("CASE a WHEN 1 THEN 'one' END"), "(case a (when 1 'one'))");
  t.equal(px('CAST(a AS DECIMAL(10, 2))'), '(cast a DECIMAL(10,2))');
  t.equal(px('TRY_CAST(a AS INT)'), '(try-cast a INT)');
  t.equal(px('a::double precision'), '(cast a DOUBLE)');
  t.equal(px("'{1,2}'::int[]"), "(cast '{1,2}' INT[])");
  t.equal(px('ARRAY[1, 2, 3]'), '[1 2 3]');
  t.equal(px('ARRAY[[1, 2], [3]]'), '[[1 2] [3]]');
  t.equal(px('ARRAY[]'), '[]');
  t.equal(px('ARRAY(SELECT a FROM t)'), '(array {select a from t})');
  t.equal(px('ROW(1, 2)'), '(row 1 2)');
  t.equal(px('(1, 2)'), '(row 1 2)');
  t.equal(px('(a, b) = (1, 2)'), '(= (row a b) (row 1 2))');
  t.equal(px("(regexp_match(url, '(&|^)channel_id=([^&]*)'))[2]"), "(at (regexp_match url '(&|^)channel_id=([^&]*)') 2)");
  t.equal(px('arr[i + 1]'), '(at arr (+ i 1))');
});

t.test('subqueries in expressions', async (t) => {
  t.equal(px('(SELECT max(x) FROM t)'), '{select (max x) from t}');
  t.equal(px('(SELECT 1) + 1'), '(+ {select 1} 1)');
  t.equal(px('((SELECT 1) + 2) * 3'), '(* (+ {select 1} 2) 3)');
  t.equal(px('((SELECT 1))'), '{select 1}');
  t.equal(px('((SELECT 1) UNION (SELECT 2))'), '{(union select 1 | select 2)}');
  t.equal(px('a IN (SELECT b FROM t)'), '(in a {select b from t})');
  t.equal(px('a NOT IN (SELECT b FROM t WHERE c)'), '(not-in a {select b from t where c})');
  t.equal(px('a IN ((SELECT 1), 2)'), '(in a [{select 1} 2])');
  t.equal(px('EXISTS (SELECT 1 FROM t)'), '(exists {select 1 from t})');
  t.equal(px('NOT EXISTS (SELECT 1 FROM t)'), '(not-exists {select 1 from t})');
  t.equal(px('NOT EXISTS (SELECT 1) AND x'), '(and (not-exists {select 1}) x)');
  t.equal(px('x = (VALUES (1))'), '(= x {values (1)})');
});

t.test('type names', async (t) => {
  const cases: [string, string, number[], boolean][] = [
    ['BOOL', 'BOOLEAN', [], false], ['boolean', 'BOOLEAN', [], false], ['INT2', 'SMALLINT', [], false],
    ['integer', 'INT', [], false], ['int4', 'INT', [], false], ['INT8', 'BIGINT', [], false],
    ['float4', 'REAL', [], false], ['FLOAT(10)', 'REAL', [], false], ['FLOAT(30)', 'DOUBLE', [], false],
    ['FLOAT', 'DOUBLE', [], false], ['FLOAT8', 'DOUBLE', [], false], ['double precision', 'DOUBLE', [], false],
    ['NUMERIC(12, 3)', 'DECIMAL', [12, 3], false], ['DECIMAL', 'DECIMAL', [], false], ['dec(5)', 'DECIMAL', [5], false],
    ['TEXT', 'VARCHAR', [], false], ['STRING', 'VARCHAR', [], false], ['VARCHAR(20)', 'VARCHAR', [20], false],
    ['CHARACTER VARYING(5)', 'VARCHAR', [5], false], ['CHAR(3)', 'VARCHAR', [3], false],
    ['TIMESTAMP', 'TIMESTAMP', [], false], ['TIMESTAMP(3)', 'TIMESTAMP', [3], false],
    ['TIMESTAMP WITHOUT TIME ZONE', 'TIMESTAMP', [], false], ['timestamp(6) with time zone', 'TIMESTAMPTZ', [6], false],
    ['TIMESTAMPTZ', 'TIMESTAMPTZ', [], false], ['DATE', 'DATE', [], false], ['INTERVAL', 'INTERVAL', [], false],
    ['BYTEA', 'BYTEA', [], false], ['JSON', 'JSONB', [], false], ['jsonb', 'JSONB', [], false],
    ['INT[]', 'INT', [], true], ['text[3]', 'VARCHAR', [], true], ['BIGINT ARRAY', 'BIGINT', [], true],
  ];
  for (const [sql, name, params, array] of cases) {
    t.same(strip(parseTypeName(sql)), { name, params, array }, sql);
  }
  for (const [sql, col, msg] of [
    ['TIME', 1, /unknown type 'time'/],
    ['INT(11)', 4, /type INT does not take parameters/],
    ['TEXT(5)', 5, /does not take parameters/],
    ['DECIMAL(1, 2, 3)', 8, /takes 1 or 2 parameters, got 3/],
    ['VARCHAR(x)', 9, /expected an integer, found 'x'/],
    ['FLOAT(60)', 1, /between 1 and 53/],
    ['TIMESTAMP(9)', 1, /precision/],
    ['INT INT', 5, /expected end of input, found 'INT'/],
  ] as const) {
    t.throws(() => parseTypeName(sql), { name: 'SqlSyntaxError', line: 1, column: col, message: msg }, sql);
  }
  t.ok(new SqlSyntaxError('x') instanceof Error);
});
