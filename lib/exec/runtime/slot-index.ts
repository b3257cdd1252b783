// Key → slot index of a keyed table. Non-negative integer keys below a bound (serial ids, the
// common primary key) are looked up in a flat Int32Array indexed by the key itself: no hashing,
// and neighbouring keys share cache lines, so a million-key restore or replay costs a few ms
// instead of a Map probe (a cache miss) per key. Every other key (strings, objects' encodings,
// negative, fractional or far-out numbers, NaN) lives in a Map.
//
// Invariant: a key is in the array exactly when it is an integer in [0, dense.length); when the
// array grows, the Map's keys that now fall inside it move over.

import type { Key } from './values.js';

/** the array may grow to this many entries per stored key (plus a fixed allowance), so a few
 *  far-out ids cannot make it huge */
const SPARSENESS = 4;
const ALLOWANCE = 1 << 16;

export class SlotIndex {
  /** slot + 1 by key (0: absent) */
  private dense = new Int32Array(0);
  private denseCount = 0;
  private readonly map = new Map<Key, number>();

  get size(): number {
    return this.denseCount + this.map.size;
  }

  /** The slot of `key`, or -1. */
  get(key: Key): number {
    if (typeof key === 'number' && key >= 0 && key < this.dense.length && Number.isInteger(key)) return this.dense[key]! - 1;
    const s = this.map.get(key);
    return s === undefined ? -1 : s;
  }

  /** Stores key → slot (inserting or replacing). */
  set(key: Key, slot: number): void {
    if (typeof key === 'number' && key >= 0 && Number.isInteger(key)) {
      if (key >= this.dense.length) this.growFor(key);
      if (key < this.dense.length) {
        if (this.dense[key] === 0) this.denseCount++;
        this.dense[key] = slot + 1;
        return;
      }
    }
    this.map.set(key, slot);
  }

  delete(key: Key): void {
    if (typeof key === 'number' && key >= 0 && key < this.dense.length && Number.isInteger(key)) {
      if (this.dense[key] !== 0) this.denseCount--;
      this.dense[key] = 0;
      return;
    }
    this.map.delete(key);
  }

  clear(): void {
    this.dense = new Int32Array(0);
    this.denseCount = 0;
    this.map.clear();
  }

  /** Makes room for keys below `bound` at once (a restore that knows its largest key). */
  reserve(bound: number): void {
    if (bound > this.dense.length) this.growFor(bound - 1);
  }

  private growFor(key: number): void {
    const limit = SPARSENESS * (this.size + 1) + ALLOWANCE;
    if (key >= limit) return;
    let length = Math.max(1024, this.dense.length);
    while (length <= key) length *= 2;
    length = Math.min(length, limit);
    if (length <= key) length = key + 1;
    const grown = new Int32Array(length);
    grown.set(this.dense);
    this.dense = grown;
    if (this.map.size === 0) return;
    for (const [k, slot] of this.map) {
      if (typeof k === 'number' && k >= 0 && k < length && Number.isInteger(k)) {
        grown[k] = slot + 1;
        this.denseCount++;
        this.map.delete(k);
      }
    }
  }
}
