// Key → slot index of a keyed table. Non-negative integer keys below a bound (serial ids, the
// common primary key) are looked up in a flat Int32Array indexed by the key itself: no hashing,
// and neighbouring keys share cache lines, so a million-key restore or replay costs a few ms.
// Other numbers (negative, fractional, far-out ids) go to an open-addressing hash over typed
// arrays (NumericKeyIndex: no object per key for the garbage collector); every other key
// (strings, objects' encodings, NaN) lives in a Map.
//
// Invariant: a number key is in the flat array exactly when it is an integer in
// [0, dense.length). The array only grows while the hash holds no such integer, so a key never
// has to move between the two.

import { NumericKeyIndex } from '../operators/group-index.js';
import type { Key } from './values.js';

/** the array may grow to this many entries per stored key (plus a fixed allowance), so a few
 *  far-out ids cannot make it huge */
const SPARSENESS = 4;
const ALLOWANCE = 1 << 16;

export class SlotIndex {
  /** slot + 1 by key (0: absent) */
  private dense = new Int32Array(0);
  private denseCount = 0;
  /** numbers outside the flat array (-0 stored as 0; NaN is kept in the Map) */
  private readonly hashed = new NumericKeyIndex(1, 16);
  /** non-negative integers among the hashed keys: while any, the flat array stays as it is */
  private hashedIntegers = 0;
  private readonly map = new Map<Key, number>();

  get size(): number {
    return this.denseCount + this.hashed.size + this.map.size;
  }

  /** The slot of `key`, or -1. */
  get(key: Key): number {
    if (typeof key === 'number' && key === key) {
      if (key >= 0 && key < this.dense.length && Number.isInteger(key)) return this.dense[key]! - 1;
      this.hashed.probe[0] = key + 0;
      return this.hashed.find();
    }
    const s = this.map.get(key);
    return s === undefined ? -1 : s;
  }

  /** Stores key → slot (inserting or replacing). */
  set(key: Key, slot: number): void {
    if (typeof key === 'number' && key === key) {
      const integer = key >= 0 && Number.isInteger(key);
      if (integer && key >= this.dense.length && this.hashedIntegers === 0) this.growFor(key);
      if (integer && key < this.dense.length) {
        if (this.dense[key] === 0) this.denseCount++;
        this.dense[key] = slot + 1;
        return;
      }
      const h = this.hashed;
      h.probe[0] = key + 0;
      if (h.find() >= 0) h.delete();
      else if (integer) this.hashedIntegers++;
      h.insert(slot);
      return;
    }
    this.map.set(key, slot);
  }

  delete(key: Key): void {
    if (typeof key === 'number' && key === key) {
      const integer = key >= 0 && Number.isInteger(key);
      if (integer && key < this.dense.length) {
        if (this.dense[key] !== 0) this.denseCount--;
        this.dense[key] = 0;
        return;
      }
      this.hashed.probe[0] = key + 0;
      if (this.hashed.delete() && integer) this.hashedIntegers--;
      return;
    }
    this.map.delete(key);
  }

  clear(): void {
    this.dense = new Int32Array(0);
    this.denseCount = 0;
    this.hashed.clear();
    this.hashedIntegers = 0;
    this.map.clear();
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
  }
}
