// Candidate pairs of a join step (a delta row and a stored row with the same key) laid out as
// the columns of left ++ right rows, gathered straight from the batch's and the arrangement's
// columns (no row arrays); the residual condition runs once over them, and the join's output is
// those same columns compacted to the pairs that pass.

import { batchOf } from '../batch.js';
import type { Value } from '../../types/value.js';
import type { RowColumns } from './bucket-row-index.js';
import type { PredicateFn } from './filter.js';

/** Column c of the result holds source[c][index[p]] for pairs p < n (NULL for missing values). */
function gatherInto(out: Value[][], at: number, source: RowColumns, index: Int32Array, width: number, n: number): void {
  for (let c = 0; c < width; c++) {
    const src = source[c]!;
    // push, not new Array(n): a large pre-sized array starts in slow (dictionary) mode
    const col: Value[] = [];
    for (let p = 0; p < n; p++) col.push(src[index[p]!] ?? null);
    out[at + c] = col;
  }
}

/** The n pairs (left[leftIndex[p]], right[rightIndex[p]]) as leftWidth + rightWidth columns. */
export function gatherPairs(
  left: RowColumns,
  leftIndex: Int32Array,
  leftWidth: number,
  right: RowColumns,
  rightIndex: Int32Array,
  rightWidth: number,
  n: number,
): Value[][] {
  const out: Value[][] = new Array(leftWidth + rightWidth);
  gatherInto(out, 0, left, leftIndex, leftWidth, n);
  gatherInto(out, leftWidth, right, rightIndex, rightWidth, n);
  return out;
}

/** The residual's verdict on each of the n pairs (1 = passes), or null when every pair passes
 *  (no residual). */
export function residualMask(residual: PredicateFn | undefined, pairs: Value[][], n: number): Uint8Array | null {
  if (residual === undefined || n === 0) return null;
  const verdict = residual(batchOf(pairs, n));
  const mask = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const v = verdict[p];
    mask[p] = v === true || v === 1 ? 1 : 0;
  }
  return mask;
}

/** A growable Int32Array scratch buffer (kept by an operator across pushes). */
export function ensureInt32(buffer: Int32Array, size: number): Int32Array {
  if (buffer.length >= size) return buffer;
  const grown = new Int32Array(Math.max(size, buffer.length * 2, 64));
  grown.set(buffer);
  return grown;
}
