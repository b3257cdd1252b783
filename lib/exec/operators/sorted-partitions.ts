// Per-partition sorted multisets of rows, shared by TopN and OverWindow. Rows are ordered by the
// ORDER BY keys and then by their values, so ties break deterministically and equal rows sit
// together. Each step remembers which partitions it touched, so operators recompute and diff
// only those at flush. Each partition also knows how many rows (with multiplicity) it holds, so
// an append-only Top-N can reject a row that cannot rank without allocating it.
//
// A partition is a list of sorted chunks of at most CHUNK entries: an insert or delete moves at
// most one chunk's entries, so a global ORDER BY … LIMIT over a large changing input (every
// group of an aggregate in one partition) stays O(log n + CHUNK) per change instead of O(n).
//
// Partitions are held in an array by slot. The partition key → slot index (partition-index.ts)
// puts number keys in the native state store by default (`keyIndex: 'auto'`: one batched lookup
// per input batch, emptied partitions' keys deleted together at the end of a flush, freed by
// close(); measured the same cost as a Map) and other keys in a Map; `keyIndex: 'native'` moves
// every key to the store (2× slower for text), `'js'` keeps all in a Map. A slot stays allocated until `endFlush`
// releases it, so operators may keep per-slot state across a step.

import type { Column } from '../batch.js';
import type { Row, Value } from '../../types/value.js';
import { partitionIndex, type PartitionKeyIndex, type PartitionKeyIndexKind } from './partition-index.js';
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

export interface SortedPartitionsOptions {
  /** where the partition key → slot index lives (partition-index.ts): 'js' (default, a Map),
   *  'auto' (number keys native, others a Map) or 'native' (all native) */
  keyIndex?: PartitionKeyIndexKind;
}

function emptyPartition(): Partition {
  return { chunks: [[]], entries: 0, rows: 0 };
}

export class SortedPartitions {
  /** by slot; undefined for a free slot */
  private parts: (Partition | undefined)[] = [];
  /** each allocated slot's partition key */
  private slotKeys: Key[] = [];
  private freeSlots: number[] = [];
  private readonly index: PartitionKeyIndex;
  /** slots touched since the last endFlush, each once */
  touched: number[] = [];
  private touchedFlag = new Uint8Array(256);
  readonly partitionOf: (row: readonly Row[number][]) => Key;
  /** the partition key of row `i` of a batch's columns (equal to partitionOf of that row) */
  readonly partitionAt: (columns: Column[], i: number) => Key;
  /** ORDER BY only (ties compare equal): rank and peers use this */
  readonly compareOrder: (a: Row, b: Row) => number;
  /** ORDER BY only, batch row against stored row */
  readonly compareOrderAt: ColumnsComparator;
  private rows = 0;
  /** a batch's keys and slots (reused between batches) */
  private batchKeys: Key[] = [];
  private batchSlots = new Int32Array(256);
  private readonly oneSlot = new Int32Array(1);
  private readonly allocForBatch = (j: number): number => this.allocSlot(this.batchKeys[j]);

  constructor(partitionBy: readonly number[], order: readonly SortKey[], options: SortedPartitionsOptions = {}) {
    this.partitionOf = rowKeyExtractor(partitionBy);
    this.partitionAt = keyExtractor(partitionBy);
    this.compareOrder = rowComparator(order);
    this.compareOrderAt = columnsComparator(order);
    this.index = partitionIndex(options.keyIndex);
  }

  /** Whether the partition key index is in the native store. */
  get nativeIndex(): boolean {
    return this.index.native;
  }

  /** The total order the entries are kept in: ORDER BY, then the whole row. */
  compareEntries(a: Row, b: Row): number {
    const c = this.compareOrder(a, b);
    if (c !== 0) return c;
    return compareWholeRows(a, b);
  }

  /**
   * The partition slot of each of a batch's first `n` rows (one index lookup for the batch),
   * creating partitions for new keys; rows of weight 0 get -1 and create nothing.
   */
  locate(columns: Column[], n: number, weights: ArrayLike<number> | null): Int32Array {
    if (n > this.batchSlots.length) this.batchSlots = new Int32Array(Math.max(n, this.batchSlots.length * 2));
    const keys = this.batchKeys;
    const slots = this.batchSlots;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (weights !== null && weights[i] === 0) continue;
      keys[m++] = this.partitionAt(columns, i);
    }
    this.index.resolve(keys, m, slots, this.allocForBatch);
    if (m < n) {
      // spread the looked-up slots back to row positions, from the end so none is overwritten
      for (let i = n - 1, j = m - 1; i >= 0; i--) slots[i] = weights![i] === 0 ? -1 : slots[j--];
    }
    keys.length = 0;
    return slots;
  }

  /** The slot of the partition a materialized row belongs to (created if new). */
  slotOfRow(row: Row): number {
    this.batchKeys[0] = this.partitionOf(row);
    this.index.resolve(this.batchKeys, 1, this.oneSlot, this.allocForBatch);
    this.batchKeys.length = 0;
    return this.oneSlot[0];
  }

  private allocSlot(key: Key): number {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.parts.length;
    if (slot >= this.touchedFlag.length) {
      const grown = new Uint8Array(Math.max(slot + 1, this.touchedFlag.length * 2));
      grown.set(this.touchedFlag);
      this.touchedFlag = grown;
    }
    this.parts[slot] = emptyPartition();
    this.slotKeys[slot] = key;
    return slot;
  }

  private touch(slot: number): void {
    if (this.touchedFlag[slot] === 0) {
      this.touchedFlag[slot] = 1;
      this.touched.push(slot);
    }
  }

  /** Add `weight` copies of `row` (negative removes); returns and touches its partition's slot. */
  add(row: Row, weight: number): number {
    const slot = this.slotOfRow(row);
    this.addTo(slot, row, weight);
    return slot;
  }

  /** add() when the caller already has the row's partition slot (from locate). */
  addTo(slot: number, row: Row, weight: number): void {
    this.touch(slot);
    const part = this.parts[slot]!;
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
  }

  /** Rows (with multiplicity) in the partition. */
  rowsIn(slot: number): number {
    return this.parts[slot]?.rows ?? 0;
  }

  /** The partition's last (worst-ranked) row, or undefined. */
  lastRow(slot: number): Row | undefined {
    const part = this.parts[slot];
    if (part === undefined || part.entries === 0) return undefined;
    const list = part.chunks[part.chunks.length - 1];
    return list[list.length - 1].row;
  }

  /** Drop the partition's entries from position `keep` on (rows that can no longer matter). */
  truncate(slot: number, keep: number): void {
    const part = this.parts[slot];
    if (part === undefined || keep >= part.entries) return;
    if (keep === 0) {
      this.rows -= part.rows;
      this.parts[slot] = emptyPartition();
      this.touch(slot); // endFlush releases it
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
  chunksOf(slot: number): readonly (readonly SortedEntry[])[] {
    const part = this.parts[slot];
    return part === undefined || part.entries === 0 ? [] : part.chunks;
  }

  /** The partition's entries in order (empty if absent). */
  get(slot: number): readonly SortedEntry[] {
    const chunks = this.chunksOf(slot);
    if (chunks.length === 0) return [];
    return chunks.length === 1 ? chunks[0] : ([] as SortedEntry[]).concat(...chunks);
  }

  /** The partition key of an allocated slot. */
  keyOf(slot: number): Key {
    return this.slotKeys[slot];
  }

  /** Ends a step: touched partitions left empty release their slots (their keys leave the
   *  index in one batched delete) and the touched list starts over. */
  endFlush(): void {
    const touched = this.touched;
    let released = false;
    for (let k = 0; k < touched.length; k++) {
      const slot = touched[k];
      this.touchedFlag[slot] = 0;
      const part = this.parts[slot];
      if (part !== undefined && part.entries === 0) {
        this.index.forget(this.slotKeys[slot]);
        this.parts[slot] = undefined;
        this.slotKeys[slot] = null;
        this.freeSlots.push(slot);
        released = true;
      }
    }
    if (released) this.index.applyDeletes();
    this.touched = [];
  }

  /** Slots of the non-empty partitions. */
  *slots(): IterableIterator<number> {
    for (let s = 0; s < this.parts.length; s++) if ((this.parts[s]?.entries ?? 0) > 0) yield s;
  }

  get partitionCount(): number {
    let n = 0;
    for (const p of this.parts) if (p !== undefined && p.entries > 0) n++;
    return n;
  }

  /** Distinct rows held. */
  get entryCount(): number {
    let n = 0;
    for (const p of this.parts) if (p !== undefined) n += p.entries;
    return n;
  }

  save(): [Row, number][] {
    const out: [Row, number][] = [];
    for (const p of this.parts) if (p !== undefined) for (const list of p.chunks) for (const e of list) out.push([e.row, e.count]);
    return out;
  }

  clear(): void {
    this.parts = [];
    this.slotKeys = [];
    this.freeSlots = [];
    this.touched = [];
    this.touchedFlag.fill(0);
    this.index.clear();
    this.rows = 0;
  }

  /** Drops every partition and frees the native index; the object must not be used afterwards. */
  close(): void {
    this.clear();
    this.index.close();
  }
}
