// Apache Arrow at the bulk boundaries: RecordBatch/Table in (insert), Table out (queryArrow).
// apache-arrow is an optional peer dependency, loaded lazily so users without it are not broken.
// Input batches are read structurally (any apache-arrow copy or version works); numeric columns
// whose layout already matches the internal one are handed to the engine without copying.

import { LaminarError, SchemaError } from '../errors.js';
import { toExternal } from '../types/convert.js';
import type { DataType } from '../types/datatype.js';
import type { Value } from '../types/value.js';
import type { Column } from '../exec/batch.js';
import type { ColumnInfo, QueryResult, RelationInfo } from '../engine/types.js';
import { makeValueEncoder } from './values.js';

// apache-arrow's Type enum values (stable across versions of the Arrow format)
const ARROW_INT = 2;
const ARROW_FLOAT = 3;
const ARROW_TIMESTAMP = 10;

interface ArrowDataLike {
  offset: number;
  length: number;
  values: ArrayLike<unknown> & { subarray?: (a: number, b: number) => ArrayLike<unknown> };
}
interface ArrowVectorLike {
  readonly length: number;
  readonly nullCount: number;
  readonly type: { typeId: number; bitWidth?: number; isSigned?: boolean; precision?: number; unit?: number };
  readonly data: readonly ArrowDataLike[];
  get(index: number): unknown;
}
interface ArrowFieldLike {
  readonly name: string;
}
/** The structural parts of an Arrow RecordBatch (or Table) this module reads. */
export interface ArrowBatchLike {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly ArrowFieldLike[] };
  getChildAt(index: number): ArrowVectorLike | null;
}

/** Is `x` an Arrow RecordBatch or Table (from any copy of apache-arrow)? */
export function isArrowData(x: unknown): x is ArrowBatchLike {
  if (typeof x !== 'object' || x === null) return false;
  const b = x as Partial<ArrowBatchLike>;
  return typeof b.numRows === 'number' && typeof b.getChildAt === 'function' && Array.isArray(b.schema?.fields);
}

type ArrowModule = typeof import('apache-arrow');
let arrowModule: ArrowModule | undefined;

/** apache-arrow, required on first use; a clear error when it is not installed. */
export function loadArrow(): ArrowModule {
  if (arrowModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      arrowModule = require('apache-arrow') as ArrowModule;
    } catch (error) {
      throw new LaminarError('MISSING_DEPENDENCY', 'Arrow support needs the apache-arrow package: npm install apache-arrow', {
        cause: error,
      });
    }
  }
  return arrowModule;
}

/**
 * A typed-array column for a numeric Arrow column without nulls, or undefined (then values are
 * read one by one and validated). Float64/Float32/Int32/Int16 columns whose layout is the
 * internal one are used as they are: the engine keeps the reference (sources retain rows); Arrow
 * data is immutable by convention and the public docs ask users not to refill these buffers.
 * Int64 and Timestamp columns are converted in one pass over their BigInt64Array.
 */
function fastColumn(vector: ArrowVectorLike, column: ColumnInfo): Column | undefined {
  if (vector.nullCount !== 0 || vector.data.length !== 1) return undefined;
  const data = vector.data[0]!;
  const t = vector.type;
  const id = column.type.id;
  const isTime = id === 'timestamp' || id === 'timestamptz';
  if (typeof data.values.subarray !== 'function') return undefined;
  const view = data.values.subarray(data.offset, data.offset + data.length);
  if (t.typeId === ARROW_FLOAT) {
    // FloatingPoint precision: 1 = single, 2 = double
    if ((id === 'double' && t.precision === 2) || (id === 'real' && t.precision === 1)) return view as unknown as Column;
    if (isTime && t.precision === 2) {
      const ms = view as Float64Array;
      for (let i = 0; i < ms.length; i++) if (!Number.isFinite(ms[i]!)) return undefined;
      return ms as unknown as Column;
    }
    return undefined;
  }
  if (t.typeId === ARROW_INT && t.isSigned) {
    if ((id === 'int' && t.bitWidth === 32) || (id === 'smallint' && t.bitWidth === 16)) return view as unknown as Column;
    if (t.bitWidth === 64 && (id === 'bigint' || isTime)) return int64ToNumbers(view as BigInt64Array, 1, 1);
    return undefined;
  }
  if (t.typeId === ARROW_TIMESTAMP && isTime) {
    // TimeUnit: 0 s, 1 ms, 2 µs, 3 ns — internal timestamps are (fractional) milliseconds
    const unit = t.unit ?? 1;
    return unit === 0 ? int64ToNumbers(view as BigInt64Array, 1000, 1) : int64ToNumbers(view as BigInt64Array, 1, [1, 1, 1e3, 1e6][unit]!);
  }
  return undefined;
}

/** Int64 values × multiplier ÷ divisor as doubles; undefined if one is outside the exactly representable range. */
function int64ToNumbers(values: BigInt64Array, multiplier: number, divisor: number): Column | undefined {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x > MAX_SAFE || x < MIN_SAFE) return undefined; // the per-value path words the error
    out[i] = (Number(x) * multiplier) / divisor;
  }
  return out as unknown as Column;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Converts an Arrow batch into internal columns in the relation's schema order, validating every value. */
export function arrowToColumns(batch: ArrowBatchLike, info: RelationInfo): { columns: Column[]; length: number } {
  const byName = new Map<string, number>();
  batch.schema.fields.forEach((f, i) => byName.set(f.name, i));
  for (const f of batch.schema.fields) {
    if (!info.columns.some((c) => c.name === f.name)) {
      throw new SchemaError('UNKNOWN_COLUMN', `${info.name}: the Arrow data has a column "${f.name}" that the relation does not have`, {
        column: f.name,
      });
    }
  }
  const length = batch.numRows;
  const columns: Column[] = [];
  for (const column of info.columns) {
    const index = byName.get(column.name);
    const vector = index === undefined ? null : batch.getChildAt(index);
    if (vector) {
      const direct = fastColumn(vector, column);
      if (direct) {
        columns.push(direct);
        continue;
      }
    }
    const encode = makeValueEncoder(column, info.name);
    const out = new Array<Value>(length);
    for (let i = 0; i < length; i++) out[i] = encode(vector ? vector.get(i) : null, i);
    columns.push(out);
  }
  return { columns, length };
}

type Vector = ReturnType<ArrowModule['makeVector']>;

function validityBitmap(values: readonly Value[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { bitmap, nullCount };
}

function toVector(arrow: ArrowModule, values: Value[], type: DataType, bigint: boolean): Vector {
  switch (type.id) {
    case 'boolean':
      return arrow.vectorFromArray(values as (boolean | null)[], new arrow.Bool());
    case 'smallint':
      return arrow.vectorFromArray(values as (number | null)[], new arrow.Int16());
    case 'int':
      return arrow.vectorFromArray(values as (number | null)[], new arrow.Int32());
    case 'bigint':
      return arrow.vectorFromArray(
        values.map((v) => (v === null ? null : BigInt(v as number))),
        new arrow.Int64(),
      );
    case 'real':
      return arrow.vectorFromArray(values as (number | null)[], new arrow.Float32());
    case 'double':
      return arrow.vectorFromArray(values as (number | null)[], new arrow.Float64());
    case 'varchar':
      return arrow.vectorFromArray(values as (string | null)[], new arrow.Utf8());
    case 'date':
      return arrow.vectorFromArray(values as (number | null)[], new arrow.DateMillisecond());
    case 'timestamp':
    case 'timestamptz': {
      // microseconds keep the fractional milliseconds the engine carries
      const micros = new BigInt64Array(values.length);
      for (let i = 0; i < values.length; i++) if (values[i] !== null) micros[i] = BigInt(Math.round((values[i] as number) * 1000));
      const { bitmap, nullCount } = validityBitmap(values);
      const arrowType = new arrow.TimestampMicrosecond(type.id === 'timestamptz' ? 'UTC' : null);
      return arrow.makeVector(arrow.makeData({ type: arrowType, length: values.length, nullCount, nullBitmap: bitmap, data: micros }));
    }
    case 'bytea':
      return arrow.vectorFromArray(values as (Uint8Array | null)[], new arrow.Binary());
    default:
      // DECIMAL (exact text), INTERVAL, JSONB, arrays: their user-facing text form
      return arrow.vectorFromArray(
        values.map((v) => {
          if (v === null) return null;
          const ext = toExternal(v, type, { bigint });
          return typeof ext === 'string' ? ext : JSON.stringify(ext);
        }),
        new arrow.Utf8(),
      );
  }
}

/** A query result as an Arrow Table (column order and names kept). */
export function toArrowTable(result: QueryResult, bigint: boolean): ReturnType<ArrowModule['tableFromArrays']> {
  const arrow = loadArrow();
  const vectors: Record<string, Vector> = {};
  result.columns.forEach((c, j) => {
    const values = result.rows.map((r) => r[j]!);
    vectors[c.name] = toVector(arrow, values, c.type, bigint);
  });
  return new arrow.Table(vectors);
}
