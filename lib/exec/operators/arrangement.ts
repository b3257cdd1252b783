// An arrangement: one join input's rows indexed by their equi-join key, each distinct row with
// its multiplicity and, for outer/semi/anti joins, how many rows of the other side it matches.
// Kept behind this small class so the state can later move to the native store.

import type { Row } from '../../types/value.js';
import type { Key } from '../runtime/values.js';
import { BatchBuilder } from '../runtime/batch-builder.js';
import type { PredicateFn } from './filter.js';

export interface ArrangedRow {
  readonly row: Row;
  readonly rowKey: string;
  readonly key: Key;
  weight: number;
  /** sum of the weights of the other side's rows this row joins with */
  matches: number;
}

export class Arrangement {
  private readonly buckets = new Map<Key, Map<string, ArrangedRow>>();
  private rows = 0;

  bucket(key: Key): Map<string, ArrangedRow> | undefined {
    return this.buckets.get(key);
  }

  /** Add `weight` copies of a row (negative removes); returns its entry (possibly now empty). */
  add(key: Key, row: Row, rowKey: string, weight: number, matches: number): ArrangedRow {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new Map()));
    let e = bucket.get(rowKey);
    if (!e) {
      e = { row, rowKey, key, weight: 0, matches };
      bucket.set(rowKey, e);
      this.rows++;
    }
    e.weight += weight;
    e.matches = matches;
    if (e.weight === 0) {
      bucket.delete(rowKey);
      this.rows--;
      if (bucket.size === 0) this.buckets.delete(key);
    }
    return e;
  }

  *entries(): IterableIterator<ArrangedRow> {
    for (const bucket of this.buckets.values()) yield* bucket.values();
  }

  /** Number of distinct rows held. */
  get size(): number {
    return this.rows;
  }

  clear(): void {
    this.buckets.clear();
    this.rows = 0;
  }

  save(): [Row, number, number][] {
    const out: [Row, number, number][] = [];
    for (const e of this.entries()) out.push([e.row, e.weight, e.matches]);
    return out;
  }
}

/**
 * Evaluate a residual join condition over candidate pairs in one columnar call: the pairs are
 * laid out as rows of left ++ right. Returns true for the pairs that pass.
 */
export function passingPairs(
  residual: PredicateFn | undefined,
  lefts: readonly Row[],
  rights: readonly Row[],
  leftWidth: number,
  rightWidth: number,
): boolean[] {
  const n = lefts.length;
  const pass: boolean[] = new Array(n);
  if (!residual) {
    pass.fill(true);
    return pass;
  }
  const b = new BatchBuilder(leftWidth + rightWidth);
  for (let i = 0; i < n; i++) b.addJoined(lefts[i], leftWidth, rights[i], 1);
  const mask = residual(b.take());
  for (let i = 0; i < n; i++) pass[i] = mask[i] === true || mask[i] === 1;
  return pass;
}
