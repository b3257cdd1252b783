// A mutable table (CREATE TABLE): the root of the views that read it.
//
// With a primary key, rows are keyed by it: a +1 row whose key exists replaces the stored row
// (the table emits -old +new), a -1 row deletes the stored row with that key (emits -stored),
// and deleting an absent key is a no-op. Without a key the table is a multiset of rows.
// The table emits only its effective changes, so views downstream see a consistent changelog.
// A keyed table's rows live by slot in chunks of columns (keyed-rows.ts): an upsert overwrites
// its slot, and a checkpoint cut shares the chunks (copy-on-write) instead of copying rows.

import { SchemaError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from './batch-builder.js';
import { batchOf } from '../batch.js';
import { keyExtractor, keyOfValue, rowKeyExtractor, type Key } from './values.js';
import { BagRows } from './bag-rows.js';
import { KeyedRows, type ChangeSink, type RowChunk } from './keyed-rows.js';
import type { Materialized } from './dataflow.js';

export interface TableStoreOptions {
  /** column names, for error messages */
  columnNames: readonly string[];
  /** indices of the primary-key columns (empty or absent: no key) */
  primaryKey?: readonly number[];
}

export class TableStore implements Operator, Materialized {
  private readonly width: number;
  private readonly pk: readonly number[];
  private readonly keyOf: (row: readonly Value[]) => Key;
  private readonly keyOfColumns: (columns: Batch['columns'], i: number) => Key;
  /** the primary key's column when it has exactly one (the common case: keyed without encoding), else -1 */
  private readonly keyColumn: number;
  /** keyed: rows by slot, key → slot */
  private readonly keyed: KeyedRows;
  /** multiset (no key): rows and their counts by slot (count 0: a hole left by a delete) */
  private readonly bag = new BagRows();
  private rowCount = 0;

  constructor(
    private readonly out: Output,
    private readonly options: TableStoreOptions,
  ) {
    this.width = options.columnNames.length;
    this.pk = options.primaryKey ?? [];
    this.keyOf = rowKeyExtractor(this.pk);
    this.keyOfColumns = keyExtractor(this.pk);
    this.keyColumn = this.pk.length === 1 ? this.pk[0] : -1;
    this.keyed = new KeyedRows(this.width, this.pk, this.keyOf);
  }

  get hasPrimaryKey(): boolean {
    return this.pk.length > 0;
  }

  /** Apply a batch of changes (validated as a whole first, then applied) and emit the delta. */
  push(batch: Batch, _port = 0): void {
    if (batch.columns.length !== this.width) {
      throw new SchemaError('INVALID_ROW', `expected ${this.width} columns, got ${batch.columns.length}`);
    }
    // column by column: one pass over each key column, no per-row iteration over the key
    for (let k = 0; k < this.pk.length; k++) {
      const c = this.pk[k];
      const col = batch.columns[c];
      for (let i = 0; i < batch.length; i++) {
        const v = col[i];
        if (v === null || v === undefined) {
          throw new SchemaError(
            'NOT_NULL_VIOLATION',
            `primary key column "${this.options.columnNames[c]}" cannot be NULL`,
            { column: this.options.columnNames[c], rowIndex: i },
          );
        }
      }
    }
    // before-images and the delta are built only when a view, subscriber or undo log sees them
    // (a table nothing reads yet, e.g. during recovery before views attach, just stores)
    const observed = this.out.unobserved?.() !== true;
    if (this.pk.length > 0) {
      const delta = observed ? new KeyedDelta(this.width, 2 * batch.length) : null;
      this.applyKeyed(batch, delta);
      if (delta !== null) this.out.push(delta.take());
      return;
    }
    const delta = observed ? new BatchBuilder(this.width) : null;
    this.applyBag(batch, delta);
    if (delta !== null) this.out.push(delta.take());
  }

  // The upsert path (live inserts and WAL replay): one Map probe per row, the stored values
  // overwritten in their slot (KeyedRows), the before-image copied into the delta from the slot.
  private applyKeyed(batch: Batch, delta: KeyedDelta | null): void {
    const cols = batch.columns;
    const keyCol = this.keyColumn >= 0 ? cols[this.keyColumn] : null;
    const keyAt = keyCol !== null ? (i: number): Key => keyOfValue(keyCol[i]) : (i: number): Key => this.keyOfColumns(cols, i);
    this.keyed.apply(batch, keyAt, delta);
  }

  // Inserts append by slot without encoding the row; the row → slot index is built the first
  // time a delete needs to find rows by value (bag-rows.ts).
  private applyBag(batch: Batch, delta: BatchBuilder | null): void {
    const bag = this.bag;
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const row = rowAt(batch, i);
      // deleting more copies than exist deletes what is there
      const applied = w > 0 ? bag.add(row, w) : -bag.remove(row, -w);
      if (applied === 0) continue;
      this.rowCount += applied;
      delta?.addRow(row, applied);
    }
  }

  /** The stored row with this primary key (values of the key columns in key order). */
  get(keyValues: readonly Value[]): Row | undefined {
    const probe: Value[] = new Array(this.width).fill(null);
    this.pk.forEach((c, i) => (probe[c] = keyValues[i]));
    const slot = this.keyed.find(this.keyOf(probe));
    return slot < 0 ? undefined : this.keyed.row(slot);
  }

  /** Every row (duplicates repeated), in no particular order. */
  rows(): Row[] {
    const out: Row[] = [];
    if (this.pk.length > 0) return this.keyed.rows();
    this.bag.forEach((row, count) => {
      for (let k = 0; k < count; k++) out.push(row);
    });
    return out;
  }

  contents(): Batch[] {
    if (this.pk.length > 0) return [batchOf(this.keyed.columns(), this.keyed.size)];
    const b = new BatchBuilder(this.width);
    this.bag.forEach((row, count) => b.addRow(row, count));
    return [b.take()];
  }

  get size(): number {
    return this.pk.length > 0 ? this.keyed.size : this.rowCount;
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {}

  /** Fresh arrays (a keyed table's rows are materialised); checkpoints use checkpointChunks(). */
  snapshot(): unknown {
    return this.pk.length > 0
      ? { rows: this.keyed.rows() }
      : this.bag.snapshot();
  }

  /**
   * A keyed table's state for a checkpoint cut: its chunks by reference (copied on their next
   * write, so the cut never changes), `used` beside them. Null for a table without a key.
   */
  checkpointChunks(): { used: number; chunks: RowChunk[] } | null {
    return this.pk.length > 0 ? this.keyed.shareChunks() : null;
  }

  // Bulk load (checkpoint restore): a keyed table's chunks are adopted as they were decoded (only
  // the key index is rebuilt); the row-array form (snapshot(), older checkpoints) is loaded row
  // by row. A snapshot never holds two rows with one key.
  restore(state: unknown): void {
    const s = state as { rows?: Row[]; counts?: number[]; used?: number; chunks?: RowChunk[] };
    this.keyed.clear();
    this.bag.clear();
    this.rowCount = 0;
    if (this.pk.length > 0) {
      if (Array.isArray(s.chunks)) this.keyed.adoptChunks(s.used as number, s.chunks);
      else this.keyed.loadRows(s.rows ?? []);
      return;
    }
    this.rowCount = this.bag.load(s.rows ?? [], s.counts);
  }

  stateSize(): number {
    return this.pk.length > 0 ? this.keyed.size : this.bag.distinct;
  }
}

/** A keyed table's delta: at most two rows (-old +new) per input row, so the columns are sized
 *  once up front instead of growing row by row. */
class KeyedDelta implements ChangeSink {
  private readonly columns: Value[][];
  private readonly weights: Int32Array;
  private n = 0;
  private allOnes = true;

  constructor(private readonly width: number, capacity: number) {
    this.columns = new Array(width);
    for (let c = 0; c < width; c++) this.columns[c] = new Array(capacity);
    this.weights = new Int32Array(capacity);
  }

  addStored(rows: KeyedRows, slot: number, weight: number): void {
    const n = this.n;
    for (let c = 0; c < this.width; c++) this.columns[c][n] = rows.value(slot, c);
    this.weights[n] = weight;
    if (weight !== 1) this.allOnes = false;
    this.n = n + 1;
  }

  addIncoming(columns: Batch['columns'], i: number, weight: number): void {
    const n = this.n;
    for (let c = 0; c < this.width; c++) this.columns[c][n] = columns[c][i] ?? null;
    this.weights[n] = weight;
    if (weight !== 1) this.allOnes = false;
    this.n = n + 1;
  }

  take(): Batch {
    const n = this.n;
    for (let c = 0; c < this.width; c++) this.columns[c].length = n;
    return batchOf(this.columns, n, this.allOnes ? null : this.weights.subarray(0, n));
  }
}
