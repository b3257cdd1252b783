// Filter: keeps the rows for which a compiled, columnar predicate is TRUE (NULL and FALSE drop the
// row, as in SQL WHERE). The predicate returns one entry per row; `true` or 1 keeps it.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import { selectRows } from '../runtime/batch-builder.js';

/** Evaluates a predicate over a whole batch: entry i is true/1 to keep row i. */
export type PredicateFn = (batch: Batch) => ArrayLike<unknown>;

export class Filter implements Operator {
  constructor(
    private readonly out: Output,
    private readonly predicate: PredicateFn,
  ) {}

  push(batch: Batch, _port = 0): void {
    if (batch.length === 0) return;
    const kept = selectRows(batch, this.predicate(batch));
    if (kept.length > 0) this.out.push(kept);
  }
  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }
  flush(): void {}
  snapshot(): unknown {
    return null;
  }
  restore(): void {}
  stateSize(): number {
    return 0;
  }
}
