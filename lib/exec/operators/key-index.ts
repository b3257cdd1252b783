// A join key index in the native state store: single numeric join keys map to dense slots
// through one batched native call per input batch, instead of one JS Map operation per row.
//
// Measured with a probe of the join's access pattern (random lookups of existing keys, 4096 per
// batch, bucket fetched by slot; two runs at load average 9–15, so compare within a run):
//   keys                  JS Map.get     native batched   (HashAggregate's typed-array table)
//   100 K small integers  50–161 ns      52–171 ns        50 ns
//   1 M small integers    51–167 ns      29–143 ns        33 ns
//   4 M small integers    417–1138 ns    91–127 ns        67 ns
//   1 M integers > 2^31   199–738 ns     23–73 ns         28 ns
// Equal for small-integer keys up to ~100 K, faster from there and for every other number.
// Session 2 measured Nexmark q4 ~9 % slower with it at ~60 K auction keys and kept small joins on
// the Map; session 3 measured q4/q9/q20 3–10 % faster per CPU-second with it from the first key
// (arrangement.ts), so numeric arrangements use it from the start. The store is created at the
// first insert; `close()` (the join's close hook: DROP, db.close()) frees it, or garbage
// collection when nobody closed it.
//
// A key is the IEEE-754 bit pattern of its value (read through a Float64Array over the same
// memory as the BigUint64Array the store takes), with -0 folded into 0 and every NaN into one
// NaN, so keys equal under SQL join equality get the same slot. The store's value for a key is
// its own slot number, which turns a batched lookup (getMany) into slots too.

import { StateStore } from '../../native/state-store.js';
import { native } from '../../native/binding.js';
import { ClosedError } from '../../errors.js';

const CANONICAL_NAN = 0x7ff8000000000000n;

let addonMissing: Error | undefined;

/**
 * A native key index, or null when the native addon cannot be loaded (the in-memory engine runs
 * without it; callers then keep their JS Map). The failure is remembered, not retried per join.
 */
export function tryNativeKeyIndex(): NativeKeyIndex | null {
  if (addonMissing !== undefined) return null;
  try {
    return new NativeKeyIndex();
  } catch (err) {
    addonMissing = err as Error;
    return null;
  }
}

export class NativeKeyIndex {
  /** created at the first insert: an empty side of a join holds no native memory */
  private store: StateStore<'u64', 'f64'> | null = null;
  private closed = false;

  constructor() {
    native(); // throws here, not at the first insert, when the addon cannot be loaded
  }
  private f64 = new Float64Array(0);
  private u64 = new BigUint64Array(0);
  private slots = new Uint32Array(0);
  private found = new Uint8Array(0);
  private values = new Float64Array(0);
  private inserted = new Uint8Array(0);

  private ensure(n: number): void {
    if (this.f64.length >= n) return;
    const size = Math.max(n, this.f64.length * 2, 64);
    const buf = new ArrayBuffer(size * 8);
    this.f64 = new Float64Array(buf);
    this.u64 = new BigUint64Array(buf);
    this.slots = new Uint32Array(size);
    this.found = new Uint8Array(size);
    this.values = new Float64Array(size);
    this.inserted = new Uint8Array(size);
  }

  /** Loads keys[0..n) into the key buffer, normalised. */
  private load(keys: ArrayLike<number>, n: number): void {
    this.ensure(n);
    const f64 = this.f64;
    let nan = false;
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      if (k !== k) nan = true;
      // + 0 turns -0 into 0
      f64[i] = k + 0;
    }
    if (nan) for (let i = 0; i < n; i++) if (f64[i] !== f64[i]) this.u64[i] = CANONICAL_NAN;
  }

  /** Slots of keys[0..n) into `out` (-1 where the key is absent). */
  lookup(keys: ArrayLike<number>, n: number, out: Int32Array): void {
    if (n === 0) return;
    if (this.store === null) {
      out.fill(-1, 0, n);
      return;
    }
    this.load(keys, n);
    const values = n === this.values.length ? this.values : this.values.subarray(0, n);
    const found = n === this.found.length ? this.found : this.found.subarray(0, n);
    this.store.getMany(n === this.u64.length ? this.u64 : this.u64.subarray(0, n), values, found);
    for (let i = 0; i < n; i++) out[i] = found[i] === 1 ? values[i] : -1;
  }

  /** Slots of keys[0..n) into `out`, inserting absent keys. */
  upsert(keys: ArrayLike<number>, n: number, out: Uint32Array): void {
    if (n === 0) return;
    this.load(keys, n);
    const slots = n === this.slots.length ? this.slots : this.slots.subarray(0, n);
    const inserted = n === this.inserted.length ? this.inserted : this.inserted.subarray(0, n);
    if (this.store === null) {
      if (this.closed) throw new ClosedError('join key index');
      this.store = new StateStore({ keys: 'u64', values: 'f64' });
    }
    const added = this.store.upsertSlots(n === this.u64.length ? this.u64 : this.u64.subarray(0, n), slots, inserted);
    if (added > 0) {
      // a new key's value is its slot, so lookups (getMany) answer slots
      const view = this.store.values();
      for (let i = 0; i < n; i++) if (inserted[i] === 1) view[slots[i]] = slots[i];
    }
    for (let i = 0; i < n; i++) out[i] = slots[i];
  }

  /** Forgets keys[0..n) (their slots may be handed to new keys afterwards). */
  delete(keys: ArrayLike<number>, n: number): void {
    if (n === 0) return;
    this.load(keys, n);
    this.store?.deleteMany(n === this.u64.length ? this.u64 : this.u64.subarray(0, n));
  }

  get size(): number {
    return this.store?.size ?? 0;
  }

  clear(): void {
    this.store?.clear();
  }

  /** Frees the native store; the index must not be used afterwards. */
  close(): void {
    this.store?.close();
    this.store = null;
    this.closed = true;
  }
}
