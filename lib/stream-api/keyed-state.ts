// Keyed state of one user operator, stored in a native state store (lib/native/state-store.ts):
// store key = state number + encoded stream key, store value = the encoded value (for list and
// map state the whole list or map of that key). JS keeps the decoded values of the entries it
// has seen (a bounded read cache) so user code works on plain objects; every entry touched
// during a batch — read or written, because user code may mutate what it read — is encoded
// and written back in one batched putMany / deleteMany at `commit()`, which the host calls at
// every batch boundary (end of a push, of a watermark's timers, of a flush) and before a
// snapshot. Between batches the native store is the complete, current state.
//
// Handles are cached per name and read the host's current key on every call, so a handle taken
// once in `open` (or per event) always addresses the key being processed.

import { ExecutionError } from '../errors.js';
import { StateStore, type PackedBytes } from '../native/state-store.js';
import { ByteSink, decodeKey, decodeValue, encodeKey, encodeValue } from './state-codec.js';
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

interface Slot {
  id: number;
  name: string;
  kind: Kind;
  /** decoded values (or ABSENT) of the keys seen; a cache of the store */
  live: Map<unknown, unknown>;
  /** keys touched since the last commit: written back (or deleted) at commit */
  touched: Set<unknown>;
  handle: unknown;
}

/** The keyed state of one operator as checkpoint data: slot names and the store's entries. */
export interface KeyedStateSnapshot {
  slots: [name: string, kind: Kind, id: number][];
  keys: PackedBytes;
  values: PackedBytes;
}

export class KeyedState implements KeyedStateStore {
  private readonly slots = new Map<string, Slot>();
  private readonly byId: Slot[] = [];
  private store: StateStore<'bytes', 'bytes'>;
  private readonly keySink = new ByteSink();
  private readonly valueSink = new ByteSink();
  private readonly deleteSink = new ByteSink();
  private cached = 0;
  /** the key the handles address; set by the host before calling user code */
  currentKey: unknown = undefined;

  constructor(private readonly operatorName: string) {
    this.store = new StateStore({ keys: 'bytes', values: 'bytes' });
  }

  value<T>(name: string): ValueState<T> {
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
    return this.store.size;
  }

  /** Writes every entry touched since the last commit to the store: one put and one delete call. */
  commit(): void {
    let puts = 0;
    let deletes = 0;
    const keys = this.keySink;
    const values = this.valueSink;
    const dels = this.deleteSink;
    keys.reset();
    values.reset();
    dels.reset();
    const keyOffsets: number[] = [0];
    const valueOffsets: number[] = [0];
    const deleteOffsets: number[] = [0];
    for (const s of this.byId) {
      if (s.touched.size === 0) continue;
      for (const key of s.touched) {
        const v = s.live.get(key);
        if (v === ABSENT) {
          encodeKey(dels, s.id, key);
          deleteOffsets.push(dels.length);
          deletes++;
        } else {
          encodeKey(keys, s.id, key);
          keyOffsets.push(keys.length);
          encodeValue(values, v);
          valueOffsets.push(values.length);
          puts++;
        }
      }
      s.touched.clear();
    }
    if (puts > 0) {
      this.store.putMany(
        { data: keys.slice(0), offsets: Uint32Array.from(keyOffsets) },
        { data: values.slice(0), offsets: Uint32Array.from(valueOffsets) },
      );
    }
    if (deletes > 0) this.store.deleteMany({ data: dels.slice(0), offsets: Uint32Array.from(deleteOffsets) });
    if (this.cached > CACHE_LIMIT) {
      for (const s of this.byId) s.live.clear();
      this.cached = 0;
    }
  }

  snapshot(): KeyedStateSnapshot {
    this.commit();
    const all = this.store.scan({ prefix: new Uint8Array(0) });
    return {
      slots: this.byId.map((s) => [s.name, s.kind, s.id]),
      keys: all.keys,
      values: all.values as PackedBytes,
    };
  }

  restore(state: unknown): void {
    const snap = state as KeyedStateSnapshot;
    if (snap === null || typeof snap !== 'object' || !Array.isArray(snap.slots) || !snap.keys || !snap.values) {
      throw new ExecutionError('INVALID_ARGUMENT', `operator "${this.operatorName}": the keyed state to restore is not a keyed-state snapshot`);
    }
    this.slots.clear();
    this.byId.length = 0;
    this.cached = 0;
    for (const [name, kind, id] of snap.slots) this.addSlot(name, kind, id);
    this.store.clear();
    if (snap.keys.offsets.length > 1) this.store.putMany(snap.keys, snap.values);
  }

  /** Every entry of the store, decoded (tests and debugging). */
  dump(): { state: string; key: unknown; value: unknown }[] {
    this.commit();
    const all = this.store.scan({ prefix: new Uint8Array(0) });
    const out: { state: string; key: unknown; value: unknown }[] = [];
    const values = all.values as PackedBytes;
    for (let i = 0; i + 1 < all.keys.offsets.length; i++) {
      const { state, key } = decodeKey(all.keys.data.subarray(all.keys.offsets[i], all.keys.offsets[i + 1]));
      out.push({ state: this.byId[state]?.name ?? `#${state}`, key, value: decodeValue(values.data.subarray(values.offsets[i], values.offsets[i + 1])) });
    }
    return out;
  }

  /** Frees the native store (the pipeline stopped). */
  close(): void {
    this.store.close();
  }

  private read(s: Slot): unknown {
    const key = this.currentKey;
    let v = s.live.get(key);
    if (v === undefined) {
      v = this.load(s, key);
      s.live.set(key, v);
      this.cached++;
    }
    s.touched.add(key);
    return v === ABSENT ? undefined : v;
  }

  private write(s: Slot, v: unknown): void {
    const key = this.currentKey;
    if (s.live.get(key) === undefined) this.cached++;
    s.live.set(key, v);
    s.touched.add(key);
  }

  private remove(s: Slot): void {
    const key = this.currentKey;
    if (s.live.get(key) === undefined) this.cached++;
    s.live.set(key, ABSENT);
    s.touched.add(key);
  }

  private load(s: Slot, key: unknown): unknown {
    const sink = this.keySink;
    sink.reset();
    encodeKey(sink, s.id, key);
    const bytes = this.store.get(sink.slice(0));
    return bytes === undefined ? ABSENT : decodeValue(bytes);
  }

  private addSlot(name: string, kind: Kind, id: number): Slot {
    const s: Slot = { id, name, kind, live: new Map(), touched: new Set(), handle: undefined };
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
      if (this.byId.length >= 0xffff) throw new ExecutionError('INVALID_ARGUMENT', `operator "${this.operatorName}": too many state names (at most 65535)`);
      s = this.addSlot(name, kind, this.byId.length);
    }
    if (s.handle === undefined) s.handle = make(s);
    return s.handle as H;
  }
}
