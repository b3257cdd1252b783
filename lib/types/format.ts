// Text output of every SQL type, as PostgreSQL prints it: floats in shortest round-trip form with
// PostgreSQL's exponent rules, arrays as '{…}' literals, booleans as 't'/'f' from the output
// function but 'true'/'false' from ::text, timestamps in 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
import type { DataType } from './datatype.js';
import { Decimal } from './decimal.js';
import { Interval } from './interval.js';
import { jsonToText } from './json.js';
import { formatDate, formatTimestamp, formatTimestampTz } from './timestamp.js';
import type { JsonValue, Value } from './value.js';

/** PostgreSQL float8 output: shortest round-trip digits, exponent form outside 1e-4 … 1e15. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  const s = String(v);
  if (exp < -4 || exp >= 15) return toPgExponent(v.toExponential());
  if (s.includes('e')) return toPgExponent(s);
  return s;
}

/** PostgreSQL float4 output: shortest digits that round-trip through float32. */
export function formatReal(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatDouble(v);
  let digits = 1;
  let s = v.toPrecision(1);
  while (digits < 9 && Math.fround(Number(s)) !== v) s = v.toPrecision(++digits);
  const n = Number(s);
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 6) return toPgExponent(n.toExponential());
  return String(n);
}

function toPgExponent(s: string): string {
  // JS '1.5e+21' / '1e-7' → PostgreSQL '1.5e+21' / '1e-07' (at least two exponent digits)
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function quoteArrayElement(s: string): string {
  if (s === '' || /[{},"\\\s]/.test(s) || s.toUpperCase() === 'NULL') {
    return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
  }
  return s;
}

/**
 * PostgreSQL's output-function text of a non-NULL value (what concat, format, array elements and
 * COPY print). It differs from `::text` only for booleans: 't'/'f' here, 'true'/'false' there.
 */
export function formatValue(v: Value, type: DataType): string {
  switch (type.id) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'smallint':
    case 'int':
    case 'bigint':
      return String(v);
    case 'real':
      return formatReal(v as number);
    case 'double':
      return formatDouble(v as number);
    case 'decimal':
    case 'interval':
      return (v as Decimal | Interval).toString();
    case 'varchar':
      return v as string;
    case 'timestamp':
      return formatTimestamp(v as number);
    case 'timestamptz':
      return formatTimestampTz(v as number);
    case 'date':
      return formatDate(v as number);
    case 'jsonb':
      return jsonToText((v as JsonValue).json);
    case 'bytea':
      return '\\x' + Buffer.from(v as Uint8Array).toString('hex');
    case 'array': {
      const el = type.element ?? inferType(v);
      const parts = (v as Value[]).map((e) => (e === null ? 'NULL' : el.id === 'array' ? formatValue(e, el) : quoteArrayElement(formatValue(e, el))));
      return '{' + parts.join(',') + '}';
    }
    default:
      return formatAny(v);
  }
}

/** The text of `v::text` (booleans print as 'true'/'false'). */
export function castToText(v: Value, type: DataType): string {
  if (type.id === 'boolean') return v ? 'true' : 'false';
  return formatValue(v, type);
}

/** A best-effort type for a value whose type is unknown (used for untyped array elements). */
export function inferType(v: Value): DataType {
  if (typeof v === 'boolean') return { id: 'boolean' };
  if (typeof v === 'number') return { id: 'double' };
  if (typeof v === 'string') return { id: 'varchar' };
  if (v instanceof Decimal) return { id: 'decimal' };
  if (v instanceof Interval) return { id: 'interval' };
  if (v instanceof Uint8Array) return { id: 'bytea' };
  if (Array.isArray(v)) return { id: 'array', element: v.length && v[0] !== null ? inferType(v[0]!) : { id: 'varchar' } };
  return { id: 'jsonb' };
}

function formatAny(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatDouble(v);
  return formatValue(v, inferType(v));
}

