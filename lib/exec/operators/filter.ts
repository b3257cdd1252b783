// Filter: keeps the rows for which a compiled, columnar predicate is TRUE (NULL and FALSE drop the
// row, as in SQL WHERE). The predicate returns one entry per row (`true` or 1 keeps it), or — with
// `Filter.fromSelection` — the ascending indices of the kept rows (lib/exec/expr's compileFilter),
// which are gathered directly.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import { gather, selectRows } from '../runtime/batch-builder.js';

/** Evaluates a predicate over a whole batch: entry i is true/1 to keep row i. */
export type PredicateFn = (batch: Batch) => ArrayLike<unknown>;

/** Evaluates a predicate over a whole batch: the ascending indices of the rows to keep. */
export type SelectionFn = (batch: Batch) => ArrayLike<number>;

export class Filter implements Operator {
  private selection: SelectionFn | null = null;

  constructor(
    private readonly out: Output,
    private readonly predicate: PredicateFn,
  ) {}

  /** A filter driven by a selection vector instead of a per-row mask. */
  static fromSelection(out: Output, select: SelectionFn): Filter {
    const f = new Filter(out, () => []);
    f.selection = select;
    return f;
  }

  push(batch: Batch, _port = 0): void {
    if (batch.length === 0) return;
    let kept: Batch;
    if (this.selection !== null) {
      const sel = this.selection(batch);
      if (sel.length === 0) return;
      kept = sel.length === batch.length ? batch : gather(batch, sel);
    } else kept = selectRows(batch, this.predicate(batch));
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
