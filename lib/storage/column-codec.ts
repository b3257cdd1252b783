// Columnar encoding of one insert call's columns inside a WAL record: typed arrays as raw bytes,
// homogeneous number / string / boolean columns as a null bitmap plus packed values, anything
// else (Decimal, Interval, arrays, JSONB, bytea, mixed) as tagged JSON.
import { StorageError } from '../errors.js';
import type { Column } from '../exec/batch.js';
import type { Value } from '../types/value.js';
import type { RecordReader, RecordWriter } from './record-buffer.js';
import { decodeValue, encodeValue, type Encoded } from './value-codec.js';

const GENERIC = 0;
const TYPED = 1;
const NUMBERS = 2;
const STRINGS = 3;
const BOOLEANS = 4;

const TYPED_CTORS = [Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, BigInt64Array] as const;

function typedIndex(col: unknown): number {
  for (let i = 0; i < TYPED_CTORS.length; i++) if (col instanceof TYPED_CTORS[i]!) return i;
  return -1;
}

/** Which packed form fits every value of the column (null allowed anywhere). */
function classify(col: Column, length: number): number {
  let kind = -1;
  for (let i = 0; i < length; i++) {
    const v = col[i];
    if (v === null || v === undefined) continue;
    const t = typeof v;
    const k = t === 'number' ? NUMBERS : t === 'string' ? STRINGS : t === 'boolean' ? BOOLEANS : GENERIC;
    if (k === GENERIC) return GENERIC;
    if (kind === -1) kind = k;
    else if (kind !== k) return GENERIC;
  }
  return kind === -1 ? NUMBERS : kind;
}

let doubles = new Float64Array(1024);

function scratchDoubles(n: number): Float64Array {
  if (doubles.length < n) doubles = new Float64Array(Math.max(n, doubles.length * 2));
  return doubles.subarray(0, n);
}

export function writeColumn(w: RecordWriter, col: Column, length: number): void {
  const ti = ArrayBuffer.isView(col) ? typedIndex(col) : -1;
  if (ti >= 0 && ti !== 7) {
    // Uint8Array columns are bytea values stored per row, not a typed numeric column
    const typed = col as unknown as Float64Array;
    w.u8(TYPED);
    w.u8(ti);
    const sub = typed.subarray(0, length);
    w.u32(sub.byteLength);
    w.raw(sub);
    return;
  }
  const kind = classify(col, length);
  w.u8(kind);
  if (kind === GENERIC) {
    const out: Encoded[] = new Array(length);
    for (let i = 0; i < length; i++) out[i] = encodeValue(col[i] ?? null);
    w.str(JSON.stringify(out));
    return;
  }
  const bitmap = w.zeros((length + 7) >> 3);
  for (let i = 0; i < length; i++) if (col[i] === null || col[i] === undefined) w.setBit(bitmap, i);
  if (kind === NUMBERS) {
    // packed through a reused Float64Array: one memcpy instead of a write call per value
    const packed = scratchDoubles(length);
    for (let i = 0; i < length; i++) packed[i] = (col[i] as number | null) ?? 0;
    w.raw(packed);
  } else if (kind === STRINGS) {
    for (let i = 0; i < length; i++) w.str((col[i] as string | null) ?? '');
  } else {
    w.ensure(length);
    for (let i = 0; i < length; i++) w.u8(col[i] === true ? 1 : 0);
  }
}

export function readColumn(r: RecordReader, length: number): Column {
  const kind = r.u8();
  if (kind === TYPED) {
    const ctor = TYPED_CTORS[r.u8()];
    if (ctor === undefined) throw new StorageError('CORRUPTION', 'write-ahead log record has an unknown typed-array kind');
    const bytes = r.u32();
    if (bytes !== length * ctor.BYTES_PER_ELEMENT) throw new StorageError('CORRUPTION', 'write-ahead log record has a column of the wrong size');
    return new ctor(r.copy(bytes)) as unknown as Column;
  }
  if (kind === GENERIC) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.str());
    } catch (error) {
      throw new StorageError('CORRUPTION', `write-ahead log record has an unreadable column: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed) || parsed.length !== length) throw new StorageError('CORRUPTION', 'write-ahead log record has a column of the wrong size');
    return parsed.map((e) => decodeValue(e as Encoded)) as Value[];
  }
  if (kind !== NUMBERS && kind !== STRINGS && kind !== BOOLEANS) {
    throw new StorageError('CORRUPTION', `write-ahead log record has an unknown column kind ${kind}`);
  }
  const bitmap = r.view8((length + 7) >> 3);
  if (kind === NUMBERS) {
    const packed = new Float64Array(r.copy(length * 8));
    // no NULL: the packed doubles are the column (no boxed number per value to allocate, and a
    // table stores them into its double columns as they are); typed columns are valid input
    let nulls = 0;
    for (let b = 0; b < bitmap.length; b++) nulls |= bitmap[b]!;
    if (nulls === 0) return packed as unknown as Column;
    const out: Value[] = new Array(length);
    for (let i = 0; i < length; i++) out[i] = (bitmap[i >> 3]! & (1 << (i & 7))) !== 0 ? null : packed[i]!;
    return out;
  }
  const out: Value[] = new Array(length);
  for (let i = 0; i < length; i++) {
    const isNull = (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
    const v = kind === STRINGS ? r.str() : r.u8() === 1;
    out[i] = isNull ? null : v;
  }
  return out;
}
