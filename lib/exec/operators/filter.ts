// Filter: keeps the rows for which a compiled, columnar predicate is TRUE (NULL and FALSE drop the
// row, as in SQL WHERE). The predicate is one of:
//   - a per-row mask (`new Filter`): entry i is `true` or 1 to keep row i;
//   - the ascending indices of the kept rows (`Filter.fromSelection`, lib/exec/expr's
//     compileFilter), which are gathered directly;
//   - the same indices written into a scratch buffer the filter keeps (`Filter.selectingInto`,
//     compileSelectInto): no mask or index array per batch, one pass over the rows.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import { gather, selectRows } from '../runtime/batch-builder.js';

/** Evaluates a predicate over a whole batch: entry i is true/1 to keep row i. */
export type PredicateFn = (batch: Batch) => ArrayLike<unknown>;

/** Evaluates a predicate over a whole batch: the ascending indices of the rows to keep. */
export type SelectionFn = (batch: Batch) => ArrayLike<number>;

/** Writes the ascending indices of the rows to keep into `out` (≥ batch.length long); returns
 *  how many. */
export type SelectIntoFn = (batch: Batch, out: Uint32Array) => number;

/** Scratch selections up to this many rows are kept between batches; a bigger batch (a
 *  back-fill) gets a buffer of its own, so one large batch does not pin memory for good. */
const MAX_KEPT_SCRATCH = 1 << 16;

export class Filter implements Operator {
  private selection: SelectionFn | null = null;
  private selectInto: SelectIntoFn | null = null;
  private scratch = new Uint32Array(0);

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

  /** A filter whose predicate writes the selected row indices into the filter's own buffer. */
  static selectingInto(out: Output, select: SelectIntoFn): Filter {
    const f = new Filter(out, () => []);
    f.selectInto = select;
    return f;
  }

  push(batch: Batch, _port = 0): void {
    const n = batch.length;
    if (n === 0) return;
    let kept: Batch;
    if (this.selectInto !== null) {
      const sel = this.scratchFor(n);
      const m = this.selectInto(batch, sel);
      if (m === 0) return;
      // the gathered columns are new arrays: the scratch buffer can be reused at once
      kept = m === n ? batch : gather(batch, sel, m);
    } else if (this.selection !== null) {
      const sel = this.selection(batch);
      if (sel.length === 0) return;
      kept = sel.length === batch.length ? batch : gather(batch, sel);
    } else kept = selectRows(batch, this.predicate(batch));
    if (kept.length > 0) this.out.push(kept);
  }

  private scratchFor(n: number): Uint32Array {
    if (this.scratch.length >= n) return this.scratch;
    if (n > MAX_KEPT_SCRATCH) return new Uint32Array(n);
    this.scratch = new Uint32Array(Math.min(MAX_KEPT_SCRATCH, Math.max(n, this.scratch.length * 2)));
    return this.scratch;
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
