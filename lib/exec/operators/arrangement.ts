// An arrangement: one join input's rows indexed by their equi-join key, each distinct row with
// its multiplicity and, for outer/semi/anti joins, how many rows of the other side it matches.
// Keys are indexed by a JS Map, or — single numeric keys — by the native store (key-index.ts)
// from the first key: a batch's keys are looked up or inserted in one native call, and buckets
// live in an array by slot. (Session 2 kept numeric arrangements on the Map until 2^18 keys; in
// session 3, Nexmark q4/q9/q20 ran 3–10 % faster per CPU-second with the native index from the
// start, two alternating rounds at load 26–33.) The store is created at the first insert, so an
// empty side holds no native memory; the Map serves when the addon cannot be loaded.

import type { Row } from '../../types/value.js';
import { sameRow, type Key } from '../runtime/values.js';
import { BatchBuilder } from '../runtime/batch-builder.js';
import type { PredicateFn } from './filter.js';
import { tryNativeKeyIndex, type NativeKeyIndex } from './key-index.js';
import { BucketRowIndex } from './bucket-row-index.js';

export interface ArrangedRow {
  readonly row: Row;
  readonly key: Key;
  weight: number;
  /** sum of the weights of the other side's rows this row joins with */
  matches: number;
  /** position in its bucket's list (swap-removal) */
  pos: number;
}

/** Buckets above this many distinct rows get a hash index for finding a row. */
const INDEX_THRESHOLD = 8;

interface Bucket {
  list: ArrangedRow[];
  index: BucketRowIndex<ArrangedRow> | null;
  /** no retraction has reached this bucket yet: insertions append without looking for an
   *  equal row, so equal rows may sit in separate entries (the Z-set sum is the same); the
   *  first retraction merges them and the bucket keeps one entry per distinct row from then on */
  appendOnly: boolean;
  /** native-keyed arrangements: the bucket's slot */
  slot: number;
}

export class Arrangement {
  private readonly buckets = new Map<Key, Bucket>();
  private rows = 0;
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

  /** The distinct rows stored under `key` (do not mutate the array). */
  bucket(key: Key): readonly ArrangedRow[] | undefined {
    if (this.index === null) return this.buckets.get(key)?.list;
    this.oneKey[0] = key as number;
    this.index.lookup(this.oneKey, 1, this.oneLookup);
    return this.oneLookup[0] < 0 ? undefined : this.bySlot[this.oneLookup[0]]?.list;
  }

  /** The buckets of keys[0..n) into `out` (undefined where none): one native call in native
   *  mode; numeric keys are their own Map keys otherwise. */
  bucketsOf(keys: Float64Array, n: number, out: (readonly ArrangedRow[] | undefined)[], slots: Int32Array): void {
    if (this.index === null) {
      for (let i = 0; i < n; i++) out[i] = this.buckets.get(keys[i])?.list;
      return;
    }
    this.index.lookup(keys, n, slots);
    const bySlot = this.bySlot;
    for (let i = 0; i < n; i++) out[i] = slots[i] < 0 ? undefined : bySlot[slots[i]]?.list;
  }

  /** Native mode: the slots of keys[0..n), created where absent (for addAt). */
  slotsOf(keys: Float64Array, n: number, out: Uint32Array): void {
    this.index!.upsert(keys, n, out);
  }

  /** Add `weight` copies of a row (negative removes); returns its entry (possibly now empty). */
  add(key: Key, row: Row, weight: number, matches: number): ArrangedRow {
    if (this.index !== null) {
      this.oneKey[0] = key as number;
      this.index.upsert(this.oneKey, 1, this.oneSlot);
      const e = this.addAt(this.oneSlot[0], key, row, weight, matches);
      this.releaseEmptied();
      return e;
    }
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { list: [], index: null, appendOnly: true, slot: -1 }));
    return this.addTo(bucket, key, row, weight, matches);
  }

  /** Native mode: add() into the bucket of a slot from slotsOf(); call releaseEmptied() after
   *  the batch. */
  addAt(slot: number, key: Key, row: Row, weight: number, matches: number): ArrangedRow {
    let bucket = this.bySlot[slot];
    if (!bucket) this.bySlot[slot] = bucket = { list: [], index: null, appendOnly: true, slot };
    return this.addTo(bucket, key, row, weight, matches);
  }

  /** Native mode: forget the keys whose buckets are (still) empty. */
  releaseEmptied(): void {
    const keys = this.emptiedKeys;
    if (keys.length === 0) return;
    let n = 0;
    for (let i = 0; i < keys.length; i++) {
      // a key emptied and refilled within the batch keeps its slot
      if (this.bySlot[this.emptiedSlots[i]] === undefined) keys[n++] = keys[i];
    }
    this.index!.delete(keys, n);
    this.emptiedKeys = [];
    this.emptiedSlots = [];
  }

  private addTo(bucket: Bucket, key: Key, row: Row, weight: number, matches: number): ArrangedRow {
    if (bucket.appendOnly) {
      if (weight > 0) {
        const fresh: ArrangedRow = { row, key, weight, matches, pos: bucket.list.length };
        bucket.list.push(fresh);
        this.rows++;
        return fresh;
      }
      this.mergeEqualRows(bucket);
    }
    let e: ArrangedRow | undefined;
    if (bucket.index !== null) e = bucket.index.get(row);
    else {
      const list = bucket.list;
      for (let i = 0; i < list.length; i++) {
        if (sameRow(list[i].row, row)) {
          e = list[i];
          break;
        }
      }
    }
    if (!e) {
      e = { row, key, weight: 0, matches, pos: bucket.list.length };
      bucket.list.push(e);
      if (bucket.index !== null) bucket.index.add(e);
      else if (bucket.list.length > INDEX_THRESHOLD) bucket.index = new BucketRowIndex(bucket.list);
      this.rows++;
    }
    e.weight += weight;
    e.matches = matches;
    if (e.weight === 0) this.remove(bucket, e);
    return e;
  }

  /** Leave append-only mode: one entry per distinct row (equal rows have equal `matches`). */
  private mergeEqualRows(bucket: Bucket): void {
    bucket.appendOnly = false;
    const merged: ArrangedRow[] = [];
    const big = bucket.list.length > INDEX_THRESHOLD;
    const index = big ? new BucketRowIndex<ArrangedRow>() : null;
    for (const e of bucket.list) {
      let same: ArrangedRow | undefined;
      if (index !== null) {
        same = index.get(e.row);
        if (same === undefined) index.add(e);
      } else same = merged.find((m) => sameRow(m.row, e.row));
      if (same !== undefined) {
        same.weight += e.weight;
        this.rows--;
        continue;
      }
      e.pos = merged.length;
      merged.push(e);
    }
    bucket.list = merged;
    bucket.index = index;
  }

  private remove(bucket: Bucket, e: ArrangedRow): void {
    const list = bucket.list;
    const last = list.pop()!;
    if (last !== e) {
      list[e.pos] = last;
      last.pos = e.pos;
    }
    if (bucket.index !== null) bucket.index.delete(e);
    this.rows--;
    if (list.length === 0) {
      if (bucket.slot < 0) this.buckets.delete(e.key);
      else {
        this.bySlot[bucket.slot] = undefined;
        this.emptiedKeys.push(e.key as number);
        this.emptiedSlots.push(bucket.slot);
      }
    }
  }

  *entries(): IterableIterator<ArrangedRow> {
    for (const bucket of this.buckets.values()) yield* bucket.list;
    for (const bucket of this.bySlot) if (bucket !== undefined) yield* bucket.list;
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
    this.rows = 0;
  }

  /** Frees the native index (if any) and drops every row; the arrangement is not used again. */
  close(): void {
    this.index?.close();
    this.index = null;
    this.buckets.clear();
    this.bySlot = [];
    this.emptiedKeys = [];
    this.emptiedSlots = [];
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
