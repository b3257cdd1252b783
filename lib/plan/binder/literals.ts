// Literal values as the binder types them: numbers (exact decimals stay exact), intervals,
// SQL type names, and query parameters (raw user values → internal values).

import { SqlTypeError, UnsupportedError } from '../../errors.js';
import type { SourcePosition } from '../../errors.js';
import type { IntervalLiteral, NumberLiteral, TypeName } from '../../sql/ast.js';
import { T } from '../../types/datatype.js';
import type { DataType } from '../../types/datatype.js';
import { Decimal } from '../../types/decimal.js';
import { Interval } from '../../types/interval.js';
import type { BoundLiteral } from '../bound.js';
import { paramValues } from './typing.js';

const INT32_MAX = 2147483647;

export function numberLiteral(n: NumberLiteral): BoundLiteral {
  if (n.integer) {
    const v = Number(n.text);
    if (Math.abs(v) <= INT32_MAX) return { kind: 'literal', value: v, type: T.int };
    if (Number.isSafeInteger(v)) return { kind: 'literal', value: v, type: T.bigint };
    return { kind: 'literal', value: decimalFromText(n.text), type: T.decimal };
  }
  return { kind: 'literal', value: decimalFromText(n.text), type: T.decimal };
}

/** Parse `123`, `1.50`, `1e3`, `.5` exactly. */
export function decimalFromText(text: string): Decimal {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new SqlTypeError('INVALID_VALUE', `invalid numeric literal "${text}"`);
  const sign = m[1] === '-' ? -1n : 1n;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  let unscaled = BigInt((intPart + frac).replace(/^0+(?=\d)/, '') || '0');
  let scale = frac.length - exp;
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return new Decimal(sign * unscaled, scale);
}

const UNIT_MICROS: Record<string, number> = {
  MICROSECOND: 1,
  MILLISECOND: 1000,
  SECOND: 1_000_000,
  MINUTE: 60_000_000,
  HOUR: 3_600_000_000,
};

const UNIT_ALIASES: Record<string, string> = {
  year: 'YEAR', years: 'YEAR', y: 'YEAR', month: 'MONTH', months: 'MONTH', mon: 'MONTH', mons: 'MONTH',
  week: 'WEEK', weeks: 'WEEK', w: 'WEEK', day: 'DAY', days: 'DAY', d: 'DAY', hour: 'HOUR', hours: 'HOUR',
  h: 'HOUR', hr: 'HOUR', hrs: 'HOUR', minute: 'MINUTE', minutes: 'MINUTE', min: 'MINUTE', mins: 'MINUTE',
  m: 'MINUTE', second: 'SECOND', seconds: 'SECOND', sec: 'SECOND', secs: 'SECOND', s: 'SECOND',
  millisecond: 'MILLISECOND', milliseconds: 'MILLISECOND', ms: 'MILLISECOND',
  microsecond: 'MICROSECOND', microseconds: 'MICROSECOND', us: 'MICROSECOND',
};

function addUnit(acc: { months: number; days: number; micros: number }, amount: number, unit: string): void {
  switch (unit) {
    case 'YEAR':
      acc.months += amount * 12;
      return;
    case 'MONTH':
      acc.months += amount;
      return;
    case 'WEEK':
      acc.days += amount * 7;
      return;
    case 'DAY':
      acc.days += amount;
      return;
    default:
      acc.micros += Math.round(amount * UNIT_MICROS[unit]!);
  }
}

/** `INTERVAL '5' SECOND`, `INTERVAL '1 day 2 hours'`, `INTERVAL '01:30:00'`. */
export function intervalLiteral(lit: IntervalLiteral): Interval {
  return parseInterval(lit.value, lit.unit, lit.pos);
}

export function parseInterval(text: string, unit: string | undefined, pos?: SourcePosition): Interval {
  const acc = { months: 0, days: 0, micros: 0 };
  const s = text.trim();
  const bad = (): never => {
    throw new SqlTypeError('INVALID_VALUE', `invalid interval "${text}"`, pos);
  };
  if (unit && /^[+-]?\d+(\.\d+)?$/.test(s)) {
    addUnit(acc, Number(s), unit);
    return new Interval(acc.months, acc.days, acc.micros);
  }
  const re = /([+-]?\d+(?:\.\d+)?)\s*([a-zA-Z]+)|([+-]?\d+):(\d+)(?::(\d+(?:\.\d+)?))?/g;
  let consumed = '';
  for (let m = re.exec(s); m; m = re.exec(s)) {
    consumed += m[0];
    if (m[2] !== undefined) {
      const u = UNIT_ALIASES[m[2].toLowerCase()];
      if (!u) bad();
      addUnit(acc, Number(m[1]), u!);
    } else {
      const sign = m[3]!.startsWith('-') ? -1 : 1;
      const h = Math.abs(Number(m[3]));
      const micros = (h * 3600 + Number(m[4]) * 60 + Number(m[5] ?? 0)) * 1_000_000;
      acc.micros += sign * Math.round(micros);
    }
  }
  if (consumed.replace(/\s/g, '') !== s.replace(/\s/g, '') || consumed === '') bad();
  return new Interval(acc.months, acc.days, acc.micros);
}

/** An interval's length in milliseconds, for window sizes (months are not fixed: refused). */
export function intervalMs(iv: Interval, pos?: SourcePosition): number {
  if (iv.months !== 0) throw new UnsupportedError('window sizes in months or years have no fixed length', pos);
  return iv.days * 86_400_000 + iv.micros / 1000;
}

export function typeFromAst(t: TypeName): DataType {
  let base: DataType;
  switch (t.name) {
    case 'BOOLEAN': base = T.boolean; break;
    case 'SMALLINT': base = T.smallint; break;
    case 'INT': base = T.int; break;
    case 'BIGINT': base = T.bigint; break;
    case 'REAL': base = T.real; break;
    case 'DOUBLE': base = T.double; break;
    case 'DECIMAL':
      base = t.params.length > 0 ? { id: 'decimal', precision: t.params[0], scale: t.params[1] ?? 0 } : T.decimal;
      break;
    case 'VARCHAR': base = T.varchar; break;
    case 'TIMESTAMP': base = T.timestamp; break;
    case 'TIMESTAMPTZ': base = T.timestamptz; break;
    case 'DATE': base = T.date; break;
    case 'INTERVAL': base = T.interval; break;
    case 'BYTEA': base = T.bytea; break;
    case 'JSONB': base = T.jsonb; break;
  }
  return t.array ? T.array(base) : base;
}

/** PostgreSQL's name for a type in output column names (`'1'::int` is named `int4`). */
export function pgTypeName(t: DataType): string {
  const names: Partial<Record<DataType['id'], string>> = {
    boolean: 'bool', smallint: 'int2', int: 'int4', bigint: 'int8', real: 'float4', double: 'float8',
    decimal: 'numeric', varchar: 'varchar', timestamp: 'timestamp', timestamptz: 'timestamptz',
    date: 'date', interval: 'interval', jsonb: 'jsonb', bytea: 'bytea',
  };
  return names[t.id] ?? 'array';
}

/**
 * A query parameter as a literal. Strings stay untyped (PostgreSQL's `unknown`) so the context
 * decides their type; numbers are int/bigint when integral, double otherwise; Dates are
 * timestamps.
 */
export function paramLiteral(value: unknown, index: number, pos?: SourcePosition): BoundLiteral {
  const lit = naturalParamLiteral(value, index, pos);
  if (value !== null) paramValues.set(lit, value);
  return lit;
}

function naturalParamLiteral(value: unknown, index: number, pos?: SourcePosition): BoundLiteral {
  if (value === undefined) {
    throw new SqlTypeError('INVALID_PARAMETER', `no value supplied for parameter $${index + 1}`, pos);
  }
  if (value === null) return { kind: 'literal', value: null, type: T.null };
  if (typeof value === 'string') return { kind: 'literal', value, type: T.varchar };
  if (typeof value === 'boolean') return { kind: 'literal', value, type: T.boolean };
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      return { kind: 'literal', value, type: Math.abs(value) <= INT32_MAX ? T.int : T.bigint };
    }
    return { kind: 'literal', value, type: T.double };
  }
  if (typeof value === 'bigint') {
    if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
      return { kind: 'literal', value: Number(value), type: T.bigint };
    }
    return { kind: 'literal', value: new Decimal(value, 0), type: T.decimal };
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new SqlTypeError('INVALID_VALUE', `parameter $${index + 1} is an invalid Date`, pos);
    return { kind: 'literal', value: value.getTime(), type: T.timestamp };
  }
  if (value instanceof Decimal) return { kind: 'literal', value, type: T.decimal };
  if (value instanceof Interval) return { kind: 'literal', value, type: T.interval };
  if (value instanceof Uint8Array) return { kind: 'literal', value, type: T.bytea };
  throw new SqlTypeError('INVALID_PARAMETER', `parameter $${index + 1} has an unsupported JavaScript type (${typeof value})`, pos);
}
