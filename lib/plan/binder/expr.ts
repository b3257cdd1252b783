// Binding scalar expressions: AST Expr → BoundExpr over a scope, with PostgreSQL typing.
// Aggregates, window functions and subqueries are delegated to hooks of the context, because
// what they turn into depends on the clause being bound.

import { CatalogError, SqlTypeError, UnsupportedError } from '../../errors.js';
import type { SourcePosition } from '../../errors.js';
import type { BinaryOp, Expr, FunctionCall } from '../../sql/ast.js';
import { T, typeToSql } from '../../types/datatype.js';
import type { BoundExpr, BoundLiteral } from '../bound.js';
import type { Catalog } from '../catalog.js';
import { intervalLiteral, numberLiteral, paramLiteral, pgTypeName, typeFromAst } from './literals.js';
import type { Scope } from './scope.js';
import { unknownColumn } from './scope.js';
import {
  RANKING_FUNCTIONS,
  bindBinaryOperator,
  bindScalarFunction,
  bindUnaryOperator,
  castTo,
  isAggregateName,
  unify,
  untypedLiterals,
} from './typing.js';

/** Turns subqueries inside an expression into joins of the clause's current plan. */
export interface SubqueryHost {
  bindSubquery(e: Expr & { kind: 'in-subquery' | 'exists' | 'scalar-subquery' | 'quantified' }, ctx: ExprContext): BoundExpr;
}

export interface ExprContext {
  scope: Scope;
  catalog: Catalog;
  params: readonly unknown[];
  /** the clause, for error messages ("aggregate functions are not allowed in WHERE") */
  clause: string;
  /** called first for every node: a replacement (post-aggregation references) or undefined */
  intercept?: (e: Expr) => BoundExpr | undefined;
  subqueries?: SubqueryHost;
  /** collects the catalog functions the expression calls (dependency tracking) */
  referenced?: Set<string>;
}

const BINARY_NAMES: Partial<Record<BinaryOp, { name: string; negate?: boolean }>> = {
  '+': { name: '+' }, '-': { name: '-' }, '*': { name: '*' }, '/': { name: '/' }, '%': { name: '%' },
  '^': { name: '^' }, '||': { name: '||' }, '=': { name: '=' }, '<>': { name: '<>' }, '<': { name: '<' },
  '<=': { name: '<=' }, '>': { name: '>' }, '>=': { name: '>=' }, AND: { name: 'and' }, OR: { name: 'or' },
  LIKE: { name: 'like' }, 'NOT LIKE': { name: 'like', negate: true }, ILIKE: { name: 'ilike' },
  'NOT ILIKE': { name: 'ilike', negate: true }, 'SIMILAR TO': { name: 'similar_to' },
  'NOT SIMILAR TO': { name: 'similar_to', negate: true }, '~': { name: 'regex_match' },
  '~*': { name: 'regex_imatch' }, '!~': { name: 'regex_match', negate: true },
  '!~*': { name: 'regex_imatch', negate: true }, '&': { name: '&' }, '|': { name: '|' }, '#': { name: '#' },
  '<<': { name: '<<' }, '>>': { name: '>>' }, 'IS DISTINCT FROM': { name: 'is_distinct_from' },
  'IS NOT DISTINCT FROM': { name: 'is_not_distinct_from' },
};

export function not(e: BoundExpr): BoundExpr {
  return { kind: 'call', name: 'not', args: [e], type: T.boolean };
}

export function and(parts: BoundExpr[]): BoundExpr | undefined {
  if (parts.length === 0) return undefined;
  return parts.reduce((a, b) => ({ kind: 'call', name: 'and', args: [a, b], type: T.boolean }));
}

export function bindExpr(e: Expr, ctx: ExprContext): BoundExpr {
  const replaced = ctx.intercept?.(e);
  if (replaced) return replaced;
  switch (e.kind) {
    case 'number':
      return numberLiteral(e);
    case 'string': {
      const lit: BoundLiteral = { kind: 'literal', value: e.value, type: T.varchar };
      untypedLiterals.add(lit);
      return lit;
    }
    case 'boolean':
      return { kind: 'literal', value: e.value, type: T.boolean };
    case 'null':
      return { kind: 'literal', value: null, type: T.null };
    case 'typed-literal':
      return { kind: 'cast', expr: { kind: 'literal', value: e.value, type: T.varchar }, type: typeFromAst(e.type), try: false };
    case 'interval':
      return { kind: 'literal', value: intervalLiteral(e), type: T.interval };
    case 'param':
      return paramLiteral(ctx.params[e.index], e.index, e.pos);
    case 'column':
      return bindColumn(e.name, e.table, e.pos, ctx);
    case 'unary': {
      const operand = bindExpr(e.operand, ctx);
      if (e.op === '+') return operand;
      if (e.op === '~') return { kind: 'call', name: '~', args: [operand], type: operand.type };
      return bindUnaryOperator(e.op === 'NOT' ? 'not' : 'neg', operand, e.pos);
    }
    case 'binary':
      return bindBinary(e.op, e.left, e.right, e.escape, e.pos, ctx);
    case 'is': {
      const x = bindExpr(e.expr, ctx);
      if (e.test === 'NULL' || e.test === 'UNKNOWN') {
        if (e.test === 'UNKNOWN' && x.type.id !== 'boolean' && x.type.id !== 'null') {
          throw new SqlTypeError('TYPE_MISMATCH', `argument of IS UNKNOWN must be type boolean, not type ${typeToSql(x.type)}`, e.pos);
        }
        return { kind: 'call', name: e.not ? 'is_not_null' : 'is_null', args: [x], type: T.boolean };
      }
      if (x.type.id !== 'boolean' && x.type.id !== 'null') {
        throw new SqlTypeError('TYPE_MISMATCH', `argument of IS ${e.test} must be type boolean, not type ${typeToSql(x.type)}`, e.pos);
      }
      const name = `is_${e.not ? 'not_' : ''}${e.test.toLowerCase()}`;
      return { kind: 'call', name, args: [castTo(x, T.boolean)], type: T.boolean };
    }
    case 'between': {
      const x = bindExpr(e.expr, ctx);
      const lo = bindExpr(e.low, ctx);
      const hi = bindExpr(e.high, ctx);
      const range = (a: BoundExpr, b: BoundExpr): BoundExpr =>
        bindBinaryOperator('and', bindBinaryOperator('>=', x, a, e.pos), bindBinaryOperator('<=', x, b, e.pos), e.pos);
      let r = range(lo, hi);
      if (e.symmetric) r = bindBinaryOperator('or', r, range(hi, lo), e.pos);
      return e.not ? not(r) : r;
    }
    case 'in-list': {
      const x = bindExpr(e.expr, ctx);
      const u = unify([x, ...e.list.map((i) => bindExpr(i, ctx))], 'IN', e.pos);
      const call: BoundExpr = { kind: 'call', name: 'in', args: u.exprs, type: T.boolean };
      return e.not ? not(call) : call;
    }
    case 'in-subquery':
    case 'exists':
    case 'scalar-subquery':
      if (!ctx.subqueries) throw new UnsupportedError(`subqueries are not supported in ${ctx.clause}`, e.pos);
      return ctx.subqueries.bindSubquery(e, ctx);
    case 'quantified':
      if (e.subject.kind === 'expr') return bindQuantifiedArray(e, ctx);
      if (!ctx.subqueries) throw new UnsupportedError(`subqueries are not supported in ${ctx.clause}`, e.pos);
      return ctx.subqueries.bindSubquery(e, ctx);
    case 'case':
      return bindCase(e, ctx);
    case 'cast': {
      const x = bindExpr(e.expr, ctx);
      const type = typeFromAst(e.type);
      return { kind: 'cast', expr: x, type, try: e.try };
    }
    case 'call':
      return bindCall(e, ctx);
    case 'array': {
      const u = unify(e.elements.map((i) => bindExpr(i, ctx)), 'ARRAY', e.pos);
      return { kind: 'call', name: 'array', args: u.exprs, type: T.array(u.type) };
    }
    case 'subscript': {
      const x = bindExpr(e.expr, ctx);
      const index = castTo(bindExpr(e.index, ctx), T.int);
      if (x.type.id !== 'array') throw new SqlTypeError('TYPE_MISMATCH', `cannot subscript type ${typeToSql(x.type)}`, e.pos);
      return { kind: 'call', name: 'subscript', args: [x, index], type: x.type.element ?? T.null };
    }
    case 'row':
      throw new UnsupportedError('row constructors are not supported', e.pos);
  }
}

function bindColumn(name: string, table: string | undefined, pos: SourcePosition, ctx: ExprContext): BoundExpr {
  const i = ctx.scope.find(name, table, pos);
  if (i !== undefined) {
    const c = ctx.scope.columns[i]!;
    return { kind: 'column', index: i, type: c.type, name: c.name };
  }
  if (ctx.scope.outer?.find(name, table, pos) !== undefined) {
    throw new UnsupportedError(
      `correlated reference to "${table ? `${table}.` : ''}${name}" is only supported in equality conditions of a subquery's WHERE`,
      pos,
    );
  }
  throw unknownColumn(ctx.scope, name, table, pos);
}

function bindBinary(op: BinaryOp, left: Expr, right: Expr, escape: Expr | undefined, pos: SourcePosition, ctx: ExprContext): BoundExpr {
  const spec = BINARY_NAMES[op];
  if (!spec) throw new UnsupportedError(`operator ${op} is not supported`, pos);
  const l = bindExpr(left, ctx);
  const r = bindExpr(right, ctx);
  let call = bindBinaryOperator(spec.name, l, r, pos);
  if (escape && call.kind === 'call') call = { ...call, args: [...call.args, castTo(bindExpr(escape, ctx), T.varchar)] };
  return spec.negate ? not(call) : call;
}

function bindQuantifiedArray(e: Expr & { kind: 'quantified' }, ctx: ExprContext): BoundExpr {
  if (e.subject.kind !== 'expr') throw new Error('unreachable');
  const subject = e.subject.expr;
  if (subject.kind !== 'array') throw new UnsupportedError(`${e.quantifier} over a non-literal array is not supported`, e.pos);
  const x = bindExpr(e.expr, ctx);
  const op = BINARY_NAMES[e.op as BinaryOp]!.name;
  const parts = subject.elements.map((el) => bindBinaryOperator(op, x, bindExpr(el, ctx), e.pos));
  if (parts.length === 0) return { kind: 'literal', value: e.quantifier === 'ALL', type: T.boolean };
  return parts.reduce((a, b) => bindBinaryOperator(e.quantifier === 'ANY' ? 'or' : 'and', a, b, e.pos));
}

function bindCase(e: Expr & { kind: 'case' }, ctx: ExprContext): BoundExpr {
  const operand = e.operand ? bindExpr(e.operand, ctx) : undefined;
  const conds = e.whens.map((w) => {
    const when = bindExpr(w.when, ctx);
    if (operand) return bindBinaryOperator('=', operand, when, w.when.pos);
    if (when.type.id !== 'boolean' && when.type.id !== 'null') {
      throw new SqlTypeError('TYPE_MISMATCH', `argument of CASE/WHEN must be type boolean, not type ${typeToSql(when.type)}`, w.when.pos);
    }
    return castTo(when, T.boolean);
  });
  const results = [...e.whens.map((w) => bindExpr(w.then, ctx)), e.else ? bindExpr(e.else, ctx) : ({ kind: 'literal', value: null, type: T.null } as BoundExpr)];
  const u = unify(results, 'CASE', e.pos);
  return {
    kind: 'case',
    whens: conds.map((when, i) => ({ when, then: u.exprs[i]! })),
    else: u.exprs[u.exprs.length - 1]!,
    type: u.type,
  };
}

function bindCall(e: FunctionCall, ctx: ExprContext): BoundExpr {
  if (e.over) throw new SqlTypeError('GROUPING_ERROR', `window functions are not allowed in ${ctx.clause}`, e.pos);
  if (isAggregateName(e.name)) throw new SqlTypeError('GROUPING_ERROR', `aggregate functions are not allowed in ${ctx.clause}`, e.pos);
  if (RANKING_FUNCTIONS.has(e.name)) throw new SqlTypeError('GROUPING_ERROR', `window function ${e.name} requires an OVER clause`, e.pos);
  const args = e.args.map((a) => bindExpr(a, ctx));
  const fn = ctx.catalog.function(e.name);
  if (fn) {
    ctx.referenced?.add(fn.name);
    if (fn.params.length !== args.length) {
      throw new CatalogError('UNKNOWN_OBJECT', `function ${e.name} takes ${fn.params.length} argument(s), got ${args.length}`, e.pos);
    }
    const cast = args.map((a, i) => castTo(a, fn.params[i]!.type));
    if (fn.kind === 'js') return { kind: 'udf', name: fn.name, args: cast, type: fn.returns };
    return castTo(inlineSqlFunction(fn.body, fn.params, cast, ctx), fn.returns);
  }
  const bound = bindScalarFunction(e.name, args, e.pos);
  if (!bound) throw new CatalogError('UNKNOWN_OBJECT', `function ${e.name} does not exist`, e.pos);
  return bound;
}

/** Bind a SQL function's body with its parameters replaced by the call's arguments. */
function inlineSqlFunction(
  body: Expr,
  params: { name?: string; type: import('../../types/datatype.js').DataType }[],
  args: BoundExpr[],
  ctx: ExprContext,
): BoundExpr {
  const byName = new Map<string, number>();
  params.forEach((p, i) => p.name !== undefined && byName.set(p.name, i));
  return bindExpr(body, {
    ...ctx,
    intercept: (x) => {
      if (x.kind === 'column' && x.table === undefined && byName.has(x.name)) return args[byName.get(x.name)!];
      if (x.kind === 'param') {
        const a = args[x.index];
        if (!a) throw new CatalogError('UNKNOWN_COLUMN', `function body references $${x.index + 1} but has ${args.length} parameter(s)`, x.pos);
        return a;
      }
      return undefined;
    },
  });
}

/** PostgreSQL's name for an unaliased output column. */
export function outputName(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.name;
    case 'call':
      return e.name === 'btrim' || e.name === 'ltrim' || e.name === 'rtrim' ? e.name : e.name;
    case 'cast':
      return e.expr.kind === 'column' || e.expr.kind === 'call' || e.expr.kind === 'cast' ? outputName(e.expr) : pgTypeName(typeFromAst(e.type));
    case 'typed-literal':
      return pgTypeName(typeFromAst(e.type));
    case 'case':
      return 'case';
    case 'exists':
      return 'exists';
    case 'array':
      return 'array';
    case 'boolean':
      return 'bool';
    case 'interval':
      return 'interval';
    case 'scalar-subquery': {
      const body = e.query.body;
      if (body.kind === 'select' && body.items.length === 1 && body.items[0]!.kind === 'expr') {
        const item = body.items[0]!;
        return item.alias ?? outputName(item.expr);
      }
      return '?column?';
    }
    default:
      return '?column?';
  }
}

/** Does the expression contain an aggregate call (not inside a subquery or OVER)? */
export function containsAggregate(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.kind === 'call' && !x.over && isAggregateName(x.name)) found = true;
    return !found;
  });
  return found;
}

/** Does the expression contain a window function call? */
export function containsWindowCall(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.kind === 'call' && x.over) found = true;
    return !found;
  });
  return found;
}

/** Visit sub-expressions (not descending into subqueries); `visit` returns false to skip children. */
export function walkExpr(e: Expr, visit: (e: Expr) => boolean): void {
  if (!visit(e)) return;
  const kids: (Expr | undefined)[] = [];
  switch (e.kind) {
    case 'unary': kids.push(e.operand); break;
    case 'binary': kids.push(e.left, e.right, e.escape); break;
    case 'is': kids.push(e.expr); break;
    case 'between': kids.push(e.expr, e.low, e.high); break;
    case 'in-list': kids.push(e.expr, ...e.list); break;
    case 'in-subquery': kids.push(e.expr); break;
    case 'quantified': kids.push(e.expr, e.subject.kind === 'expr' ? e.subject.expr : undefined); break;
    case 'case': kids.push(e.operand, ...e.whens.flatMap((w) => [w.when, w.then]), e.else); break;
    case 'cast': kids.push(e.expr); break;
    case 'call':
      // arguments of an aggregate/window call are still part of this query level
      kids.push(...e.args, e.filter, ...(e.orderBy ?? []).map((o) => o.expr));
      if (e.over) kids.push(...e.over.partitionBy, ...e.over.orderBy.map((o) => o.expr));
      break;
    case 'array': kids.push(...e.elements); break;
    case 'subscript': kids.push(e.expr, e.index); break;
    case 'row': kids.push(...e.elements); break;
    default: break;
  }
  for (const k of kids) if (k) walkExpr(k, visit);
}

/** A structural key for a bound expression (dedupe aggregates, match GROUP BY expressions). */
export function exprKey(e: BoundExpr): string {
  return JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}
