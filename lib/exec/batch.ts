// Changelog batches: the unit of data flowing between operators. Columnar (one array per
// column, Arrow-like) with a Z-set weight per row: +1 insert, -1 delete (an update is a -1 of
// the old row and a +1 of the new one). `weights === null` means every row is an insert, the
// append-only fast path.

import type { Value } from '../types/value.js';

/** A column's values: a plain array (may hold null) or a typed array (never null). */
export type Column = ArrayLike<Value> & { [index: number]: Value };

export interface Batch {
  readonly length: number;
  readonly columns: Column[];
  /** Z-set multiplicities; null = all +1 */
  readonly weights: Int32Array | null;
}

export function batchOf(columns: Column[], length: number, weights: Int32Array | null = null): Batch {
  return { length, columns, weights };
}

export function emptyBatch(width: number): Batch {
  const columns: Column[] = [];
  for (let i = 0; i < width; i++) columns.push([]);
  return { length: 0, columns, weights: null };
}
