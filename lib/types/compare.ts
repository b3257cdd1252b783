// SQL ordering, equality and hash keys over internal values (see datatype.ts for representations).
// NULL is the caller's business: compareValues/valuesEqual take non-null values; compareNullable
// places NULLs by a flag. Strings order by UTF-16 code units (close to PostgreSQL's "C" collation).
import type { DataType } from './datatype.js';
import { Decimal } from './decimal.js';
import { Interval } from './interval.js';
import type { JsonValue, Value } from './value.js';

export type Comparator = (a: Value, b: Value) => number;

function comparePrimitive(a: Value, b: Value): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** Numbers order NaN above every other value, as PostgreSQL does for floats. */
function compareNumber(a: Value, b: Value): number {
  const x = a as number;
  const y = b as number;
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  const xn = x !== x;
  const yn = y !== y;
  return xn === yn ? 0 : xn ? 1 : -1;
}

function compareDecimal(a: Value, b: Value): number {
  return (a as Decimal).compare(b as Decimal);
}

function compareInterval(a: Value, b: Value): number {
  return (a as Interval).compare(b as Interval);
}

function compareBytes(a: Value, b: Value): number {
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
}

/** Arrays compare element by element; NULL elements sort after non-NULL ones (PostgreSQL). */
function compareArrays(a: Value, b: Value, element: Comparator): number {
  const x = a as Value[];
  const y = b as Value[];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareNullable(x[i]!, y[i]!, false, element);
    if (c !== 0) return c;
  }
  return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
}

function compareJson(a: Value, b: Value): number {
  const x = JSON.stringify((a as JsonValue).json);
  const y = JSON.stringify((b as JsonValue).json);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compare two values whose type is only known at run time (dispatch on representation). */
export function compareAny(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return compareNumber(a, b);
  if (typeof a === 'string' || typeof a === 'boolean') return comparePrimitive(a, b);
  if (a instanceof Decimal) return compareDecimal(a, b);
  if (a instanceof Interval) return compareInterval(a, b);
  if (a instanceof Uint8Array) return compareBytes(a, b);
  if (Array.isArray(a)) return compareArrays(a, b, compareAny);
  return compareJson(a, b);
}

/** A comparator specialised for one type (pick once, call per row). */
export function comparatorFor(type: DataType): Comparator {
  switch (type.id) {
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'real':
    case 'double':
    case 'timestamp':
    case 'timestamptz':
    case 'date':
      return compareNumber;
    case 'varchar':
    case 'boolean':
      return comparePrimitive;
    case 'decimal':
      return compareDecimal;
    case 'interval':
      return compareInterval;
    case 'bytea':
      return compareBytes;
    case 'array': {
      const element = type.element ? comparatorFor(type.element) : compareAny;
      return (a, b) => compareArrays(a, b, element);
    }
    case 'jsonb':
      return compareJson;
    default:
      return compareAny;
  }
}

/** SQL ordering of two non-NULL values of `type`: negative, zero or positive. */
export function compareValues(a: Value, b: Value, type: DataType): number {
  return comparatorFor(type)(a, b);
}

/** Ordering with NULLs placed first or last (PostgreSQL default: NULLS LAST ascending). */
export function compareNullable(a: Value, b: Value, nullsFirst: boolean, cmp: Comparator = compareAny): number {
  if (a === null) return b === null ? 0 : nullsFirst ? -1 : 1;
  if (b === null) return nullsFirst ? 1 : -1;
  return cmp(a, b);
}

/** SQL equality of two non-NULL values (1.0 = 1.00, '1 mon' = '30 days' as PostgreSQL). */
export function valuesEqual(a: Value, b: Value, type?: DataType): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || a === null) {
    // NaN equals NaN in SQL comparisons of floats (PostgreSQL)
    return typeof a === 'number' && a !== a && typeof b === 'number' && b !== b;
  }
  return (type ? comparatorFor(type) : compareAny)(a, b) === 0;
}

// ---------------------------------------------------------------------------------------------
// Hash keys

/**
 * A Map key for one value. Primitives are returned as they are (no allocation: Map already
 * tells 1 from '1' and null from 'null'); other values become a tagged string in which values
 * SQL calls equal (1.0 and 1.00) coincide. Within a typed column the tagged strings cannot
 * collide with plain strings because a column holds one representation.
 */
export function keyOf(v: Value): string | number | boolean | null {
  if (v === null || typeof v !== 'object') return v;
  return encodeValue(v);
}

/** A Map key for several values; distinguishes types and NULL inside the tuple. */
export function rowKey(...values: Value[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += encodeValue(values[i]!);
  return out;
}

/** rowKey over chosen columns of row `i` of a batch (no intermediate array). */
export function columnsKey(cols: ArrayLike<Value>[], indices: readonly number[], i: number): string {
  let out = '';
  for (let k = 0; k < indices.length; k++) out += encodeValue(cols[indices[k]!]![i]!);
  return out;
}

/**
 * Self-delimiting encoding: a tag letter, then the content. Strings carry their length, numbers
 * end with ';', so no choice of content can make two different tuples encode alike.
 */
export function encodeValue(v: Value): string {
  switch (typeof v) {
    case 'number':
      // -0 and 0 are equal; String(-0) is '0'. NaN → 'NaN'.
      return 'n' + v + ';';
    case 'string':
      return 's' + v.length + ':' + v;
    case 'boolean':
      return v ? 'T' : 'F';
    default:
      break;
  }
  if (v === null) return 'N';
  if (v instanceof Decimal) {
    const n = v.normalize();
    return 'd' + n.unscaled + 'e' + n.scale + ';';
  }
  if (v instanceof Interval) return 'i' + v.totalMicros() + ';';
  if (v instanceof Uint8Array) return 'b' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') + ';';
  if (Array.isArray(v)) {
    let out = 'a' + v.length + ':';
    for (let i = 0; i < v.length; i++) out += encodeValue(v[i]!);
    return out;
  }
  const json = JSON.stringify(canonicalJson((v as JsonValue).json));
  return 'j' + json.length + ':' + json;
}

/** JSON with object keys sorted, so key order does not change equality (jsonb semantics). */
function canonicalJson(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canonicalJson);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) out[k] = canonicalJson((x as Record<string, unknown>)[k]);
    return out;
  }
  return x;
}

/**
 * A key function specialised for the given column types: a single primitive-typed column yields
 * the value itself (no allocation); otherwise a tagged string.
 */
export function makeKeyFn(
  types: readonly DataType[],
  indices: readonly number[],
): (cols: ArrayLike<Value>[], i: number) => string | number | boolean | null {
  if (indices.length === 1) {
    const idx = indices[0]!;
    const t = types[0]!.id;
    if (t !== 'decimal' && t !== 'interval' && t !== 'array' && t !== 'jsonb' && t !== 'bytea') {
      return (cols, i) => cols[idx]![i] as string | number | boolean | null;
    }
    return (cols, i) => keyOf(cols[idx]![i]!);
  }
  if (indices.length === 2) {
    const a = indices[0]!;
    const b = indices[1]!;
    return (cols, i) => encodeValue(cols[a]![i]!) + encodeValue(cols[b]![i]!);
  }
  return (cols, i) => columnsKey(cols, indices, i);
}
