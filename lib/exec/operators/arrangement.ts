// An arrangement: one join input's rows indexed by their equi-join key, each distinct row with
// its multiplicity and, for outer/semi/anti joins, how many rows of the other side it matches.
//
// Rows are stored column by column under entry ids (one array per column, weights, match counts
// and bucket positions in typed arrays), not as a row array plus an entry object per row: a join
// arrangement of a few million rows was millions of small old-generation objects, and marking
// them was most of the GC work (and the GC helper threads' CPU) of a keyed join. A bucket is the
// list of its rows' ids. Freed ids are reused by later rows.
//
// Keys are indexed by a JS Map, or — single numeric keys — by the native store (key-index.ts)
// from the first key: a batch's keys are looked up or inserted in one native call, and buckets
// live in an array by slot. (Session 2 kept numeric arrangements on the Map until 2^18 keys; in
// session 3, Nexmark q4/q9/q20 ran 3–10 % faster per CPU-second with the native index from the
// start, two alternating rounds at load 26–33.) The store is created at the first insert, so an
// empty side holds no native memory; the Map serves when the addon cannot be loaded.

import { ExecutionError } from '../../errors.js';
import type { Row, Value } from '../../types/value.js';
import type { Key } from '../runtime/values.js';
import { tryNativeKeyIndex, type NativeKeyIndex } from './key-index.js';
import { BucketRowIndex, sameRowIn, type RowColumns } from './bucket-row-index.js';

/** Buckets above this many distinct rows get a hash index for finding a row. */
const INDEX_THRESHOLD = 8;

interface Bucket {
  /** ids of the bucket's rows */
  ids: number[];
  index: BucketRowIndex | null;
  /** no retraction has reached this bucket yet: insertions append without looking for an
   *  equal row, so equal rows may sit in separate entries (the Z-set sum is the same); the
   *  first retraction merges them and the bucket keeps one entry per distinct row from then on */
  appendOnly: boolean;
  /** native-keyed arrangements: the bucket's slot */
  slot: number;
  key: Key;
}

export class Arrangement {
  private readonly buckets = new Map<Key, Bucket>();
  private rows = 0;
  /** row width, fixed by the first row stored (-1: none yet) */
  private width = -1;
  /** stored rows by entry id, one array per column (values of freed ids are stale) */
  private cols: Value[][] = [];
  private weights = new Float64Array(64);
  private matchCounts = new Float64Array(64);
  /** position of each entry in its bucket's id list (swap-removal) */
  private positions = new Int32Array(64);
  private nextId = 0;
  private freeIds: number[] = [];
  /** one-row columns for the row-based add()/addAt() */
  private single: Value[][] = [];
  /** native mode: key → slot in the store, buckets by slot */
  private index: NativeKeyIndex | null = null;
  private bySlot: (Bucket | undefined)[] = [];
  /** native mode: keys whose bucket emptied since the last releaseEmptied() */
  private emptiedKeys: number[] = [];
  private emptiedSlots: number[] = [];
  private oneKey = new Float64Array(1);
  private oneSlot = new Uint32Array(1);
  private oneLookup = new Int32Array(1);

  /** `nativeKeys`: every key is a number (a single numeric join key column): the keys go to the
   *  native index; the JS Map is kept when the native addon is not available */
  constructor(options: { nativeKeys?: boolean } = {}) {
    if (options.nativeKeys === true) this.index = tryNativeKeyIndex();
  }

  get nativeKeys(): boolean {
    return this.index !== null;
  }

  /** The stored rows' columns, indexed by entry id (read only). */
  get columns(): readonly (readonly Value[])[] {
    return this.cols;
  }

  /** Multiplicity of entry `id`. */
  weight(id: number): number {
    return this.weights[id]!;
  }

  /** Sum of the weights of the other side's rows entry `id` joins with. */
  matches(id: number): number {
    return this.matchCounts[id]!;
  }

  setMatches(id: number, matches: number): void {
    this.matchCounts[id] = matches;
  }

  /** Entry `id`'s row as a new array. */
  rowOf(id: number): Row {
    const row: Row = new Array(this.cols.length);
    for (let c = 0; c < row.length; c++) row[c] = this.cols[c]![id]!;
    return row;
  }

  /** The ids of the rows stored under `key` (do not mutate the array). */
  bucket(key: Key): readonly number[] | undefined {
    if (this.index === null) return this.buckets.get(key)?.ids;
    this.oneKey[0] = key as number;
    this.index.lookup(this.oneKey, 1, this.oneLookup);
    return this.oneLookup[0]! < 0 ? undefined : this.bySlot[this.oneLookup[0]!]?.ids;
  }

  /** The buckets of keys[0..n) into `out` (undefined where none): one native call in native
   *  mode; numeric keys are their own Map keys otherwise. */
  bucketsOf(keys: Float64Array, n: number, out: (readonly number[] | undefined)[], slots: Int32Array): void {
    if (this.index === null) {
      for (let i = 0; i < n; i++) out[i] = this.buckets.get(keys[i]!)?.ids;
      return;
    }
    this.index.lookup(keys, n, slots);
    const bySlot = this.bySlot;
    for (let i = 0; i < n; i++) out[i] = slots[i]! < 0 ? undefined : bySlot[slots[i]!]?.ids;
  }

  /** Native mode: the slots of keys[0..n), created where absent (for addAt/addFromAt). */
  slotsOf(keys: Float64Array, n: number, out: Uint32Array): void {
    this.index!.upsert(keys, n, out);
  }

  /** Add `weight` copies of a row (negative removes), its match count set to `matches`. */
  add(key: Key, row: Row, weight: number, matches: number): void {
    this.addFrom(key, this.singleRow(row), 0, weight, matches);
  }

  /** Native mode: add() into the bucket of a slot from slotsOf(); call releaseEmptied() after
   *  the batch. */
  addAt(slot: number, key: Key, row: Row, weight: number, matches: number): void {
    this.addFromAt(slot, key, this.singleRow(row), 0, weight, matches);
  }

  /** add() of row `i` of a batch's columns (no row array). */
  addFrom(key: Key, columns: RowColumns, i: number, weight: number, matches: number): void {
    if (this.index !== null) {
      this.oneKey[0] = key as number;
      this.index.upsert(this.oneKey, 1, this.oneSlot);
      this.addFromAt(this.oneSlot[0]!, key, columns, i, weight, matches);
      this.releaseEmptied();
      return;
    }
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { ids: [], index: null, appendOnly: true, slot: -1, key }));
    this.addTo(bucket, columns, i, weight, matches);
  }

  /** Native mode: addFrom() into the bucket of a slot from slotsOf(); call releaseEmptied()
   *  after the batch. */
  addFromAt(slot: number, key: Key, columns: RowColumns, i: number, weight: number, matches: number): void {
    const bySlot = this.bySlot;
    let bucket = slot < bySlot.length ? bySlot[slot] : undefined;
    if (!bucket) {
      // filled up to the slot, never written past its end: an array with gaps of unknown size
      // would fall back to dictionary elements (a hash lookup per row)
      while (bySlot.length <= slot) bySlot.push(undefined);
      bySlot[slot] = bucket = { ids: [], index: null, appendOnly: true, slot, key };
    }
    this.addTo(bucket, columns, i, weight, matches);
  }

  /** Native mode: forget the keys whose buckets are (still) empty. */
  releaseEmptied(): void {
    const keys = this.emptiedKeys;
    if (keys.length === 0) return;
    let n = 0;
    for (let i = 0; i < keys.length; i++) {
      // a key emptied and refilled within the batch keeps its slot
      if (this.bySlot[this.emptiedSlots[i]!] === undefined) keys[n++] = keys[i]!;
    }
    this.index!.delete(keys, n);
    this.emptiedKeys = [];
    this.emptiedSlots = [];
  }

  private singleRow(row: Row): RowColumns {
    const single = this.single;
    if (single.length !== row.length) {
      single.length = 0;
      for (let c = 0; c < row.length; c++) single.push([null]);
    }
    for (let c = 0; c < row.length; c++) single[c]![0] = row[c] ?? null;
    return single;
  }

  private addTo(bucket: Bucket, columns: RowColumns, i: number, weight: number, matches: number): void {
    if (bucket.appendOnly) {
      if (weight > 0) {
        const id = this.store(columns, i, weight, matches);
        this.positions[id] = bucket.ids.length;
        bucket.ids.push(id);
        return;
      }
      this.mergeEqualRows(bucket);
    }
    let id = -1;
    if (bucket.index !== null) id = bucket.index.get(columns, i);
    else {
      const ids = bucket.ids;
      const width = this.width;
      for (let k = 0; k < ids.length; k++) {
        if (sameRowIn(this.cols, ids[k]!, columns, i, width)) {
          id = ids[k]!;
          break;
        }
      }
    }
    if (id < 0) {
      id = this.store(columns, i, 0, matches);
      this.positions[id] = bucket.ids.length;
      bucket.ids.push(id);
      if (bucket.index !== null) bucket.index.add(id);
      else if (bucket.ids.length > INDEX_THRESHOLD) bucket.index = new BucketRowIndex(this.cols, this.width, bucket.ids);
    }
    this.weights[id] += weight;
    this.matchCounts[id] = matches;
    if (this.weights[id] === 0) this.remove(bucket, id);
  }

  /** A new entry holding row `i` of `columns`; returns its id. */
  private store(columns: RowColumns, i: number, weight: number, matches: number): number {
    if (this.width < 0) {
      this.width = columns.length;
      for (let c = 0; c < this.width; c++) this.cols.push([]);
    } else if (columns.length !== this.width) {
      throw new ExecutionError('INTERNAL', `an arrangement of ${this.width}-column rows was given a row of ${columns.length} columns`);
    }
    const cols = this.cols;
    const width = this.width;
    let id: number;
    if (this.freeIds.length > 0) {
      id = this.freeIds.pop()!;
      for (let c = 0; c < width; c++) cols[c]![id] = columns[c]![i] ?? null;
    } else {
      id = this.nextId++;
      if (id === this.weights.length) this.grow();
      for (let c = 0; c < width; c++) cols[c]!.push(columns[c]![i] ?? null);
    }
    this.weights[id] = weight;
    this.matchCounts[id] = matches;
    this.rows++;
    return id;
  }

  private grow(): void {
    const size = this.weights.length * 2;
    const weights = new Float64Array(size);
    weights.set(this.weights);
    this.weights = weights;
    const matches = new Float64Array(size);
    matches.set(this.matchCounts);
    this.matchCounts = matches;
    const positions = new Int32Array(size);
    positions.set(this.positions);
    this.positions = positions;
  }

  /** Leave append-only mode: one entry per distinct row (equal rows have equal match counts). */
  private mergeEqualRows(bucket: Bucket): void {
    bucket.appendOnly = false;
    const merged: number[] = [];
    const big = bucket.ids.length > INDEX_THRESHOLD;
    const index = big ? new BucketRowIndex(this.cols, this.width) : null;
    for (const id of bucket.ids) {
      let same = -1;
      if (index !== null) {
        same = index.get(this.cols, id);
        if (same < 0) index.add(id);
      } else {
        for (let k = 0; k < merged.length; k++) {
          if (sameRowIn(this.cols, merged[k]!, this.cols, id, this.width)) {
            same = merged[k]!;
            break;
          }
        }
      }
      if (same >= 0) {
        this.weights[same] += this.weights[id]!;
        this.free(id);
        continue;
      }
      this.positions[id] = merged.length;
      merged.push(id);
    }
    bucket.ids = merged;
    bucket.index = index;
  }

  private free(id: number): void {
    this.freeIds.push(id);
    this.rows--;
  }

  private remove(bucket: Bucket, id: number): void {
    const ids = bucket.ids;
    const last = ids.pop()!;
    if (last !== id) {
      const pos = this.positions[id]!;
      ids[pos] = last;
      this.positions[last] = pos;
    }
    if (bucket.index !== null) bucket.index.delete(id);
    this.free(id);
    if (ids.length === 0) {
      if (bucket.slot < 0) this.buckets.delete(bucket.key);
      else {
        this.bySlot[bucket.slot] = undefined;
        this.emptiedKeys.push(bucket.key as number);
        this.emptiedSlots.push(bucket.slot);
      }
    }
  }

  /** Every stored entry id. */
  *ids(): IterableIterator<number> {
    for (const bucket of this.buckets.values()) yield* bucket.ids;
    for (const bucket of this.bySlot) if (bucket !== undefined) yield* bucket.ids;
  }

  /** Distinct keys held (in native mode: keys in the native index). */
  get keyCount(): number {
    return this.index === null ? this.buckets.size : this.index.size;
  }

  /** Number of distinct rows held. */
  get size(): number {
    return this.rows;
  }

  clear(): void {
    this.buckets.clear();
    this.bySlot = [];
    this.emptiedKeys = [];
    this.emptiedSlots = [];
    this.index?.clear();
    this.resetRows();
  }

  /** Frees the native index (if any) and drops every row; the arrangement is not used again. */
  close(): void {
    this.index?.close();
    this.index = null;
    this.buckets.clear();
    this.bySlot = [];
    this.emptiedKeys = [];
    this.emptiedSlots = [];
    this.resetRows();
  }

  private resetRows(): void {
    this.rows = 0;
    this.width = -1;
    this.cols = [];
    this.weights = new Float64Array(64);
    this.matchCounts = new Float64Array(64);
    this.positions = new Int32Array(64);
    this.nextId = 0;
    this.freeIds = [];
  }

  save(): [Row, number, number][] {
    const out: [Row, number, number][] = [];
    for (const id of this.ids()) out.push([this.rowOf(id), this.weights[id]!, this.matchCounts[id]!]);
    return out;
  }
}
