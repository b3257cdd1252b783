// Query-output ORDER BY with optional LIMIT/OFFSET, for one-shot SELECTs: it consolidates what it
// receives and, at flush, emits the sorted rows as one batch of inserts (a collector keeps that
// order). It is not incrementally maintained — views use TopN, since a Z-set has no order.

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
  private readonly compare: (a: Row, b: Row) => number;

  constructor(
    private readonly out: Output,
    private readonly width: number,
    private readonly options: SortOptions,
  ) {
    this.compare = rowComparator(options.keys);
  }

  push(batch: Batch, _port = 0): void {
    for (let i = 0; i < batch.length; i++) {
      const row = rowAt(batch, i);
      const key = encodeRow(row);
      const e = this.rows.get(key);
      if (e) e.count += weightAt(batch, i);
      else this.rows.set(key, { row, count: weightAt(batch, i) });
    }
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {
    if (this.rows.size === 0) return;
    const all: Row[] = [];
    for (const { row, count } of this.rows.values()) for (let k = 0; k < count; k++) all.push(row);
    this.rows.clear();
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
