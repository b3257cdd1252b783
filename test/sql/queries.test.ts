import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Query, Select, TableRef } from '../../lib/sql/ast.js';
import { parse, parseStatement } from '../../lib/sql/index.js';
import { strip, sx } from './helpers.js';

function query(sql: string): Query {
  const s = parseStatement(sql);
  if (s.kind !== 'select') throw new Error(`not a query: ${s.kind}`);
  return s.query;
}

function select(sql: string): Select {
  const body = query(sql).body;
  if (body.kind !== 'select') throw new Error(`not a plain select: ${body.kind}`);
  return body;
}

function from(sql: string): TableRef {
  return strip(select(sql).from[0]);
}

t.test('select list', async (t) => {
  const s = select('SELECT a, b AS "Bee", c cee, d AS from, t.*, *, s.t.*, 1 + 2 FROM t');
  t.same(strip(s.items), [
    { kind: 'expr', expr: { kind: 'column', name: 'a' } },
    { kind: 'expr', expr: { kind: 'column', name: 'b' }, alias: 'Bee' },
    { kind: 'expr', expr: { kind: 'column', name: 'c' }, alias: 'cee' },
    { kind: 'expr', expr: { kind: 'column', name: 'd' }, alias: 'from' },
    { kind: 'star', table: 't' },
    { kind: 'star' },
    { kind: 'star', table: 't' },
    {
      kind: 'expr',
      expr: { kind: 'binary', op: '+', left: { kind: 'number', text: '1', integer: true }, right: { kind: 'number', text: '2', integer: true } },
    },
  ]);
  t.equal(s.distinct, false);
  t.equal(select('SELECT DISTINCT a FROM t').distinct, true);
  t.equal(select('SELECT ALL a FROM t').distinct, false);
  const don = select('SELECT DISTINCT ON (a, b) a, c FROM t');
  t.equal(don.distinct, true);
  t.same(don.distinctOn?.map(sx), ['a', 'b']);
  t.same(select('SELECT 1').from, [], 'no FROM clause');
  t.same(select('SELECT count(*) AS n, window_start FROM t').items.map((i) => (i.kind === 'expr' ? i.alias ?? sx(i.expr) : '*')), ['n', 'window_start']);
});

t.test('WHERE, GROUP BY, HAVING, WINDOW, QUALIFY', async (t) => {
  const s = select(`SELECT k, sum(v) FROM t WHERE v > 0 GROUP BY k, to_char(ts, 'YYYY') HAVING sum(v) > 10
    WINDOW w AS (PARTITION BY k ORDER BY ts), w2 AS (w ROWS 2 PRECEDING) QUALIFY row_number() OVER w = 1`);
  t.equal(sx(s.where!), '(> v 0)');
  t.same(s.groupBy.map(sx), ['k', "(to_char ts 'YYYY')"]);
  t.equal(sx(s.having!), '(> (sum v) 10)');
  t.same(s.windows.map((w) => w.name), ['w', 'w2']);
  t.same(s.windows[1].spec.name, 'w');
  const frame = s.windows[1].spec.frame!;
  t.same([frame.mode, frame.start.kind, frame.start.kind === 'preceding' && sx(frame.start.offset), frame.end.kind], ['ROWS', 'preceding', '2', 'current-row']);
  t.equal(sx(s.qualify!), '(= (row_number (over name w)) 1)');
  const q = select('SELECT a FROM t QUALIFY rank() OVER (ORDER BY a) <= 3 WINDOW w AS ()');
  t.ok(q.qualify, 'QUALIFY before WINDOW');
  t.equal(q.windows.length, 1);
});

t.test('ORDER BY, LIMIT, OFFSET, FETCH', async (t) => {
  const q = query('SELECT a FROM t ORDER BY a DESC NULLS LAST, b LIMIT 10 OFFSET 5');
  t.same(q.orderBy.map((o) => [sx(o.expr), o.desc, o.nullsFirst]), [['a', true, false], ['b', false, undefined]]);
  t.equal(sx(q.limit!), '10');
  t.equal(sx(q.offset!), '5');
  const q2 = query('SELECT a FROM t OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY');
  t.equal(sx(q2.limit!), '3');
  t.equal(sx(q2.offset!), '2');
  t.equal(sx(query('SELECT a FROM t FETCH NEXT ROW ONLY').limit!), '1');
  t.equal(query('SELECT a FROM t LIMIT ALL').limit, undefined);
  t.equal(sx(query('SELECT a FROM t LIMIT $1').limit!), '$0');
  t.throws(() => parse('SELECT a FROM t LIMIT 1 LIMIT 2'), { name: 'SqlSyntaxError', column: 25 });
});

t.test('FROM: tables, aliases, derived tables', async (t) => {
  t.same(from('SELECT * FROM public.Bids AS b (x, y)'), { kind: 'table', name: 'bids', alias: 'b', columnAliases: ['x', 'y'] });
  t.same(from('SELECT * FROM bid B'), { kind: 'table', name: 'bid', alias: 'b' });
  t.same(from('SELECT * FROM "Bid"'), { kind: 'table', name: 'Bid' });
  const d = from('SELECT * FROM (SELECT a FROM t) q');
  t.match(d, { kind: 'subquery', alias: 'q', lateral: false, query: { body: { kind: 'select' } } });
  t.match(from('SELECT * FROM (SELECT a FROM t)'), { kind: 'subquery', lateral: false });
  t.match(from('SELECT * FROM ((SELECT a FROM t) UNION ALL (SELECT b FROM u)) AS x(c)'), {
    kind: 'subquery', alias: 'x', columnAliases: ['c'], query: { body: { kind: 'set-op', op: 'UNION', all: true } },
  });
  t.match(from('SELECT * FROM (VALUES (1, 2), (3, 4)) AS v(a, b)'), {
    kind: 'subquery', alias: 'v', columnAliases: ['a', 'b'], query: { body: { kind: 'values' } },
  });
  t.equal(select('SELECT * FROM a, b AS c, (SELECT 1) d').from.length, 3);
  t.match(from('SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.k = t.k) AS l'), { kind: 'table', name: 't' });
  t.match(strip(select('SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.k = t.k) AS l').from[1]), { kind: 'subquery', lateral: true, alias: 'l' });
});

t.test('joins', async (t) => {
  const j = from('SELECT * FROM a JOIN b ON a.id = b.id');
  t.match(j, { kind: 'join', type: 'INNER', asof: false, natural: false, left: { name: 'a' }, right: { name: 'b' } });
  t.equal(j.kind === 'join' && j.on ? sx(j.on) : '', '(= a.id b.id)');
  const types: [string, string][] = [
    ['INNER JOIN', 'INNER'], ['LEFT JOIN', 'LEFT'], ['LEFT OUTER JOIN', 'LEFT'], ['RIGHT JOIN', 'RIGHT'],
    ['RIGHT OUTER JOIN', 'RIGHT'], ['FULL JOIN', 'FULL'], ['FULL OUTER JOIN', 'FULL'],
  ];
  for (const [kw, type] of types) t.match(from(`SELECT * FROM a ${kw} b ON true`), { kind: 'join', type }, kw);
  t.match(from('SELECT * FROM a CROSS JOIN b'), { kind: 'join', type: 'CROSS', on: undefined });
  t.match(from('SELECT * FROM a NATURAL JOIN b'), { kind: 'join', type: 'INNER', natural: true });
  t.match(from('SELECT * FROM a NATURAL LEFT JOIN b'), { kind: 'join', type: 'LEFT', natural: true });
  t.match(from('SELECT * FROM a JOIN b USING (id, k)'), { kind: 'join', using: ['id', 'k'] });
  t.match(from('SELECT * FROM trades t ASOF JOIN quotes q ON t.sym = q.sym AND t.ts >= q.ts'), { kind: 'join', type: 'INNER', asof: true });
  t.match(from('SELECT * FROM trades ASOF LEFT JOIN quotes ON trades.ts >= quotes.ts'), { kind: 'join', type: 'LEFT', asof: true });
  // left-associative chains and parenthesised joins
  t.match(from('SELECT * FROM a JOIN b ON x LEFT JOIN c ON y'), {
    kind: 'join', type: 'LEFT', left: { kind: 'join', type: 'INNER', left: { name: 'a' }, right: { name: 'b' } }, right: { name: 'c' },
  });
  t.match(from('SELECT * FROM a JOIN (b JOIN c ON y) ON x'), {
    kind: 'join', left: { name: 'a' }, right: { kind: 'join', left: { name: 'b' }, right: { name: 'c' } },
  });
  t.match(from('SELECT * FROM ((a JOIN b ON x))'), { kind: 'join' });
  t.match(from('SELECT * FROM a JOIN LATERAL (SELECT 1) s ON true'), { kind: 'join', right: { kind: 'subquery', lateral: true } });
  // temporal join
  const temporal = from('SELECT * FROM orders o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur');
  t.match(temporal, { kind: 'join', right: { kind: 'table', name: 'rates', alias: 'r' } });
  const rates = temporal.kind === 'join' ? temporal.right : undefined;
  t.equal(rates?.kind === 'table' && rates.systemTimeAsOf ? sx(rates.systemTimeAsOf) : '', 'o.ts');
  const temporal2 = from('SELECT * FROM orders o JOIN rates r FOR SYSTEM_TIME AS OF PROCTIME() ON true');
  t.match(temporal2, { right: { alias: 'r', systemTimeAsOf: { kind: 'call', name: 'proctime' } } });
  t.throws(() => parse('SELECT * FROM a JOIN b'), { name: 'SqlSyntaxError', message: /unexpected end of input, expected ON or USING/, column: 23 });
  t.match(from('SELECT * FROM a ASOF JOIN b USING (k, ts)'), { kind: 'join', asof: true, using: ['k', 'ts'] }, 'DuckDB-style ASOF … USING');
  t.throws(() => parse('SELECT * FROM a LEFT JOIN b WHERE x'), { name: 'SqlSyntaxError', message: /expected ON or USING, found 'WHERE'/, column: 29 });
});

t.test('window table functions and other table functions', async (t) => {
  t.same(from("SELECT * FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND)"), {
    kind: 'table-function', name: 'tumble', args: [
      { kind: 'table', name: 'bid' },
      { kind: 'expr', expr: { kind: 'column', name: 'date_time' } },
      { kind: 'expr', expr: { kind: 'interval', value: '10', unit: 'SECOND' } },
    ],
  });
  t.throws(() => parse('SELECT * FROM TABLE(x)'), { name: 'SqlSyntaxError', column: 15, message: /expected a table name, found 'TABLE'/ });
  t.same(from("SELECT * FROM TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' MINUTES) AS w"), {
    kind: 'table-function', name: 'tumble', alias: 'w', args: [
      { kind: 'table', name: 'bid' },
      { kind: 'descriptor', columns: ['date_time'] },
      { kind: 'expr', expr: { kind: 'interval', value: '10', unit: 'MINUTE' } },
    ],
  });
  t.same(from("SELECT * FROM TUMBLE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '1' MINUTE, OFFSET => INTERVAL '5' SECOND)"), {
    kind: 'table-function', name: 'tumble', args: [
      { kind: 'table', name: 'bid' },
      { kind: 'descriptor', columns: ['ts'], name: 'timecol' },
      { kind: 'expr', expr: { kind: 'interval', value: '1', unit: 'MINUTE' }, name: 'size' },
      { kind: 'expr', expr: { kind: 'interval', value: '5', unit: 'SECOND' }, name: 'offset' },
    ],
  });
  t.match(from("SELECT * FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND)"), {
    name: 'hop', args: [{ kind: 'table' }, { kind: 'expr' }, { kind: 'expr' }, { kind: 'expr' }],
  });
  t.match(from("SELECT * FROM SESSION(bid, date_time, INTERVAL '10' SECOND) AS B"), { name: 'session', alias: 'b', args: [{ kind: 'table', name: 'bid' }] });
  t.match(from("SELECT * FROM CUMULATE(bid, date_time, INTERVAL '1' MINUTE, INTERVAL '1' HOUR)"), { name: 'cumulate', args: [{ kind: 'table' }] });
  t.match(from("SELECT * FROM TUMBLE(s.bid, bid.date_time + INTERVAL '1' SECOND, INTERVAL '1' SECOND)"), {
    args: [{ kind: 'table', name: 'bid' }, { kind: 'expr', expr: { kind: 'binary' } }],
  });
  t.match(from("SELECT * FROM TUMBLE(pick(a), ts, INTERVAL '1' SECOND)"), { args: [{ kind: 'expr', expr: { kind: 'call', name: 'pick' } }] }, 'only a bare name is a relation');
  t.match(from("SELECT * FROM TUMBLE(DATA => bid, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '1' SECOND)"), {
    args: [{ kind: 'table', name: 'bid' }, { kind: 'descriptor', name: 'timecol' }, { kind: 'expr', name: 'size' }],
  });
  t.match(from('SELECT * FROM t, LATERAL unnest(t.arr) AS u(x)'), { kind: 'table' });
  t.match(strip(select('SELECT * FROM t, LATERAL unnest(t.arr) AS u(x)').from[1]), { kind: 'table-function', name: 'unnest', alias: 'u', columnAliases: ['x'] });
  t.same(from('SELECT * FROM generate_series(1, 10) AS g(x)'), {
    kind: 'table-function', name: 'generate_series', alias: 'g', columnAliases: ['x'], args: [
      { kind: 'expr', expr: { kind: 'number', text: '1', integer: true } },
      { kind: 'expr', expr: { kind: 'number', text: '10', integer: true } },
    ],
  });
  t.match(from('SELECT * FROM unnest(arr) u'), { name: 'unnest', alias: 'u', args: [{ kind: 'expr', expr: { kind: 'column', name: 'arr' } }] });
  t.match(strip(select('SELECT * FROM t JOIN TUMBLE(bid, ts, INTERVAL 1 MINUTE) w ON true').from[0]), { kind: 'join', right: { kind: 'table-function' } });
});

t.test('set operations', async (t) => {
  t.match(strip(query('SELECT 1 UNION ALL SELECT 2').body), { kind: 'set-op', op: 'UNION', all: true });
  t.match(strip(query('SELECT 1 UNION DISTINCT SELECT 2').body), { kind: 'set-op', op: 'UNION', all: false });
  t.match(strip(query('SELECT 1 UNION SELECT 2 INTERSECT SELECT 3').body), {
    op: 'UNION', left: { kind: 'select' }, right: { kind: 'set-op', op: 'INTERSECT' },
  }, 'INTERSECT binds tighter');
  t.match(strip(query('SELECT 1 EXCEPT SELECT 2 UNION SELECT 3').body), { op: 'UNION', left: { op: 'EXCEPT' } }, 'left-associative');
  t.match(strip(query('(SELECT 1 UNION SELECT 2) INTERSECT ALL SELECT 3').body), { op: 'INTERSECT', all: true, left: { op: 'UNION' } });
  const q = query('SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 5');
  t.equal(q.body.kind, 'set-op');
  t.equal(q.orderBy.length, 1, 'ORDER BY applies to the whole union');
  t.ok(q.limit);
  const inner = query('(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT b FROM u)');
  t.match(strip(inner.body), { kind: 'set-op', left: { kind: 'query', limit: { text: '1' } }, right: { kind: 'select' } });
  t.match(strip(query('VALUES (1, 2), (3, 4) ORDER BY 1')), { body: { kind: 'values', rows: [[{ text: '1' }, { text: '2' }], [{ text: '3' }, { text: '4' }]] }, orderBy: [{}] });
  t.throws(() => parse('VALUES (1, 2), (3)'), { name: 'SqlSyntaxError', column: 16, message: /same length/ });
});

t.test('WITH', async (t) => {
  const q = query('WITH a AS (SELECT 1 AS x), b (y) AS MATERIALIZED (SELECT x FROM a) SELECT * FROM b');
  t.same(q.with?.recursive, false);
  t.same(q.with?.ctes.map((c) => [c.name, c.columns]), [['a', undefined], ['b', ['y']]]);
  t.match(strip(q.body), { kind: 'select', from: [{ kind: 'table', name: 'b' }] });
  t.equal(query('WITH RECURSIVE r AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r').with?.recursive, true);
  t.match(strip(select('SELECT * FROM (WITH c AS (SELECT 1) SELECT * FROM c) x').from[0]), { kind: 'subquery', query: { with: { ctes: [{ name: 'c' }] } } });
  t.throws(() => parse('WITH a AS SELECT 1'), { name: 'SqlSyntaxError', column: 11, message: /expected '\(', found 'SELECT'/ });
});

t.test('every Nexmark query parses into the expected top-level shape', async (t) => {
  const dir = join(__dirname, '../../lib/nexmark/queries');
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  t.ok(files.length >= 20);
  for (const f of files) {
    const sql = readFileSync(join(dir, f), 'utf8');
    const stmts = parse(sql);
    t.equal(stmts.length, 1, f);
    t.equal(stmts[0].kind, 'select', f);
    t.notOk(stmts[0].text.startsWith('--'), `${f}: text starts at the statement, not the comment`);
  }
  const schema = parse(readFileSync(join(dir, '../schema.sql'), 'utf8'));
  t.same(schema.map((s) => s.kind === 'create-table' && [s.name, s.source, s.watermark?.column, s.columns.length]), [
    ['person', true, 'date_time', 8], ['auction', true, 'date_time', 10], ['bid', true, 'date_time', 7],
  ]);
});
