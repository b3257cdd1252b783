// Projection: computes the output columns from an input batch with a compiled, columnar function
// (lib/exec/expr's compileProjection, or `columnProjection` for plain column picks). Weights pass
// through untouched, so no row is ever materialized.

import { batchOf, type Batch, type Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';

/** Computes output columns for a whole batch. */
export type ProjectionFn = (batch: Batch) => Column[];

/**
 * A projection that only picks (and reorders) input columns: no copying. Generated as one array
 * literal (`[c[0], c[2]]`): no closure or growing array per batch. Picking every column of a
 * batch of that width, in order, returns the batch's own column list (Project then forwards the
 * batch itself).
 */
export function columnProjection(indices: readonly number[]): ProjectionFn {
  const n = indices.length;
  const inOrder = indices.every((c, k) => c === k);
  if (n > 64 || !indices.every((c) => Number.isInteger(c) && c >= 0)) {
    return (batch) => (inOrder && batch.columns.length === n ? batch.columns : indices.map((i) => batch.columns[i]));
  }
  const picks = `[${indices.map((c) => `c[${c}]`).join(', ')}]`;
  const body = inOrder ? `const c = batch.columns; return c.length === ${n} ? c : ${picks};` : `const c = batch.columns; return ${picks};`;
  return new Function('batch', body) as ProjectionFn;
}

export class Project implements Operator {
  constructor(
    private readonly out: Output,
    private readonly project: ProjectionFn,
  ) {}

  push(batch: Batch, _port = 0): void {
    if (batch.length === 0) return;
    const columns = this.project(batch);
    // an identity projection: the batch goes on as it is (batches are immutable)
    this.out.push(columns === batch.columns ? batch : batchOf(columns, batch.length, batch.weights));
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
