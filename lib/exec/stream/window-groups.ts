// The (window, group) state of the windowed aggregate, held by slot in columns instead of one
// object graph per group: a group is its key values, its accumulators, its net row count and
// the aggregate results last emitted, each in a slot-indexed array. With a million groups alive
// (q5: five 10 s windows of ~240 K auctions), one object per group plus a few per update kept
// the young-generation collector copying survivors most of the time.

import type { Value } from '../../types/value.js';
import type { AccumulatorFactory, StreamAccumulator } from './accumulators.js';

export class WindowGroups {
  /** slot → window end */
  end = new Float64Array(1024);
  /** slot → net number of input rows in the group */
  rows = new Float64Array(1024);
  /** slot → 1 while the group is on the dirty list */
  dirty = new Uint8Array(1024);
  /** slot → 1 when `emitted` holds the results last emitted (changelog mode) */
  hasEmitted = new Uint8Array(1024);
  /** group value k of slot s: keyValues[k][s] */
  readonly keyValues: Value[][] = [];
  /** accumulator a of slot s: accs[a][s] (empty for a count kept in `counts`) */
  readonly accs: StreamAccumulator[][] = [];
  /** count(*) aggregates: the count of slot s is counts[a][s] (no accumulator object per
   *  group); null for the others */
  private counts: (Float64Array | null)[] = [];
  /** aggregate result a last emitted for slot s: emitted[a][s] */
  readonly emitted: Value[][] = [];
  /** group key of each slot (to delete it from its window's map) */
  readonly keys: unknown[] = [];
  private free: number[] = [];
  private next = 0;
  /** groups alive */
  size = 0;

  constructor(
    keyWidth: number,
    private readonly factories: readonly AccumulatorFactory[],
    /** per aggregate: a count of rows (count(*) without FILTER), kept as a number per group */
    countRows: readonly boolean[] = [],
  ) {
    for (let k = 0; k < keyWidth; k++) this.keyValues.push([]);
    for (let a = 0; a < factories.length; a++) {
      this.accs.push([]);
      this.emitted.push([]);
      this.counts.push(countRows[a] === true ? new Float64Array(1024) : null);
    }
  }

  /** Adds `value` with multiplicity `weight` to aggregate `a` of group `slot`. */
  add(a: number, slot: number, value: Value, weight: number): void {
    const counts = this.counts[a]!;
    if (counts !== null) counts[slot] += weight;
    else this.accs[a]![slot]!.add(value, weight);
  }

  result(a: number, slot: number): Value {
    const counts = this.counts[a]!;
    return counts !== null ? counts[slot]! : this.accs[a]![slot]!.result();
  }

  /** The checkpoint form of aggregate `a` of `slot`: what its accumulator's save() gives (a
   *  count is saved through a fresh accumulator, so the format does not depend on how it is held). */
  save(a: number, slot: number): unknown {
    const counts = this.counts[a]!;
    if (counts === null) return this.accs[a]![slot]!.save();
    const acc = this.factories[a]!();
    acc.add(null, counts[slot]!);
    return acc.save();
  }

  load(a: number, slot: number, saved: unknown): void {
    const counts = this.counts[a]!;
    if (counts === null) {
      this.accs[a]![slot]!.load(saved);
      return;
    }
    const acc = this.factories[a]!();
    acc.load(saved);
    counts[slot] = acc.result() as number;
  }

  /** A fresh slot for a group of window `end` (accumulators new, nothing emitted). */
  allocate(end: number, key: unknown): number {
    const slot = this.free.length > 0 ? this.free.pop()! : this.next++;
    if (slot >= this.end.length) this.grow();
    this.end[slot] = end;
    this.rows[slot] = 0;
    this.dirty[slot] = 0;
    this.hasEmitted[slot] = 0;
    this.keys[slot] = key;
    const factories = this.factories;
    for (let a = 0; a < factories.length; a++) {
      const counts = this.counts[a]!;
      if (counts !== null) counts[slot] = 0;
      else this.accs[a]![slot] = factories[a]!();
    }
    this.size++;
    return slot;
  }

  /** Returns a slot to the free list, dropping its references (key values, accumulators). */
  release(slot: number): void {
    for (let k = 0; k < this.keyValues.length; k++) this.keyValues[k]![slot] = null;
    for (let a = 0; a < this.accs.length; a++) {
      if (this.counts[a] === null) this.accs[a]![slot] = undefined as unknown as StreamAccumulator;
      this.emitted[a]![slot] = null;
    }
    this.keys[slot] = undefined;
    this.free.push(slot);
    this.size--;
  }

  clear(): void {
    for (const c of this.keyValues) c.length = 0;
    for (const c of this.accs) c.length = 0;
    for (const c of this.emitted) c.length = 0;
    this.keys.length = 0;
    this.free = [];
    this.next = 0;
    this.size = 0;
  }

  private grow(): void {
    const cap = this.end.length * 2;
    const end = new Float64Array(cap);
    end.set(this.end);
    this.end = end;
    const rows = new Float64Array(cap);
    rows.set(this.rows);
    this.rows = rows;
    const dirty = new Uint8Array(cap);
    dirty.set(this.dirty);
    this.dirty = dirty;
    const hasEmitted = new Uint8Array(cap);
    hasEmitted.set(this.hasEmitted);
    this.hasEmitted = hasEmitted;
    this.counts = this.counts.map((c) => {
      if (c === null) return null;
      const grown = new Float64Array(cap);
      grown.set(c);
      return grown;
    });
  }
}
