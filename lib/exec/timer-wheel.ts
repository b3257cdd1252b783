// Hierarchical timer wheel for window and timeout triggers (event time, epoch milliseconds).
//
// Why TypeScript and not native (bench/native/timer-wheel.ts measures both sides): timers are
// keyed by JS values (group keys, window ends), so a native wheel would still need a JS Map from
// key to a native timer id — Map work is a large share of this wheel's own cost — plus at least
// one N-API crossing per schedule/cancel and, for every fired timer, a result handed back to JS,
// because firing runs JS operator code on the JS thread anyway. Measured on the shared 2-core
// machine under equal load: schedule + fire ≈ 3 crossings' worth per timer here, and a native
// wheel would pay the crossings on top of the Map; the TS wheel also inlines into the operator.
//
// Layout: LEVELS wheels of 32 slots; a slot at level l spans 32^l milliseconds. A timer lives at
// the lowest level whose enclosing block it shares with the cursor, so advance() visits only
// occupied slots (found through a 32-bit occupancy mask per level) and cascades a higher slot
// down only when the cursor enters it. advance() may jump arbitrarily far (watermarks do).
// Cancelled timers are dropped lazily when their slot is visited.

const SLOTS = 32;
const LEVELS = 9; // 32^9 ms ≈ 1100 years: beyond that a timer waits in the overflow list
const SPAN: number[] = Array.from({ length: LEVELS + 1 }, (_, l) => SLOTS ** l);

/** A scheduled timer: `key` fires at `time` (epoch ms, may be fractional). */
export interface Timer<K> {
  readonly key: K;
  readonly time: number;
}

interface Entry<K> extends Timer<K> {
  live: boolean;
}

function lowestBit(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

export class TimerWheel<K = unknown> {
  private cursor: number; // current tick (integral ms): every timer before it has fired
  private readonly slots: Entry<K>[][][] = [];
  private readonly occupied = new Int32Array(LEVELS);
  private readonly byKey = new Map<K, Entry<K>>();
  private late: Entry<K>[] = []; // scheduled at or before the cursor: fire on the next advance
  private overflow: Entry<K>[] = [];

  /** `start`: the time the wheel begins at (timers at or before it fire on the first advance). */
  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`timer wheel start must be a finite time, got ${start}`);
    this.cursor = Math.floor(start);
    for (let l = 0; l < LEVELS; l++) this.slots.push(Array.from({ length: SLOTS }, () => []));
  }

  /** Number of live timers. */
  get size(): number {
    return this.byKey.size;
  }

  /** The wheel's time: the largest `to` passed to advance (or the start). */
  get now(): number {
    return this.cursor;
  }

  /** Whether `key` has a pending timer. */
  has(key: K): boolean {
    return this.byKey.has(key);
  }

  /** Pending fire time of `key`, or undefined. */
  timeOf(key: K): number | undefined {
    return this.byKey.get(key)?.time;
  }

  /**
   * Schedules `key` to fire at `time`, replacing any timer it already has. A time at or before
   * the wheel's time fires on the next advance.
   */
  schedule(key: K, time: number): void {
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new RangeError(`timer time must be a finite number, got ${String(time)}`);
    const old = this.byKey.get(key);
    if (old !== undefined) old.live = false;
    const e: Entry<K> = { key, time, live: true };
    this.byKey.set(key, e);
    this.place(e);
  }

  /** Cancels `key`'s timer; returns whether it had one. */
  cancel(key: K): boolean {
    const e = this.byKey.get(key);
    if (e === undefined) return false;
    e.live = false;
    this.byKey.delete(key);
    return true;
  }

  /**
   * Moves the wheel's time to `to` and returns every timer with time <= `to`, in time order
   * (timers with equal times in scheduling order), overdue timers (scheduled before the wheel's
   * time) first. Fired timers are removed. A `to` earlier than the wheel's time moves nothing.
   */
  advance(to: number): Timer<K>[] {
    if (typeof to !== 'number' || Number.isNaN(to)) throw new RangeError(`advance needs a time, got ${String(to)}`);
    const fired: Timer<K>[] = [];
    if (this.late.length > 0) this.fireLate(fired);
    if (this.byKey.size === 0) {
      if (to > this.cursor) this.cursor = Math.min(Math.floor(to), Number.MAX_SAFE_INTEGER);
      return fired;
    }
    const target = Math.floor(Math.min(to, Number.MAX_SAFE_INTEGER));
    while (this.cursor <= target) {
      // Level 0: the next occupied slot at or after the cursor in its 32 ms block.
      const d0 = this.cursor % SLOTS;
      const m0 = this.occupied[0] & (-1 << d0);
      if (m0 !== 0) {
        const s = lowestBit(m0);
        const tick = this.cursor - d0 + s;
        if (tick > target) break;
        this.cursor = tick;
        if (!this.fireSlot(s, to, fired)) return fired; // fractional times after `to` remain
        continue;
      }
      if (!this.cascadeNext(target)) break;
    }
    if (target > this.cursor) this.cursor = target;
    return fired;
  }

  // Finds the lowest level with an occupied slot after the cursor's digit, moves the cursor to the
  // start of that slot and redistributes its timers to lower levels. False when nothing is due.
  private cascadeNext(target: number): boolean {
    for (let l = 1; l < LEVELS; l++) {
      const digit = Math.floor(this.cursor / SPAN[l]) % SLOTS;
      if (digit === SLOTS - 1) continue;
      const m = this.occupied[l] & (-1 << (digit + 1));
      if (m === 0) continue;
      const s = lowestBit(m);
      const start = (Math.floor(this.cursor / SPAN[l + 1]) * SLOTS + s) * SPAN[l];
      if (start > target) return false;
      this.cursor = start;
      const entries = this.slots[l][s];
      this.slots[l][s] = [];
      this.occupied[l] &= ~(1 << s);
      for (const e of entries) if (e.live) this.place(e);
      return true;
    }
    if (this.overflow.length === 0) return false;
    let min = Infinity;
    for (const e of this.overflow) if (e.live && e.time < min) min = e.time;
    if (!(min <= target)) return false;
    this.cursor = Math.floor(Math.floor(min) / SPAN[LEVELS]) * SPAN[LEVELS];
    const entries = this.overflow;
    this.overflow = [];
    for (const e of entries) if (e.live) this.place(e);
    return true;
  }

  private place(e: Entry<K>): void {
    const tick = Math.floor(e.time);
    if (tick < this.cursor) {
      this.late.push(e);
      return;
    }
    for (let l = 0; l < LEVELS; l++) {
      if (Math.floor(tick / SPAN[l + 1]) === Math.floor(this.cursor / SPAN[l + 1])) {
        const s = Math.floor(tick / SPAN[l]) % SLOTS;
        this.slots[l][s].push(e);
        this.occupied[l] |= 1 << s;
        return;
      }
    }
    this.overflow.push(e);
  }

  // Fires level-0 slot `s` (all its timers share the cursor's tick). Returns false when some
  // timers of the tick are after `to` (fractional times) and stay scheduled.
  private fireSlot(s: number, to: number, fired: Timer<K>[]): boolean {
    let entries = this.slots[0][s];
    this.slots[0][s] = [];
    this.occupied[0] &= ~(1 << s);
    if (entries.length > 1 && !isSorted(entries)) entries = stableSortByTime(entries);
    let i = 0;
    for (; i < entries.length; i++) {
      const e = entries[i];
      if (!e.live) continue;
      if (e.time > to) break;
      this.take(e, fired);
    }
    if (i === entries.length) return true;
    for (; i < entries.length; i++) if (entries[i].live) this.slots[0][s].push(entries[i]);
    if (this.slots[0][s].length > 0) this.occupied[0] |= 1 << s;
    return false;
  }

  // Timers scheduled before the wheel's time are overdue: they all fire, oldest first.
  private fireLate(fired: Timer<K>[]): void {
    const late = stableSortByTime(this.late);
    this.late = [];
    for (const e of late) if (e.live) this.take(e, fired);
  }

  private take(e: Entry<K>, fired: Timer<K>[]): void {
    e.live = false;
    this.byKey.delete(e.key);
    fired.push(e); // the entry itself: no allocation per fired timer
  }
}

function isSorted<K>(entries: Entry<K>[]): boolean {
  for (let i = 1; i < entries.length; i++) if (entries[i].time < entries[i - 1].time) return false;
  return true;
}

function stableSortByTime<K>(entries: Entry<K>[]): Entry<K>[] {
  return entries.slice().sort((a, b) => a.time - b.time); // Array.prototype.sort is stable
}
