// Keyed state of one user operator: for every state name, a Map from stream key to the value.
// Handles are cached per name and read the host's current key on every call, so a handle taken
// once in `open` (or per event) always addresses the key being processed.

import { ExecutionError } from '../errors.js';
import type {
  AggregateFunction,
  AggregatingState,
  KeyedStateStore,
  ListState,
  MapState,
  ValueState,
} from './types.js';

type Kind = 'value' | 'list' | 'map' | 'aggregating';

interface Slot {
  kind: Kind;
  data: Map<unknown, unknown>;
  handle: unknown;
}

export class KeyedState implements KeyedStateStore {
  private readonly slots = new Map<string, Slot>();
  /** the key the handles address; set by the host before calling user code */
  currentKey: unknown = undefined;

  constructor(private readonly operatorName: string) {}

  value<T>(name: string): ValueState<T> {
    return this.slot(name, 'value', (data) => ({
      value: () => data.get(this.currentKey) as T | undefined,
      update: (v: T) => {
        data.set(this.currentKey, v);
      },
      clear: () => {
        data.delete(this.currentKey);
      },
    }));
  }

  list<T>(name: string): ListState<T> {
    return this.slot(name, 'list', (data) => ({
      get: () => (data.get(this.currentKey) as T[] | undefined) ?? [],
      add: (v: T) => {
        const list = data.get(this.currentKey) as T[] | undefined;
        if (list) list.push(v);
        else data.set(this.currentKey, [v]);
      },
      update: (values: readonly T[]) => {
        if (values.length === 0) data.delete(this.currentKey);
        else data.set(this.currentKey, values.slice());
      },
      clear: () => {
        data.delete(this.currentKey);
      },
    }));
  }

  map<K, V>(name: string): MapState<K, V> {
    const inner = (create: boolean): Map<K, V> | undefined => {
      const data = this.slots.get(name)!.data;
      let m = data.get(this.currentKey) as Map<K, V> | undefined;
      if (!m && create) data.set(this.currentKey, (m = new Map()));
      return m;
    };
    return this.slot(name, 'map', (data) => ({
      get: (k: K) => inner(false)?.get(k),
      put: (k: K, v: V) => {
        inner(true)!.set(k, v);
      },
      has: (k: K) => inner(false)?.has(k) ?? false,
      remove: (k: K) => {
        const m = inner(false);
        if (!m) return;
        m.delete(k);
        if (m.size === 0) data.delete(this.currentKey);
      },
      entries: () => (inner(false) ?? new Map<K, V>()).entries(),
      clear: () => {
        data.delete(this.currentKey);
      },
    }));
  }

  aggregating<I, A, O>(name: string, fn: AggregateFunction<I, A, O>): AggregatingState<I, O> {
    return this.slot(name, 'aggregating', (data) => ({
      get: () => (data.has(this.currentKey) ? fn.result(data.get(this.currentKey) as A) : undefined),
      add: (v: I) => {
        const acc = data.has(this.currentKey) ? (data.get(this.currentKey) as A) : fn.create();
        data.set(this.currentKey, fn.add(acc, v));
      },
      clear: () => {
        data.delete(this.currentKey);
      },
    }));
  }

  /** Number of (state, key) entries held. */
  size(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.data.size;
    return n;
  }

  snapshot(): [string, Kind, [unknown, unknown][]][] {
    return [...this.slots].map(([name, s]) => [name, s.kind, [...s.data]]);
  }

  restore(state: unknown): void {
    this.slots.clear();
    for (const [name, kind, entries] of state as [string, Kind, [unknown, unknown][]][]) {
      this.slots.set(name, { kind, data: new Map(entries), handle: undefined });
    }
  }

  private slot<H>(name: string, kind: Kind, make: (data: Map<unknown, unknown>) => H): H {
    let s = this.slots.get(name);
    if (s && s.kind !== kind) {
      throw new ExecutionError(
        'INVALID_ARGUMENT',
        `operator "${this.operatorName}": state "${name}" is ${s.kind} state, requested as ${kind} state`,
      );
    }
    if (!s) this.slots.set(name, (s = { kind, data: new Map(), handle: undefined }));
    if (s.handle === undefined) s.handle = make(s.data);
    return s.handle as H;
  }
}
