// Tokens produced by the lexer and the keyword classes the parser needs to decide where a word
// may be used as an identifier (PostgreSQL's reserved / type-function / column-name classes,
// plus the few words our streaming extensions must keep out of alias positions).

import type { Pos } from './ast.js';

export type TokenKind =
  /** an unquoted word: keyword or identifier (`value` is lower-case, `upper` upper-case) */
  | 'word'
  /** a "double-quoted" identifier (`value` keeps its case) */
  | 'quoted'
  /** a string literal ('…', E'…', $$…$$); `value` is the unescaped text */
  | 'string'
  /** a numeric literal; `value` is the text as written (hex converted to decimal) */
  | 'number'
  /** `$n` (value = n as text) or `?` (value = '') */
  | 'param'
  /** an operator or punctuation; `value` is its spelling (`!=` is kept as written) */
  | 'op'
  | 'eof';

export interface Token {
  kind: TokenKind;
  value: string;
  /** upper-cased `value` for words, '' otherwise */
  upper: string;
  pos: Pos;
  /** offset just past the token's last character */
  end: number;
}

/** Multi-character operators, longest first within each length (the lexer tries 3, 2, then 1). */
export const OPERATORS_3 = new Set(['->>', '!~*']);
export const OPERATORS_2 = new Set([
  '::', '<=', '>=', '<>', '!=', '||', '<<', '>>', '->', '~*', '!~', '@>', '<@', '&&', '=>', ':=',
]);
export const OPERATORS_1 = new Set([
  '+', '-', '*', '/', '%', '^', '=', '<', '>', '~', '&', '|', '#', '(', ')', '[', ']', ',', ';',
  '.', ':',
]);

/**
 * Words that can never be a column name, table name or bare alias (PostgreSQL's reserved
 * keywords plus its "type_func_name" class, which may still name functions: `left(s, 2)`).
 */
export const RESERVED = new Set([
  'ALL', 'ANALYSE', 'ANALYZE', 'AND', 'ANY', 'ARRAY', 'AS', 'ASC', 'ASYMMETRIC', 'BOTH', 'CASE',
  'CAST', 'CHECK', 'COLLATE', 'COLUMN', 'CONSTRAINT', 'CREATE', 'CURRENT_DATE', 'CURRENT_TIME',
  'CURRENT_TIMESTAMP', 'DEFAULT', 'DESC', 'DISTINCT', 'DO', 'ELSE', 'END', 'EXCEPT', 'FALSE',
  'FETCH', 'FOR', 'FOREIGN', 'FROM', 'GRANT', 'GROUP', 'HAVING', 'IN', 'INTERSECT', 'INTO',
  'LATERAL', 'LEADING', 'LIMIT', 'LOCALTIME', 'LOCALTIMESTAMP', 'NOT', 'NULL', 'OFFSET', 'ON',
  'ONLY', 'OR', 'ORDER', 'PLACING', 'PRIMARY', 'REFERENCES', 'RETURNING', 'SELECT', 'SOME',
  'SYMMETRIC', 'TABLE', 'THEN', 'TO', 'TRAILING', 'TRUE', 'UNION', 'UNIQUE', 'USING', 'VARIADIC',
  'WHEN', 'WHERE', 'WINDOW', 'WITH',
  // type_func_name keywords
  'CROSS', 'FULL', 'ILIKE', 'INNER', 'IS', 'ISNULL', 'JOIN', 'LEFT', 'LIKE', 'NATURAL', 'NOTNULL',
  'OUTER', 'RIGHT', 'SIMILAR', 'TABLESAMPLE',
  // column-name keywords that would make expressions ambiguous as bare identifiers
  'BETWEEN', 'EXISTS', 'VALUES',
  // streaming extensions: clause keywords
  'QUALIFY',
]);

/** Reserved words that may still start a function call (`left(s, 2)`, `right(s, 2)`). */
export const FUNCTION_NAME_KEYWORDS = new Set(['LEFT', 'RIGHT', 'ILIKE', 'LIKE', 'SIMILAR']);

/**
 * Words that may be identifiers elsewhere but cannot be an alias written without AS, because a
 * clause could start there (`FROM t ASOF JOIN u`, `… FROM t EMIT CHANGES`, `UPDATE t SET …`).
 */
export const NOT_BARE_ALIAS = new Set([
  ...RESERVED, 'ASOF', 'EMIT', 'SET', 'FILTER', 'OVER', 'FORMAT', 'APPEND',
]);

/** Statement-starting and clause keywords, used to suggest the intended word for a typo. */
export const SUGGESTABLE_KEYWORDS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'EXCEPT',
  'INTERSECT', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'WINDOW', 'QUALIFY', 'EMIT',
  'WITH', 'VALUES', 'CREATE', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'SHOW', 'DESCRIBE', 'EXPLAIN',
  'FLUSH', 'CHECKPOINT', 'BEGIN', 'COMMIT', 'ROLLBACK', 'INTO', 'USING', 'RETURNING', 'TABLE',
  'SOURCE', 'VIEW', 'MATERIALIZED', 'SINK', 'FUNCTION', 'INDEX', 'BETWEEN', 'LIKE', 'ILIKE',
];

const KNOWN_KEYWORDS = new Set([
  ...RESERVED, ...SUGGESTABLE_KEYWORDS, 'KEY', 'WATERMARK', 'INTERVAL', 'TIMESTAMP', 'DATE', 'EXTRACT', 'OVER', 'FILTER',
  'PARTITION', 'ROWS', 'RANGE', 'PRECEDING', 'FOLLOWING', 'UNBOUNDED', 'CURRENT', 'ROW', 'DESCRIPTOR', 'LATERAL',
]);

/** How a token is named in an error message: `'FORM'`, `')'`, `end of input`. */
export function describeToken(sql: string, tok: Token): string {
  if (tok.kind === 'eof') return 'end of input';
  let text = sql.slice(tok.pos.offset, tok.end);
  if (text.length > 40) text = text.slice(0, 37) + '...';
  return `'${text}'`;
}

/** Damerau-Levenshtein distance capped at `max + 1` (for "did you mean" suggestions). */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    rows.push(row);
  }
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}

/** The keyword a mistyped word most likely meant (`FORM` → `FROM`), if any is close enough. */
export function suggestKeyword(upperWord: string, candidates: readonly string[] = SUGGESTABLE_KEYWORDS): string | undefined {
  // a real keyword in the wrong place is not a typo (`SELECT a NULL` must not suggest FULL)
  if (upperWord.length < 3 || KNOWN_KEYWORDS.has(upperWord)) return undefined;
  const max = upperWord.length <= 5 ? 1 : 2;
  let best: string | undefined;
  let bestDist = max + 1;
  for (const kw of candidates) {
    if (kw === upperWord) return undefined;
    const d = editDistance(upperWord, kw, max);
    if (d < bestDist) {
      best = kw;
      bestDist = d;
    }
  }
  return best;
}
