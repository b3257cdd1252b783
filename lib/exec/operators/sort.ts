// Query-output ORDER BY with optional LIMIT/OFFSET, for one-shot SELECTs: it consolidates what it
// receives and, at flush, emits the sorted rows as one batch of inserts (a collector keeps that
// order). It is not incrementally maintained — views use TopN, since a Z-set has no order.
// Inserts-only input (a query's scan) is kept as a plain list, without encoding each row.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { encodeRow, rowComparator, type SortKey } from '../runtime/values.js';

export interface SortOptions {
  keys: readonly SortKey[];
  limit?: number;
  offset?: number;
}

export class Sort implements Operator {
  private readonly rows = new Map<string, { row: Row; count: number }>();
  /** rows while every input row was an insert (null once a retraction arrived) */
  private inserted: Row[] | null = [];
  private readonly compare: (a: Row, b: Row) => number;

  constructor(
    private readonly out: Output,
    private readonly width: number,
    private readonly options: SortOptions,
  ) {
    this.compare = rowComparator(options.keys);
  }

  push(batch: Batch, _port = 0): void {
    if (this.inserted !== null) {
      if (batch.weights === null) {
        for (let i = 0; i < batch.length; i++) this.inserted.push(rowAt(batch, i));
        return;
      }
      // consolidation needs the rows by value from here on
      for (const row of this.inserted) this.count(row, 1);
      this.inserted = null;
    }
    for (let i = 0; i < batch.length; i++) this.count(rowAt(batch, i), weightAt(batch, i));
  }

  private count(row: Row, weight: number): void {
    const key = encodeRow(row);
    const e = this.rows.get(key);
    if (e) e.count += weight;
    else this.rows.set(key, { row, count: weight });
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {
    let all: Row[];
    if (this.inserted !== null) {
      all = this.inserted;
      this.inserted = [];
    } else {
      all = [];
      for (const { row, count } of this.rows.values()) for (let k = 0; k < count; k++) all.push(row);
      this.rows.clear();
      this.inserted = [];
    }
    if (all.length === 0) return;
    // Array.prototype.sort is stable, so ties keep arrival order
    all.sort(this.compare);
    const offset = this.options.offset ?? 0;
    const end = this.options.limit === undefined ? all.length : Math.min(all.length, offset + this.options.limit);
    const b = new BatchBuilder(this.width);
    for (let i = offset; i < end; i++) b.addRow(all[i], 1);
    this.out.push(b.take());
  }

  snapshot(): unknown {
    return null;
  }
  restore(): void {}
  stateSize(): number {
    return this.rows.size;
  }
}
