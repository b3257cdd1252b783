// Evaluates a join residual (compiled over the concatenated row left ++ right) for a candidate
// pair without building a batch: one reusable single-row column set.

import type { Column } from '../batch.js';
import type { Value } from '../../types/value.js';
import type { RowFn } from './rows.js';

export class PairEvaluator {
  private readonly cols: Value[][];

  constructor(
    private readonly leftWidth: number,
    rightWidth: number,
    private readonly residual: RowFn | undefined,
  ) {
    this.cols = [];
    for (let i = 0; i < leftWidth + rightWidth; i++) this.cols.push([null]);
  }

  /** Whether the pair passes the residual (true when there is none; NULL counts as false). */
  test(left: readonly Value[], right: readonly Value[]): boolean {
    if (this.residual === undefined) return true;
    const cols = this.cols;
    for (let i = 0; i < this.leftWidth; i++) cols[i]![0] = left[i]!;
    for (let i = 0; i < right.length; i++) cols[this.leftWidth + i]![0] = right[i]!;
    return this.residual(cols as Column[], 0) === true;
  }
}
