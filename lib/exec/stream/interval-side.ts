// One side of an interval join: the rows held per equi key, stored in columns. A row lives in a
// slot: its values in one array per column (a Float64Array while the column has held only
// numbers: no boxed doubles for the collector to trace, e.g. timestamps; a plain array once any
// other value arrives), its time, its match count and its place in its key's chain in typed
// arrays. A key maps to the first slot of its chain (a Map value that is a small
// integer), so buffering a row allocates no row array, no entry object and no per-key list.
// Freed slots are reused through a free list.
//
// Number keys (join on a price, an id) are looked up in a typed-array hash table
// (operators/group-index.ts), which beats a Map holding ~1 M keys; other keys use a Map. Either
// gives a chain id whose head slot lives in `chainHeads`.
//
// Chains are doubly linked in insertion order: `next` runs head → tail (-1 ends), `prev` runs
// back and the head's `prev` is the tail, so appending and unlinking are O(1).
//
// Rows with number keys are indexed lazily. A new one goes on a pending list (its slot and key
// in two typed arrays, in arrival order); a lookup scans that list sequentially after the key's
// chain. Once the scans since the last indexing have cost INDEX_AFTER_SCANS times the pending
// rows, the pending rows are linked into their chains in one go. A side that is probed rarely
// (q7's bids, probed only when a window's max changes) so never hashes its rows — at ~1 M keys
// each hash insert is a cache miss — while a side probed per row is indexed every few dozen
// rows, so a scan stays short. Pending rows are always newer than chained ones: chain then
// pending is insertion order.

import type { Batch, Column } from '../batch.js';
import type { Row, Value } from '../../types/value.js';
import type { Key } from './rows.js';
import { NumericKeyIndex } from '../operators/group-index.js';

const NIL = -1;
/** pending rows are indexed once lookups have scanned this many times their number */
const INDEX_AFTER_SCANS = 32;

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
  /** per column: the values by slot as doubles, or null once the column went generic */
  private readonly nums: (Float64Array | null)[] = [];
  /** per column: the values by slot, for columns that hold non-numbers */
  private readonly objs: (Value[] | null)[] = [];
  /** per slot: its chain id */
  private slotChains: Int32Array = new Int32Array(256);
  private times: Float64Array = new Float64Array(256);
  private matchCounts: Int32Array = new Int32Array(256);
  private next: Int32Array = new Int32Array(256);
  private prev: Int32Array = new Int32Array(256);
  private live: Uint8Array = new Uint8Array(256);
  /** per slot: its place in the pending list, or -1 when chained (or free) */
  private pendingPos: Int32Array = new Int32Array(256).fill(NIL);
  /** rows not yet chained, in arrival order: their slots (-1: removed) and keys (NaN: removed) */
  private pendingSlots: Int32Array = new Int32Array(256);
  private pendingKeys: Float64Array = new Float64Array(256);
  private pendingLen = 0;
  private pendingRemoved = 0;
  /** pending entries scanned by lookups since the last indexing */
  private scanned = 0;
  /** slots found by the last lookup (valid until the next lookup on this side) */
  found: Int32Array = new Int32Array(64);
  /** slots ever used (slots ≥ this were never handed out) */
  private used = 0;
  private freeHead = NIL;
  size = 0;
  /** smallest time held (a lower bound; refreshed by expire) */
  minTime = Infinity;

  /** the column that holds the row's time, kept only in `times` (-1: none) */
  private readonly timeColumn: number;

  /** `timeColumn`: the column whose value is always the time the row is stored with — it is
   *  then not stored twice */
  constructor(
    readonly width: number,
    timeColumn?: number,
  ) {
    this.timeColumn = timeColumn ?? -1;
    for (let c = 0; c < width; c++) {
      this.nums.push(c === this.timeColumn ? null : new Float64Array(256));
      this.objs.push(null);
    }
  }

  private write(c: number, s: number, v: Value): void {
    if (c === this.timeColumn) return;
    const f = this.nums[c]!;
    if (f !== null) {
      if (typeof v === 'number') {
        f[s] = v;
        return;
      }
      this.toGeneric(c);
    }
    this.objs[c]![s] = v;
  }

  /** The value of column `c` at `slot`. */
  valueOf(c: number, slot: number): Value {
    if (c === this.timeColumn) return this.times[slot]!;
    const f = this.nums[c]!;
    return f !== null ? f[slot]! : this.objs[c]![slot]!;
  }

  /** A column met a value that is not a number: hold it in a plain array from now on. */
  private toGeneric(c: number): void {
    const f = this.nums[c]!;
    const arr: Value[] = new Array<Value>(this.used);
    const live = this.live;
    for (let s = 0; s < this.used; s++) arr[s] = live[s] === 1 ? f[s]! : null;
    this.objs[c] = arr;
    this.nums[c] = null;
  }

  /** First slot held under `key`, or -1; walk on with nextOf. */
  first(key: Key): number {
    this.indexPending();
    const chain = this.findChain(key);
    return chain === NIL ? NIL : this.chainHeads[chain]!;
  }

  /**
   * Collects the slots held under `key` into `found`, in insertion order; returns how many.
   * The side must not change while the caller walks them.
   */
  lookup(key: Key): number {
    let n = 0;
    const numeric = typeof key === 'number' && key === key;
    if (numeric && this.pendingLen > 0) {
      if (this.scanned + this.pendingLen > INDEX_AFTER_SCANS * this.pendingLen) this.indexPending();
      else this.scanned += this.pendingLen;
    }
    const chain = this.findChain(key);
    if (chain !== NIL) {
      for (let s = this.chainHeads[chain]!; s !== NIL; s = this.next[s]!) {
        if (n === this.found.length) this.found = growI32(this.found, n * 2);
        this.found[n++] = s;
      }
    }
    if (!numeric) return n;
    const keys = this.pendingKeys;
    const len = this.pendingLen;
    for (let p = 0; p < len; p++) {
      if (keys[p] !== key) continue;
      if (n === this.found.length) this.found = growI32(this.found, n * 2);
      this.found[n++] = this.pendingSlots[p]!;
    }
    return n;
  }

  /** Links every pending row into its key's chain. */
  private indexPending(): void {
    const len = this.pendingLen;
    if (len === 0) return;
    const slots = this.pendingSlots;
    const keys = this.pendingKeys;
    for (let p = 0; p < len; p++) {
      const s = slots[p]!;
      if (s === NIL) continue;
      this.pendingPos[s] = NIL;
      this.link(s, keys[p]!);
    }
    this.pendingLen = 0;
    this.pendingRemoved = 0;
    this.scanned = 0;
  }

  /** Drops removed entries from the pending list, keeping arrival order. */
  private compactPending(): void {
    const slots = this.pendingSlots;
    const keys = this.pendingKeys;
    let k = 0;
    for (let p = 0; p < this.pendingLen; p++) {
      const s = slots[p]!;
      if (s === NIL) continue;
      slots[k] = s;
      keys[k] = keys[p]!;
      this.pendingPos[s] = k++;
    }
    this.pendingLen = k;
    this.pendingRemoved = 0;
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
    for (let c = 0; c < w; c++) row[c] = this.valueOf(c, slot);
    return row;
  }

  /** Stores row `i` of `batch` under `key`; returns its slot. */
  addFromBatch(key: Key, t: number, batch: Batch, i: number, matches: number): number {
    const s = this.allocate(key, t, matches);
    const src = batch.columns;
    for (let c = 0; c < this.width; c++) this.write(c, s, (src[c]![i] ?? null) as Value);
    return s;
  }

  /** Reserves a slot for a row under `key`; its values follow through writeColumns. */
  reserve(key: Key, t: number, matches: number): number {
    return this.allocate(key, t, matches);
  }

  /** Copies row rows[k] of `columns` into slot slots[k] for k < n, a column at a time. */
  writeColumns(columns: readonly Column[], rows: Int32Array, slots: Int32Array, n: number): void {
    for (let c = 0; c < this.width; c++) {
      if (c === this.timeColumn) continue;
      const src = columns[c]!;
      const f = this.nums[c]!;
      if (f !== null && src instanceof Float64Array) {
        for (let k = 0; k < n; k++) f[slots[k]!] = src[rows[k]!]!;
        continue;
      }
      for (let k = 0; k < n; k++) this.write(c, slots[k]!, (src[rows[k]!] ?? null) as Value);
    }
  }

  /** Stores a materialized row (restore). */
  addRow(key: Key, t: number, row: readonly Value[], matches: number): number {
    const s = this.allocate(key, t, matches);
    for (let c = 0; c < this.width; c++) this.write(c, s, row[c] ?? null);
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
    if (typeof key === 'number' && key === key) {
      let p = this.pendingLen;
      if (p === this.pendingSlots.length) {
        this.pendingSlots = growI32(this.pendingSlots, p * 2);
        this.pendingKeys = growF64(this.pendingKeys, p * 2);
      }
      this.pendingSlots[p] = s;
      this.pendingKeys[p] = key + 0; // -0 → 0
      this.pendingPos[s] = p;
      this.pendingLen = p + 1;
      this.slotChains[s] = NIL;
      this.next[s] = NIL;
    } else this.link(s, key);
    this.size++;
    if (t < this.minTime) this.minTime = t;
    return s;
  }

  /** Appends the slot to its key's chain. */
  private link(s: number, key: Key): void {
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
  }

  /** Unlinks the slot from its key's chain and frees it. */
  remove(slot: number): void {
    const p = this.pendingPos[slot]!;
    if (p !== NIL) {
      this.pendingSlots[p] = NIL;
      this.pendingKeys[p] = NaN; // matches no key
      this.pendingPos[slot] = NIL;
      this.pendingRemoved++;
    } else this.unlink(slot);
    this.live[slot] = 0;
    // drop references so freed values can be collected
    for (let c = 0; c < this.width; c++) {
      const o = this.objs[c]!;
      if (o !== null) o[slot] = null;
    }
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.size--;
    if (this.pendingRemoved > 64 && this.pendingRemoved * 2 > this.pendingLen) this.compactPending();
  }

  private unlink(slot: number): void {
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
    this.indexPending();
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
    for (let c = 0; c < this.width; c++) {
      this.nums[c] = c === this.timeColumn ? null : new Float64Array(this.times.length);
      this.objs[c] = null;
    }
    this.live.fill(0);
    this.pendingPos.fill(NIL);
    this.pendingLen = 0;
    this.pendingRemoved = 0;
    this.scanned = 0;
    this.used = 0;
    this.freeHead = NIL;
    this.size = 0;
    this.minTime = Infinity;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    this.times = growF64(this.times, cap);
    this.matchCounts = growI32(this.matchCounts, cap);
    this.next = growI32(this.next, cap);
    this.prev = growI32(this.prev, cap);
    this.slotChains = growI32(this.slotChains, cap);
    const live = new Uint8Array(cap);
    live.set(this.live);
    this.live = live;
    const pos = new Int32Array(cap).fill(NIL);
    pos.set(this.pendingPos);
    this.pendingPos = pos;
    for (let c = 0; c < this.width; c++) {
      const f = this.nums[c]!;
      if (f !== null) this.nums[c] = growF64(f, cap);
    }
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
