// Bound (resolved, typed) scalar expressions: what the binder produces from AST expressions and
// what lib/exec/expr compiles into specialised JavaScript functions. Column references are
// positions in the input row; every node carries its result type. Subqueries never appear here:
// the binder/optimizer turns them into joins before expressions are compiled.

import type { DataType } from '../types/datatype.js';
import type { Value } from '../types/value.js';

export type BoundExpr =
  | BoundColumn
  | BoundLiteral
  | BoundCall
  | BoundCast
  | BoundCase
  | BoundUdfCall;

/** The value of input column `index`. */
export interface BoundColumn {
  kind: 'column';
  index: number;
  type: DataType;
  /** for EXPLAIN and error messages */
  name?: string;
}

/** A constant (query parameters are bound as literals: values are never spliced into SQL). */
export interface BoundLiteral {
  kind: 'literal';
  value: Value;
  type: DataType;
}

/**
 * A built-in scalar function or operator, resolved by the binder from the registry in
 * lib/functions/registry.ts (argument types already cast to the chosen signature).
 *
 * Operators use their SQL spelling as `name`: '+', '-', '*', '/', '%', '^', '||', '=', '<>',
 * '<', '<=', '>', '>=', 'and', 'or', 'not', 'neg' (unary minus), 'is_null', 'is_not_null',
 * 'is_true', 'is_false', 'is_not_true', 'is_not_false', 'is_distinct_from',
 * 'is_not_distinct_from', 'like', 'ilike', 'similar_to', 'regex_match' (~), 'regex_imatch' (~*),
 * 'in' (args[0] IN args[1..]), 'coalesce', 'nullif', 'greatest', 'least', 'array' (ARRAY[…]),
 * 'subscript'. Everything else is a named function ('lower', 'date_trunc', 'extract', …).
 */
export interface BoundCall {
  kind: 'call';
  name: string;
  args: BoundExpr[];
  type: DataType;
}

export interface BoundCast {
  kind: 'cast';
  expr: BoundExpr;
  type: DataType;
  /** TRY_CAST: NULL instead of an error */
  try: boolean;
}

export interface BoundCase {
  kind: 'case';
  /** simple CASE is rewritten to searched CASE by the binder */
  whens: { when: BoundExpr; then: BoundExpr }[];
  else: BoundExpr;
  type: DataType;
}

/** A user-defined JavaScript function registered through the API. */
export interface BoundUdfCall {
  kind: 'udf';
  name: string;
  args: BoundExpr[];
  type: DataType;
}

/** An aggregate call in an Aggregate plan node. */
export interface AggregateCall {
  /** count, count_star, sum, avg, min, max, first_value, last_value, bool_and, bool_or,
   *  string_agg, array_agg, stddev_samp, stddev_pop, var_samp, var_pop, approx_count_distinct */
  fn: string;
  args: BoundExpr[];
  distinct: boolean;
  /** FILTER (WHERE …) over the input row */
  filter?: BoundExpr;
  /** ORDER BY inside the call (string_agg, array_agg, first_value/last_value) */
  orderBy?: { expr: BoundExpr; desc: boolean; nullsFirst: boolean }[];
  type: DataType;
}
