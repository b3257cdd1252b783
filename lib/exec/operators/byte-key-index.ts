// Key → slot index in the native state store for keys that are not all numbers (DISTINCT rows,
// string GROUP BY keys): each key is an encoded row string (runtime/values.ts encodeRow), written
// as UTF-8 into one reused buffer and looked up or inserted for a whole input batch in one native
// call. The store's value for a key is the caller's slot (the caller keeps its per-slot state in
// JS arrays and allocates slots itself). `close()` frees the native memory (DROP, db.close()).

import { StateStore } from '../../native/state-store.js';
import { native } from '../../native/binding.js';
import { ClosedError } from '../../errors.js';

const encoder = new TextEncoder();

/** Packs strings as UTF-8 into a growing buffer without allocating per string. */
class KeyPacker {
  bytes = new Uint8Array(4096);
  offsets = new Uint32Array(257);
  count = 0;
  private used = 0;

  reset(): void {
    this.count = 0;
    this.used = 0;
  }

  add(key: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    const need = this.used + key.length * 3;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (this.count + 2 > this.offsets.length) {
      const grown = new Uint32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count] = this.used;
    this.used += encoder.encodeInto(key, this.bytes.subarray(this.used)).written;
    this.count++;
    this.offsets[this.count] = this.used;
  }

  packed(): { data: Uint8Array; offsets: Uint32Array } {
    return { data: this.bytes.subarray(0, this.used), offsets: this.offsets.subarray(0, this.count + 1) };
  }
}

/**
 * Batched native index from string keys to caller slots. Use per input batch:
 * `begin()`, `key(s)` for each key, `upsert()`, then `slotOf(j)` (-1 for a key inserted now: the
 * caller allocates a slot and calls `assign(j, slot)` before looking at later keys, so a key
 * repeated in the batch answers the assigned slot). Released keys go through `forget` and are
 * deleted together by `applyDeletes`.
 */
export class NativeByteKeyIndex {
  /** created at the first upsert, so an operator that never sees a row holds no native memory */
  private store: StateStore<'bytes', 'f64'> | null = null;
  private closed = false;
  private readonly batch = new KeyPacker();
  private readonly doomed = new KeyPacker();
  private storeSlots = new Uint32Array(256);
  private inserted = new Uint8Array(256);
  private view: Float64Array = new Float64Array(0);

  constructor() {
    native(); // throws here, not at the first key, when the addon cannot be loaded
  }

  get size(): number {
    return this.store?.size ?? 0;
  }

  begin(): void {
    this.batch.reset();
  }

  key(k: string): void {
    this.batch.add(k);
  }

  /** Finds or inserts the keys given since `begin()` in one native call. */
  upsert(): void {
    if (this.store === null) {
      if (this.closed) throw new ClosedError('key index');
      this.store = new StateStore({ keys: 'bytes', values: 'f64' });
    }
    const n = this.batch.count;
    if (n > this.storeSlots.length) {
      const cap = Math.max(n, this.storeSlots.length * 2);
      this.storeSlots = new Uint32Array(cap);
      this.inserted = new Uint8Array(cap);
    }
    if (n === 0) return;
    this.store.upsertSlots(this.batch.packed(), this.storeSlots.subarray(0, n), this.inserted.subarray(0, n));
    this.view = this.store.values();
  }

  slotOf(j: number): number {
    return this.inserted[j] === 1 ? -1 : this.view[this.storeSlots[j]];
  }

  assign(j: number, slot: number): void {
    this.view[this.storeSlots[j]] = slot;
    this.inserted[j] = 0;
  }

  /** Queues one key for deletion; `applyDeletes` removes the queued keys in one native call. */
  forget(k: string): void {
    this.doomed.add(k);
  }

  applyDeletes(): void {
    if (this.doomed.count === 0 || this.store === null) return;
    this.store.deleteMany(this.doomed.packed());
    this.doomed.reset();
  }

  clear(): void {
    this.store?.clear();
    this.doomed.reset();
  }

  /** Frees the native memory; the index must not be used afterwards. */
  close(): void {
    this.store?.close();
    this.store = null;
    this.closed = true;
  }
}

/** The native index, or null when the addon cannot be loaded (the caller keeps a JS Map). */
export function tryNativeByteKeyIndex(): NativeByteKeyIndex | null {
  try {
    return new NativeByteKeyIndex();
  } catch {
    return null;
  }
}
