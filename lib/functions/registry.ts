// The function and operator registry the binder resolves calls against. Resolution follows
// PostgreSQL's idea: among the signatures of that name and arity, pick the one reachable with
// the cheapest implicit casts (exact matches cost nothing); polymorphic 'T' parameters meet at
// the arguments' common supertype. The result tells the binder which casts to insert.
import { SqlTypeError } from '../errors.js';
import { type DataType, T, typeToSql } from '../types/datatype.js';
import { commonSupertype, implicitCastCost } from '../types/coerce.js';
import { aggregateReturnType, AGGREGATE_NAMES } from './aggregates/types.js';
import { arraySignatures } from './array.js';
import { conditionalSignatures } from './conditional.js';
import { datetimeSignatures } from './datetime.js';
import { jsonSignatures } from './json.js';
import { mathSignatures } from './math.js';
import { operatorSignatures } from './operators.js';
import { regexpSignatures } from './regexp.js';
import type { Param, ScalarImpl, Signature } from './signature.js';
import { stringSignatures } from './string.js';

export interface ResolvedFunction {
  name: string;
  /** the types the arguments must be cast to (the binder inserts BoundCast where they differ) */
  argTypes: DataType[];
  returnType: DataType;
  /** the implementation (used by the expression compiler) */
  impl: ScalarImpl;
}

export interface ResolveOptions {
  /**
   * unknownLiterals[i]: argument i is an untyped string literal ('2024-01-01'), which converts to
   * whatever the signature wants (PostgreSQL's 'unknown' type).
   */
  unknownLiterals?: readonly boolean[];
}

const byName = new Map<string, Signature[]>();
for (const list of [
  operatorSignatures,
  mathSignatures,
  stringSignatures,
  regexpSignatures,
  datetimeSignatures,
  conditionalSignatures,
  jsonSignatures,
  arraySignatures,
]) {
  for (const sig of list) {
    let arr = byName.get(sig.name);
    if (!arr) byName.set(sig.name, (arr = []));
    arr.push(sig);
  }
}

const OPERATOR_NAMES = new Set([
  '+', '-', '*', '/', '%', '^', '||', '=', '<>', '<', '<=', '>', '>=', 'and', 'or', 'not', 'neg',
  'is_null', 'is_not_null', 'is_true', 'is_false', 'is_not_true', 'is_not_false', 'is_unknown',
  'is_not_unknown', 'is_distinct_from', 'is_not_distinct_from', 'like', 'ilike', 'similar_to',
  'regex_match', 'regex_imatch', 'in', 'array', 'subscript', '->', '->>',
]);

/** The parameter pattern of argument `i` (variadic ones repeat), or undefined past the end. */
function paramAt(sig: Signature, i: number): Param | undefined {
  return i < sig.params.length ? sig.params[i] : sig.variadic;
}

function arityFits(sig: Signature, n: number): boolean {
  if (sig.variadic === undefined) return n === sig.params.length;
  return n >= sig.params.length + (sig.minVariadic ?? 0);
}

interface Candidate {
  sig: Signature;
  argTypes: DataType[];
  cost: number;
  poly?: DataType;
}

function tryMatch(sig: Signature, args: readonly DataType[], unknown: readonly boolean[] | undefined): Candidate | undefined {
  if (!arityFits(sig, args.length)) return undefined;
  // Polymorphic T: gather what the T and T[] arguments say.
  let poly: DataType | undefined;
  const polyInputs: DataType[] = [];
  const polyUnknown: boolean[] = [];
  for (let i = 0; i < args.length; i++) {
    const p = paramAt(sig, i);
    const a = args[i]!;
    if (p === 'T') {
      polyInputs.push(a);
      polyUnknown.push(unknown?.[i] ?? false);
    } else if (p === 'T[]') {
      if (a.id === 'array') {
        polyInputs.push(a.element ?? T.null);
        polyUnknown.push(false);
      } else if (a.id !== 'null' && !unknown?.[i]) return undefined;
    }
  }
  if (polyInputs.length) {
    try {
      poly = commonSupertype(polyInputs, sig.name, polyUnknown);
    } catch {
      return undefined;
    }
  }
  const argTypes: DataType[] = [];
  let cost = 0;
  for (let i = 0; i < args.length; i++) {
    const p = paramAt(sig, i)!;
    const a = args[i]!;
    let target: DataType;
    if (p === 'any') target = a.id === 'null' && !unknown?.[i] ? a : unknown?.[i] ? T.varchar : a;
    else if (p === 'T') target = poly!;
    else if (p === 'T[]') target = T.array(poly ?? T.varchar);
    else target = p === a.id ? a : { id: p };
    let c: number;
    if (unknown?.[i]) c = target.id === 'varchar' ? 0 : 1;
    else c = implicitCastCost(a, target);
    if (c < 0) return undefined;
    // decimal(p,s) passes as itself to a 'decimal' parameter
    argTypes.push(c === 0 && a.id === target.id && p !== 'T' && p !== 'T[]' ? a : target);
    cost += c;
  }
  return { sig, argTypes, cost, poly };
}

function returnTypeOf(c: Candidate): DataType {
  const r = c.sig.returns;
  if (r === 'T') return c.poly ?? T.varchar;
  if (r === 'T[]') return T.array(c.poly ?? T.varchar);
  if (typeof r === 'function') return r(c.argTypes);
  return r;
}

function describeCall(name: string, args: readonly DataType[], operator: boolean): string {
  const types = args.map((a) => (a.id === 'null' ? 'unknown' : typeToSql(a).toLowerCase()));
  if (operator) {
    if (args.length === 1) return `operator does not exist: ${name} ${types[0]}`;
    if (args.length === 2) return `operator does not exist: ${types[0]} ${name} ${types[1]}`;
  }
  return `function ${name}(${types.join(', ')}) does not exist`;
}

function resolve(name: string, args: readonly DataType[], opts: ResolveOptions | undefined, operator: boolean): ResolvedFunction {
  const sigs = byName.get(name);
  if (!sigs) {
    if (AGGREGATE_NAMES.has(name)) {
      throw new SqlTypeError('TYPE_MISMATCH', `aggregate function ${name} is not allowed here`);
    }
    throw new SqlTypeError('UNKNOWN_FUNCTION', `function ${name} does not exist`);
  }
  let best: Candidate | undefined;
  for (const sig of sigs) {
    const c = tryMatch(sig, args, opts?.unknownLiterals);
    if (c && (best === undefined || c.cost < best.cost)) best = c;
  }
  if (!best) throw new SqlTypeError('TYPE_MISMATCH', describeCall(name, args, operator) + ' (no signature accepts these argument types)');
  return { name, argTypes: best.argTypes, returnType: returnTypeOf(best), impl: best.sig.impl };
}

/**
 * Resolve an operator (spelled as in bound.ts: '+', '=', 'and', 'neg', 'like', 'in' …).
 * Throws SqlTypeError TYPE_MISMATCH ("operator does not exist: integer + text").
 */
export function resolveOperator(op: string, args: readonly DataType[], opts?: ResolveOptions): ResolvedFunction {
  return resolve(op, args, opts, OPERATOR_NAMES.has(op));
}

/**
 * Resolve a named scalar function. Throws SqlTypeError UNKNOWN_FUNCTION for an unknown name,
 * TYPE_MISMATCH when no signature accepts the argument types.
 */
export function resolveFunction(name: string, args: readonly DataType[], opts?: ResolveOptions): ResolvedFunction {
  return resolve(name.toLowerCase(), args, opts, false);
}

/** Whether `name` is a known scalar function or operator. */
export function isScalarFunction(name: string): boolean {
  return byName.has(name.toLowerCase());
}

/** Whether `name` is an aggregate (count, sum, avg, min, max, string_agg …). */
export function isAggregate(name: string): boolean {
  return AGGREGATE_NAMES.has(name.toLowerCase());
}

/**
 * The result type of an aggregate call (see aggregates/types.ts for the choices, e.g.
 * sum(int) → bigint, sum(bigint) → decimal, avg(integer types) → decimal as PostgreSQL).
 * Throws SqlTypeError TYPE_MISMATCH / UNKNOWN_FUNCTION.
 */
export function resolveAggregate(name: string, args: readonly DataType[], distinct = false): DataType {
  return aggregateReturnType(name.toLowerCase(), args, distinct);
}

export { commonSupertype };
