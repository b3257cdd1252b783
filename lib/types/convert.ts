// Conversion at the public API boundary: user JS values ⇄ internal values (datatype.ts).
//
// toInternal accepts (null/undefined → NULL everywhere):
//   BOOLEAN        boolean
//   SMALLINT/INT/BIGINT  integral number or bigint, range-checked (BIGINT: ±(2^53-1), the range
//                  held exactly); numeric strings are NOT accepted (a likely bug in user code)
//   REAL/DOUBLE    number (bigint within ±2^53 too)
//   DECIMAL        string ('12.50'), number, bigint, Decimal; fitted to DECIMAL(p,s) if declared
//   VARCHAR        string only
//   TIMESTAMP(TZ)  Date, epoch milliseconds (number), ISO 8601 / PostgreSQL text (an offset
//                  converts to UTC; no offset is read as UTC)
//   DATE           Date / epoch ms (truncated to the UTC day), 'YYYY-MM-DD' text
//   INTERVAL       Interval, text ('5 seconds', 'PT5S'), or a number of milliseconds
//   JSONB          any JSON-serialisable value (a string is a JSON string, not parsed)
//   BYTEA          Uint8Array / Buffer
//   ARRAY          JS array, each element converted with the element type
// toExternal returns:
//   INT/BIGINT → number (bigint with opts.bigint for BIGINT), REAL/DOUBLE → number,
//   DECIMAL → string (exact, PostgreSQL text), BOOLEAN → boolean, VARCHAR → string,
//   TIMESTAMP/TIMESTAMPTZ → Date (millisecond precision; microseconds are dropped),
//   DATE → Date at 00:00 UTC of that day (JS has no date-only type; UTC keeps it zone-stable),
//   INTERVAL → PostgreSQL text ('1 day 02:00:00'), JSONB → the parsed JSON value,
//   BYTEA → Uint8Array, ARRAY → JS array of converted elements, NULL → null.
import { SchemaError } from '../errors.js';
import { type DataType, typeToSql } from './datatype.js';
import { Decimal } from './decimal.js';
import { Interval } from './interval.js';
import { makeJson } from './json.js';
import { MS_PER_DAY, tryParseTimestampText } from './timestamp.js';
import type { JsonValue, Value } from './value.js';

const INT_LIMITS: Record<string, [number, number]> = {
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function describe(v: unknown): string {
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'bigint') return `bigint ${v}n`;
  if (v instanceof Date) return `Date ${Number.isNaN(v.getTime()) ? '(invalid)' : v.toISOString()}`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

function invalid(column: string, type: DataType, v: unknown, why?: string): SchemaError {
  return new SchemaError(
    'INVALID_VALUE',
    `column "${column}" (${typeToSql(type)}): cannot accept ${describe(v)}${why ? ': ' + why : ''}`,
    { column },
  );
}

function toInteger(v: unknown, type: DataType, column: string): number {
  const [lo, hi] = INT_LIMITS[type.id]!;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw invalid(column, type, v, 'not an integer');
    if (v < lo || v > hi) throw invalid(column, type, v, `out of range [${lo}, ${hi}]`);
    return v === 0 ? 0 : v; // no -0
  }
  if (typeof v === 'bigint') {
    if (v < BigInt(lo) || v > BigInt(hi)) throw invalid(column, type, v, `out of range [${lo}, ${hi}]`);
    return Number(v);
  }
  throw invalid(column, type, v, 'expected a number');
}

function toTimestamp(v: unknown, type: DataType, column: string): number {
  if (v instanceof Date) {
    const t = v.getTime();
    if (Number.isNaN(t)) throw invalid(column, type, v, 'invalid Date');
    return t;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalid(column, type, v, 'not a finite epoch-milliseconds number');
    return v;
  }
  if (typeof v === 'string') {
    const p = tryParseTimestampText(v);
    if (p === null) throw invalid(column, type, v, "expected ISO 8601 or 'YYYY-MM-DD HH:MM:SS[.ffffff]' text");
    return p.ms;
  }
  throw invalid(column, type, v, 'expected a Date, epoch milliseconds or timestamp text');
}

/** A user value → the internal value of `type`; SchemaError INVALID_VALUE naming `column`. */
export function toInternal(value: unknown, type: DataType, column: string): Value {
  if (value === null || value === undefined) return null;
  const v = value;
  switch (type.id) {
    case 'boolean':
      if (typeof v === 'boolean') return v;
      throw invalid(column, type, v, 'expected a boolean');
    case 'smallint':
    case 'int':
    case 'bigint':
      return toInteger(v, type, column);
    case 'real':
    case 'double':
      if (typeof v === 'number') return type.id === 'real' ? Math.fround(v) : v;
      if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(v);
      throw invalid(column, type, v, 'expected a number');
    case 'decimal': {
      let d: Decimal | null;
      if (v instanceof Decimal) d = v;
      else if (typeof v === 'string') d = Decimal.tryParse(v);
      else if (typeof v === 'bigint') d = Decimal.fromBigInt(v);
      else if (typeof v === 'number') d = Number.isFinite(v) ? Decimal.fromNumber(v) : null;
      else throw invalid(column, type, v, 'expected a decimal string, number or bigint');
      if (d === null) throw invalid(column, type, v, 'not a decimal number');
      try {
        return d.fit(type.precision, type.scale);
      } catch (e) {
        throw invalid(column, type, v, (e as Error).message);
      }
    }
    case 'varchar':
      if (typeof v === 'string') return v;
      throw invalid(column, type, v, 'expected a string');
    case 'timestamp':
    case 'timestamptz':
      return toTimestamp(v, type, column);
    case 'date': {
      const ms = toTimestamp(v, type, column);
      return Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
    }
    case 'interval':
      if (v instanceof Interval) return v;
      if (typeof v === 'number' && Number.isFinite(v)) return Interval.ofMillis(v);
      if (typeof v === 'string') {
        try {
          return Interval.parse(v);
        } catch {
          throw invalid(column, type, v, 'not an interval');
        }
      }
      throw invalid(column, type, v, 'expected interval text or milliseconds');
    case 'jsonb':
      try {
        // round-trip to drop undefined/functions and reject cycles and bigints
        const text = JSON.stringify(v);
        if (text === undefined) throw new Error('not JSON-serialisable');
        return makeJson(JSON.parse(text));
      } catch (e) {
        throw invalid(column, type, v, (e as Error).message);
      }
    case 'bytea':
      if (v instanceof Uint8Array) return v;
      throw invalid(column, type, v, 'expected a Uint8Array or Buffer');
    case 'array': {
      if (!Array.isArray(v)) throw invalid(column, type, v, 'expected an array');
      const el = type.element ?? { id: 'varchar' };
      return v.map((x, i) => toInternal(x, el, `${column}[${i + 1}]`));
    }
    case 'null':
      throw invalid(column, type, v, 'the column only holds NULL');
    default:
      throw invalid(column, type, v);
  }
}

/** An internal value → what the public API returns (see the table at the top). */
export function toExternal(value: Value, type: DataType, opts: { bigint?: boolean } = {}): unknown {
  if (value === null) return null;
  switch (type.id) {
    case 'bigint':
      return opts.bigint ? BigInt(value as number) : value;
    case 'decimal':
      return (value as Decimal).toString();
    case 'timestamp':
    case 'timestamptz':
    case 'date':
      return new Date(Math.floor(value as number));
    case 'interval':
      return (value as Interval).toString();
    case 'jsonb':
      return (value as JsonValue).json;
    case 'array': {
      const el = type.element ?? { id: 'varchar' };
      return (value as Value[]).map((x) => toExternal(x, el, opts));
    }
    default:
      return value;
  }
}

/** A converter specialised for one type (call once per column, apply per row). */
export function externalConverter(type: DataType, opts: { bigint?: boolean } = {}): (v: Value) => unknown {
  switch (type.id) {
    case 'boolean':
    case 'smallint':
    case 'int':
    case 'real':
    case 'double':
    case 'varchar':
    case 'bytea':
      return (v) => v;
    case 'bigint':
      return opts.bigint ? (v) => (v === null ? null : BigInt(v as number)) : (v) => v;
    default:
      return (v) => toExternal(v, type, opts);
  }
}
