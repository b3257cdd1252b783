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

/**
 * The cheap test (over `v`) for a value already in its internal form, and the expression storing
 * it — numbers, strings, booleans and epoch-ms timestamps, the common case. Anything else goes
 * through toInternal, which also words the error for values that do not fit.
 */
function fastPath(column: ColumnInfo): { test: string; store: string } | undefined {
  switch (column.type.id) {
    case 'double':
      return { test: "typeof v === 'number'", store: 'v' };
    case 'int':
      // `| 0` is the int32 range check and also turns -0 into 0, as toInternal does
      return { test: "typeof v === 'number' && (v | 0) === v", store: 'v | 0' };
    case 'bigint':
      return { test: "typeof v === 'number' && Number.isSafeInteger(v)", store: 'v' };
    case 'varchar':
      return { test: "typeof v === 'string'", store: 'v' };
    case 'boolean':
      return { test: "typeof v === 'boolean'", store: 'v' };
    case 'timestamp':
    case 'timestamptz':
      return { test: "typeof v === 'number' && v - v === 0", store: 'v' };
    default:
      return undefined;
  }
}

/** A converter for one column (the Arrow path uses it per value). */
export function makeValueEncoder(column: ColumnInfo, relation: string): ValueEncoder {
  const slow: ValueEncoder = (v, rowIndex) => encodeValue(v, column, rowIndex, relation);
  const fast = fastPath(column);
  if (fast === undefined) return slow;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('slow', `return function encodeValue(v, i) { return ${fast.test} ? ${fast.store} : slow(v, i); };`)(slow) as ValueEncoder;
}

type RowsEncoder = (
  rows: readonly unknown[],
  n: number,
  invalidRow: (row: unknown, rowIndex: number) => never,
  checkKeys: (row: Record<string, unknown>, rowIndex: number) => void,
) => Value[][];

/**
 * Generates the loop turning row objects into columns for one schema: property reads with
 * constant keys, inline fast paths, one counting for-in per row to detect unknown keys (the
 * culprit is only searched for when the counts differ).
 */
function compileRowsEncoder(columns: readonly ColumnInfo[], relation: string): RowsEncoder {
  const slows: ValueEncoder[] = columns.map((c) => (v, rowIndex) => encodeValue(v, c, rowIndex, relation));
  const decl: string[] = [];
  const body: string[] = [];
  columns.forEach((c, j) => {
    decl.push(`const c${j} = new Array(n);`);
    const fast = fastPath(c);
    body.push(`v = r[${JSON.stringify(c.name)}];`, 'if (v !== undefined) present++;');
    body.push(fast ? `c${j}[i] = ${fast.test} ? ${fast.store} : s${j}(v, i);` : `c${j}[i] = s${j}(v, i);`);
  });
  const code = `return function encodeRows(rows, n, invalidRow, checkKeys) {
  ${decl.join('\n  ')}
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (typeof r !== 'object' || r === null || Array.isArray(r)) invalidRow(r, i);
    let present = 0;
    let v;
    ${body.join('\n    ')}
    let keys = 0;
    for (const k in r) keys++;
    if (keys !== present) checkKeys(r, i);
  }
  return [${columns.map((_, j) => `c${j}`).join(', ')}];
};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function(...slows.map((_, j) => `s${j}`), code)(...slows) as RowsEncoder;
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
  readonly #encodeRows: RowsEncoder;

  constructor(info: RelationInfo) {
    this.info = info;
    this.#names = info.columns.map((c) => c.name);
    this.#encodeRows = compileRowsEncoder(info.columns, info.name);
    this.#known = new Set(this.#names);
  }

  encode(rows: readonly unknown[]): Column[] {
    return this.#encodeRows(rows, rows.length, this.#invalidRow, this.#checkKeys);
  }

  readonly #invalidRow = (row: unknown, rowIndex: number): never => {
    throw new SchemaError(
      'INVALID_ROW',
      `${this.info.name}: row ${rowIndex} must be an object of column values, got ${Array.isArray(row) ? 'an array' : describe(row)}`,
      { rowIndex },
    );
  };

  /** Called when a row's key count differs from its known columns: an unknown key, or keys set to undefined / inherited. */
  readonly #checkKeys = (row: Record<string, unknown>, rowIndex: number): void => {
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
  };
}
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v;
}
