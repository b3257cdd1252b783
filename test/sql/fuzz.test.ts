// Property tests: whatever the input, parsing either succeeds or throws a SqlSyntaxError located
// inside the input, quickly. Inputs are random token soup, random text, truncations and
// token-level mutations (insert / delete / swap / replace) of valid statements.

import t from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqlSyntaxError } from '../../lib/errors.js';
import { parse, tokenize } from '../../lib/sql/index.js';
import { strip } from './helpers.js';

const MAX_MS_PER_CASE = 2000;

const CORPUS = [
  "CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND) WITH (connector = 'x')",
  'CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT \'x\', ts TIMESTAMP) APPEND ONLY',
  "CREATE MATERIALIZED VIEW v AS SELECT window_start, count(*) FILTER (WHERE price > 10) FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_start EMIT ON WINDOW CLOSE",
  "INSERT INTO t (a, b) VALUES (1, 'x'), ($1, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING *",
  'UPDATE t SET a = a + 1 WHERE b IS NOT NULL AND c NOT IN (SELECT d FROM u)',
  'DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.k = t.k)',
  "SELECT a, CASE WHEN b > 1 THEN 'x' ELSE NULL END AS c, CAST(d AS DECIMAL(10, 2)), e::text || 'y' FROM t AS x LEFT JOIN u ON x.k = u.k WHERE a BETWEEN 1 AND 10 ORDER BY a DESC NULLS LAST LIMIT 10",
  'WITH c AS (SELECT a FROM t) SELECT * FROM c UNION ALL SELECT b FROM u INTERSECT SELECT 3',
  'SELECT row_number() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), sum(x) OVER w FROM t WINDOW w AS (ORDER BY y) QUALIFY rank() OVER w = 1',
  "SELECT EXTRACT(hour FROM ts), SUBSTRING(s FROM 2 FOR 3), POSITION('a' IN s), TRIM(LEADING 'x' FROM s), OVERLAY(s PLACING 'y' FROM 1) FROM t",
  "SELECT * FROM TUMBLE(TABLE bid, DESCRIPTOR(date_time), size => INTERVAL '1' MINUTE) ASOF JOIN q ON true",
  "CREATE FUNCTION f(a INT) RETURNS INT LANGUAGE SQL AS 'select a + 1'",
  'EXPLAIN ANALYZE SELECT DISTINCT ON (a) a FROM t; SHOW TABLES; DESCRIBE t; FLUSH; CHECKPOINT; SET x = 1; BEGIN; COMMIT',
  "SELECT j ->> 'k', a ~* 'x', arr[1], ARRAY[1, 2], (1, 2), x = ANY(ARRAY[1]), E'\\n', $$d$$ FROM t",
];

function corpus(): string[] {
  const dir = join(__dirname, '../../lib/nexmark/queries');
  return [...CORPUS, ...readdirSync(dir).filter((f) => f.endsWith('.sql')).map((f) => readFileSync(join(dir, f), 'utf8'))];
}

const SOUP_TOKENS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'ORDER', 'HAVING', 'LIMIT', 'JOIN', 'ON', 'USING', 'AS', 'AND', 'OR', 'NOT',
  'IN', 'IS', 'NULL', 'LIKE', 'BETWEEN', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'INTERVAL', 'TIMESTAMP', 'DATE',
  'EXISTS', 'ANY', 'ALL', 'DISTINCT', 'OVER', 'PARTITION', 'ROWS', 'PRECEDING', 'CURRENT', 'ROW', 'FILTER', 'WITH',
  'UNION', 'VALUES', 'INSERT', 'INTO', 'CREATE', 'TABLE', 'SOURCE', 'MATERIALIZED', 'VIEW', 'EMIT', 'WATERMARK', 'FOR',
  'PRIMARY', 'KEY', 'DROP', 'IF', 'TUMBLE', 'DESCRIPTOR', 'LATERAL', 'ASOF', 'ARRAY', 'TRUE', 'EXTRACT', 'TRIM', 'SUBSTRING',
  'a', 'b', 't', '"Q"', '1', '2.5', '.5', "'s'", "E'\\n'", '$$x$$', '$1', '?', '(', ')', '[', ']', ',', ';', '.', '*', '+',
  '-', '/', '%', '^', '=', '<>', '<', '>=', '||', '::', '->>', '=>', '~', '!~*', 'INT', 'VARCHAR', 'SECOND',
];

/** Parses, asserting the outcome is an AST or a well-located SqlSyntaxError, within the time bound. */
function check(sql: string): boolean {
  const start = performance.now();
  let ok = true;
  try {
    const stmts = parse(sql);
    for (const s of stmts) {
      if (!sql.includes(s.text)) return false;
      // a statement's own text parses to the same statement (unless `?` numbering differs)
      if (!s.text.includes('?')) {
        const again = parse(s.text);
        if (again.length !== 1 || JSON.stringify(strip(again[0], true)) !== JSON.stringify(strip(s, true))) return false;
      }
    }
  } catch (e) {
    if (!(e instanceof SqlSyntaxError)) throw e;
    ok = locatedInside(sql, e);
    if (!ok) throw new Error(`badly located error for ${JSON.stringify(sql)}: ${e.message} (offset ${e.position})`);
  }
  const ms = performance.now() - start;
  if (ms > MAX_MS_PER_CASE) throw new Error(`parsing took ${ms.toFixed(0)} ms: ${JSON.stringify(sql.slice(0, 200))}`);
  return ok;
}

function locatedInside(sql: string, e: SqlSyntaxError): boolean {
  const { line, column, position } = e;
  if (line === undefined || column === undefined || position === undefined) return false;
  if (position < 0 || position > sql.length) return false;
  const lines = sql.split(/\r\n|\r|\n/);
  if (line < 1 || line > lines.length) return false;
  return column >= 1 && column <= lines[line - 1].length + 1;
}

/** A valid statement as a list of token texts (so mutations work on tokens, not characters). */
function tokenTexts(sql: string): string[] {
  return tokenize(sql).filter((k) => k.kind !== 'eof').map((k) => sql.slice(k.pos.offset, k.end));
}

t.test('random token soup', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...SOUP_TOKENS), { maxLength: 40 }), fc.boolean(), (toks, tight) => check(toks.join(tight ? '' : ' '))),
    { numRuns: 1500 },
  );
  t.pass('every soup parsed or failed with a located SqlSyntaxError');
});

t.test('random text', async (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => check(s)), { numRuns: 800 });
  fc.assert(fc.property(fc.string({ maxLength: 40, unit: 'binary' }), (s) => check(s)), { numRuns: 300 });
  fc.assert(
    fc.property(fc.array(fc.constantFrom("'", '"', '$', '$$', '/*', '*/', '--', '\n', '\r', 'e', 'x', '0', '.', ' ', '\\', ';'), { maxLength: 30 }), (parts) => check(parts.join(''))),
    { numRuns: 800 },
  );
  t.pass('random text parsed or failed with a located SqlSyntaxError');
});

t.test('mutations of valid statements', async (t) => {
  const bases = corpus().map(tokenTexts);
  for (const toks of bases) t.ok(check(toks.join(' ')), `base: ${toks.slice(0, 6).join(' ')} …`);
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...SOUP_TOKENS) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), token: fc.constantFrom(...SOUP_TOKENS) }),
  );
  fc.assert(
    fc.property(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
      const toks = [...bases[which]];
      for (const m of mutations) {
        if (toks.length === 0) break;
        const at = m.at % toks.length;
        if (m.kind === 'insert') toks.splice(at, 0, m.token);
        else if (m.kind === 'delete') toks.splice(at, 1);
        else if (m.kind === 'replace') toks[at] = m.token;
        else {
          const other = m.other % toks.length;
          [toks[at], toks[other]] = [toks[other], toks[at]];
        }
      }
      return check(toks.join(' '));
    }),
    { numRuns: 3000 },
  );
  t.pass('mutated statements parsed or failed with a located SqlSyntaxError');
});

t.test('truncations of valid statements', async (t) => {
  const texts = corpus();
  fc.assert(
    fc.property(fc.nat({ max: texts.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (which, frac) => {
      const sql = texts[which];
      return check(sql.slice(0, Math.floor(sql.length * frac)));
    }),
    { numRuns: 1500 },
  );
  t.pass('every prefix parsed or failed with a located SqlSyntaxError');
});

t.test('the checker itself rejects badly located errors', async (t) => {
  t.notOk(locatedInside('SELECT', Object.assign(new SqlSyntaxError('x', { line: 2, column: 1, offset: 6 }))));
  t.notOk(locatedInside('SELECT', new SqlSyntaxError('x', { line: 1, column: 8, offset: 7 })));
  t.notOk(locatedInside('SELECT', new SqlSyntaxError('x')));
  t.ok(locatedInside('SELECT', new SqlSyntaxError('x', { line: 1, column: 7, offset: 6 })));
});
