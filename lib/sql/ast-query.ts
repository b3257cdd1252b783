// The AST's queries: SELECT, set operations, FROM items (see ast.ts for the conventions).

import type { Expr, Pos, WindowSpec } from './ast-expr.js';

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
