// Value conversion at the API boundary, compiled once per schema:
//  - row encoders turn user objects into internal columns (validating every value first, so a
//    bad row rejects the whole call before anything reaches the engine);
//  - row decoders turn internal rows into plain objects whose keys follow the column order.
// Single values go through lib/types/convert.ts (toInternal / toExternal).

import { SchemaError } from '../errors.js';
import { externalConverter, toInternal } from '../types/convert.js';
import { typeToSql, type DataType } from '../types/datatype.js';
import type { Row, Value } from '../types/value.js';
import type { Column } from '../exec/batch.js';
import type { ColumnInfo, RelationInfo } from '../engine/types.js';

/** Types whose internal value is already what users get back (no conversion needed). */
function isPassThroughOut(type: DataType, bigint: boolean): boolean {
  switch (type.id) {
    case 'boolean':
    case 'smallint':
    case 'int':
    case 'real':
    case 'double':
    case 'varchar':
    case 'null':
      return true;
    case 'bigint':
      return !bigint;
    default:
      return false;
  }
}

export type RowDecoder = (row: Row) => Record<string, unknown>;

/**
 * Builds a decoder producing objects with one fixed shape (so V8 gives every row the same hidden
 * class) — the object literal is generated from the column names.
 */
export function makeRowDecoder(columns: readonly ColumnInfo[], bigint: boolean): RowDecoder {
  const converters: ((v: Value) => unknown)[] = [];
  const props: string[] = [];
  columns.forEach((c, i) => {
    const key = c.name === '__proto__' ? `[${JSON.stringify(c.name)}]` : JSON.stringify(c.name);
    if (isPassThroughOut(c.type, bigint)) {
      props.push(`${key}: r[${i}]`);
    } else {
      const convert = externalConverter(c.type, { bigint });
      converters.push((v) => (v === null ? null : convert(v)));
      props.push(`${key}: c${converters.length - 1}(r[${i}])`);
    }
  });
  const params = converters.map((_, i) => `c${i}`);
  const body = `return function decodeRow(r) { return { ${props.join(', ')} }; };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function(...params, body)(...converters) as RowDecoder;
}

/** Decoders memoised by column signature: queries repeat the same shapes. */
export class RowDecoderCache {
  readonly #bigint: boolean;
  readonly #cache = new Map<string, RowDecoder>();
  constructor(bigint: boolean) {
    this.#bigint = bigint;
  }
  get(columns: readonly ColumnInfo[]): RowDecoder {
    let key = '';
    for (const c of columns) key += `${c.name}\u0000${typeToSql(c.type)}\u0001`;
    let decoder = this.#cache.get(key);
    if (decoder === undefined) {
      if (this.#cache.size >= 512) this.#cache.clear();
      decoder = makeRowDecoder(columns, this.#bigint);
      this.#cache.set(key, decoder);
    }
    return decoder;
  }
}

type ValueEncoder = (value: unknown, rowIndex: number) => Value;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A converter for one column: values already in their internal form (the common case for
 * numbers, strings, booleans and epoch-ms timestamps) pass a cheap check; everything else goes
 * through toInternal, which also produces the error text for values that do not fit.
 */
export function makeValueEncoder(column: ColumnInfo, relation: string): ValueEncoder {
  const slow: ValueEncoder = (v, rowIndex) => encodeValue(v, column, rowIndex, relation);
  switch (column.type.id) {
    case 'double':
      return (v, i) => (typeof v === 'number' ? v : slow(v, i));
    case 'int':
      // `| 0` also turns -0 into 0, as toInternal does
      return (v, i) => (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? v | 0 : slow(v, i));
    case 'bigint':
      return (v, i) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : slow(v, i));
    case 'varchar':
      return (v, i) => (typeof v === 'string' ? v : slow(v, i));
    case 'boolean':
      return (v, i) => (typeof v === 'boolean' ? v : slow(v, i));
    case 'timestamp':
    case 'timestamptz':
      return (v, i) => (typeof v === 'number' && Number.isFinite(v) ? v : slow(v, i));
    default:
      return slow;
  }
}

/** Converts one user value for a column, naming the column and row when it does not fit. */
export function encodeValue(value: unknown, column: ColumnInfo, rowIndex: number, relation: string): Value {
  if (value === undefined || value === null) {
    if (!column.nullable) {
      throw new SchemaError(
        'NOT_NULL_VIOLATION',
        `${relation}: row ${rowIndex}: column "${column.name}" is NOT NULL but the value is ${value === null ? 'null' : 'missing'}`,
        { column: column.name, rowIndex },
      );
    }
    return null;
  }
  let converted: Value;
  try {
    converted = toInternal(value, column.type, column.name);
  } catch (error) {
    // toInternal's SchemaError already names the column and the problem; add where it happened
    const reason =
      error instanceof SchemaError
        ? error.message
        : `invalid value for column "${column.name}" (${typeToSql(column.type)}): ${error instanceof Error ? error.message : String(error)}`;
    const err = new SchemaError('INVALID_VALUE', `${relation}: row ${rowIndex}: ${reason}`, { column: column.name, rowIndex });
    (err as { cause?: unknown }).cause = error;
    throw err;
  }
  if (converted === null && !column.nullable) {
    throw new SchemaError('NOT_NULL_VIOLATION', `${relation}: row ${rowIndex}: column "${column.name}" is NOT NULL but the value converts to NULL`, {
      column: column.name,
      rowIndex,
    });
  }
  return converted;
}

/** Encodes user row objects of one relation into internal columns (schema order). */
export class RowEncoder {
  readonly info: RelationInfo;
  readonly #names: string[];
  readonly #known: Set<string>;
  readonly #encoders: ValueEncoder[];

  constructor(info: RelationInfo) {
    this.info = info;
    this.#names = info.columns.map((c) => c.name);
    this.#encoders = info.columns.map((c) => makeValueEncoder(c, info.name));
    this.#known = new Set(this.#names);
  }

  /** Is this encoder still valid for the catalog's current view of the relation? */
  matches(info: RelationInfo): boolean {
    if (info === this.info) return true;
    if (info.sql !== this.info.sql || info.columns.length !== this.info.columns.length) return false;
    for (let i = 0; i < info.columns.length; i++) {
      const a = info.columns[i]!;
      const b = this.info.columns[i]!;
      if (a.name !== b.name || a.nullable !== b.nullable || typeToSql(a.type) !== typeToSql(b.type)) return false;
    }
    return true;
  }

  encode(rows: readonly unknown[]): Column[] {
    const encoders = this.#encoders;
    const names = this.#names;
    const width = names.length;
    const n = rows.length;
    const out: Value[][] = [];
    for (let j = 0; j < width; j++) out.push(new Array<Value>(n));
    const relation = this.info.name;
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new SchemaError(
          'INVALID_ROW',
          `${relation}: row ${i} must be an object of column values, got ${Array.isArray(row) ? 'an array' : describe(row)}`,
          { rowIndex: i },
        );
      }
      const r = row as Record<string, unknown>;
      let present = 0;
      for (let j = 0; j < width; j++) {
        const v = r[names[j]!];
        if (v !== undefined) present++;
        out[j]![i] = encoders[j]!(v, i);
      }
      // every own enumerable key must be a column; count first, find the culprit only on mismatch
      let keys = 0;
      for (const k in r) if (Object.prototype.hasOwnProperty.call(r, k)) keys++;
      if (keys !== present) this.#checkKeys(r, i);
    }
    return out;
  }

  #checkKeys(row: Record<string, unknown>, rowIndex: number): void {
    for (const key of Object.keys(row)) {
      if (!this.#known.has(key)) {
        const hint = this.#names.find((n) => n.toLowerCase() === key.toLowerCase());
        throw new SchemaError(
          'UNKNOWN_COLUMN',
          `${this.info.name}: row ${rowIndex}: unknown column "${key}"` +
            (hint ? ` (did you mean "${hint}"?)` : ` (columns: ${this.#names.join(', ')})`),
          { column: key, rowIndex },
        );
      }
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v;
}
