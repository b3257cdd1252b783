// Abstract syntax tree of the SQL dialect (PostgreSQL-flavoured, with streaming extensions).
// Produced by lib/sql/parser.ts, consumed by the binder in lib/plan/. Every node records where
// it starts so later stages can report positioned errors.
//
// Conventions:
// - Unquoted identifiers are folded to lower case by the parser; quoted ones keep their case.
// - Keywords that are function-like (EXTRACT, SUBSTRING, POSITION, TRIM, OVERLAY) are normalised
//   into FunctionCall nodes (see the comments on FunctionCall).
// - `pos` is the position of the node's first token.

import type { SourcePosition } from '../errors.js';

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

// ---------------------------------------------------------------------------------------------
// Queries

export interface OrderItem {
  expr: Expr;
  desc: boolean;
  /** undefined means the PostgreSQL default: NULLS LAST for ASC, NULLS FIRST for DESC */
  nullsFirst?: boolean;
}

export interface Query {
  kind: 'query';
  with?: { recursive: boolean; ctes: CommonTableExpr[] };
  body: SetExpr;
  orderBy: OrderItem[];
  limit?: Expr;
  offset?: Expr;
  pos: Pos;
}

export interface CommonTableExpr {
  name: string;
  columns?: string[];
  query: Query;
  pos: Pos;
}

export type SetExpr = Select | SetOperation | ValuesClause | Query;

export interface SetOperation {
  kind: 'set-op';
  op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  all: boolean;
  left: SetExpr;
  right: SetExpr;
  pos: Pos;
}

export interface ValuesClause {
  kind: 'values';
  rows: Expr[][];
  pos: Pos;
}

export interface Select {
  kind: 'select';
  distinct: boolean;
  /** `SELECT DISTINCT ON (a, b) …` */
  distinctOn?: Expr[];
  items: SelectItem[];
  /** comma-separated FROM items; an empty list means no FROM clause */
  from: TableRef[];
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
  /** `WINDOW w AS (…)` */
  windows: { name: string; spec: WindowSpec }[];
  /** `QUALIFY cond` (filter on window function results) */
  qualify?: Expr;
  pos: Pos;
}

export type SelectItem =
  | { kind: 'expr'; expr: Expr; alias?: string; pos: Pos }
  | { kind: 'star'; table?: string; pos: Pos };

export type TableRef = NamedTableRef | SubqueryRef | JoinRef | TableFunctionRef;

export interface NamedTableRef {
  kind: 'table';
  name: string;
  alias?: string;
  columnAliases?: string[];
  /** `FOR SYSTEM_TIME AS OF expr` (temporal join) */
  systemTimeAsOf?: Expr;
  pos: Pos;
}

export interface SubqueryRef {
  kind: 'subquery';
  query: Query;
  alias?: string;
  columnAliases?: string[];
  lateral: boolean;
  pos: Pos;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';

export interface JoinRef {
  kind: 'join';
  type: JoinType;
  /** `ASOF [LEFT] JOIN` */
  asof: boolean;
  natural: boolean;
  left: TableRef;
  right: TableRef;
  on?: Expr;
  using?: string[];
  pos: Pos;
}

/**
 * A table-valued function in FROM: `TUMBLE(bid, date_time, INTERVAL '10' SECOND)`,
 * `HOP(…)`, `SESSION(…)`, `CUMULATE(…)`, and the Flink spelling
 * `TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND)`; also `generate_series(…)`,
 * `unnest(…)`. Named arguments (`size => INTERVAL '1' MINUTE`) set `name` on the argument.
 */
export interface TableFunctionRef {
  kind: 'table-function';
  name: string;
  args: TableFunctionArg[];
  alias?: string;
  columnAliases?: string[];
  pos: Pos;
}

export type TableFunctionArg =
  | { kind: 'expr'; expr: Expr; name?: string; pos: Pos }
  /** a bare relation name or `TABLE name` */
  | { kind: 'table'; name: string; pos: Pos }
  | { kind: 'descriptor'; columns: string[]; name?: string; pos: Pos };

// ---------------------------------------------------------------------------------------------
// Statements

export type Statement =
  | CreateTable
  | CreateMaterializedView
  | CreateView
  | CreateSink
  | CreateFunction
  | CreateIndex
  | Drop
  | Insert
  | Update
  | Delete
  | SelectStatement
  | Show
  | Describe
  | Explain
  | Flush
  | Checkpoint
  | SetOption
  | Begin
  | Commit;

interface StatementBase {
  pos: Pos;
  /** the statement's own text (without the trailing ';'), kept for the durable catalog */
  text: string;
}

/** WITH (key = value, …) options; keys lower case, dotted keys allowed (`kafka.topic`). */
export type Options = Record<string, string | number | boolean>;

export interface ColumnDef {
  name: string;
  type: TypeName;
  notNull: boolean;
  /** inline `PRIMARY KEY` */
  primaryKey: boolean;
  default?: Expr;
  pos: Pos;
}

export interface WatermarkDef {
  column: string;
  /** e.g. `ts - INTERVAL '5' SECOND`; bare `ts` for a zero delay */
  expr: Expr;
  pos: Pos;
}

/**
 * `CREATE TABLE`, `CREATE TABLE … APPEND ONLY` and `CREATE SOURCE` (sources are append-only:
 * `source` true implies `appendOnly` true).
 */
export interface CreateTable extends StatementBase {
  kind: 'create-table';
  source: boolean;
  name: string;
  ifNotExists: boolean;
  orReplace: boolean;
  columns: ColumnDef[];
  /** table-level `PRIMARY KEY (a, b)` merged with inline ones */
  primaryKey?: string[];
  appendOnly: boolean;
  watermark?: WatermarkDef;
  options: Options;
  /** `CREATE TABLE t AS SELECT …` */
  asQuery?: Query;
}

export interface CreateMaterializedView extends StatementBase {
  kind: 'create-materialized-view';
  name: string;
  ifNotExists: boolean;
  orReplace: boolean;
  columns?: string[];
  query: Query;
  /** `EMIT ON WINDOW CLOSE` → 'window-close'; `EMIT CHANGES` → 'changes'; absent = default */
  emit?: 'window-close' | 'changes';
  /** `EMIT … AFTER WATERMARK WITH DELAY` etc. are not supported; `WITH (…)` after the query */
  options: Options;
}

export interface CreateView extends StatementBase {
  kind: 'create-view';
  name: string;
  orReplace: boolean;
  ifNotExists: boolean;
  columns?: string[];
  query: Query;
}

/** `CREATE SINK s FROM v WITH (…)` or `CREATE SINK s AS SELECT … WITH (…)` */
export interface CreateSink extends StatementBase {
  kind: 'create-sink';
  name: string;
  ifNotExists: boolean;
  from?: string;
  query?: Query;
  options: Options;
}

/**
 * `CREATE [OR REPLACE] FUNCTION f(a INT, b INT) RETURNS INT LANGUAGE SQL AS 'select a + b'`
 * (also `RETURN expr` and `$$ … $$` bodies, IMMUTABLE etc. recorded in `volatility`).
 */
export interface CreateFunction extends StatementBase {
  kind: 'create-function';
  name: string;
  orReplace: boolean;
  params: { name?: string; type: TypeName }[];
  returns: TypeName;
  language: string;
  body: string;
  /** the body parsed as an expression when it is `RETURN expr` or a single `SELECT expr` */
  returnExpr?: Expr;
  volatility?: 'IMMUTABLE' | 'STABLE' | 'VOLATILE';
}

export interface CreateIndex extends StatementBase {
  kind: 'create-index';
  name?: string;
  table: string;
  columns: string[];
  ifNotExists: boolean;
}

export type ObjectKind =
  | 'TABLE'
  | 'SOURCE'
  | 'VIEW'
  | 'MATERIALIZED VIEW'
  | 'SINK'
  | 'FUNCTION'
  | 'INDEX';

export interface Drop extends StatementBase {
  kind: 'drop';
  objectKind: ObjectKind;
  names: string[];
  ifExists: boolean;
  cascade: boolean;
}

/** `INSERT INTO t [(cols)] VALUES … | SELECT … [ON CONFLICT …]` */
export interface Insert extends StatementBase {
  kind: 'insert';
  table: string;
  columns?: string[];
  source: Query;
  onConflict?: {
    target?: string[];
    action: 'nothing' | 'update';
    set?: { column: string; value: Expr }[];
    where?: Expr;
  };
  returning?: SelectItem[];
}

export interface Update extends StatementBase {
  kind: 'update';
  table: string;
  alias?: string;
  set: { column: string; value: Expr; pos: Pos }[];
  from?: TableRef[];
  where?: Expr;
}

export interface Delete extends StatementBase {
  kind: 'delete';
  table: string;
  alias?: string;
  where?: Expr;
}

export interface SelectStatement extends StatementBase {
  kind: 'select';
  query: Query;
}

/** SHOW TABLES | SOURCES | VIEWS | MATERIALIZED VIEWS | SINKS | FUNCTIONS | COLUMNS FROM x | <option> */
export interface Show extends StatementBase {
  kind: 'show';
  what: 'TABLES' | 'SOURCES' | 'VIEWS' | 'MATERIALIZED VIEWS' | 'SINKS' | 'FUNCTIONS' | 'COLUMNS' | 'OPTION';
  /** the object for SHOW COLUMNS FROM x / SHOW CREATE …, or the option name */
  target?: string;
}

/** `DESCRIBE x` / `DESC x` */
export interface Describe extends StatementBase {
  kind: 'describe';
  name: string;
}

export interface Explain extends StatementBase {
  kind: 'explain';
  analyze: boolean;
  verbose: boolean;
  statement: Statement;
}

export interface Flush extends StatementBase {
  kind: 'flush';
}

export interface Checkpoint extends StatementBase {
  kind: 'checkpoint';
}

/** `SET name = value` / `SET name TO value` */
export interface SetOption extends StatementBase {
  kind: 'set';
  name: string;
  value: string | number | boolean;
}

/** `BEGIN` / `START TRANSACTION` — accepted for compatibility */
export interface Begin extends StatementBase {
  kind: 'begin';
}

/** `COMMIT` / `END` / `ROLLBACK` (rollback = true) */
export interface Commit extends StatementBase {
  kind: 'commit';
  rollback: boolean;
}
