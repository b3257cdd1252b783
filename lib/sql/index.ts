// The SQL front end: parse SQL text into the AST of ./ast.ts.

export { parse, parseStatement, parseExpression, parseTypeName } from './parser.js';
export { tokenize } from './lexer.js';
export type { Token, TokenKind } from './tokens.js';
export type * from './ast.js';
