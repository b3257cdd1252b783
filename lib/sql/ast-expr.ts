// The AST's expressions and type names (see ast.ts for the conventions).

import type { SourcePosition } from '../errors.js';
import type { Query, OrderItem } from './ast-query.js';

export type Pos = SourcePosition;

// ---------------------------------------------------------------------------------------------
// Types as written in SQL

/**
 * A type name, canonicalised by the parser:
 * BOOLEAN (BOOL), SMALLINT (INT2), INT (INTEGER, INT4), BIGINT (INT8), REAL (FLOAT4),
 * DOUBLE (DOUBLE PRECISION, FLOAT8, FLOAT), DECIMAL (NUMERIC), VARCHAR (TEXT, STRING,
 * CHARACTER VARYING, CHAR(n) too), TIMESTAMP (TIMESTAMP WITHOUT TIME ZONE),
 * TIMESTAMPTZ (TIMESTAMP WITH TIME ZONE), DATE, INTERVAL, BYTEA, JSONB (JSON).
 * `params` holds the numbers in parentheses (precision/scale, length); `array` is set for `T[]`.
 */
export interface TypeName {
  name:
    | 'BOOLEAN'
    | 'SMALLINT'
    | 'INT'
    | 'BIGINT'
    | 'REAL'
    | 'DOUBLE'
    | 'DECIMAL'
    | 'VARCHAR'
    | 'TIMESTAMP'
    | 'TIMESTAMPTZ'
    | 'DATE'
    | 'INTERVAL'
    | 'BYTEA'
    | 'JSONB';
  params: number[];
  array: boolean;
  pos: Pos;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | NullLiteral
  | TypedLiteral
  | IntervalLiteral
  | Param
  | ColumnRef
  | UnaryExpr
  | BinaryExpr
  | IsExpr
  | BetweenExpr
  | InListExpr
  | InSubqueryExpr
  | ExistsExpr
  | ScalarSubquery
  | QuantifiedExpr
  | CaseExpr
  | CastExpr
  | FunctionCall
  | ArrayExpr
  | SubscriptExpr
  | RowExpr;

/** A numeric literal exactly as written (`42`, `1.50`, `1e3`), so DECIMAL stays exact. */
export interface NumberLiteral {
  kind: 'number';
  text: string;
  /** true when written without '.', 'e' or 'E' */
  integer: boolean;
  pos: Pos;
}

/** 'text' (with '' unescaped), E'escapes' (escapes processed) or $$dollar quoted$$. */
export interface StringLiteral {
  kind: 'string';
  value: string;
  pos: Pos;
}

export interface BooleanLiteral {
  kind: 'boolean';
  value: boolean;
  pos: Pos;
}

export interface NullLiteral {
  kind: 'null';
  pos: Pos;
}

/** `TIMESTAMP '2024-01-01 00:00:00'`, `DATE '2024-01-01'`, `TIMESTAMPTZ '…'`. */
export interface TypedLiteral {
  kind: 'typed-literal';
  type: TypeName;
  value: string;
  pos: Pos;
}

/**
 * `INTERVAL '5' SECOND`, `INTERVAL '5 seconds'`, `INTERVAL '1' HOUR TO SECOND` (the TO part is
 * recorded in `toUnit`), `INTERVAL '10' MINUTES`. Units are normalised to singular upper case.
 */
export interface IntervalLiteral {
  kind: 'interval';
  value: string;
  unit?: IntervalUnit;
  toUnit?: IntervalUnit;
  pos: Pos;
}

export type IntervalUnit =
  | 'YEAR'
  | 'MONTH'
  | 'WEEK'
  | 'DAY'
  | 'HOUR'
  | 'MINUTE'
  | 'SECOND'
  | 'MILLISECOND'
  | 'MICROSECOND';

/** `$1` (index 0) or `?` (the parser numbers them left to right from 0). */
export interface Param {
  kind: 'param';
  index: number;
  pos: Pos;
}

/** `col`, `t.col` (`schema.t.col` keeps only the last two parts). */
export interface ColumnRef {
  kind: 'column';
  table?: string;
  name: string;
  pos: Pos;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '-' | '+' | 'NOT' | '~';
  operand: Expr;
  pos: Pos;
}

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | '||'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'AND'
  | 'OR'
  | 'LIKE'
  | 'NOT LIKE'
  | 'ILIKE'
  | 'NOT ILIKE'
  | 'SIMILAR TO'
  | 'NOT SIMILAR TO'
  | '~' // regex match
  | '~*'
  | '!~'
  | '!~*'
  | '&'
  | '|'
  | '#'
  | '<<'
  | '>>'
  | 'IS DISTINCT FROM'
  | 'IS NOT DISTINCT FROM'
  | '->'
  | '->>'
  | '@>'
  | '<@'
  | '&&';

/** `!=` is normalised to `<>`. `a LIKE b ESCAPE c` puts c in `escape`. */
export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  escape?: Expr;
  pos: Pos;
}

/** `x IS [NOT] NULL | TRUE | FALSE | UNKNOWN` */
export interface IsExpr {
  kind: 'is';
  expr: Expr;
  test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN';
  not: boolean;
  pos: Pos;
}

export interface BetweenExpr {
  kind: 'between';
  expr: Expr;
  low: Expr;
  high: Expr;
  not: boolean;
  symmetric: boolean;
  pos: Pos;
}

export interface InListExpr {
  kind: 'in-list';
  expr: Expr;
  list: Expr[];
  not: boolean;
  pos: Pos;
}

export interface InSubqueryExpr {
  kind: 'in-subquery';
  expr: Expr;
  query: Query;
  not: boolean;
  pos: Pos;
}

export interface ExistsExpr {
  kind: 'exists';
  query: Query;
  not: boolean;
  pos: Pos;
}

/** `(SELECT …)` used as a value. */
export interface ScalarSubquery {
  kind: 'scalar-subquery';
  query: Query;
  pos: Pos;
}

/** `x op ANY|SOME|ALL (subquery or array expression)` */
export interface QuantifiedExpr {
  kind: 'quantified';
  op: '=' | '<>' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE';
  quantifier: 'ANY' | 'ALL';
  expr: Expr;
  subject: { kind: 'query'; query: Query } | { kind: 'expr'; expr: Expr };
  pos: Pos;
}

export interface CaseExpr {
  kind: 'case';
  operand?: Expr;
  whens: { when: Expr; then: Expr }[];
  else?: Expr;
  pos: Pos;
}

/** `CAST(x AS t)`, `x::t`, `TRY_CAST(x AS t)` (try = true: NULL instead of an error). */
export interface CastExpr {
  kind: 'cast';
  expr: Expr;
  type: TypeName;
  try: boolean;
  pos: Pos;
}

/**
 * A function or aggregate call. The parser normalises special syntax into calls:
 * - `EXTRACT(field FROM e)` → name 'extract', args [StringLiteral(field lower-case), e]
 * - `SUBSTRING(s FROM a FOR b)` → 'substring', [s, a, b]; `POSITION(a IN b)` → 'position', [a, b]
 * - `TRIM([BOTH|LEADING|TRAILING] [c] FROM s)` → 'btrim' | 'ltrim' | 'rtrim', [s, c?]
 * - `OVERLAY(s PLACING r FROM a FOR b)` → 'overlay', [s, r, a, b?]
 * - `CURRENT_TIMESTAMP`, `CURRENT_DATE`, `NOW()`, `LOCALTIMESTAMP` → call with no args
 * - `COALESCE`, `NULLIF`, `GREATEST`, `LEAST` stay ordinary calls.
 * `name` is lower case unless quoted. `star` is set for `count(*)`.
 */
export interface FunctionCall {
  kind: 'call';
  name: string;
  args: Expr[];
  distinct: boolean;
  star: boolean;
  /** ORDER BY inside the argument list: `string_agg(x, ',' ORDER BY y)` */
  orderBy?: OrderItem[];
  /** `agg(…) FILTER (WHERE cond)` */
  filter?: Expr;
  /** `… OVER (…)` or `… OVER name` */
  over?: WindowSpec;
  pos: Pos;
}

export interface WindowSpec {
  /** `OVER w` referencing a named window from the WINDOW clause */
  name?: string;
  partitionBy: Expr[];
  orderBy: OrderItem[];
  frame?: WindowFrame;
  pos: Pos;
}

export interface WindowFrame {
  mode: 'ROWS' | 'RANGE';
  start: FrameBound;
  end: FrameBound;
}

export type FrameBound =
  | { kind: 'unbounded-preceding' }
  | { kind: 'preceding'; offset: Expr }
  | { kind: 'current-row' }
  | { kind: 'following'; offset: Expr }
  | { kind: 'unbounded-following' };

/** `ARRAY[a, b]` */
export interface ArrayExpr {
  kind: 'array';
  elements: Expr[];
  pos: Pos;
}

/** `e[i]` (1-based, as in PostgreSQL) */
export interface SubscriptExpr {
  kind: 'subscript';
  expr: Expr;
  index: Expr;
  pos: Pos;
}

/** `(a, b)` or `ROW(a, b)` */
export interface RowExpr {
  kind: 'row';
  elements: Expr[];
  pos: Pos;
}
