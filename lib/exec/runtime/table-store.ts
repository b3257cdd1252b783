// A mutable table (CREATE TABLE): the root of the views that read it.
//
// With a primary key, rows are keyed by it: a +1 row whose key exists replaces the stored row
// (the table emits -old +new), a -1 row deletes the stored row with that key (emits -stored),
// and deleting an absent key is a no-op. Without a key the table is a multiset of rows.
// The table emits only its effective changes, so views downstream see a consistent changelog.

import { SchemaError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from './batch-builder.js';
import { batchOf } from '../batch.js';
import { encodeRow, keyExtractor, keyOfValue, rowKeyExtractor, sameRowAt, type Key } from './values.js';
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
  /** keyed: key → row; multiset: encoded row → { row, count } */
  private readonly byKey = new Map<Key, Row>();
  private readonly bag = new Map<string, { row: Row; count: number }>();
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

  // The upsert path (live inserts and WAL replay): one Map probe per row, the stored row built
  // straight from the columns (rows stay immutable: checkpoints hold them by reference), the
  // before-image copied into the delta from the stored row, nothing else allocated per row.
  private applyKeyed(batch: Batch, delta: KeyedDelta | null): void {
    const cols = batch.columns;
    const weights = batch.weights;
    const width = this.width;
    const byKey = this.byKey;
    const keyColumn = this.keyColumn;
    const keyCol = keyColumn >= 0 ? cols[keyColumn] : null;
    for (let i = 0; i < batch.length; i++) {
      const w = weights === null ? 1 : weights[i];
      if (w === 0) continue;
      const key = keyCol !== null ? keyOfValue(keyCol[i]) : this.keyOfColumns(cols, i);
      const old = byKey.get(key);
      if (w > 0) {
        if (old !== undefined) {
          if (sameRowAt(old, cols, i)) continue;
          delta?.add(old, -1);
        } else this.rowCount++;
        const row: Row = new Array(width);
        for (let c = 0; c < width; c++) {
          const v = cols[c][i];
          row[c] = v === undefined ? null : v;
        }
        byKey.set(key, row);
        delta?.add(row, 1);
      } else if (old !== undefined) {
        byKey.delete(key);
        this.rowCount--;
        delta?.add(old, -1);
      }
    }
  }

  private applyBag(batch: Batch, delta: BatchBuilder | null): void {
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const row = rowAt(batch, i);
      const key = encodeRow(row);
      const e = this.bag.get(key);
      const have = e ? e.count : 0;
      // deleting more copies than exist deletes what is there
      const applied = w < 0 ? -Math.min(have, -w) : w;
      if (applied === 0) continue;
      if (e) {
        e.count += applied;
        if (e.count === 0) this.bag.delete(key);
      } else this.bag.set(key, { row, count: applied });
      this.rowCount += applied;
      delta?.addRow(row, applied);
    }
  }

  /** The stored row with this primary key (values of the key columns in key order). */
  get(keyValues: readonly Value[]): Row | undefined {
    const probe: Value[] = new Array(this.width).fill(null);
    this.pk.forEach((c, i) => (probe[c] = keyValues[i]));
    return this.byKey.get(this.keyOf(probe));
  }

  /** Every row (duplicates repeated), in no particular order. */
  rows(): Row[] {
    const out: Row[] = [];
    if (this.pk.length > 0) for (const r of this.byKey.values()) out.push(r);
    else for (const { row, count } of this.bag.values()) for (let k = 0; k < count; k++) out.push(row);
    return out;
  }

  contents(): Batch[] {
    const b = new BatchBuilder(this.width);
    if (this.pk.length > 0) for (const r of this.byKey.values()) b.addRow(r, 1);
    else for (const { row, count } of this.bag.values()) b.addRow(row, count);
    return [b.take()];
  }

  get size(): number {
    return this.rowCount;
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {}

  snapshot(): unknown {
    return this.pk.length > 0
      ? { rows: [...this.byKey.values()] }
      : { rows: [...this.bag.values()].map((e) => e.row), counts: [...this.bag.values()].map((e) => e.count) };
  }

  // Bulk load (checkpoint restore): a plain indexed loop, the key read straight from the row when
  // the primary key is one column; a snapshot never holds two rows with one key.
  restore(state: unknown): void {
    const s = state as { rows: Row[]; counts?: number[] };
    const rows = s.rows;
    const n = rows.length;
    this.byKey.clear();
    this.bag.clear();
    this.rowCount = 0;
    if (this.pk.length > 0) {
      const byKey = this.byKey;
      const keyColumn = this.keyColumn;
      if (keyColumn >= 0) for (let i = 0; i < n; i++) byKey.set(keyOfValue(rows[i][keyColumn]), rows[i]);
      else for (let i = 0; i < n; i++) byKey.set(this.keyOf(rows[i]), rows[i]);
      this.rowCount = byKey.size;
      return;
    }
    const counts = s.counts;
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      const count = counts?.[i] ?? 1;
      this.bag.set(encodeRow(row), { row, count });
      this.rowCount += count;
    }
  }

  stateSize(): number {
    return this.pk.length > 0 ? this.byKey.size : this.bag.size;
  }
}

/** A keyed table's delta: at most two rows (-old +new) per input row, so the columns are sized
 *  once up front instead of growing row by row. */
class KeyedDelta {
  private readonly columns: Value[][];
  private readonly weights: Int32Array;
  private n = 0;
  private allOnes = true;

  constructor(private readonly width: number, capacity: number) {
    this.columns = new Array(width);
    for (let c = 0; c < width; c++) this.columns[c] = new Array(capacity);
    this.weights = new Int32Array(capacity);
  }

  add(row: readonly Value[], weight: number): void {
    const n = this.n;
    for (let c = 0; c < this.width; c++) this.columns[c][n] = row[c] ?? null;
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
