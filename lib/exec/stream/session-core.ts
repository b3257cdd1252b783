// Session maintenance shared by SESSION (session-window.ts) and the fused session aggregate
// (session-aggregate.ts): per partition key, a list of disjoint sessions sorted by start. Each
// event opens [ts, ts + gap]; sessions that overlap or touch merge, and a session's end is its
// last event's ts + gap. A retraction removes one matching row and splits what is left by the
// gap. A session closes once the watermark passes its end (strictly: an event exactly at the end
// would still touch it). An event that touches no open session and whose own session would
// already be closed is late. What a session carries besides its rows, and what its owner emits,
// is the owner's: it learns of every change through SessionHooks.

import type { Batch, Column } from '../batch.js';
import type { Row } from '../../types/value.js';
import type { LateRows } from './late.js';
import { readRow, sameRow, type Key } from './rows.js';
import { NO_WATERMARK } from './watermark.js';

/** What every session holds; owners extend it with their own fields. */
export interface SessionBase {
  start: number;
  /** the latest event time in the session (its end is maxTs + gap) */
  maxTs: number;
  rows: Row[];
  /** on the dirty list: changed since the owner last took it */
  dirty: boolean;
}

/** How KeyedSessions tells its owner what happens to the sessions. */
export interface SessionHooks<S extends SessionBase> {
  /** A new session of `rows` (sorted by time, each within the gap of the one before). */
  create(start: number, maxTs: number, rows: Row[]): S;
  /** `row` joined `s` (a new event, or one of a session merged into it). */
  added(s: S, row: Row): void;
  /** `s`'s bounds are about to change (it grows, or absorbs others): what it emitted is stale. */
  reshaping(s: S): void;
  /** `s` is about to go: merged into another session, or replaced by a retraction's split. */
  retiring(s: S): void;
  /** `s` closed at the watermark (called before its rows are freed). */
  closed?(s: S): void;
}

export interface KeyedSessionsConfig {
  timeColumn: number;
  gapMs: number;
  keyOf: (columns: Column[], row: number) => Key;
  /** where late events are counted (and routed) */
  late: LateRows;
}

export class KeyedSessions<S extends SessionBase> {
  private readonly byKey = new Map<Key, S[]>();
  private dirty: S[] = [];
  private wm = NO_WATERMARK;
  private rowsHeld = 0;
  /** retractions of rows no session held (ignored) */
  unmatchedRetractions = 0;

  constructor(
    private readonly cfg: KeyedSessionsConfig,
    private readonly hooks: SessionHooks<S>,
  ) {}

  /** The current watermark (NO_WATERMARK before the first). */
  get watermark(): number {
    return this.wm;
  }

  /** Rows held in open sessions. */
  get size(): number {
    return this.rowsHeld;
  }

  end(s: S): number {
    return s.maxTs + this.cfg.gapMs;
  }

  /** Applies a batch: each row inserted or retracted as often as its weight says. */
  push(batch: Batch): void {
    const time = batch.columns[this.cfg.timeColumn]!;
    for (let i = 0; i < batch.length; i++) {
      const ts = time[i];
      if (typeof ts !== 'number') continue; // no event time: in no session
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      if (w === 0) continue;
      const key = this.cfg.keyOf(batch.columns, i);
      let sessions = this.byKey.get(key);
      if (sessions === undefined) {
        sessions = [];
        this.byKey.set(key, sessions);
      }
      // one row object for all copies: sessions never change a row they hold
      const row = readRow(batch, i);
      if (w > 0) {
        for (let k = 0; k < w; k++) if (!this.insert(sessions, ts, row)) this.cfg.late.add(batch, i);
      } else {
        for (let k = 0; k < -w; k++) this.retract(sessions, ts, row);
      }
      if (sessions.length === 0) this.byKey.delete(key);
    }
  }

  /** Inserts one row; returns false when it is late. */
  private insert(sessions: S[], ts: number, row: Row): boolean {
    const gap = this.cfg.gapMs;
    // sessions are disjoint and sorted by start: find the run touching [ts, ts + gap]
    let first = 0;
    while (first < sessions.length && sessions[first]!.maxTs + gap < ts) first++;
    let last = first;
    while (last < sessions.length && sessions[last]!.start <= ts + gap) last++;
    if (first === last) {
      if (ts + gap < this.wm) return false;
      const s = this.hooks.create(ts, ts, [row]);
      sessions.splice(first, 0, s);
      this.markDirty(s);
      this.rowsHeld++;
      return true;
    }
    const target = sessions[first]!;
    if (last - first > 1 || ts < target.start || ts > target.maxTs) this.hooks.reshaping(target);
    for (let k = first + 1; k < last; k++) {
      const other = sessions[k]!;
      this.hooks.retiring(other);
      for (const r of other.rows) {
        target.rows.push(r);
        this.hooks.added(target, r);
      }
      if (other.start < target.start) target.start = other.start;
      if (other.maxTs > target.maxTs) target.maxTs = other.maxTs;
      other.rows = [];
    }
    target.rows.push(row);
    this.hooks.added(target, row);
    if (ts < target.start) target.start = ts;
    if (ts > target.maxTs) target.maxTs = ts;
    if (last - first > 1) sessions.splice(first + 1, last - first - 1);
    this.markDirty(target);
    this.rowsHeld++;
    return true;
  }

  private retract(sessions: S[], ts: number, row: Row): void {
    const idx = sessions.findIndex((s) => s.start <= ts && ts <= s.maxTs);
    const s = idx < 0 ? undefined : sessions[idx];
    const at = s === undefined ? -1 : s.rows.findIndex((r) => sameRow(r, row));
    if (s === undefined || at < 0) {
      this.unmatchedRetractions++;
      return;
    }
    this.hooks.retiring(s);
    const rows = s.rows;
    rows.splice(at, 1);
    this.rowsHeld--;
    // `s` is replaced: if it is still on the dirty list (a second retraction in one step), its
    // owner must skip it (an empty session) rather than emit its rows beside the split's
    s.rows = [];
    // the remaining rows may no longer form one session: split them by the gap
    const split = this.split(rows);
    sessions.splice(idx, 1, ...split);
    for (const n of split) this.markDirty(n);
  }

  /** The sessions `rows` form (split where the gap between events exceeds the gap). */
  private split(rows: Row[]): S[] {
    const tc = this.cfg.timeColumn;
    const sorted = rows.slice().sort((a, b) => (a[tc] as number) - (b[tc] as number));
    const out: S[] = [];
    let run: Row[] = [];
    for (const r of sorted) {
      const ts = r[tc] as number;
      if (run.length > 0 && ts > (run[run.length - 1]![tc] as number) + this.cfg.gapMs) {
        out.push(this.hooks.create(run[0]![tc] as number, run[run.length - 1]![tc] as number, run));
        run = [];
      }
      run.push(r);
    }
    if (run.length > 0) out.push(this.hooks.create(run[0]![tc] as number, run[run.length - 1]![tc] as number, run));
    return out;
  }

  private markDirty(s: S): void {
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  /** The sessions changed since the last call (merged-away ones included, with no rows). */
  takeDirty(): S[] {
    const changed = this.dirty;
    this.dirty = [];
    for (const s of changed) s.dirty = false;
    return changed;
  }

  /** Whether nothing changed since the last takeDirty(). */
  get clean(): boolean {
    return this.dirty.length === 0;
  }

  /** Moves the watermark to `wm` (which must be past the current one) and closes, per key,
   *  the sessions whose end it passed. */
  close(wm: number): void {
    this.wm = wm;
    for (const [key, sessions] of this.byKey) {
      let n = 0;
      while (n < sessions.length && sessions[n]!.maxTs + this.cfg.gapMs < wm) {
        const done = sessions[n]!;
        this.hooks.closed?.(done);
        this.rowsHeld -= done.rows.length;
        n++;
      }
      if (n === sessions.length) this.byKey.delete(key);
      else if (n > 0) sessions.splice(0, n);
    }
  }

  /** The open sessions per key, for a snapshot. */
  entries(): IterableIterator<[Key, S[]]> {
    return this.byKey.entries();
  }

  /** Replaces the state with a snapshot's: the watermark and the open sessions per key. */
  load(wm: number, keys: Iterable<[Key, S[]]>): void {
    this.wm = wm;
    this.byKey.clear();
    this.dirty = [];
    this.rowsHeld = 0;
    for (const [k, ss] of keys) {
      this.byKey.set(k, ss);
      for (const s of ss) this.rowsHeld += s.rows.length;
    }
  }
}
