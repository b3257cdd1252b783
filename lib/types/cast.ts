// Casts between SQL types with PostgreSQL semantics (text output lives in format.ts).
// `makeCast(from, to)` picks a specialised function once (call it per row on non-NULL values);
// `castValue` is the convenient NULL-aware form. Run-time failures raise ExecutionError
// INVALID_CAST (bad text, impossible value) or NUMERIC_OVERFLOW (out of range).
// Rounding: double/real → integer uses rint (half to even, as PostgreSQL's dtoi4 does);
// numeric → integer rounds half away from zero (PostgreSQL numeric_int4).
import { ExecutionError, SqlTypeError } from '../errors.js';
import { type DataType, typeToSql } from './datatype.js';
import { Decimal } from './decimal.js';
import { Interval } from './interval.js';
import { castToText } from './format.js';
import { isJsonValue, makeJson, parseJson } from './json.js';
import { epochDay, MS_PER_DAY, parseDate, parseTimestamp } from './timestamp.js';
import type { JsonValue, Value } from './value.js';

export type CastFn = (v: Value) => Value;

const INT_RANGE: Record<string, [number, number]> = {
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
  // bigint is held in a JS number: exact only within ±(2^53 - 1), so that is its range here.
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

const TYPE_WORD: Record<string, string> = {
  smallint: 'smallint',
  int: 'integer',
  bigint: 'bigint',
  real: 'real',
  double: 'double precision',
  decimal: 'numeric',
  boolean: 'boolean',
  timestamp: 'timestamp',
  timestamptz: 'timestamp with time zone',
  date: 'date',
  interval: 'interval',
  jsonb: 'json',
  bytea: 'bytea',
  varchar: 'text',
  array: 'array',
};

function badText(text: string, to: DataType): ExecutionError {
  return new ExecutionError('INVALID_CAST', `invalid input syntax for type ${TYPE_WORD[to.id] ?? to.id}: "${text}"`);
}

export function outOfRange(id: string): ExecutionError {
  return new ExecutionError('NUMERIC_OVERFLOW', `${TYPE_WORD[id] ?? id} out of range`);
}

/** Round half to even (C rint), as PostgreSQL does for float → integer. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export { castToText, formatDouble, formatReal, formatValue, inferType } from './format.js';

export function isIntegerType(t: DataType): boolean {
  return t.id === 'smallint' || t.id === 'int' || t.id === 'bigint';
}

export function isNumericType(t: DataType): boolean {
  return isIntegerType(t) || t.id === 'real' || t.id === 'double' || t.id === 'decimal';
}

/** Check an integral JS number against an integer type's range. */
export function checkIntRange(v: number, id: string): number {
  const r = INT_RANGE[id]!;
  if (v < r[0] || v > r[1]) throw outOfRange(id);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Text input

const BOOL_TEXT: Record<string, boolean> = {
  t: true, tr: true, tru: true, true: true, y: true, ye: true, yes: true, on: true, '1': true,
  f: false, fa: false, fal: false, fals: false, false: false, n: false, no: false, of: false, off: false, '0': false,
};

export function parseBoolean(text: string): boolean {
  const b = BOOL_TEXT[text.trim().toLowerCase()];
  if (b === undefined || text.trim().toLowerCase() === 'of') {
    throw new ExecutionError('INVALID_CAST', `invalid input syntax for type boolean: "${text}"`);
  }
  return b;
}

const INT_TEXT = /^\s*[+-]?\d+\s*$/;

export function parseInteger(text: string, to: DataType): number {
  if (!INT_TEXT.test(text)) throw badText(text, to);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    // beyond ±2^53 the number is not exact: the bigint range check reports it
    throw outOfRange(to.id);
  }
  return checkIntRange(n, to.id);
}

const FLOAT_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

export function parseFloatText(text: string, to: DataType): number {
  const t = text.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'infinity' || t === '+infinity' || t === 'inf' || t === '+inf') return Infinity;
  if (t === '-infinity' || t === '-inf') return -Infinity;
  if (!FLOAT_TEXT.test(text)) throw badText(text, to);
  const n = Number(text);
  if (!Number.isFinite(n)) throw outOfRange(to.id);
  return to.id === 'real' ? Math.fround(n) : n;
}

/** Parse a PostgreSQL array literal '{1,2,"a b",NULL,{3}}' into element texts (null for NULL). */
export function parseArrayText(text: string): (string | null | unknown[])[] {
  let i = 0;
  const s = text.trim();
  const fail = (): never => {
    throw new ExecutionError('INVALID_CAST', `malformed array literal: "${text}"`);
  };
  const parseList = (): (string | null | unknown[])[] => {
    if (s[i] !== '{') fail();
    i++;
    const out: (string | null | unknown[])[] = [];
    if (s[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      while (s[i] === ' ') i++;
      if (s[i] === '{') out.push(parseList());
      else if (s[i] === '"') {
        i++;
        let v = '';
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i++;
          v += s[i++];
        }
        if (s[i] !== '"') fail();
        i++;
        out.push(v);
      } else {
        let v = '';
        while (i < s.length && s[i] !== ',' && s[i] !== '}') v += s[i++];
        v = v.trim();
        if (v === '') fail();
        out.push(v.toUpperCase() === 'NULL' ? null : v);
      }
      while (s[i] === ' ') i++;
      if (s[i] === ',') i++;
      else if (s[i] === '}') {
        i++;
        return out;
      } else fail();
    }
  };
  const result = parseList();
  if (i !== s.length) fail();
  return result;
}

function parseBytea(text: string): Uint8Array {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2);
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
      throw new ExecutionError('INVALID_CAST', `invalid hexadecimal data for type bytea: "${text}"`);
    }
    return new Uint8Array(Buffer.from(hex, 'hex'));
  }
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// Cast table

function identity(v: Value): Value {
  return v;
}

function cannotCast(from: DataType, to: DataType): SqlTypeError {
  return new SqlTypeError('TYPE_MISMATCH', `cannot cast type ${typeToSql(from)} to ${typeToSql(to)}`);
}

/** Whether an explicit CAST from → to exists (the binder checks this before makeCast). */
export function canCast(from: DataType, to: DataType): boolean {
  try {
    makeCast(from, to);
    return true;
  } catch (e) {
    if (e instanceof SqlTypeError) return false;
    throw e;
  }
}

function numberFromDecimal(to: DataType): CastFn {
  if (isIntegerType(to)) {
    return (v) => {
      const b = (v as Decimal).toBigInt();
      const r = INT_RANGE[to.id]!;
      if (b < BigInt(r[0]) || b > BigInt(r[1])) throw outOfRange(to.id);
      return Number(b);
    };
  }
  if (to.id === 'real') return (v) => Math.fround((v as Decimal).toNumber());
  return (v) => (v as Decimal).toNumber();
}

function toInteger(from: DataType, to: DataType): CastFn {
  const id = to.id;
  switch (from.id) {
    case 'smallint':
    case 'int':
    case 'bigint': {
      const r = INT_RANGE[id]!;
      const wider = INT_RANGE[from.id]!;
      if (wider[0] >= r[0] && wider[1] <= r[1]) return identity;
      return (v) => checkIntRange(v as number, id);
    }
    case 'real':
    case 'double':
      return (v) => {
        const x = v as number;
        if (!Number.isFinite(x)) throw outOfRange(id);
        return checkIntRange(rint(x), id);
      };
    case 'decimal':
      return numberFromDecimal(to);
    case 'boolean':
      return (v) => (v ? 1 : 0);
    case 'varchar':
      return (v) => parseInteger(v as string, to);
    case 'jsonb':
      return (v) => {
        const j = (v as JsonValue).json;
        if (typeof j !== 'number') throw new ExecutionError('INVALID_CAST', `cannot cast jsonb ${jsonKind(j)} to type ${TYPE_WORD[id]}`);
        return checkIntRange(rint(j), id);
      };
    default:
      throw cannotCast(from, to);
  }
}

function jsonKind(j: unknown): string {
  return j === null ? 'null' : Array.isArray(j) ? 'array' : typeof j === 'object' ? 'object' : typeof j;
}

function toFloat(from: DataType, to: DataType): CastFn {
  const real = to.id === 'real';
  switch (from.id) {
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'double':
    case 'real':
      return real && from.id !== 'real' ? (v) => Math.fround(v as number) : identity;
    case 'decimal':
      return numberFromDecimal(to);
    case 'varchar':
      return (v) => parseFloatText(v as string, to);
    case 'jsonb':
      return (v) => {
        const j = (v as JsonValue).json;
        if (typeof j !== 'number') throw new ExecutionError('INVALID_CAST', `cannot cast jsonb ${jsonKind(j)} to type ${TYPE_WORD[to.id]}`);
        return real ? Math.fround(j) : j;
      };
    default:
      throw cannotCast(from, to);
  }
}

/** float8 → numeric keeps 15 significant digits (float4: 6), as PostgreSQL does. */
export function decimalFromDouble(x: number, digits = 15): Decimal {
  if (!Number.isFinite(x)) throw new ExecutionError('INVALID_CAST', `cannot convert ${x} to numeric`);
  return Decimal.parse(String(Number(x.toPrecision(digits))));
}

function toDecimal(from: DataType, to: DataType): CastFn {
  const p = to.precision;
  const s = to.scale;
  let base: CastFn;
  switch (from.id) {
    case 'smallint':
    case 'int':
    case 'bigint':
      base = (v) => Decimal.fromNumber(v as number);
      break;
    case 'real':
      base = (v) => decimalFromDouble(v as number, 6);
      break;
    case 'double':
      base = (v) => decimalFromDouble(v as number);
      break;
    case 'decimal':
      base = identity;
      break;
    case 'varchar':
      base = (v) => {
        const d = Decimal.tryParse(v as string);
        if (d === null) throw badText(v as string, to);
        return d;
      };
      break;
    case 'jsonb':
      base = (v) => {
        const j = (v as JsonValue).json;
        if (typeof j !== 'number') throw new ExecutionError('INVALID_CAST', `cannot cast jsonb ${jsonKind(j)} to type numeric`);
        return Decimal.parse(String(j));
      };
      break;
    default:
      throw cannotCast(from, to);
  }
  if (p === undefined && s === undefined) return base;
  return (v) => (base(v) as Decimal).fit(p, s);
}

function toBoolean(from: DataType, to: DataType): CastFn {
  switch (from.id) {
    case 'boolean':
      return identity;
    case 'smallint':
    case 'int':
    case 'bigint':
      return (v) => v !== 0;
    case 'varchar':
      return (v) => parseBoolean(v as string);
    case 'jsonb':
      return (v) => {
        const j = (v as JsonValue).json;
        if (typeof j !== 'boolean') throw new ExecutionError('INVALID_CAST', `cannot cast jsonb ${jsonKind(j)} to type boolean`);
        return j;
      };
    default:
      throw cannotCast(from, to);
  }
}

function toTimestamp(from: DataType, to: DataType): CastFn {
  switch (from.id) {
    case 'timestamp':
    case 'timestamptz':
    case 'date':
      return identity;
    case 'varchar':
      return (v) => parseTimestamp(v as string);
    default:
      throw cannotCast(from, to);
  }
}

function toDate(from: DataType, to: DataType): CastFn {
  switch (from.id) {
    case 'date':
      return identity;
    case 'timestamp':
    case 'timestamptz':
      return (v) => epochDay(v as number) * MS_PER_DAY;
    case 'varchar':
      return (v) => parseDate(v as string);
    default:
      throw cannotCast(from, to);
  }
}

function toArray(from: DataType, to: DataType): CastFn {
  const element = to.element ?? { id: 'varchar' };
  if (from.id === 'array') {
    const inner = makeCast(from.element ?? { id: 'null' }, element);
    if (inner === identity) return identity;
    return (v) => (v as Value[]).map((e) => (e === null ? null : inner(e)));
  }
  if (from.id === 'varchar') {
    // nested braces are dimensions: the leaves have the innermost element type
    let leaf = element;
    while (leaf.id === 'array') leaf = leaf.element ?? { id: 'varchar' };
    const fromText = makeCast({ id: 'varchar' }, leaf);
    const convert = (items: (string | null | unknown[])[]): Value[] =>
      items.map((e) => (e === null ? null : Array.isArray(e) ? convert(e as (string | null)[]) : fromText(e as string)));
    return (v) => convert(parseArrayText(v as string));
  }
  throw cannotCast(from, to);
}

/**
 * A cast function from → to for non-NULL values. Throws SqlTypeError TYPE_MISMATCH when the
 * cast does not exist (a bind-time problem); the returned function throws ExecutionError.
 */
export function makeCast(from: DataType, to: DataType): CastFn {
  if (from.id === 'null') return identity;
  switch (to.id) {
    case 'smallint':
    case 'int':
    case 'bigint':
      return toInteger(from, to);
    case 'real':
    case 'double':
      return toFloat(from, to);
    case 'decimal':
      return toDecimal(from, to);
    case 'boolean':
      return toBoolean(from, to);
    case 'varchar':
      if (from.id === 'varchar') return identity;
      return (v) => castToText(v, from);
    case 'timestamp':
    case 'timestamptz':
      return toTimestamp(from, to);
    case 'date':
      return toDate(from, to);
    case 'interval':
      if (from.id === 'interval') return identity;
      if (from.id === 'varchar') return (v) => Interval.parse(v as string);
      throw cannotCast(from, to);
    case 'jsonb':
      if (from.id === 'jsonb') return identity;
      if (from.id === 'varchar') return (v) => parseJson(v as string);
      throw cannotCast(from, to);
    case 'bytea':
      if (from.id === 'bytea') return identity;
      if (from.id === 'varchar') return (v) => parseBytea(v as string);
      throw cannotCast(from, to);
    case 'array':
      return toArray(from, to);
    case 'null':
      return identity;
    default:
      throw cannotCast(from, to);
  }
}

/** Whether makeCast(from, to) is the identity (no run-time work: the compiler elides it). */
export function isNoopCast(from: DataType, to: DataType): boolean {
  try {
    return makeCast(from, to) === identity;
  } catch {
    return false;
  }
}

/** Cast one value (NULL stays NULL). With `tryCast`, a failing conversion gives NULL. */
export function castValue(v: Value, from: DataType, to: DataType, tryCast = false): Value {
  if (v === null) return null;
  const fn = makeCast(from, to);
  if (!tryCast) return fn(v);
  try {
    return fn(v);
  } catch (e) {
    if (e instanceof ExecutionError) return null;
    throw e;
  }
}

export { makeJson, isJsonValue };
