// Building and reading changelog batches: operators that emit from state collect rows column by
// column here instead of allocating row objects, and one batch is produced per flush or push.

import { batchOf, type Batch, type Column } from '../batch.js';
import type { Row, Value } from '../../types/value.js';

/**
 * Accumulates rows with weights into a columnar batch. The first two materialized rows are only
 * held (by reference) until take() or a third row: a flush that emits one group's -old/+new —
 * the single-event path — then gets exactly sized two-value columns instead of arrays grown to
 * 17 slots by push, and a shared weight array.
 */
export class BatchBuilder {
  private columns: Value[][];
  private weights: number[] = [];
  private allOnes = true;
  /** rows held by addRow before any column exists (at most two), with their weights */
  private held = 0;
  private held0: readonly Value[] | null = null;
  private held1: readonly Value[] | null = null;
  private heldWeight0 = 0;
  private heldWeight1 = 0;

  constructor(readonly width: number) {
    this.columns = NO_COLUMNS;
  }

  get length(): number {
    return this.held + this.weights.length;
  }

  /** Append a materialized row (kept by reference until take(): callers do not mutate rows
   *  they hand over). */
  addRow(row: readonly Value[], weight: number): void {
    if (weight === 0) return;
    if (this.weights.length === 0 && this.held < 2) {
      if (this.held === 0) {
        this.held0 = row;
        this.heldWeight0 = weight;
      } else {
        this.held1 = row;
        this.heldWeight1 = weight;
      }
      this.held++;
      if (weight !== 1) this.allOnes = false;
      return;
    }
    const cols = this.open();
    for (let c = 0; c < this.width; c++) cols[c].push(row[c] ?? null);
    this.pushWeight(weight);
  }

  /** Append row `index` of `source` (same width). */
  addFrom(source: Column[], index: number, weight: number): void {
    if (weight === 0) return;
    const cols = this.open();
    for (let c = 0; c < this.width; c++) cols[c].push(source[c][index] ?? null);
    this.pushWeight(weight);
  }

  /** Append the concatenation of two rows (join output); either side may be all-NULL. */
  addJoined(left: readonly Value[] | null, leftWidth: number, right: readonly Value[] | null, weight: number): void {
    if (weight === 0) return;
    const cols = this.open();
    for (let c = 0; c < leftWidth; c++) cols[c].push(left === null ? null : (left[c] ?? null));
    for (let c = leftWidth; c < this.width; c++) cols[c].push(right === null ? null : (right[c - leftWidth] ?? null));
    this.pushWeight(weight);
  }

  /** Append a row followed by extra trailing values (e.g. a rank column). */
  addRowWith(row: readonly Value[], extra: Value, weight: number): void {
    if (weight === 0) return;
    const cols = this.open();
    const n = this.width - 1;
    for (let c = 0; c < n; c++) cols[c].push(row[c] ?? null);
    cols[n].push(extra);
    this.pushWeight(weight);
  }

  /** The column arrays, allocated on the first row after construction or take() (a builder
   *  that is used once and dropped allocates them once), with the held rows moved in. */
  private open(): Value[][] {
    if (this.columns.length !== this.width) this.columns = emptyColumns(this.width);
    if (this.held > 0) this.spillHeld();
    return this.columns;
  }

  private spillHeld(): void {
    const cols = this.columns;
    const held = this.held;
    this.held = 0;
    for (let k = 0; k < held; k++) {
      const row = k === 0 ? this.held0! : this.held1!;
      for (let c = 0; c < this.width; c++) cols[c].push(row[c] ?? null);
      this.weights.push(k === 0 ? this.heldWeight0 : this.heldWeight1);
    }
    this.held0 = this.held1 = null;
  }

  private pushWeight(weight: number): void {
    if (weight !== 1) this.allOnes = false;
    this.weights.push(weight);
  }

  /** The batch built so far (null weights when every row is a single insert); resets. */
  take(): Batch {
    if (this.held > 0) return this.takeHeld();
    const length = this.weights.length;
    const weights = this.allOnes ? null : int32Of(this.weights);
    // (a zero-width batch gets its own empty array, never the shared placeholder)
    const batch = batchOf(this.width === 0 ? [] : this.open(), length, weights);
    this.columns = NO_COLUMNS;
    this.weights = [];
    this.allOnes = true;
    return batch;
  }

  /** One or two held rows as a batch of exactly sized columns. */
  private takeHeld(): Batch {
    const r0 = this.held0!;
    const w0 = this.heldWeight0;
    const columns: Value[][] = new Array(this.width);
    let batch: Batch;
    if (this.held === 1) {
      for (let c = 0; c < this.width; c++) columns[c] = [r0[c] ?? null];
      batch = batchOf(columns, 1, this.allOnes ? null : weightsOf1(w0));
    } else {
      const r1 = this.held1!;
      for (let c = 0; c < this.width; c++) columns[c] = [r0[c] ?? null, r1[c] ?? null];
      batch = batchOf(columns, 2, this.allOnes ? null : weightsOf2(w0, this.heldWeight1));
    }
    this.held = 0;
    this.held0 = this.held1 = null;
    this.allOnes = true;
    return batch;
  }
}

// Batches are immutable once built, so the weight arrays of the common one- and two-row deltas
// are shared rather than allocated per flush.
const RETRACT = Int32Array.of(-1);
const RETRACT_INSERT = Int32Array.of(-1, 1);
const INSERT_RETRACT = Int32Array.of(1, -1);
const RETRACT_RETRACT = Int32Array.of(-1, -1);

function weightsOf1(w: number): Int32Array {
  return w === -1 ? RETRACT : Int32Array.of(w);
}

function weightsOf2(w0: number, w1: number): Int32Array {
  if (w0 === -1) {
    if (w1 === 1) return RETRACT_INSERT;
    if (w1 === -1) return RETRACT_RETRACT;
  } else if (w0 === 1 && w1 === -1) return INSERT_RETRACT;
  return Int32Array.of(w0, w1);
}

/** A number list as an Int32Array (a plain loop: Int32Array.from goes through the iterator). */
function int32Of(list: readonly number[]): Int32Array {
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  return out;
}

const NO_COLUMNS: Value[][] = [];

function emptyColumns(width: number): Value[][] {
  const columns: Value[][] = new Array(width);
  for (let i = 0; i < width; i++) columns[i] = [];
  return columns;
}

/** The weight of row `i` (1 when the batch carries no weights). */
export function weightAt(batch: Batch, i: number): number {
  return batch.weights === null ? 1 : batch.weights[i];
}

/** Row `i` of a batch as an array (allocates: for state and tests, not for hot loops). */
export function rowAt(batch: Batch, i: number): Row {
  const row: Row = new Array(batch.columns.length);
  for (let c = 0; c < batch.columns.length; c++) {
    const v = batch.columns[c][i];
    row[c] = v === undefined ? null : v;
  }
  return row;
}

/** A columnar batch from materialized rows. */
export function batchFromRows(rows: readonly (readonly Value[])[], width: number, weights?: readonly number[]): Batch {
  if (weights !== undefined) {
    const b = new BatchBuilder(width);
    for (let i = 0; i < rows.length; i++) b.addRow(rows[i], weights[i]);
    return b.take();
  }
  // all inserts (every insert call comes here). One row — the latency path — gets one-element
  // array literals: exactly sized and packed (an empty array's first push allocates room for
  // 17; `new Array(n)` would make holey arrays, a second elements kind at every column read).
  const n = rows.length;
  // (the list of columns is sized once, as emptyColumns does)
  const columns: Value[][] = new Array(width);
  if (n === 1) {
    const row = rows[0];
    for (let c = 0; c < width; c++) columns[c] = [row[c] ?? null];
    return batchOf(columns, 1, null);
  }
  for (let c = 0; c < width; c++) {
    const col: Value[] = [];
    for (let i = 0; i < n; i++) col.push(rows[i][c] ?? null);
    columns[c] = col;
  }
  return batchOf(columns, n, null);
}

/** Copy the rows selected by `mask` (truthy = keep), keeping typed-array columns typed. */
export function selectRows(batch: Batch, keep: ArrayLike<unknown>): Batch {
  const n = batch.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (keep[i] === true || keep[i] === 1) count++;
  if (count === n) return batch;
  const idx = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (keep[i] === true || keep[i] === 1) idx[j++] = i;
  return gather(batch, idx);
}

/** The rows at the first `count` of `indices` (all of them by default), in that order. */
export function gather(batch: Batch, indices: ArrayLike<number>, count = indices.length): Batch {
  const columns: Column[] = [];
  for (const col of batch.columns) {
    let out: Column;
    if (ArrayBuffer.isView(col)) {
      const Ctor = (col as unknown as { constructor: new (n: number) => Column }).constructor;
      out = new Ctor(count);
    } else out = new Array<Value>(count);
    for (let j = 0; j < count; j++) out[j] = col[indices[j]];
    columns.push(out);
  }
  let weights: Int32Array | null = null;
  if (batch.weights !== null) {
    weights = new Int32Array(count);
    for (let j = 0; j < count; j++) weights[j] = batch.weights[indices[j]];
  }
  return batchOf(columns, count, weights);
}

/**
 * Concatenate batches of the same width into one. Inserts only (no weights anywhere): column by
 * column, a typed-array column stays typed and is copied with one `set` per batch. Otherwise row
 * by row through a builder (zero weights dropped, all-ones weights become null).
 */
export function concatBatches(batches: readonly Batch[], width: number): Batch {
  if (batches.length === 1) return batches[0];
  let length = 0;
  for (const b of batches) {
    if (b.weights !== null) return concatRows(batches, width);
    length += b.length;
  }
  const columns: Column[] = new Array(width);
  for (let c = 0; c < width; c++) columns[c] = concatColumn(batches, c, length);
  return batchOf(columns, length, null);
}

type TypedColumnCtor = new (n: number) => Column & { set(src: ArrayLike<Value>, at: number): void };

/** Column `c` of every batch, each cut to its batch's length (a column may be longer). */
function concatColumn(batches: readonly Batch[], c: number, length: number): Column {
  const first = batches[0].columns[c];
  const Ctor = ArrayBuffer.isView(first) ? (first as unknown as { constructor: TypedColumnCtor }).constructor : null;
  let sameTyped = Ctor !== null;
  for (let k = 1; sameTyped && k < batches.length; k++) sameTyped = (batches[k].columns[c] as unknown as { constructor: unknown }).constructor === Ctor;
  if (sameTyped) {
    const out = new Ctor!(length);
    let at = 0;
    for (const b of batches) {
      const src = b.columns[c] as unknown as { length: number; subarray(s: number, e: number): ArrayLike<Value> };
      out.set(src.length === b.length ? (src as unknown as ArrayLike<Value>) : src.subarray(0, b.length), at);
      at += b.length;
    }
    return out;
  }
  if (batches.length <= MAX_CONCAT_ARGS && length >= MIN_CONCAT_ROWS_PER_BATCH * batches.length && allPlainArrays(batches, c)) {
    // Array.prototype.concat copies packed arrays natively (~5× a push loop at 80 rows a
    // batch), then one read pass turns undefined (or a hole) into NULL. Its cost per argument
    // makes it slower than the loop below for batches of a few rows (one-row inserts).
    const parts: Value[][] = new Array(batches.length);
    for (let k = 0; k < batches.length; k++) {
      const src = batches[k].columns[c] as Value[];
      parts[k] = src.length === batches[k].length ? src : src.slice(0, batches[k].length);
    }
    const out = ([] as Value[]).concat(...parts);
    for (let i = 0; i < out.length; i++) if (out[i] === undefined) out[i] = null;
    return out;
  }
  // small batches or mixed column kinds: a packed array (push, not new Array(n): holey arrays
  // are a second elements kind to read)
  const out: Value[] = [];
  for (const b of batches) {
    const src = b.columns[c];
    for (let i = 0; i < b.length; i++) out.push(src[i] ?? null);
  }
  return out;
}

/** concat(...parts) passes one argument per batch: keep far below the engine's argument limit. */
const MAX_CONCAT_ARGS = 4096;
/** Below this many rows per batch on average the push loop is faster (measured: even at ~6). */
const MIN_CONCAT_ROWS_PER_BATCH = 8;

function allPlainArrays(batches: readonly Batch[], c: number): boolean {
  for (let k = 0; k < batches.length; k++) if (!Array.isArray(batches[k].columns[c])) return false;
  return true;
}

function concatRows(batches: readonly Batch[], width: number): Batch {
  const b = new BatchBuilder(width);
  for (const batch of batches) for (let i = 0; i < batch.length; i++) b.addFrom(batch.columns, i, weightAt(batch, i));
  return b.take();
}

/** Chunks shorter than this count as small in an append-only log. */
const SMALL_CHUNK = 128;
/** A log's trailing run of small chunks is merged once it is this long. */
const MERGE_RUN = 64;

/**
 * Merge the trailing run of small chunks of an append-only log (a source's or a view's) into one
 * chunk once the run is MERGE_RUN long, so a log fed one row per insert holds a few columnar
 * chunks instead of a batch object and one array per column for every row (which is what the
 * garbage collector would otherwise trace on every major collection). Each row is copied about
 * twice on average before its chunk stops being small. Only call it for batches no one else will
 * look up by identity (e.g. after the step that pushed them).
 */
export function compactLogTail(log: Batch[], width: number): void {
  if (log.length < MERGE_RUN) return;
  // a run of MERGE_RUN includes the chunk MERGE_RUN from the end: checking it first keeps the
  // common call (a big chunk not far back) O(1) instead of walking the run on every step
  if (log[log.length - MERGE_RUN].length >= SMALL_CHUNK) return;
  let start = log.length;
  while (start > 0 && log[start - 1].length < SMALL_CHUNK) start--;
  if (log.length - start < MERGE_RUN) return;
  const merged = concatBatches(log.slice(start), width);
  log.length = start;
  log.push(merged);
}

/** Reads row `i` of columns as a new array (undefined read as NULL). */
export type RowReader = (columns: ArrayLike<Value>[], i: number) => Row;

const rowReaders: (RowReader | undefined)[] = [];
/** Widths up to this get a generated reader (one array literal); wider rows use a loop. */
const GENERATED_MAX_WIDTH = 64;

/**
 * The row reader for a width: for the usual widths a generated function returning one array
 * literal — exactly sized and packed, no per-column loop — as materializing rows for
 * subscribers and stores is on every step's path.
 */
export function rowReader(width: number): RowReader {
  let reader = rowReaders[width];
  if (reader !== undefined) return reader;
  if (width <= GENERATED_MAX_WIDTH) {
    const values: string[] = [];
    for (let c = 0; c < width; c++) values.push(`cols[${c}][i] ?? null`);
    reader = new Function('cols', 'i', `return [${values.join(', ')}];`) as RowReader;
  } else {
    reader = (cols, i) => {
      const row: Row = new Array(width);
      for (let c = 0; c < width; c++) {
        const v = cols[c][i];
        row[c] = v === undefined ? null : v;
      }
      return row;
    };
  }
  rowReaders[width] = reader;
  return reader;
}
