// A constant relation (VALUES …, or the single empty row of a FROM-less SELECT). Its rows are
// emitted once, at the first flush after it is attached (back-fill or a one-shot query).

import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { batchFromRows } from '../runtime/batch-builder.js';

export class Values implements Operator {
  private emitted = false;

  constructor(
    private readonly out: Output,
    private readonly rows: readonly Row[],
    private readonly width: number,
  ) {}

  push(): void {}
  watermark(): void {}
  flush(): void {
    if (this.emitted) return;
    this.emitted = true;
    this.out.push(batchFromRows(this.rows, this.width));
  }
  snapshot(): unknown {
    return { emitted: this.emitted };
  }
  restore(state: unknown): void {
    this.emitted = (state as { emitted: boolean }).emitted;
  }
  stateSize(): number {
    return 0;
  }
}
