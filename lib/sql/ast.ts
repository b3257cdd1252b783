// Abstract syntax tree of the SQL dialect (PostgreSQL-flavoured, with streaming extensions).
// Produced by lib/sql/parser.ts, consumed by the binder in lib/plan/. Every node records where
// it starts so later stages can report positioned errors.
//
// Conventions:
// - Unquoted identifiers are folded to lower case by the parser; quoted ones keep their case.
// - Keywords that are function-like (EXTRACT, SUBSTRING, POSITION, TRIM, OVERLAY) are normalised
//   into FunctionCall nodes (see the comments on FunctionCall).
// - `pos` is the position of the node's first token.

export * from './ast-expr.js';
export * from './ast-query.js';
export * from './ast-statements.js';
