// Typed TypeScript API over the native state store (native/addon/state_binding.cc).
//
// A store maps keys to values. Keys are u64 (`keys: 'u64'`, given as bigint/number, batched as a
// BigUint64Array) or byte strings (`keys: 'bytes'`, given as Uint8Array/string, batched packed).
// Values are fixed-width rows of `width` f64 or u64 words (accumulators), or byte strings.
//
// Hot paths should use the batched methods: one native call serves a whole batch. For
// read-modify-write accumulators, `upsertSlots` + `values()` is one native call per batch and no
// copies: the slots index a view over native memory that JS updates in place.
// A u64-keyed store of width 1 keeps its values beside the hash slots (one cache miss per
// lookup instead of two) until the first `upsertSlots`/`values()` call moves them, once, into
// the stable region those views need; everything else works the same in both layouts.
import { ClosedError, StorageError } from '../errors.js';
import { native } from './binding.js';

export type StateKeyKind = 'u64' | 'bytes';
export type StateValueKind = 'f64' | 'u64' | 'bytes';

export interface StateStoreOptions<K extends StateKeyKind = StateKeyKind, V extends StateValueKind = StateValueKind> {
  keys: K;
  values: V;
  /** Words per value for 'f64'/'u64' values (default 1, at most 1024). Not allowed for 'bytes'. */
  width?: number;
  /** Keep an ordered index so `scan` is O(log n + k) instead of a full pass plus a sort. */
  ordered?: boolean;
  /** Upper bound on entries; inserting beyond it throws a RangeError (code CAPACITY). */
  maxEntries?: number;
  /** Expected entries, to size the table up front and avoid rehashing while it fills. */
  capacity?: number;
}

/**
 * Byte strings packed in one buffer: string i is `data.subarray(offsets[i], offsets[i + 1])`, so
 * `offsets.length` is the number of strings plus one.
 */
export interface PackedBytes {
  data: Uint8Array;
  offsets: Uint32Array;
}

/** Key of single-key calls. */
export type StateKey<K extends StateKeyKind> = K extends 'u64' ? bigint | number : Uint8Array | string;
/** Keys of batched calls. */
export type StateKeyBatch<K extends StateKeyKind> = K extends 'u64' ? BigUint64Array : PackedBytes;
/** Typed array of fixed-width values (`width` elements per key). */
export type StateWords<V extends StateValueKind> = V extends 'f64' ? Float64Array : BigUint64Array;
/** Value of single-key calls: a scalar when width is 1, an array of `width` otherwise. */
export type StateValue<V extends StateValueKind> = V extends 'f64'
  ? number | Float64Array
  : V extends 'u64'
    ? bigint | BigUint64Array
    : Uint8Array;
/** Values of batched puts. */
export type StateValueBatch<V extends StateValueKind> = V extends 'bytes' ? PackedBytes : StateWords<V>;

/** Memory held by a store, in bytes (index size is an estimate). */
export interface StateMemory {
  entries: number;
  tableBytes: number;
  valueBytes: number;
  arenaBytes: number;
  arenaDeadBytes: number;
  metaBytes: number;
  indexBytes: number;
  totalBytes: number;
}

/** Entries of a scan, in key order; values are `width` words per key, or packed bytes. */
export interface StateScan<K extends StateKeyKind, V extends StateValueKind> {
  keys: K extends 'u64' ? BigUint64Array : PackedBytes;
  values: StateValueBatch<V>;
}

interface NativeStore {
  get(keys: unknown, offsets: unknown, out: unknown, found: Uint8Array): number;
  getBytes(keys: unknown, offsets: unknown, found: Uint8Array): PackedBytes;
  put(keys: unknown, offsets: unknown, values: unknown, valueOffsets: unknown): void;
  delete(keys: unknown, offsets: unknown, found: Uint8Array | undefined): number;
  upsertSlots(keys: unknown, offsets: unknown, slots: Uint32Array, inserted: Uint8Array | undefined): number;
  getOne(key: unknown): unknown;
  putOne(key: unknown, value: unknown): void;
  deleteOne(key: unknown): boolean;
  hasOne(key: unknown): boolean;
  scan(a: unknown, b: unknown, limit: unknown): {
    keys: BigUint64Array | Uint8Array;
    keyOffsets?: Uint32Array;
    values: Float64Array | BigUint64Array | Uint8Array;
    valueOffsets?: Uint32Array;
  };
  valuesBuffer(): ArrayBuffer;
  valuesBytes(): number;
  snapshot(path: string): number;
  size(): number;
  memory(): StateMemory;
  info(): { keys: StateKeyKind; values: StateValueKind; width: number; ordered: boolean; maxEntries: number };
  clear(): void;
  close(): void;
}

// Native errors carry `code`: storage failures become StorageError; argument errors stay
// TypeError/RangeError (a RangeError with code CAPACITY when the store is full).
function translate(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'CORRUPTION' || code === 'IO_ERROR') {
    return new StorageError(code, (err as Error).message, { cause: err });
  }
  if (code === 'CLOSED') return new ClosedError('state store');
  return err;
}

/** Stores open now (opened and neither closed nor garbage-collected), for `stateStoreStats`. */
const liveStores = new Set<WeakRef<StateStore>>();
const collected = new FinalizationRegistry<WeakRef<StateStore>>((ref) => liveStores.delete(ref));

/** Native state stores open in this process and the native memory they hold. */
export interface StateStoreStats {
  /** stores created and not yet closed (or garbage-collected) */
  open: number;
  /** sum of their `memory().totalBytes` */
  bytes: number;
}

/**
 * How many native state stores are open and how much memory they hold: what operators' close
 * hooks (DROP, db.close()) must bring back down. Walks the open stores (a few per view).
 */
export function stateStoreStats(): StateStoreStats {
  let open = 0;
  let bytes = 0;
  for (const ref of liveStores) {
    const store = ref.deref();
    if (store === undefined || store.closed) {
      liveStores.delete(ref);
      continue;
    }
    open++;
    bytes += store.memory().totalBytes;
  }
  return { open, bytes };
}

/** An embedded key → value state store in native memory (see the file comment). */
export class StateStore<K extends StateKeyKind = StateKeyKind, V extends StateValueKind = StateValueKind> {
  readonly keyKind: K;
  readonly valueKind: V;
  /** Words per value (0 for byte values). */
  readonly width: number;
  readonly ordered: boolean;
  readonly maxEntries: number;
  private handle: NativeStore | null;
  private view: StateWords<V> | null = null;
  private viewBytes = -1;
  private readonly ref: WeakRef<StateStore>;

  constructor(options: StateStoreOptions<K, V>);
  /** @internal used by `restore` */
  constructor(options: { restoreFrom: string; maxEntries?: number });
  constructor(options: StateStoreOptions<K, V> | { restoreFrom: string; maxEntries?: number }) {
    const Native = native().NativeStateStore as new (o: unknown) => NativeStore;
    try {
      this.handle = new Native(options);
    } catch (err) {
      throw translate(err);
    }
    const info = this.handle.info();
    this.keyKind = info.keys as K;
    this.valueKind = info.values as V;
    this.width = info.width;
    this.ordered = info.ordered;
    this.maxEntries = info.maxEntries;
    this.ref = new WeakRef<StateStore>(this as unknown as StateStore);
    liveStores.add(this.ref);
    collected.register(this, this.ref, this);
  }

  /**
   * Loads a store from a snapshot file written by `snapshot`. Key and value kinds, width and
   * ordering come from the file. Throws StorageError CORRUPTION for a damaged, truncated or
   * foreign file and IO_ERROR when it cannot be read.
   */
  static restore<K extends StateKeyKind = StateKeyKind, V extends StateValueKind = StateValueKind>(
    path: string,
    options: { maxEntries?: number } = {},
  ): StateStore<K, V> {
    if (typeof path !== 'string') throw new TypeError('StateStore.restore: path must be a string');
    return new StateStore<K, V>({ restoreFrom: path, maxEntries: options.maxEntries });
  }

  private live(): NativeStore {
    if (this.handle === null) throw new ClosedError('state store');
    return this.handle;
  }

  private keyArgs(keys: StateKeyBatch<K>): [unknown, unknown] {
    if (this.keyKind === 'u64') return [keys, undefined];
    const packed = keys as PackedBytes;
    if (packed === null || typeof packed !== 'object' || !('data' in packed)) {
      throw new TypeError('keys must be packed bytes: { data: Uint8Array, offsets: Uint32Array }');
    }
    return [packed.data, packed.offsets];
  }

  /** Entries in the store. */
  get size(): number {
    return this.live().size();
  }

  get closed(): boolean {
    return this.handle === null;
  }

  memory(): StateMemory {
    return this.live().memory();
  }

  /**
   * Looks up a batch: `outValues` receives `width` words per key (zeros when missing) and
   * `outFound[i]` 1 or 0. Returns how many keys were found. Fixed-width stores only.
   */
  getMany(keys: StateKeyBatch<K>, outValues: StateWords<V>, outFound: Uint8Array): number {
    const h = this.live();
    const [a, b] = this.keyArgs(keys);
    return h.get(a, b, outValues, outFound);
  }

  /** Looks up a batch in a store of byte values; missing keys give an empty value and flag 0. */
  getManyBytes(keys: StateKeyBatch<K>, outFound: Uint8Array): PackedBytes {
    const h = this.live();
    const [a, b] = this.keyArgs(keys);
    return h.getBytes(a, b, outFound);
  }

  /**
   * Inserts or overwrites a batch. Fixed-width stores take `width` words per key; byte stores take
   * packed bytes. All or nothing: a bad argument or a full store throws before any change.
   */
  putMany(keys: StateKeyBatch<K>, values: StateValueBatch<V>): void {
    const h = this.live();
    const [a, b] = this.keyArgs(keys);
    if (this.valueKind === 'bytes') {
      const packed = values as PackedBytes;
      if (packed === null || typeof packed !== 'object' || !('data' in packed)) {
        throw new TypeError('values must be packed bytes: { data: Uint8Array, offsets: Uint32Array }');
      }
      h.put(a, b, packed.data, packed.offsets);
    } else {
      h.put(a, b, values, undefined);
    }
    this.viewBytes = -1;
  }

  /** Deletes a batch; `outFound[i]` tells whether key i was present. Returns how many were. */
  deleteMany(keys: StateKeyBatch<K>, outFound?: Uint8Array): number {
    const h = this.live();
    const [a, b] = this.keyArgs(keys);
    return h.delete(a, b, outFound);
  }

  /**
   * Finds or inserts every key (new values start as zero words) and writes its slot: the values
   * of key i are `values()[slot * width ... slot * width + width - 1]`. A slot stays the key's
   * until the key is deleted. Returns how many keys were inserted. Fixed-width stores only.
   */
  upsertSlots(keys: StateKeyBatch<K>, outSlots: Uint32Array, outInserted?: Uint8Array): number {
    const h = this.live();
    const [a, b] = this.keyArgs(keys);
    const inserted = h.upsertSlots(a, b, outSlots, outInserted);
    if (inserted > 0) this.viewBytes = -1;
    return inserted;
  }

  /**
   * A zero-copy view over the value slots (see `upsertSlots`), valid for every slot handed out
   * so far. Writes go straight into the store. Call again after inserting: the view is replaced
   * when the store grew (the memory itself never moves, so older views stay valid too).
   */
  values(): StateWords<V> {
    const h = this.live();
    if (this.viewBytes === -1 || this.view === null) {
      const bytes = h.valuesBytes();
      if (this.view === null || bytes !== this.view.byteLength) {
        const buf = h.valuesBuffer();
        this.view = (this.valueKind === 'f64' ? new Float64Array(buf) : new BigUint64Array(buf)) as StateWords<V>;
      }
      this.viewBytes = bytes;
    }
    return this.view;
  }

  /**
   * The value of one key, or undefined (a copy; an array when width > 1). Number keys on a
   * u64-keyed store of width 1 take a dedicated native path (about 20 ns of call overhead
   * instead of about 60; the same for `put` with a number value on 'f64' stores, and `has`).
   */
  get(key: StateKey<K>): StateValue<V> | undefined {
    return this.live().getOne(key) as StateValue<V> | undefined;
  }

  /** Inserts or overwrites one key. */
  put(key: StateKey<K>, value: StateValue<V> | (V extends 'bytes' ? string : V extends 'u64' ? number : never)): void {
    this.live().putOne(key, value);
    this.viewBytes = -1;
  }

  /** Deletes one key; returns whether it was present. */
  delete(key: StateKey<K>): boolean {
    return this.live().deleteOne(key);
  }

  has(key: StateKey<K>): boolean {
    return this.live().hasOne(key);
  }

  /**
   * Entries in key order: for u64 keys those in the inclusive range [from, to], for byte keys
   * those starting with `prefix` (byte order). At most `limit` entries.
   */
  scan(
    range: K extends 'u64' ? { from: bigint | number; to: bigint | number } : { prefix: Uint8Array | string },
    limit?: number,
  ): StateScan<K, V> {
    const h = this.live();
    const r = (
      this.keyKind === 'u64'
        ? h.scan((range as { from: unknown }).from, (range as { to: unknown }).to, limit)
        : h.scan((range as { prefix: unknown }).prefix, undefined, limit)
    ) as ReturnType<NativeStore['scan']>;
    const keys = r.keyOffsets ? { data: r.keys as Uint8Array, offsets: r.keyOffsets } : r.keys;
    const values = r.valueOffsets ? { data: r.values as Uint8Array, offsets: r.valueOffsets } : r.values;
    return { keys, values } as StateScan<K, V>;
  }

  /**
   * Writes the whole store to `path` (atomically: a temporary file, fsync, rename). Returns the
   * bytes written. Throws StorageError IO_ERROR.
   */
  snapshot(path: string): number {
    const h = this.live();
    if (typeof path !== 'string') throw new TypeError('snapshot: path must be a string');
    try {
      return h.snapshot(path);
    } catch (err) {
      throw translate(err);
    }
  }

  /** Removes every entry (memory is kept for reuse). */
  clear(): void {
    this.live().clear();
  }

  /** Frees the native memory; later calls throw ClosedError. Closing twice is harmless. */
  close(): void {
    if (this.handle === null) return;
    this.handle.close();
    this.handle = null;
    this.view = null;
    liveStores.delete(this.ref);
    collected.unregister(this);
  }

  /** `using store = new StateStore(...)` closes the store at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Packs strings or byte arrays into the layout batched calls take. */
export function packBytes(items: readonly (string | Uint8Array)[]): PackedBytes {
  const encoder = new TextEncoder();
  const parts = items.map((x) => (typeof x === 'string' ? encoder.encode(x) : x));
  const offsets = new Uint32Array(parts.length + 1);
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    offsets[i] = total;
    total += parts[i].length;
  }
  offsets[parts.length] = total;
  const data = new Uint8Array(total);
  for (let i = 0; i < parts.length; i++) data.set(parts[i], offsets[i]);
  return { data, offsets };
}

/** Splits packed bytes back into separate arrays (views, no copies). */
export function unpackBytes(packed: PackedBytes): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < packed.offsets.length; i++) out.push(packed.data.subarray(packed.offsets[i], packed.offsets[i + 1]));
  return out;
}
