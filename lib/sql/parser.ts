// The SQL front end's entry points: text → AST (lib/sql/ast.ts). Every failure is a
// SqlSyntaxError carrying the line and column of the offending token.
//
// Normalisations beyond those documented in ast.ts (the binder can rely on them):
// - `-` applied directly to a numeric literal is folded: NumberLiteral text '-5' (so the most
//   negative BIGINT is representable); `-x`, `-(5)`, `-5::int` stay UnaryExpr.
// - `NOT EXISTS (…)` is an ExistsExpr with not = true; `x ISNULL` / `x NOTNULL` are IsExpr.
// - `x AT TIME ZONE z` → call 'timezone' [z, x] (PostgreSQL's own function name).
// - `ARRAY(subquery)` → call 'array' [ScalarSubquery]; `ARRAY[…]` is an ArrayExpr.
// - `CURRENT_TIME` and `LOCALTIME` → argument-less calls like CURRENT_TIMESTAMP.
// - a parenthesised query without WITH/ORDER BY/LIMIT/OFFSET is replaced by its body.
// - in TUMBLE/HOP/SESSION/CUMULATE the first argument (or the one named `data`) written as a bare
//   name is a { kind: 'table' } argument, like `TABLE name`.
// - `FLOAT(p)` is REAL for p ≤ 24, else DOUBLE (as in PostgreSQL).
// - RisingWave's `FORMAT x ENCODE y (…)` lands in the options as format = 'x', encode = 'y'.
// - WITH option values: strings, numbers (integers beyond 2^53 keep their text), TRUE/FALSE,
//   bare words as lower-case text. SET accepts ON/OFF as booleans, DEFAULT as 'default'.
// - non-associative operators (comparisons, LIKE/BETWEEN/IN, IS) must be parenthesised when
//   chained, as in PostgreSQL: `a < b < c` is a syntax error.

import type { Expr, Statement, TypeName } from './ast.js';
import { runParser } from './parser-statements.js';

/**
 * Parses one or more ';'-separated statements (empty ones are ignored). Each statement's `text`
 * is its own source text without the ';'. `?` parameters are numbered left to right over the
 * whole input, starting at 0; `$n` is index n - 1.
 */
export function parse(sql: string): Statement[] {
  return runParser(sql, (p) => p.parseStatementList());
}

/** Parses exactly one statement (a trailing ';' is allowed). */
export function parseStatement(sql: string): Statement {
  return runParser(sql, (p) => p.parseOnlyStatement());
}

/** Parses a standalone scalar expression, e.g. `a + 1 > $1`. */
export function parseExpression(sql: string): Expr {
  return runParser(sql, (p) => p.parseStandaloneExpression());
}

/** Parses a type name, e.g. `DECIMAL(10, 2)`, `TIMESTAMP WITH TIME ZONE`, `INT[]`. */
export function parseTypeName(sql: string): TypeName {
  return runParser(sql, (p) => p.parseStandaloneTypeName());
}
