// Per-partition sorted multisets of rows, shared by TopN and OverWindow. Rows are ordered by the
// ORDER BY keys and then by their values, so ties break deterministically and equal rows sit
// together. Each step remembers which partitions it touched, so operators recompute and diff
// only those at flush. Each partition also knows how many rows (with multiplicity) it holds, so
// an append-only Top-N can reject a row that cannot rank without allocating it.
//
// A partition is a list of sorted chunks of at most CHUNK entries: an insert or delete moves at
// most one chunk's entries, so a global ORDER BY … LIMIT over a large changing input (every
// group of an aggregate in one partition) stays O(log n + CHUNK) per change instead of O(n).

import type { Column } from '../batch.js';
import type { Row, Value } from '../../types/value.js';
import { compareNonNull, compareWithNulls, keyExtractor, rowComparator, rowKeyExtractor, sameRow, type Key, type SortKey } from '../runtime/values.js';

export interface SortedEntry {
  readonly row: Row;
  count: number;
}

interface Partition {
  /** sorted, each non-empty and at most CHUNK long; concatenated they are the partition */
  chunks: SortedEntry[][];
  /** distinct entries */
  entries: number;
  /** rows held, with multiplicity */
  rows: number;
}

const CHUNK = 512;

/** Total order over whole rows (NULLs first): breaks ORDER BY ties deterministically. */
function compareWholeRows(a: Row, b: Row): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareWithNulls(a[i], b[i], true);
    if (c !== 0) return c;
  }
  return 0;
}

/** Orders row `i` of a batch's columns against a stored row by an ORDER BY list, exactly as
 *  rowComparator orders two rows (so no row array is needed to decide). */
export type ColumnsComparator = (columns: Column[], i: number, row: Row) => number;

export function columnsComparator(keys: readonly SortKey[]): ColumnsComparator {
  const cols = keys.map((k) => k.column);
  const desc = keys.map((k) => k.desc);
  const nullsFirst = keys.map((k) => k.nullsFirst ?? k.desc);
  const n = keys.length;
  return (columns, i, row) => {
    for (let k = 0; k < n; k++) {
      const c = cols[k];
      const av: Value | undefined = columns[c][i];
      const bv = row[c];
      const an = av === null || av === undefined;
      const bn = bv === null || bv === undefined;
      if (an || bn) {
        if (an && bn) continue;
        return an === nullsFirst[k] ? -1 : 1;
      }
      const r = compareNonNull(av, bv);
      if (r !== 0) return desc[k] ? -r : r;
    }
    return 0;
  };
}

export class SortedPartitions {
  private readonly parts = new Map<Key, Partition>();
  readonly touched = new Set<Key>();
  readonly partitionOf: (row: readonly Row[number][]) => Key;
  /** the partition key of row `i` of a batch's columns (equal to partitionOf of that row) */
  readonly partitionAt: (columns: Column[], i: number) => Key;
  /** ORDER BY only (ties compare equal): rank and peers use this */
  readonly compareOrder: (a: Row, b: Row) => number;
  /** ORDER BY only, batch row against stored row */
  readonly compareOrderAt: ColumnsComparator;
  private rows = 0;

  constructor(partitionBy: readonly number[], order: readonly SortKey[]) {
    this.partitionOf = rowKeyExtractor(partitionBy);
    this.partitionAt = keyExtractor(partitionBy);
    this.compareOrder = rowComparator(order);
    this.compareOrderAt = columnsComparator(order);
  }

  /** The total order the entries are kept in: ORDER BY, then the whole row. */
  compareEntries(a: Row, b: Row): number {
    const c = this.compareOrder(a, b);
    if (c !== 0) return c;
    return compareWholeRows(a, b);
  }

  /** Add `weight` copies of `row` (negative removes); marks its partition touched. */
  add(row: Row, weight: number): Key {
    const pkey = this.partitionOf(row);
    this.addTo(pkey, row, weight);
    return pkey;
  }

  /** add() when the caller already has the row's partition key. */
  addTo(pkey: Key, row: Row, weight: number): void {
    this.touched.add(pkey);
    let part = this.parts.get(pkey);
    if (!part) this.parts.set(pkey, (part = { chunks: [[]], entries: 0, rows: 0 }));
    const chunks = part.chunks;
    // the chunk that holds the row's place: the first whose last entry is not before the row
    // (appends at the end are common, so the last chunk is checked first)
    let c = chunks.length - 1;
    const lastChunk = chunks[c];
    if (chunks.length > 1 && !(lastChunk.length > 0 && this.compareEntries(row, lastChunk[0].row) >= 0)) {
      let lo = 0;
      let hi = chunks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const ch = chunks[mid];
        if (this.compareEntries(row, ch[ch.length - 1].row) > 0) lo = mid + 1;
        else hi = mid;
      }
      c = lo;
    }
    const list = chunks[c];
    let lo = 0;
    let hi = list.length;
    if (hi > 0 && this.compareEntries(row, list[hi - 1].row) > 0) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareEntries(row, list[mid].row) > 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < list.length && sameRow(list[lo].row, row)) {
      const e = list[lo];
      e.count += weight;
      if (e.count === 0) {
        list.splice(lo, 1);
        part.entries--;
        if (list.length === 0 && chunks.length > 1) chunks.splice(c, 1);
      }
    } else {
      list.splice(lo, 0, { row, count: weight });
      part.entries++;
      // a full chunk splits in two
      if (list.length > CHUNK) chunks.splice(c + 1, 0, list.splice(CHUNK >>> 1));
    }
    this.rows += weight;
    part.rows += weight;
    if (part.entries === 0) this.parts.delete(pkey);
  }

  /** Rows (with multiplicity) in the partition. */
  rowsIn(pkey: Key): number {
    return this.parts.get(pkey)?.rows ?? 0;
  }

  /** The partition's last (worst-ranked) row, or undefined. */
  lastRow(pkey: Key): Row | undefined {
    const chunks = this.parts.get(pkey)?.chunks;
    if (chunks === undefined) return undefined;
    const list = chunks[chunks.length - 1];
    return list[list.length - 1].row;
  }

  /** Drop the partition's entries from position `keep` on (rows that can no longer matter). */
  truncate(pkey: Key, keep: number): void {
    const part = this.parts.get(pkey);
    if (part === undefined || keep >= part.entries) return;
    if (keep === 0) {
      this.rows -= part.rows;
      this.parts.delete(pkey);
      return;
    }
    let seen = 0;
    const chunks = part.chunks;
    for (let c = 0; c < chunks.length; c++) {
      const list = chunks[c];
      if (seen + list.length <= keep) {
        seen += list.length;
        continue;
      }
      // this chunk keeps keep - seen entries; every later chunk goes
      for (let k = c; k < chunks.length; k++) {
        const from = k === c ? keep - seen : 0;
        for (let i = from; i < chunks[k].length; i++) {
          this.rows -= chunks[k][i].count;
          part.rows -= chunks[k][i].count;
        }
      }
      list.length = keep - seen;
      chunks.length = list.length === 0 ? c : c + 1;
      break;
    }
    part.entries = keep;
  }

  /** The partition's entries in order, as sorted chunks (none if absent; do not mutate). */
  chunksOf(pkey: Key): readonly (readonly SortedEntry[])[] {
    return this.parts.get(pkey)?.chunks ?? [];
  }

  /** The partition's entries in order (empty if absent). */
  get(pkey: Key): readonly SortedEntry[] {
    const chunks = this.parts.get(pkey)?.chunks;
    if (chunks === undefined) return [];
    return chunks.length === 1 ? chunks[0] : ([] as SortedEntry[]).concat(...chunks);
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
    for (const p of this.parts.values()) n += p.entries;
    return n;
  }

  save(): [Row, number][] {
    const out: [Row, number][] = [];
    for (const p of this.parts.values()) for (const list of p.chunks) for (const e of list) out.push([e.row, e.count]);
    return out;
  }

  clear(): void {
    this.parts.clear();
    this.touched.clear();
    this.rows = 0;
  }
}
