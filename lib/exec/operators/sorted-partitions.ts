// Per-partition sorted multisets of rows, shared by TopN and OverWindow. Rows are ordered by the
// ORDER BY keys and then by their encoding, so ties break deterministically and equal rows sit
// together. Each step remembers which partitions it touched, so operators recompute and diff
// only those at flush.

import type { Row } from '../../types/value.js';
import { compareWithNulls, rowComparator, rowKeyExtractor, sameRow, type Key, type SortKey } from '../runtime/values.js';

export interface SortedEntry {
  readonly row: Row;
  count: number;
}

/** Total order over whole rows (NULLs first): breaks ORDER BY ties deterministically. */
function compareWholeRows(a: Row, b: Row): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareWithNulls(a[i], b[i], true);
    if (c !== 0) return c;
  }
  return 0;
}

export class SortedPartitions {
  private readonly parts = new Map<Key, SortedEntry[]>();
  readonly touched = new Set<Key>();
  readonly partitionOf: (row: readonly Row[number][]) => Key;
  /** ORDER BY only (ties compare equal): rank and peers use this */
  readonly compareOrder: (a: Row, b: Row) => number;
  private rows = 0;

  constructor(partitionBy: readonly number[], order: readonly SortKey[]) {
    this.partitionOf = rowKeyExtractor(partitionBy);
    this.compareOrder = rowComparator(order);
  }

  private compareEntry(a: Row, b: SortedEntry): number {
    const c = this.compareOrder(a, b.row);
    if (c !== 0) return c;
    return compareWholeRows(a, b.row);
  }

  /** Add `weight` copies of `row` (negative removes); marks its partition touched. */
  add(row: Row, weight: number): Key {
    const pkey = this.partitionOf(row);
    this.touched.add(pkey);
    let list = this.parts.get(pkey);
    if (!list) this.parts.set(pkey, (list = []));
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareEntry(row, list[mid]) > 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < list.length && sameRow(list[lo].row, row)) {
      const e = list[lo];
      e.count += weight;
      if (e.count === 0) list.splice(lo, 1);
    } else list.splice(lo, 0, { row, count: weight });
    this.rows += weight;
    if (list.length === 0) this.parts.delete(pkey);
    return pkey;
  }

  /** Drop the partition's entries from position `keep` on (rows that can no longer matter). */
  truncate(pkey: Key, keep: number): void {
    const list = this.parts.get(pkey);
    if (list === undefined || keep >= list.length) return;
    for (let i = keep; i < list.length; i++) this.rows -= list[i].count;
    list.length = keep;
    if (keep === 0) this.parts.delete(pkey);
  }

  /** The partition's entries in order (empty if absent). */
  get(pkey: Key): readonly SortedEntry[] {
    return this.parts.get(pkey) ?? [];
  }

  keys(): IterableIterator<Key> {
    return this.parts.keys();
  }

  get partitionCount(): number {
    return this.parts.size;
  }

  /** Distinct rows held. */
  get entryCount(): number {
    let n = 0;
    for (const l of this.parts.values()) n += l.length;
    return n;
  }

  save(): [Row, number][] {
    const out: [Row, number][] = [];
    for (const list of this.parts.values()) for (const e of list) out.push([e.row, e.count]);
    return out;
  }

  clear(): void {
    this.parts.clear();
    this.touched.clear();
    this.rows = 0;
  }
}
