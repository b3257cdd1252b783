// One side of an interval join: the rows held per equi key, stored in columns. A row lives in a
// slot: its values in one array per column, its time, its match count and its place in its key's
// chain in typed arrays. A key maps to the first slot of its chain (a Map value that is a small
// integer), so buffering a row allocates no row array, no entry object and no per-key list.
// Freed slots are reused through a free list.
//
// Number keys (join on a price, an id) are looked up in a typed-array hash table
// (operators/group-index.ts), which beats a Map holding ~1 M keys; other keys use a Map. Either
// gives a chain id whose head slot lives in `chainHeads`.
//
// Chains are doubly linked in insertion order: `next` runs head → tail (-1 ends), `prev` runs
// back and the head's `prev` is the tail, so appending and unlinking are O(1).

import type { Batch } from '../batch.js';
import type { Row, Value } from '../../types/value.js';
import type { Key } from './rows.js';
import { NumericKeyIndex } from '../operators/group-index.js';

const NIL = -1;

export class IntervalSide {
  /** number keys (not NaN; -0 stored as 0) → chain id */
  private readonly numericChains = new NumericKeyIndex(1, 1024);
  /** every other key → chain id */
  private readonly otherChains = new Map<Key, number>();
  /** per chain id: its key, its first slot (-1: free chain id) */
  private chainKeys: Key[] = [];
  private chainHeads: Int32Array = new Int32Array(256);
  private freeChains: number[] = [];
  private chainCount = 0;
  /** per column: the values by slot */
  private readonly cols: Value[][] = [];
  /** per slot: its chain id */
  private slotChains: Int32Array = new Int32Array(256);
  private times: Float64Array = new Float64Array(256);
  private matchCounts: Float64Array = new Float64Array(256);
  private next: Int32Array = new Int32Array(256);
  private prev: Int32Array = new Int32Array(256);
  private live: Uint8Array = new Uint8Array(256);
  /** slots ever used (slots ≥ this were never handed out) */
  private used = 0;
  private freeHead = NIL;
  size = 0;
  /** smallest time held (a lower bound; refreshed by expire) */
  minTime = Infinity;

  constructor(readonly width: number) {
    for (let c = 0; c < width; c++) this.cols.push([]);
  }

  /** First slot held under `key`, or -1; walk on with nextOf. */
  first(key: Key): number {
    const chain = this.findChain(key);
    return chain === NIL ? NIL : this.chainHeads[chain]!;
  }

  private findChain(key: Key): number {
    if (typeof key === 'number' && key === key) {
      this.numericChains.probe[0] = key + 0; // -0 → 0
      return this.numericChains.find();
    }
    const c = this.otherChains.get(key);
    return c === undefined ? NIL : c;
  }

  private newChain(key: Key): number {
    let c = this.freeChains.pop();
    if (c === undefined) {
      c = this.chainCount++;
      if (c === this.chainHeads.length) this.chainHeads = growI32(this.chainHeads, c * 2);
    }
    this.chainKeys[c] = key;
    if (typeof key === 'number' && key === key) {
      this.numericChains.probe[0] = key + 0;
      this.numericChains.insert(c);
    } else this.otherChains.set(key, c);
    return c;
  }

  private dropChain(c: number): void {
    const key = this.chainKeys[c]!;
    if (typeof key === 'number' && key === key) {
      this.numericChains.probe[0] = key + 0;
      this.numericChains.delete();
    } else this.otherChains.delete(key);
    this.chainKeys[c] = null;
    this.chainHeads[c] = NIL;
    this.freeChains.push(c);
  }

  nextOf(slot: number): number {
    return this.next[slot]!;
  }

  timeOf(slot: number): number {
    return this.times[slot]!;
  }

  /** Adds `delta` to the slot's match count (LEFT join padding). */
  addMatches(slot: number, delta: number): void {
    this.matchCounts[slot] += delta;
  }

  /** The slot's values as a fresh row (for output; rows are built only for matches). */
  rowOf(slot: number): Row {
    const w = this.width;
    const row: Row = new Array<Value>(w);
    for (let c = 0; c < w; c++) row[c] = this.cols[c]![slot]!;
    return row;
  }

  /** Stores row `i` of `batch` under `key`; returns its slot. */
  addFromBatch(key: Key, t: number, batch: Batch, i: number, matches: number): number {
    const s = this.allocate(key, t, matches);
    const src = batch.columns;
    for (let c = 0; c < this.width; c++) this.cols[c]![s] = (src[c]![i] ?? null) as Value;
    return s;
  }

  /** Stores a materialized row (restore). */
  addRow(key: Key, t: number, row: readonly Value[], matches: number): number {
    const s = this.allocate(key, t, matches);
    for (let c = 0; c < this.width; c++) this.cols[c]![s] = row[c] ?? null;
    return s;
  }

  private allocate(key: Key, t: number, matches: number): number {
    let s = this.freeHead;
    if (s !== NIL) this.freeHead = this.next[s]!;
    else {
      if (this.used === this.times.length) this.grow();
      s = this.used++;
    }
    this.times[s] = t;
    this.matchCounts[s] = matches;
    this.live[s] = 1;
    let c = this.findChain(key);
    if (c === NIL) {
      c = this.newChain(key);
      this.chainHeads[c] = s;
      this.prev[s] = s;
    } else {
      const h = this.chainHeads[c]!;
      const tail = this.prev[h]!;
      this.next[tail] = s;
      this.prev[s] = tail;
      this.prev[h] = s;
    }
    this.slotChains[s] = c;
    this.next[s] = NIL;
    this.size++;
    if (t < this.minTime) this.minTime = t;
    return s;
  }

  /** Unlinks the slot from its key's chain and frees it. */
  remove(slot: number): void {
    const c = this.slotChains[slot]!;
    const h = this.chainHeads[c]!;
    const n = this.next[slot]!;
    if (slot === h) {
      if (n === NIL) this.dropChain(c);
      else {
        this.prev[n] = this.prev[slot]!;
        this.chainHeads[c] = n;
      }
    } else {
      const p = this.prev[slot]!;
      this.next[p] = n;
      if (n === NIL) this.prev[h] = p;
      else this.prev[n] = p;
    }
    this.live[slot] = 0;
    // drop references so freed values can be collected
    for (let c = 0; c < this.width; c++) this.cols[c]![slot] = null;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.size--;
  }

  /** Drops slots with time < `bound`, calling `onDrop` before each goes. */
  expire(bound: number, onDrop?: (slot: number) => void): void {
    if (!(this.minTime < bound)) return;
    let min = Infinity;
    const times = this.times;
    const live = this.live;
    for (let s = 0; s < this.used; s++) {
      if (live[s] === 0) continue;
      const t = times[s]!;
      if (t < bound) {
        onDrop?.(s);
        this.remove(s);
      } else if (t < min) min = t;
    }
    this.minTime = min;
  }

  matchesOf(slot: number): number {
    return this.matchCounts[slot]!;
  }

  /** Every key with its slots in chain order (snapshot). */
  *chains(): IterableIterator<[Key, number[]]> {
    // chain ids in order of creation (reused ids aside), so a snapshot is deterministic
    for (let c = 0; c < this.chainCount; c++) {
      const h = this.chainHeads[c]!;
      if (h === NIL) continue;
      const slots: number[] = [];
      for (let s = h; s !== NIL; s = this.next[s]!) slots.push(s);
      yield [this.chainKeys[c]!, slots];
    }
  }

  clear(): void {
    this.numericChains.clear();
    this.otherChains.clear();
    this.chainKeys = [];
    this.chainHeads.fill(NIL);
    this.freeChains = [];
    this.chainCount = 0;
    for (let c = 0; c < this.width; c++) this.cols[c] = [];
    this.live.fill(0);
    this.used = 0;
    this.freeHead = NIL;
    this.size = 0;
    this.minTime = Infinity;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    this.times = growF64(this.times, cap);
    this.matchCounts = growF64(this.matchCounts, cap);
    this.next = growI32(this.next, cap);
    this.prev = growI32(this.prev, cap);
    this.slotChains = growI32(this.slotChains, cap);
    const live = new Uint8Array(cap);
    live.set(this.live);
    this.live = live;
  }
}

function growF64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
