// The SQL front end's entry points: text → AST (lib/sql/ast.ts). Every failure is a
// SqlSyntaxError carrying the line and column of the offending token.

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
