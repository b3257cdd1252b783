// SELECT DISTINCT: a row is present once while its multiplicity is positive. Counts change during
// the step; at flush a row emits +1 when it appeared and -1 when it disappeared.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { encodeRow } from '../runtime/values.js';

interface Counted {
  row: Row;
  count: number;
}

export class Distinct implements Operator {
  private readonly counts = new Map<string, Counted>();
  /** rows touched this step → whether they were present before it */
  private touched = new Map<string, boolean>();

  constructor(
    private readonly out: Output,
    private readonly width: number,
  ) {}

  push(batch: Batch, _port = 0): void {
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const row = rowAt(batch, i);
      const key = encodeRow(row);
      let e = this.counts.get(key);
      if (!this.touched.has(key)) this.touched.set(key, e !== undefined && e.count > 0);
      if (!e) this.counts.set(key, (e = { row, count: 0 }));
      e.count += w;
    }
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {
    if (this.touched.size === 0) return;
    const delta = new BatchBuilder(this.width);
    for (const [key, wasPresent] of this.touched) {
      const e = this.counts.get(key)!;
      const present = e.count > 0;
      if (present && !wasPresent) delta.addRow(e.row, 1);
      else if (!present && wasPresent) delta.addRow(e.row, -1);
      if (e.count === 0) this.counts.delete(key);
    }
    this.touched = new Map();
    this.out.push(delta.take());
  }

  snapshot(): unknown {
    return { rows: [...this.counts.values()].map((e) => [e.row, e.count]) };
  }
  restore(state: unknown): void {
    this.counts.clear();
    this.touched = new Map();
    for (const [row, count] of (state as { rows: [Row, number][] }).rows) this.counts.set(encodeRow(row), { row, count });
  }
  stateSize(): number {
    return this.counts.size;
  }
  /** Drops the counted rows (DROP, db.close()). */
  close(): void {
    this.counts.clear();
    this.touched = new Map();
  }
}
