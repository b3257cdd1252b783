// Counts per (key, window) for the fused HOP count (hop-count-ties.ts), held so that one lookup
// of the key serves all the windows a pane's rows update. A key is an entry; each entry has a
// small ring of slots, one per window index modulo the ring size (a pane's size / slide windows
// are consecutive, so they never share a slot). A Map per window instead costs a get and a set
// of a large hash map per (key, window): with 120 K auctions in each of q5's five windows that
// was three quarters of the operator's time.
//
// A (key, window) count lives in exactly one place: the entry's slot for that window, or — when
// a newer window holds the slot, which happens once windows older than the ring stay open (the
// default lateness keeps every window) — the window's own overflow Map. A newer window takes a
// slot held by an older one by moving the older count to that window's overflow. Entries with no
// count left are freed by `sweep()`, after the operator has emitted (retractions still need the
// key's values).

import type { Value } from '../../types/value.js';
import type { Key } from './rows.js';

/** A window as the counts see it. */
export interface CountWindow {
  readonly end: number;
  /** the window's slot in every entry's ring */
  readonly slot: number;
  /** entry → count, for counts whose slot a newer window holds */
  overflow: Map<number, number> | null;
  /** keys with a non-zero count */
  size: number;
}

export class WindowKeyCounts {
  private readonly index = new Map<Key, number>();
  private keys: Key[] = [];
  /** per entry: the key's column values when the key is not the value itself */
  private values: (Value[] | undefined)[] = [];
  /** per entry: counts held (slots and overflow entries) */
  private live = new Int32Array(1024);
  /** per entry × slot: the end of the window holding the slot (NaN: free) and its count */
  private slotEnd: Float64Array;
  private slotCount: Float64Array;
  private free: number[] = [];
  private next = 0;
  /** entries that reached zero counts (freed by sweep() unless counted again) */
  private emptied: number[] = [];

  constructor(
    /** slots per entry: at least the windows of one pane */
    private readonly ring: number,
    /** the open window ending at `end` (to move its count to its overflow) */
    private readonly windowAt: (end: number) => CountWindow | undefined,
    /** every open window (compaction renumbers the entries in their overflow Maps) */
    private readonly openWindows: () => Iterable<CountWindow>,
  ) {
    this.slotEnd = new Float64Array(1024 * ring).fill(NaN);
    this.slotCount = new Float64Array(1024 * ring);
  }

  /** The entry of `key`, created (with `values`, when given) if absent. */
  entry(key: Key, values?: () => Value[]): number {
    const found = this.index.get(key);
    if (found !== undefined) return found;
    const e = this.free.length > 0 ? this.free.pop()! : this.next++;
    if (e >= this.live.length) this.grow();
    this.index.set(key, e);
    this.keys[e] = key;
    this.values[e] = values?.();
    this.live[e] = 0;
    // a new entry that gets no count (a zero-weight sum) is freed too
    this.emptied.push(e);
    return e;
  }

  find(key: Key): number | undefined {
    return this.index.get(key);
  }

  keyOf(e: number): Key {
    return this.keys[e]!;
  }

  valuesOf(e: number): Value[] | undefined {
    return this.values[e];
  }

  setValues(e: number, values: Value[]): void {
    this.values[e] = values;
  }

  /** The count of entry `e` in `win`. */
  get(e: number, win: CountWindow): number {
    const s = e * this.ring + win.slot;
    if (this.slotEnd[s] === win.end) return this.slotCount[s]!;
    return win.overflow?.get(e) ?? 0;
  }

  /** Adds `w` to the count of entry `e` in `win`; returns the new count. */
  add(e: number, win: CountWindow, w: number): number {
    const s = e * this.ring + win.slot;
    const held = this.slotEnd[s]!;
    if (held === win.end) {
      const c = this.slotCount[s]! + w;
      if (c === 0) {
        this.slotEnd[s] = NaN;
        this.lost(e, win);
      } else this.slotCount[s] = c;
      return c;
    }
    const overflow = win.overflow;
    if (overflow !== null) {
      const prev = overflow.get(e);
      if (prev !== undefined) {
        const c = prev + w;
        if (c === 0) {
          overflow.delete(e);
          this.lost(e, win);
        } else overflow.set(e, c);
        return c;
      }
    }
    // a new count for this window
    if (w === 0) return 0;
    this.live[e]++;
    win.size++;
    if (held !== held || held < win.end) {
      // the slot is free, or an older window holds it: that count moves to its overflow
      if (held === held) {
        const older = this.windowAt(held);
        if (older !== undefined) (older.overflow ??= new Map()).set(e, this.slotCount[s]!);
      }
      this.slotEnd[s] = win.end;
      this.slotCount[s] = w;
    } else (win.overflow ??= new Map()).set(e, w);
    return w;
  }

  private lost(e: number, win: CountWindow): void {
    win.size--;
    if (--this.live[e] === 0) this.emptied.push(e);
  }

  /** Calls `f` with each key entry and count of `win`. */
  forEachIn(win: CountWindow, f: (e: number, count: number) => void): void {
    const ring = this.ring;
    for (let e = 0; e < this.next; e++) {
      const s = e * ring + win.slot;
      if (this.slotEnd[s] === win.end) f(e, this.slotCount[s]!);
    }
    if (win.overflow !== null) for (const [e, c] of win.overflow) f(e, c);
  }

  /** `win` is dropped: its counts go (their entries are freed by the next sweep when empty). */
  release(win: CountWindow): void {
    const ring = this.ring;
    for (let e = 0; e < this.next; e++) {
      const s = e * ring + win.slot;
      if (this.slotEnd[s] === win.end) {
        this.slotEnd[s] = NaN;
        if (--this.live[e] === 0) this.emptied.push(e);
      }
    }
    if (win.overflow !== null) for (const e of win.overflow.keys()) if (--this.live[e] === 0) this.emptied.push(e);
    win.overflow = null;
    win.size = 0;
  }

  /** Frees the entries left without counts. */
  sweep(): void {
    const emptied = this.emptied;
    if (emptied.length === 0) return;
    this.emptied = [];
    for (const e of emptied) {
      if (this.live[e] !== 0 || this.keys[e] === undefined) continue;
      this.index.delete(this.keys[e]!);
      this.keys[e] = undefined as unknown as Key;
      this.values[e] = undefined;
      this.free.push(e);
    }
    // forEachIn and release scan entries up to the highest ever used: after a burst of keys has
    // gone, move the live entries down so those scans cost the live keys, not the burst
    if (this.next >= 64 && this.free.length * 2 > this.next) this.compact();
  }

  /** Renumbers the live entries 0 .. live-1 (their slots, values and overflow counts move too).
   *  Only between batches: the caller holds no entry numbers across it. */
  private compact(): void {
    const ring = this.ring;
    const target = this.index.size;
    const holes = this.free.filter((e) => e < target);
    const moved = new Map<number, number>();
    let h = 0;
    for (let e = target; e < this.next; e++) {
      const key = this.keys[e];
      if (key === undefined) continue;
      const to = holes[h++]!;
      this.keys[to] = key;
      this.values[to] = this.values[e];
      this.live[to] = this.live[e]!;
      this.index.set(key, to);
      this.slotEnd.copyWithin(to * ring, e * ring, e * ring + ring);
      this.slotCount.copyWithin(to * ring, e * ring, e * ring + ring);
      this.keys[e] = undefined as unknown as Key;
      this.values[e] = undefined;
      this.live[e] = 0;
      this.slotEnd.fill(NaN, e * ring, e * ring + ring);
      moved.set(e, to);
    }
    this.keys.length = target;
    this.values.length = target;
    this.next = target;
    this.free = [];
    if (moved.size === 0) return;
    for (const win of this.openWindows()) {
      if (win.overflow === null) continue;
      const renumbered = new Map<number, number>();
      for (const [e, c] of win.overflow) renumbered.set(moved.get(e) ?? e, c);
      win.overflow = renumbered;
    }
  }

  clear(): void {
    this.index.clear();
    this.keys = [];
    this.values = [];
    this.free = [];
    this.emptied = [];
    this.next = 0;
    this.slotEnd.fill(NaN);
    this.live.fill(0);
  }

  private grow(): void {
    const cap = this.live.length * 2;
    const live = new Int32Array(cap);
    live.set(this.live);
    this.live = live;
    const slotEnd = new Float64Array(cap * this.ring);
    slotEnd.set(this.slotEnd);
    // only the new slots start free (the copied ones keep their windows)
    slotEnd.fill(NaN, this.slotEnd.length);
    this.slotEnd = slotEnd;
    const slotCount = new Float64Array(cap * this.ring);
    slotCount.set(this.slotCount);
    this.slotCount = slotCount;
  }
}
