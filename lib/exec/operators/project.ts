// Projection: computes the output columns from an input batch with a compiled, columnar function
// (lib/exec/expr's compileProjection, or `columnProjection` for plain column picks). Weights pass
// through untouched, so no row is ever materialized.

import { batchOf, type Batch, type Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';

/** Computes output columns for a whole batch. */
export type ProjectionFn = (batch: Batch) => Column[];

/** A projection that only picks (and reorders) input columns: no copying. */
export function columnProjection(indices: readonly number[]): ProjectionFn {
  return (batch) => indices.map((i) => batch.columns[i]);
}

export class Project implements Operator {
  constructor(
    private readonly out: Output,
    private readonly project: ProjectionFn,
  ) {}

  push(batch: Batch, _port = 0): void {
    if (batch.length === 0) return;
    this.out.push(batchOf(this.project(batch), batch.length, batch.weights));
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
