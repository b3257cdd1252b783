// The sink of a one-shot query: collects every batch that reaches it. When nothing upstream
// retracted (all weights +1, e.g. below a Sort) rows keep their emission order; otherwise the
// Z-set is consolidated (first-seen order) and rows of net weight n appear n times.

import type { Batch } from '../batch.js';
import type { Operator } from '../operator.js';
import { BatchBuilder, concatBatches, rowAt, weightAt } from './batch-builder.js';
import { encodeRow } from './values.js';
import type { Row } from '../../types/value.js';

export class CollectorSink implements Operator {
  private readonly batches: Batch[] = [];
  private retracting = false;

  constructor(private readonly width: number) {}

  push(batch: Batch, _port = 0): void {
    if (batch.weights !== null) {
      for (let i = 0; i < batch.length; i++) if (batch.weights[i] !== 1) this.retracting = true;
    }
    this.batches.push(batch);
  }

  watermark(): void {}
  flush(): void {}

  /** Everything collected, as one batch of inserts. */
  result(): Batch {
    if (!this.retracting) {
      if (this.batches.length === 0) return new BatchBuilder(this.width).take();
      const all = concatBatches(this.batches, this.width);
      return all.weights === null ? all : { ...all, weights: null };
    }
    const counts = new Map<string, { row: Row; weight: number }>();
    for (const batch of this.batches) {
      for (let i = 0; i < batch.length; i++) {
        const row = rowAt(batch, i);
        const key = encodeRow(row);
        const e = counts.get(key);
        if (e) e.weight += weightAt(batch, i);
        else counts.set(key, { row, weight: weightAt(batch, i) });
      }
    }
    const out = new BatchBuilder(this.width);
    for (const { row, weight } of counts.values()) for (let k = 0; k < weight; k++) out.addRow(row, 1);
    return out.take();
  }

  snapshot(): unknown {
    return null;
  }
  restore(): void {}
  stateSize(): number {
    return this.batches.length;
  }
}
