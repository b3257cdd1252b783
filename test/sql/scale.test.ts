// Long and deeply nested statements: no stack overflow, no quadratic blow-up, and nesting
// beyond the limit is a SqlSyntaxError rather than a RangeError.

import t from 'tap';
import { parse, parseExpression } from '../../lib/sql/index.js';
import { sx } from './helpers.js';
import { ParserBase } from '../../lib/sql/parser-base.js';

const sumOf = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`).join(' + ');
const conjunction = (n: number) => Array.from({ length: n }, (_, i) => `c${i} = ${i}`).join(' AND ');
const nestedParens = (d: number) => '('.repeat(d) + 'x' + ')'.repeat(d);
const nestedSubqueries = (d: number) => {
  let s = 'SELECT 1';
  for (let i = 0; i < d; i++) s = `SELECT (${s}) AS v${i}`;
  return s;
};
const nestedDerivedTables = (d: number) => {
  let s = 'SELECT a FROM t';
  for (let i = 0; i < d; i++) s = `SELECT * FROM (${s}) AS x${i} WHERE a > ${i}`;
  return s;
};
// `(((SELECT 1) + 1) + 1)`: each level first looks like a subquery, then is not one
const misleadingParens = (d: number) => {
  let s = '(SELECT 1)';
  for (let i = 0; i < d; i++) s = `(${s} + 1)`;
  return `SELECT ${s}`;
};

t.test('long statements parse', async (t) => {
  const sum = parseExpression(sumOf(5000));
  let depth = 0;
  for (let e = sum; e.kind === 'binary'; e = e.left) depth++;
  t.equal(depth, 4999, '5,000-term sum is a left-deep tree');
  t.match(parseExpression(conjunction(5000)), { kind: 'binary', op: 'AND' });
  const inList = parseExpression(`x IN (${Array.from({ length: 5000 }, (_, i) => i).join(', ')})`);
  t.equal(inList.kind === 'in-list' && inList.list.length, 5000);
  const cases = `CASE ${Array.from({ length: 2000 }, (_, i) => `WHEN x = ${i} THEN 'v${i}'`).join(' ')} END`;
  const c = parseExpression(cases);
  t.equal(c.kind === 'case' && c.whens.length, 2000);
  const values = `INSERT INTO t VALUES ${Array.from({ length: 5000 }, (_, i) => `(${i}, 'v${i}', NULL)`).join(', ')}`;
  const ins = parse(values)[0];
  t.equal(ins.kind === 'insert' && ins.source.body.kind === 'values' && ins.source.body.rows.length, 5000);
  const wide = `SELECT ${Array.from({ length: 2000 }, (_, i) => `sum(a${i}) FILTER (WHERE b > ${i}) AS s${i}`).join(', ')} FROM t`;
  const sel = parse(wide)[0];
  t.equal(sel.kind === 'select' && sel.query.body.kind === 'select' && sel.query.body.items.length, 2000);
});

t.test('50-level nesting parses', async (t) => {
  t.equal(sx(parseExpression(nestedParens(50))), 'x');
  t.equal(parse(nestedSubqueries(50)).length, 1);
  t.equal(parse(nestedDerivedTables(50)).length, 1);
  t.equal(parse(misleadingParens(50)).length, 1);
  t.match(parseExpression(`${'f('.repeat(50)}1${')'.repeat(50)}`), { kind: 'call', name: 'f' });
  t.match(parseExpression(`${'CASE WHEN a THEN '.repeat(50)}1${' END'.repeat(50)}`), { kind: 'case' });
  t.match(parseExpression(`${'NOT '.repeat(50)}a`), { kind: 'unary', op: 'NOT' });
  t.match(parseExpression(`${'- '.repeat(50)}a`), { kind: 'unary', op: '-' });
  t.match(parseExpression(`ARRAY${'['.repeat(50)}1${']'.repeat(50)}`), { kind: 'array' });
  t.equal(sx(parseExpression(nestedParens(300))), 'x', '300 levels are still fine');
});

t.test('nesting beyond the limit is a syntax error, never a stack overflow', async (t) => {
  const inputs = [
    nestedParens(100_000),
    `${'NOT '.repeat(100_000)}a`,
    `${'-'.repeat(1)}${'( -'.repeat(50_000)}1`,
    `ARRAY${'['.repeat(50_000)}`,
    `${'f('.repeat(50_000)}`,
  ];
  for (const sql of inputs) t.throws(() => parseExpression(sql), { name: 'SqlSyntaxError', message: /nested too deeply/ }, sql.slice(0, 12));
  t.throws(() => parse(nestedSubqueries(2000)), { name: 'SqlSyntaxError', message: /nested too deeply/ });
  t.throws(() => parse(nestedDerivedTables(2000)), { name: 'SqlSyntaxError', message: /nested too deeply/ });
});

// Counts token inspections instead of timing: deterministic on a loaded machine, and it is the
// work that backtracking would multiply.
function tokenReads(fn: () => unknown): number {
  const desc = Object.getOwnPropertyDescriptor(ParserBase.prototype, 'tok');
  if (!desc?.get) throw new Error('ParserBase.tok getter not found');
  const get = desc.get;
  let reads = 0;
  Object.defineProperty(ParserBase.prototype, 'tok', {
    ...desc,
    get(this: ParserBase) {
      reads++;
      return get.call(this);
    },
  });
  try {
    fn();
  } finally {
    Object.defineProperty(ParserBase.prototype, 'tok', desc);
  }
  return reads;
}

t.test('parse work grows linearly with the input', async (t) => {
  const cases: [string, (n: number) => string, number][] = [
    ['sum', sumOf, 600],
    ['conjunction', conjunction, 300],
    ['misleading parentheses', misleadingParens, 40],
    ['nested subqueries', nestedSubqueries, 9],
    ['nested derived tables', nestedDerivedTables, 9],
  ];
  for (const [name, make, n] of cases) {
    const parseAll = (sql: string) => () => (sql.startsWith('SELECT') ? parse(sql) : parseExpression(sql));
    const ratio = tokenReads(parseAll(make(n * 8))) / tokenReads(parseAll(make(n)));
    // linear is ~8; quadratic would be ~64
    t.ok(ratio < 12, `${name}: 8x the input took ${ratio.toFixed(1)}x the token reads`);
  }
});
