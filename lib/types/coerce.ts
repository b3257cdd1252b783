// Implicit casts and common-supertype resolution, following PostgreSQL's type categories:
// numeric types widen smallint → int → bigint → decimal → real → double; date → timestamp →
// timestamptz; NULL and untyped string literals ('unknown' in PostgreSQL) adapt to the other
// side. Text never converts implicitly to anything else.
import { SqlTypeError } from '../errors.js';
import { type DataType, T, typeToSql } from './datatype.js';

const NUMERIC_RANK: Record<string, number> = { smallint: 1, int: 2, bigint: 3, decimal: 4, real: 5, double: 6 };
const DATETIME_RANK: Record<string, number> = { date: 1, timestamp: 2, timestamptz: 3 };

export function sameType(a: DataType, b: DataType): boolean {
  if (a.id !== b.id) return false;
  if (a.id === 'array') return sameType(a.element ?? T.null, b.element ?? T.null);
  return true;
}

/**
 * Cost of implicitly converting `from` to `to`: 0 for the same type, a small positive number
 * for a widening conversion, -1 when there is none. Used to rank function signatures.
 */
export function implicitCastCost(from: DataType, to: DataType): number {
  if (from.id === to.id) {
    if (from.id === 'array') return implicitCastCost(from.element ?? T.null, to.element ?? T.null);
    return 0;
  }
  if (from.id === 'null') return 1;
  const nf = NUMERIC_RANK[from.id];
  const nt = NUMERIC_RANK[to.id];
  if (nf !== undefined && nt !== undefined) return nt > nf ? nt - nf : -1;
  const df = DATETIME_RANK[from.id];
  const dt = DATETIME_RANK[to.id];
  if (df !== undefined && dt !== undefined) return dt > df ? dt - df : -1;
  return -1;
}

export function canImplicitCast(from: DataType, to: DataType): boolean {
  return implicitCastCost(from, to) >= 0;
}

/** Category names for error messages and unknown-literal resolution. */
export function typeCategory(t: DataType): string {
  if (NUMERIC_RANK[t.id] !== undefined) return 'numeric';
  if (DATETIME_RANK[t.id] !== undefined) return 'datetime';
  return t.id;
}

/**
 * The type every input converts to, for CASE/COALESCE/UNION/IN/greatest/least (PostgreSQL's
 * select_common_type). `unknownLiterals[i]` marks an untyped string literal, which takes the
 * others' type; if every input is NULL or such a literal the result is varchar.
 * Throws SqlTypeError TYPE_MISMATCH naming `context` ("CASE", "COALESCE", "UNION" …).
 */
export function commonSupertype(types: readonly DataType[], context = 'expression', unknownLiterals?: readonly boolean[]): DataType {
  let result: DataType | undefined;
  for (let i = 0; i < types.length; i++) {
    const t = types[i]!;
    if (t.id === 'null' || unknownLiterals?.[i]) continue;
    if (result === undefined) {
      result = t;
      continue;
    }
    if (sameType(result, t)) {
      result = mergeSameType(result, t);
      continue;
    }
    if (canImplicitCast(result, t)) result = t;
    else if (!canImplicitCast(t, result)) {
      throw new SqlTypeError('TYPE_MISMATCH', `${context} types ${typeToSql(result)} and ${typeToSql(t)} cannot be matched`);
    }
  }
  if (result === undefined) return types.some((t, i) => unknownLiterals?.[i] || t.id === 'varchar') ? T.varchar : types.length ? T.varchar : T.null;
  return result;
}

/** Two decimals of different precision meet at unconstrained decimal; arrays by element. */
function mergeSameType(a: DataType, b: DataType): DataType {
  if (a.id === 'decimal' && (a.precision !== b.precision || a.scale !== b.scale)) return T.decimal;
  if (a.id === 'array') {
    const e = commonSupertype([a.element ?? T.null, b.element ?? T.null]);
    return T.array(e);
  }
  return a;
}
