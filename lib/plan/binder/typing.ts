// Type resolution for the binder: the result type of operators, scalar functions and aggregates,
// and the implicit casts that make argument types line up. This is the single place the binder
// asks "what type does this produce"; it follows PostgreSQL's promotion rules.

import { SqlTypeError } from '../../errors.js';
import type { SourcePosition } from '../../errors.js';
import { T, typeToSql } from '../../types/datatype.js';
import type { DataType, TypeId } from '../../types/datatype.js';
import type { BoundExpr } from '../bound.js';
import { isScalarFunction, resolveAggregate, resolveFunction } from '../../functions/registry.js';
import { toInternal } from '../../types/convert.js';

const NUMERIC_RANK: Partial<Record<TypeId, number>> = {
  smallint: 1,
  int: 2,
  bigint: 3,
  decimal: 4,
  real: 5,
  double: 6,
};

export function isNumeric(t: DataType): boolean {
  return NUMERIC_RANK[t.id] !== undefined;
}

export function isIntegral(t: DataType): boolean {
  return t.id === 'smallint' || t.id === 'int' || t.id === 'bigint';
}

function isTemporal(t: DataType): boolean {
  return t.id === 'timestamp' || t.id === 'timestamptz' || t.id === 'date';
}

export function sameType(a: DataType, b: DataType): boolean {
  if (a.id !== b.id) return false;
  if (a.id === 'array') return sameType(a.element ?? T.null, b.element ?? T.null);
  return true;
}

/** An untyped string literal (PostgreSQL's `unknown`): coerces to whatever it meets. */
export function isUntypedString(e: BoundExpr): boolean {
  return untypedLiterals.has(e) || paramValues.has(e);
}

/** String literals written without a type: PostgreSQL's `unknown`, resolved by context. */
export const untypedLiterals = new WeakSet<BoundExpr>();

/** Literals made from query parameters → the raw user value, converted once the context
 *  decides the type (a number compared with a TIMESTAMP is epoch ms, as in inserts). */
export const paramValues = new WeakMap<BoundExpr, unknown>();

export function castTo(e: BoundExpr, type: DataType): BoundExpr {
  // strings convert like SQL text (a runtime cast); other JavaScript values like inserted values
  if (paramValues.has(e) && type.id !== 'null' && typeof paramValues.get(e) !== 'string') {
    let value;
    try {
      value = toInternal(paramValues.get(e), type, 'parameter');
    } catch (err) {
      throw new SqlTypeError('INVALID_PARAMETER', `parameter value does not fit ${typeToSql(type)}: ${(err as Error).message}`);
    }
    return { kind: 'literal', value, type };
  }
  if (sameType(e.type, type) && !(type.id === 'decimal' && type.precision !== undefined)) return e;
  if (e.kind === 'literal' && e.value === null) return { kind: 'literal', value: null, type };
  return { kind: 'cast', expr: e, type, try: false };
}

/** The common type two values are compared / combined in, or undefined if there is none. */
export function commonType(a: DataType, b: DataType): DataType | undefined {
  if (a.id === 'null') return b;
  if (b.id === 'null') return a;
  if (sameType(a, b)) return a.id === 'decimal' ? T.decimal : a;
  const ra = NUMERIC_RANK[a.id];
  const rb = NUMERIC_RANK[b.id];
  if (ra !== undefined && rb !== undefined) return ra >= rb ? (a.id === 'decimal' ? T.decimal : a) : (b.id === 'decimal' ? T.decimal : b);
  if (isTemporal(a) && isTemporal(b)) {
    if (a.id === 'timestamptz' || b.id === 'timestamptz') return T.timestamptz;
    return T.timestamp;
  }
  return undefined;
}

/** Coerce a list of expressions to one common type (CASE branches, COALESCE, IN lists, UNION). */
export function unify(exprs: BoundExpr[], what: string, pos?: SourcePosition): { exprs: BoundExpr[]; type: DataType } {
  let type: DataType = T.null;
  const typed = exprs.filter((e) => !isUntypedString(e));
  for (const e of typed) {
    const next = commonType(type, e.type);
    if (!next) {
      throw new SqlTypeError('TYPE_MISMATCH', `${what} types ${typeToSql(type)} and ${typeToSql(e.type)} cannot be matched`, pos);
    }
    type = next;
  }
  if (type.id === 'null') {
    // only untyped values: parameters keep their JavaScript-derived type, strings are text
    const param = exprs.find((e) => paramValues.has(e) && e.type.id !== 'null');
    type = param ? param.type : exprs.some(isUntypedString) ? T.varchar : T.null;
  }
  return { exprs: exprs.map((e) => castTo(e, type)), type };
}

function mismatch(op: string, types: DataType[], pos?: SourcePosition): never {
  throw new SqlTypeError(
    'TYPE_MISMATCH',
    `operator does not exist: ${types.length === 1 ? `${op} ${typeToSql(types[0]!)}` : `${typeToSql(types[0]!)} ${op} ${typeToSql(types[1]!)}`}`,
    pos,
  );
}

/** An untyped string literal next to a typed operand takes the operand's type (as PostgreSQL). */
function coerceUntypedPair(l: BoundExpr, r: BoundExpr): [BoundExpr, BoundExpr] {
  if (adapts(l, r)) return [castTo(l, r.type), r];
  if (adapts(r, l)) return [l, castTo(r, l.type)];
  return [l, r];
}

/** Does `e` take the type of `other`? Untyped strings always; a numeric parameter meeting a
 *  numeric operand keeps its own type (the usual numeric promotion applies instead). */
function adapts(e: BoundExpr, other: BoundExpr): boolean {
  if (!isUntypedString(e) || isUntypedString(other) || other.type.id === 'null') return false;
  if (paramValues.has(e) && isNumeric(e.type) && isNumeric(other.type)) return false;
  return true;
}

const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=', 'is_distinct_from', 'is_not_distinct_from']);

/** Resolve a binary operator: cast the operands and compute the result type. */
export function bindBinaryOperator(name: string, left: BoundExpr, right: BoundExpr, pos?: SourcePosition): BoundExpr {
  // PostgreSQL: beside || an untyped string is text unless the other side is an array
  const concatText = name === '||' && left.type.id !== 'array' && right.type.id !== 'array';
  let [l, r] = concatText ? [left, right] : coerceUntypedPair(left, right);
  const call = (args: BoundExpr[], type: DataType): BoundExpr => ({ kind: 'call', name, args, type });
  if (COMPARISONS.has(name)) {
    const t = commonType(l.type, r.type);
    if (!t) mismatch(name, [l.type, r.type], pos);
    return call([castTo(l, t), castTo(r, t)], T.boolean);
  }
  if (name === 'and' || name === 'or') {
    for (const e of [l, r]) {
      if (e.type.id !== 'boolean' && e.type.id !== 'null') {
        throw new SqlTypeError('TYPE_MISMATCH', `argument of ${name.toUpperCase()} must be type boolean, not type ${typeToSql(e.type)}`, pos);
      }
    }
    return call([castTo(l, T.boolean), castTo(r, T.boolean)], T.boolean);
  }
  if (name === '||') {
    if (l.type.id === 'array' || r.type.id === 'array') return call([l, r], l.type.id === 'array' ? l.type : r.type);
    return call([castTo(l, T.varchar), castTo(r, T.varchar)], T.varchar);
  }
  if (name === 'like' || name === 'ilike' || name === 'similar_to' || name === 'regex_match' || name === 'regex_imatch') {
    for (const e of [l, r]) if (e.type.id !== 'varchar' && e.type.id !== 'null') mismatch(name, [l.type, r.type], pos);
    return call([castTo(l, T.varchar), castTo(r, T.varchar)], T.boolean);
  }
  // arithmetic
  if (untypedLiterals.has(l)) l = castTo(l, isNumeric(r.type) ? r.type : T.varchar);
  if (untypedLiterals.has(r)) r = castTo(r, isNumeric(l.type) ? l.type : T.varchar);
  const lt = l.type.id === 'null' ? r.type : l.type;
  const rt = r.type.id === 'null' ? l.type : r.type;
  if (isNumeric(lt) && isNumeric(rt)) {
    const t = commonType(lt, rt)!;
    return call([castTo(l, t), castTo(r, t)], name === '^' && isIntegral(t) ? T.double : t);
  }
  if ((name === '+' || name === '-') && isTemporal(lt) && rt.id === 'interval') {
    return call([l, r], lt.id === 'date' ? T.timestamp : lt);
  }
  if (name === '+' && lt.id === 'interval' && isTemporal(rt)) return call([l, r], rt.id === 'date' ? T.timestamp : rt);
  if ((name === '+' || name === '-') && lt.id === 'date' && isIntegral(rt)) return call([l, castTo(r, T.int)], T.date);
  if (name === '-' && isTemporal(lt) && isTemporal(rt)) {
    if (lt.id === 'date' && rt.id === 'date') return call([l, r], T.int);
    const t = commonType(lt, rt)!;
    return call([castTo(l, t), castTo(r, t)], T.interval);
  }
  if ((name === '+' || name === '-') && lt.id === 'interval' && rt.id === 'interval') return call([l, r], T.interval);
  if ((name === '*' || name === '/') && lt.id === 'interval' && isNumeric(rt)) return call([l, castTo(r, T.double)], T.interval);
  if (name === '*' && isNumeric(lt) && rt.id === 'interval') return call([castTo(l, T.double), r], T.interval);
  if ((name === '&' || name === '|' || name === '#' || name === '<<' || name === '>>') && isIntegral(lt) && isIntegral(rt)) {
    const t = commonType(lt, rt)!;
    return call([castTo(l, t), castTo(r, t)], t);
  }
  mismatch(name, [l.type, r.type], pos);
}

export function bindUnaryOperator(name: 'neg' | 'not', operand: BoundExpr, pos?: SourcePosition): BoundExpr {
  if (name === 'not') {
    if (operand.type.id !== 'boolean' && operand.type.id !== 'null') {
      throw new SqlTypeError('TYPE_MISMATCH', `argument of NOT must be type boolean, not type ${typeToSql(operand.type)}`, pos);
    }
    return { kind: 'call', name, args: [castTo(operand, T.boolean)], type: T.boolean };
  }
  const e = isUntypedString(operand) ? castTo(operand, T.double) : operand;
  if (!isNumeric(e.type) && e.type.id !== 'interval' && e.type.id !== 'null') mismatch('-', [e.type], pos);
  return { kind: 'call', name, args: [e], type: e.type.id === 'null' ? T.int : e.type };
}

/**
 * Resolve a built-in scalar function call through the function registry (PostgreSQL-style
 * overload resolution, untyped string literals adapt); undefined if the name is unknown.
 */
export function bindScalarFunction(name: string, args: BoundExpr[], pos?: SourcePosition): BoundExpr | undefined {
  if (name === 'mod' && args.length === 2) return bindBinaryOperator('%', args[0]!, args[1]!, pos);
  if (!isScalarFunction(name)) return undefined;
  let resolved;
  try {
    resolved = resolveFunction(name, args.map((a) => a.type), { unknownLiterals: args.map(isUntypedString) });
  } catch (err) {
    if (err instanceof SqlTypeError && pos && err.line === undefined) throw new SqlTypeError(err.code, err.message, pos);
    throw err;
  }
  return { kind: 'call', name, args: args.map((a, i) => castTo(a, resolved.argTypes[i]!)), type: resolved.returnType };
}

/** Window-only ranking / offset functions. */
export const RANKING_FUNCTIONS = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead']);

const AGGREGATES = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'first_value', 'last_value', 'bool_and', 'bool_or', 'every',
  'string_agg', 'array_agg', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop',
  'approx_count_distinct',
]);

export function isAggregateName(name: string): boolean {
  return AGGREGATES.has(name);
}

const AGGREGATE_ALIASES: Record<string, string> = { every: 'bool_and', stddev: 'stddev_samp', variance: 'var_samp' };

/** The result type of an aggregate over argument types: one rule set, lib/functions' registry. */
export function aggregateResultType(fn: string, args: BoundExpr[], pos?: SourcePosition): { fn: string; type: DataType } {
  const name = AGGREGATE_ALIASES[fn] ?? fn;
  try {
    return { fn: name, type: resolveAggregate(name, args.map((a) => a.type)) };
  } catch (err) {
    if (err instanceof SqlTypeError && pos !== undefined && err.line === undefined) {
      throw new SqlTypeError(err.code, err.message, pos);
    }
    throw err;
  }
}
