// Keyed state of one user operator, stored in native state stores (lib/native/state-store.ts):
// store key = state number + stream key, store value = the encoded value (for list and map state
// the whole list or map of that key). Stream keys that are integers in [0, 2^48) — the usual
// keyBy(id) — go to a u64-keyed store (state number in the top 16 bits): its batched puts and
// deletes cost a fraction of byte keys', and the key needs no encoding; other keys go to a
// byte-keyed store, encoded. JS keeps the decoded values of the entries it
// has seen (a bounded read cache) so user code works on plain objects; every entry touched
// during a batch — read or written, because user code may mutate what it read — is encoded
// and written back in one batched putMany / deleteMany at `commit()`, which the host calls at
// every batch boundary (end of a push, of a watermark's timers, of a flush) and before a
// snapshot. Between batches the native store is the complete, current state.
//
// Handles are cached per name and read the host's current key on every call, so a handle taken
// once in `open` (or per event) always addresses the key being processed.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExecutionError } from '../errors.js';
import { StateStore, type PackedBytes } from '../native/state-store.js';
import { ByteSink, decodeKey, decodeValue, encodeKey, encodeValue, Shapes } from './state-codec.js';
import type {
  AggregateFunction,
  AggregatingState,
  KeyedStateStore,
  ListState,
  MapState,
  ValueState,
} from './types.js';

type Kind = 'value' | 'list' | 'map' | 'aggregating';

/** A key known to have no entry (cached so a miss costs one native call per batch at most). */
const ABSENT = Symbol('absent');

/** Decoded entries kept across batches, over all states; beyond it the cache starts over. */
const CACHE_LIMIT = 1 << 17;

/** Store entries under this state number hold the object shapes (field-name lists) values use. */
const SHAPES_SLOT = 0xffff;

/** One (state, key) seen: its decoded value (or ABSENT), and the commit it was last touched in. */
interface Entry {
  key: unknown;
  value: unknown;
  slot: Slot;
  stamp: number;
  /** written (not only read) since the last commit */
  dirty: boolean;
  /** the key lives in the u64-keyed store */
  int: boolean;
}

interface Slot {
  id: number;
  name: string;
  kind: Kind;
  /** the entries of the keys seen: a cache of the store */
  live: Map<unknown, Entry>;
  /** the entry used last (user code reads, then writes, the same key) */
  last: Entry | undefined;
  handle: unknown;
}

/** The entries of the integer-keyed store: a sorted scan, or (large) its native file image. */
export type IntKeyedPart = { keys: BigUint64Array; values: PackedBytes } | { file: Uint8Array };

/**
 * The keyed state of one operator as checkpoint data: slot names, the byte-keyed store's entries
 * and (`ints`) the integer-keyed store's. A snapshot without `ints` (written before integer keys
 * had their own store) holds every entry in the byte-keyed part; restore moves them.
 */
export type KeyedStateSnapshot = (
  | { slots: [name: string, kind: Kind, id: number][]; keys: PackedBytes; values: PackedBytes }
  /** a large store: its native snapshot file's bytes (no sorted scan) */
  | { slots: [name: string, kind: Kind, id: number][]; file: Uint8Array }
) & { ints?: IntKeyedPart };

const TWO_32 = 0x1_0000_0000;
/** Integer stream keys below this share a u64 store key with their state number (16 bits). */
const INT_KEY_LIMIT = 2 ** 48;

/** Whether `key` is stored in the u64-keyed store (-0 is 0 there, as in a Map). */
function isIntKey(key: unknown): key is number {
  return typeof key === 'number' && key >= 0 && key < INT_KEY_LIMIT && Math.floor(key) === key;
}

/** u64 store key of (state, integer key) as a bigint (single lookups, not the batched path). */
function intStoreKey(state: number, key: number): bigint {
  return (BigInt(state) << 48n) | BigInt(key);
}

/** u64 store keys of one commit, written as two u32 words each (no bigint per key). */
class IntKeySink {
  keys = new BigUint64Array(256);
  private words = new Uint32Array(this.keys.buffer);
  length = 0;

  push(state: number, key: number): void {
    if (this.length === this.keys.length) {
      const grown = new BigUint64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
      this.words = new Uint32Array(grown.buffer);
    }
    const hi = Math.floor(key / TWO_32);
    const at = this.length++ * 2;
    this.words[at] = key - hi * TWO_32; // little-endian: low word first
    this.words[at + 1] = (state << 16) | hi;
  }
}

/** (state, key) of a u64 store key. */
function splitIntStoreKey(k: bigint): { state: number; key: number } {
  return { state: Number(k >> 48n), key: Number(k & 0xffff_ffff_ffffn) };
}

/** From this many entries a snapshot is the store's native file image instead of a sorted scan. */
const FILE_SNAPSHOT_ENTRIES = 1 << 16;
let snapshotFiles = 0;

function scratchFile(): string {
  return path.join(os.tmpdir(), `laminardb-keyed-state-${process.pid}-${++snapshotFiles}.snap`);
}

export class KeyedState implements KeyedStateStore {
  private readonly slots = new Map<string, Slot>();
  private readonly byId: Slot[] = [];
  /** user code asks for its handles by name per event: the slot asked for last skips the Map */
  private lastAsked: Slot | undefined;
  private store: StateStore<'bytes', 'bytes'>;
  /** entries whose stream key is an integer in [0, 2^48) */
  private ints: StateStore<'u64', 'bytes'>;
  private readonly intPuts = new IntKeySink();
  private readonly intDeletes = new IntKeySink();
  private readonly intValueSink = new ByteSink();
  private intValueOffsets: Uint32Array = new Uint32Array(256);
  private readonly keySink = new ByteSink();
  private readonly valueSink = new ByteSink();
  private readonly deleteSink = new ByteSink();
  private readonly shapes = new Shapes();
  private cached = 0;
  /** true while the cache holds every entry of the store (no eviction, no restore): a miss needs no lookup */
  private cacheComplete = true;
  /** entries touched since the last commit (read or written): written back (or deleted) at commit */
  private touched: Entry[] = [];
  /** the current commit's number, stamped on the entries touched in it */
  private epoch = 1;
  private keyOffsets: Uint32Array = new Uint32Array(256);
  private valueOffsets: Uint32Array = new Uint32Array(256);
  private deleteOffsets: Uint32Array = new Uint32Array(256);
  /** the key the handles address; set by the host before calling user code */
  currentKey: unknown = undefined;

  constructor(private readonly operatorName: string) {
    this.store = new StateStore({ keys: 'bytes', values: 'bytes' });
    this.ints = new StateStore({ keys: 'u64', values: 'bytes' });
  }

  value<T>(name: string): ValueState<T> {
    // handles are made once per name: user code asks for them per event
    const known = this.knownHandle(name, 'value');
    if (known !== undefined) return known as ValueState<T>;
    return this.slot(name, 'value', (s) => ({
      value: () => this.read(s) as T | undefined,
      update: (v: T) => {
        if (v === undefined) this.remove(s);
        else this.write(s, v);
      },
      clear: () => this.remove(s),
    }));
  }

  list<T>(name: string): ListState<T> {
    const known = this.knownHandle(name, 'list');
    if (known !== undefined) return known as ListState<T>;
    return this.slot(name, 'list', (s) => ({
      get: () => (this.read(s) as T[] | undefined) ?? [],
      add: (v: T) => {
        const list = this.read(s) as T[] | undefined;
        if (list) list.push(v);
        else this.write(s, [v]);
      },
      update: (values: readonly T[]) => {
        if (values.length === 0) this.remove(s);
        else this.write(s, values.slice());
      },
      clear: () => this.remove(s),
    }));
  }

  map<K, V>(name: string): MapState<K, V> {
    const known = this.knownHandle(name, 'map');
    if (known !== undefined) return known as MapState<K, V>;
    const inner = (s: Slot, create: boolean): Map<K, V> | undefined => {
      let m = this.read(s) as Map<K, V> | undefined;
      if (!m && create) this.write(s, (m = new Map()));
      return m;
    };
    return this.slot(name, 'map', (s) => ({
      get: (k: K) => inner(s, false)?.get(k),
      put: (k: K, v: V) => {
        inner(s, true)!.set(k, v);
      },
      has: (k: K) => inner(s, false)?.has(k) ?? false,
      remove: (k: K) => {
        const m = inner(s, false);
        if (!m) return;
        m.delete(k);
        if (m.size === 0) this.remove(s);
      },
      entries: () => (inner(s, false) ?? new Map<K, V>()).entries(),
      clear: () => this.remove(s),
    }));
  }

  aggregating<I, A, O>(name: string, fn: AggregateFunction<I, A, O>): AggregatingState<I, O> {
    const known = this.knownHandle(name, 'aggregating');
    if (known !== undefined) return known as AggregatingState<I, O>;
    return this.slot(name, 'aggregating', (s) => ({
      get: () => {
        const acc = this.read(s);
        return acc === undefined ? undefined : fn.result(acc as A);
      },
      add: (v: I) => {
        const acc = this.read(s);
        this.write(s, fn.add(acc === undefined ? fn.create() : (acc as A), v));
      },
      clear: () => this.remove(s),
    }));
  }

  /** Number of (state, key) entries held (in the store, after the last commit). */
  size(): number {
    this.commit();
    return this.store.size - this.shapes.byId.length + this.ints.size;
  }

  /** Writes every entry touched since the last commit to the store: one put and one delete call. */
  commit(): void {
    let puts = 0;
    let deletes = 0;
    const keys = this.keySink;
    const values = this.valueSink;
    const dels = this.deleteSink;
    const intPuts = this.intPuts;
    const intDeletes = this.intDeletes;
    const intValues = this.intValueSink;
    keys.reset();
    values.reset();
    dels.reset();
    intValues.reset();
    intPuts.length = 0;
    intDeletes.length = 0;
    const touched = this.touched;
    const newShapes = this.shapes.takeNew();
    if (touched.length === 0 && newShapes.length === 0) return;
    const room = touched.length + newShapes.length + 1 + 64; // shapes met while encoding, too
    if (this.keyOffsets.length < room) {
      this.keyOffsets = new Uint32Array(room * 2);
      this.valueOffsets = new Uint32Array(room * 2);
      this.deleteOffsets = new Uint32Array(room * 2);
      this.intValueOffsets = new Uint32Array(room * 2);
    }
    let keyOffsets: Uint32Array = this.keyOffsets;
    let valueOffsets: Uint32Array = this.valueOffsets;
    const deleteOffsets = this.deleteOffsets;
    const intValueOffsets = this.intValueOffsets;
    keyOffsets[0] = 0;
    valueOffsets[0] = 0;
    deleteOffsets[0] = 0;
    intValueOffsets[0] = 0;
    // while the cache mirrors the whole store, a key without an entry needs no lookup, so the
    // entries of deleted (or never written) keys are dropped: the cache holds live keys only
    const dropAbsent = this.cacheComplete;
    for (let i = 0; i < touched.length; i++) {
      const e = touched[i]!;
      const v = e.value;
      if (v === ABSENT && dropAbsent) this.forget(e);
      // a primitive that was only read cannot have changed (objects may have been changed in place)
      if (!e.dirty && (typeof v !== 'object' || v === null)) continue;
      e.dirty = false;
      if (e.int) {
        if (v === ABSENT) intDeletes.push(e.slot.id, e.key as number);
        else {
          intPuts.push(e.slot.id, e.key as number);
          encodeValue(intValues, v, this.shapes);
          intValueOffsets[intPuts.length] = intValues.length;
        }
      } else if (v === ABSENT) {
        encodeKey(dels, e.slot.id, e.key);
        deleteOffsets[++deletes] = dels.length;
      } else {
        encodeKey(keys, e.slot.id, e.key);
        keyOffsets[puts + 1] = keys.length;
        encodeValue(values, e.value, this.shapes);
        valueOffsets[++puts] = values.length;
      }
    }
    touched.length = 0;
    this.epoch++;
    // shapes first seen in this commit are saved with the values that use them
    const shapes = newShapes.concat(this.shapes.takeNew());
    if (puts + shapes.length + 1 > keyOffsets.length) {
      keyOffsets = growU32(keyOffsets, puts + shapes.length + 1);
      valueOffsets = growU32(valueOffsets, puts + shapes.length + 1);
    }
    for (const id of shapes) {
      encodeKey(keys, SHAPES_SLOT, id);
      keyOffsets[puts + 1] = keys.length;
      encodeValue(values, this.shapes.byId[id]);
      valueOffsets[++puts] = values.length;
    }
    if (puts > 0) {
      this.store.putMany(
        { data: keys.slice(0), offsets: keyOffsets.subarray(0, puts + 1) },
        { data: values.slice(0), offsets: valueOffsets.subarray(0, puts + 1) },
      );
    }
    if (deletes > 0) this.store.deleteMany({ data: dels.slice(0), offsets: deleteOffsets.subarray(0, deletes + 1) });
    // after the shapes: a value is never in the store before the shape it uses
    if (intPuts.length > 0) {
      this.ints.putMany(intPuts.keys.subarray(0, intPuts.length), {
        data: intValues.slice(0),
        offsets: intValueOffsets.subarray(0, intPuts.length + 1),
      });
    }
    if (intDeletes.length > 0) this.ints.deleteMany(intDeletes.keys.subarray(0, intDeletes.length));
    if (this.cached > CACHE_LIMIT) {
      for (const s of this.byId) {
        s.live.clear();
        s.last = undefined;
      }
      this.cached = 0;
      this.cacheComplete = false;
    }
  }

  snapshot(): KeyedStateSnapshot {
    this.commit();
    const slots = this.byId.map((s): [string, Kind, number] => [s.name, s.kind, s.id]);
    let ints: IntKeyedPart;
    if (this.ints.size >= FILE_SNAPSHOT_ENTRIES) ints = { file: fileImage(this.ints) };
    else {
      const all = this.ints.scan({ from: 0n, to: U64_MAX });
      ints = { keys: all.keys, values: all.values };
    }
    // a scan sorts every key; the native image is a straight copy (measured ~2.4x faster at 1 M)
    if (this.store.size >= FILE_SNAPSHOT_ENTRIES) return { slots, file: fileImage(this.store), ints };
    const all = this.store.scan({ prefix: new Uint8Array(0) });
    return { slots, keys: all.keys, values: all.values as PackedBytes, ints };
  }

  restore(state: unknown): void {
    const snap = state as Partial<{ slots: [string, Kind, number][]; keys: PackedBytes; values: PackedBytes; file: Uint8Array; ints: IntKeyedPart }>;
    const ints = snap?.ints;
    if (
      snap === null ||
      typeof snap !== 'object' ||
      !Array.isArray(snap.slots) ||
      !((snap.keys && snap.values) || snap.file) ||
      (ints !== undefined && (ints === null || typeof ints !== 'object' || !(('keys' in ints && 'values' in ints) || 'file' in ints)))
    ) {
      throw new ExecutionError('INVALID_ARGUMENT', `operator "${this.operatorName}": the keyed state to restore is not a keyed-state snapshot`);
    }
    this.slots.clear();
    this.byId.length = 0;
    this.lastAsked = undefined;
    this.cached = 0;
    this.cacheComplete = false;
    this.touched.length = 0;
    for (const [name, kind, id] of snap.slots) this.addSlot(name, kind, id);
    this.shapes.clear();
    if (snap.file !== undefined) {
      const restored = fromFileImage<'bytes'>(snap.file);
      this.store.close();
      this.store = restored;
    } else {
      this.store.clear();
      if (snap.keys!.offsets.length > 1) this.store.putMany(snap.keys!, snap.values!);
    }
    if (ints !== undefined && 'file' in ints) {
      const restored = fromFileImage<'u64'>(ints.file);
      this.ints.close();
      this.ints = restored;
    } else {
      this.ints.clear();
      if (ints !== undefined && ints.keys.length > 0) this.ints.putMany(ints.keys, ints.values);
    }
    const saved = this.store.scan({ prefix: new Uint8Array([SHAPES_SLOT & 0xff, SHAPES_SLOT >>> 8]) });
    const values = saved.values as PackedBytes;
    for (let i = 0; i + 1 < saved.keys.offsets.length; i++) {
      const { key } = decodeKey(saved.keys.data.subarray(saved.keys.offsets[i], saved.keys.offsets[i + 1]));
      this.shapes.define(key as number, decodeValue(values.data.subarray(values.offsets[i], values.offsets[i + 1])) as string[]);
    }
    this.shapes.takeNew();
    if (ints === undefined) this.moveIntKeyedEntries();
  }

  /** A snapshot from before the integer-keyed store: its integer-keyed entries move there. */
  private moveIntKeyedEntries(): void {
    const all = this.store.scan({ prefix: new Uint8Array(0) });
    const values = all.values as PackedBytes;
    const moved = new IntKeySink();
    const movedValues = new ByteSink();
    const movedOffsets = [0];
    const gone = new ByteSink();
    const goneOffsets = [0];
    for (let i = 0; i + 1 < all.keys.offsets.length; i++) {
      const bytes = all.keys.data.subarray(all.keys.offsets[i], all.keys.offsets[i + 1]);
      const { state, key } = decodeKey(bytes);
      if (state === SHAPES_SLOT || !isIntKey(key)) continue;
      moved.push(state, key);
      movedValues.raw(values.data.subarray(values.offsets[i], values.offsets[i + 1]));
      movedOffsets.push(movedValues.length);
      gone.raw(bytes);
      goneOffsets.push(gone.length);
    }
    if (moved.length === 0) return;
    this.ints.putMany(moved.keys.subarray(0, moved.length), { data: movedValues.slice(0), offsets: Uint32Array.from(movedOffsets) });
    this.store.deleteMany({ data: gone.slice(0), offsets: Uint32Array.from(goneOffsets) });
  }

  /** Every entry of the store, decoded (tests and debugging). */
  dump(): { state: string; key: unknown; value: unknown }[] {
    this.commit();
    const all = this.store.scan({ prefix: new Uint8Array(0) });
    const out: { state: string; key: unknown; value: unknown }[] = [];
    const values = all.values as PackedBytes;
    for (let i = 0; i + 1 < all.keys.offsets.length; i++) {
      const { state, key } = decodeKey(all.keys.data.subarray(all.keys.offsets[i], all.keys.offsets[i + 1]));
      if (state === SHAPES_SLOT) continue;
      out.push({ state: this.byId[state]?.name ?? `#${state}`, key, value: decodeValue(values.data.subarray(values.offsets[i], values.offsets[i + 1]), this.shapes) });
    }
    const ints = this.ints.scan({ from: 0n, to: U64_MAX });
    for (let i = 0; i < ints.keys.length; i++) {
      const { state, key } = splitIntStoreKey(ints.keys[i]!);
      const value = decodeValue(ints.values.data.subarray(ints.values.offsets[i], ints.values.offsets[i + 1]), this.shapes);
      out.push({ state: this.byId[state]?.name ?? `#${state}`, key, value });
    }
    return out;
  }

  /** Frees the native store (the pipeline stopped). */
  close(): void {
    this.store.close();
    this.ints.close();
  }

  private forget(e: Entry): void {
    const s = e.slot;
    s.live.delete(e.key);
    if (s.last === e) s.last = undefined;
    this.cached--;
  }

  /** The entry of the current key in `s`, loaded from the store when not cached; marked touched. */
  private entry(s: Slot, load: boolean): Entry {
    const key = this.currentKey;
    let e = s.last;
    if (e === undefined || e.key !== key) {
      e = s.live.get(key);
      if (e === undefined) {
        e = { key, value: load ? this.load(s, key) : ABSENT, slot: s, stamp: 0, dirty: false, int: isIntKey(key) };
        s.live.set(key, e);
        this.cached++;
      }
      s.last = e;
    }
    if (e.stamp !== this.epoch) {
      e.stamp = this.epoch;
      this.touched.push(e);
    }
    return e;
  }

  private read(s: Slot): unknown {
    const v = this.entry(s, true).value;
    return v === ABSENT ? undefined : v;
  }

  private write(s: Slot, v: unknown): void {
    const e = this.entry(s, false);
    e.value = v;
    e.dirty = true;
  }

  private remove(s: Slot): void {
    const e = this.entry(s, false);
    e.value = ABSENT;
    e.dirty = true;
  }

  private load(s: Slot, key: unknown): unknown {
    if (this.cacheComplete) return ABSENT;
    if (isIntKey(key)) {
      const bytes = this.ints.get(intStoreKey(s.id, key));
      return bytes === undefined ? ABSENT : decodeValue(bytes, this.shapes);
    }
    const sink = this.keySink;
    sink.reset();
    encodeKey(sink, s.id, key);
    const bytes = this.store.get(sink.slice(0));
    return bytes === undefined ? ABSENT : decodeValue(bytes, this.shapes);
  }

  /** The handle made for `name` if it is of `kind`; the slot asked for last is checked first. */
  private knownHandle(name: string, kind: Kind): unknown {
    let s = this.lastAsked;
    if (s === undefined || s.name !== name) {
      s = this.slots.get(name);
      if (s === undefined) return undefined;
      this.lastAsked = s;
    }
    return s.kind === kind ? s.handle : undefined;
  }

  private addSlot(name: string, kind: Kind, id: number): Slot {
    const s: Slot = { id, name, kind, live: new Map(), last: undefined, handle: undefined };
    this.slots.set(name, s);
    this.byId[id] = s;
    return s;
  }

  private slot<H>(name: string, kind: Kind, make: (s: Slot) => H): H {
    let s = this.slots.get(name);
    if (s && s.kind !== kind) {
      throw new ExecutionError(
        'INVALID_ARGUMENT',
        `operator "${this.operatorName}": state "${name}" is ${s.kind} state, requested as ${kind} state`,
      );
    }
    if (!s) {
      if (this.byId.length >= SHAPES_SLOT) throw new ExecutionError('INVALID_ARGUMENT', `operator "${this.operatorName}": too many state names (at most 65535)`);
      s = this.addSlot(name, kind, this.byId.length);
    }
    if (s.handle === undefined) s.handle = make(s);
    return s.handle as H;
  }
}

const U64_MAX = (1n << 64n) - 1n;

/** A store's native snapshot file, as bytes. */
function fileImage(store: StateStore): Uint8Array {
  const file = scratchFile();
  try {
    store.snapshot(file);
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function fromFileImage<K extends 'u64' | 'bytes'>(image: Uint8Array): StateStore<K, 'bytes'> {
  const file = scratchFile();
  try {
    fs.writeFileSync(file, image);
    return StateStore.restore<K, 'bytes'>(file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function growU32(a: Uint32Array, n: number): Uint32Array {
  const grown = new Uint32Array(n * 2);
  grown.set(a);
  return grown;
}
