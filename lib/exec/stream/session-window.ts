// SESSION windows as a stateful changelog operator: output = input columns ++ window_start ++
// window_end, per partition key. Each event opens [ts, ts + gap]; sessions that overlap or touch
// merge, and window_end = last event's ts + gap. When a session's bounds change (it grows or
// merges), its already emitted rows are retracted with the old bounds and re-emitted with the
// new ones at the end of the step. A session is closed — and its rows freed — once the
// watermark passes its end (strictly: an event exactly at the end would still touch it).
// An event that touches no open session and whose own session would already be closed is late.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { validateWindowParams } from './window-math.js';
import { LateRows, type LatePolicy } from './late.js';
import { BatchBuilder, keyFunction, readRow, sameRow, type Key, type RowFn } from './rows.js';
import { NO_WATERMARK } from './watermark.js';

export interface SessionWindowConfig {
  timeColumn: number;
  gapMs: number;
  /** sessions are per key of these expressions (none: one global sequence of sessions) */
  partitionBy: RowFn[];
  inputWidth: number;
  late?: LatePolicy;
}

interface Session {
  start: number;
  maxTs: number;
  rows: Row[];
  /** rows[0 .. emittedUpTo) were emitted with bounds [emittedStart, emittedEnd) */
  emittedUpTo: number;
  emittedStart: number;
  emittedEnd: number;
  dirty: boolean;
}

export class SessionWindowOperator implements Operator {
  private readonly byKey = new Map<Key, Session[]>();
  private readonly keyOf: (c: Column[], r: number) => Key;
  private readonly out: BatchBuilder;
  private dirty: Session[] = [];
  private wm = NO_WATERMARK;
  private rowsHeld = 0;
  private emitOnClose = false;
  readonly late: LateRows;
  /** retractions of rows no session held (ignored) */
  unmatchedRetractions = 0;

  constructor(
    private readonly output: Output,
    private readonly cfg: SessionWindowConfig,
  ) {
    validateWindowParams('SESSION', { gap: cfg.gapMs });
    this.keyOf = keyFunction(cfg.partitionBy);
    this.out = new BatchBuilder(cfg.inputWidth + 2);
    this.late = new LateRows(cfg.inputWidth, cfg.late);
  }

  /** Set by the planner when an aggregate above assigns sessions itself from this operator's
   *  input (lib/plan/session-fusion.ts): while it returns false nothing reads this output. */
  private consumers: (() => boolean) | null = null;

  setConsumerProbe(hasConsumers: () => boolean): void {
    this.consumers = hasConsumers;
  }

  push(batch: Batch, _port: number): void {
    if (this.consumers !== null && !this.consumers()) return;
    const time = batch.columns[this.cfg.timeColumn]!;
    for (let i = 0; i < batch.length; i++) {
      const ts = time[i];
      if (typeof ts !== 'number') continue; // no event time: in no session
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      const key = this.keyOf(batch.columns, i);
      let sessions = this.byKey.get(key);
      if (sessions === undefined) {
        sessions = [];
        this.byKey.set(key, sessions);
      }
      if (w > 0) {
        for (let k = 0; k < w; k++) if (!this.insert(sessions, ts, readRow(batch, i))) this.late.add(batch, i);
      } else {
        for (let k = 0; k < -w; k++) this.retract(sessions, ts, readRow(batch, i));
      }
      if (sessions.length === 0) this.byKey.delete(key);
    }
  }

  private end(s: Session): number {
    return s.maxTs + this.cfg.gapMs;
  }

  /** Inserts one row; returns false when it is late. */
  private insert(sessions: Session[], ts: number, row: Row): boolean {
    const gap = this.cfg.gapMs;
    // sessions are disjoint and sorted by start: find the run touching [ts, ts + gap]
    let first = 0;
    while (first < sessions.length && this.end(sessions[first]!) < ts) first++;
    let last = first;
    while (last < sessions.length && sessions[last]!.start <= ts + gap) last++;
    if (first === last) {
      if (ts + gap < this.wm) return false;
      const s: Session = { start: ts, maxTs: ts, rows: [row], emittedUpTo: 0, emittedStart: 0, emittedEnd: 0, dirty: false };
      sessions.splice(first, 0, s);
      this.markDirty(s);
      this.rowsHeld++;
      return true;
    }
    const target = sessions[first]!;
    if (last - first === 1 && ts >= target.start && ts <= target.maxTs) {
      // inside the session's current span: bounds unchanged, only the new row is emitted
      target.rows.push(row);
      this.markDirty(target);
      this.rowsHeld++;
      return true;
    }
    this.retractEmitted(target);
    let start = Math.min(target.start, ts);
    let maxTs = Math.max(target.maxTs, ts);
    for (let k = first + 1; k < last; k++) {
      const other = sessions[k]!;
      this.retractEmitted(other);
      start = Math.min(start, other.start);
      maxTs = Math.max(maxTs, other.maxTs);
      for (const r of other.rows) target.rows.push(r);
      other.rows = [];
    }
    target.rows.push(row);
    target.start = start;
    target.maxTs = maxTs;
    sessions.splice(first + 1, last - first - 1);
    this.markDirty(target);
    this.rowsHeld++;
    return true;
  }

  private retract(sessions: Session[], ts: number, row: Row): void {
    const idx = sessions.findIndex((s) => s.start <= ts && ts <= s.maxTs);
    const s = idx < 0 ? undefined : sessions[idx];
    const at = s === undefined ? -1 : s.rows.findIndex((r) => sameRow(r, row));
    if (s === undefined || at < 0) {
      this.unmatchedRetractions++;
      return;
    }
    this.retractEmitted(s);
    s.rows.splice(at, 1);
    this.rowsHeld--;
    // the remaining rows may no longer form one session: split them by the gap
    const split = splitSessions(s.rows, this.cfg.timeColumn, this.cfg.gapMs);
    // `s` is replaced: if it is still on the dirty list (a second retraction in one step), its
    // rows must not be emitted again beside the split's
    s.rows = [];
    sessions.splice(idx, 1, ...split);
    for (const n of split) this.markDirty(n);
  }

  private markDirty(s: Session): void {
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  /** Retracts every emitted row of `s` with the bounds it was emitted with. */
  private retractEmitted(s: Session): void {
    for (let k = 0; k < s.emittedUpTo; k++) this.emitRow(s.rows[k]!, s.emittedStart, s.emittedEnd, -1);
    s.emittedUpTo = 0;
  }

  private emitRow(row: Row, start: number, end: number, weight: number): void {
    row.push(start, end);
    this.out.add(row, weight);
    row.length -= 2;
  }

  /**
   * Emit each session's rows only once, when it closes, with its final bounds (no retractions).
   * For a consumer that itself only emits closed windows (an EMIT ON WINDOW CLOSE aggregate):
   * it saves re-emitting a growing session's rows at every step. Call before the first push.
   */
  setEmitOnClose(): void {
    if (this.rowsHeld > 0) throw new ExecutionError('INVALID_ARGUMENT', 'SESSION emit mode must be chosen before rows arrive');
    this.emitOnClose = true;
  }

  private emitPending(): void {
    if (this.emitOnClose) {
      for (const s of this.dirty) s.dirty = false;
      this.dirty = [];
      return;
    }
    for (const s of this.dirty) {
      s.dirty = false;
      if (s.rows.length === 0) continue; // merged into another session
      const end = this.end(s);
      for (let k = s.emittedUpTo; k < s.rows.length; k++) this.emitRow(s.rows[k]!, s.start, end, 1);
      s.emittedUpTo = s.rows.length;
      s.emittedStart = s.start;
      s.emittedEnd = end;
    }
    this.dirty = [];
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    this.emitPending();
    for (const [key, sessions] of this.byKey) {
      let closed = 0;
      while (closed < sessions.length && this.end(sessions[closed]!) < wm) {
        const done = sessions[closed]!;
        if (this.emitOnClose) for (const row of done.rows) this.emitRow(row, done.start, this.end(done), 1);
        this.rowsHeld -= done.rows.length;
        closed++;
      }
      if (closed === sessions.length) this.byKey.delete(key);
      else if (closed > 0) sessions.splice(0, closed);
    }
    if (this.out.length > 0) this.output.push(this.out.take());
    this.late.flush();
    this.output.watermark(wm);
  }

  flush(): void {
    this.emitPending();
    this.late.flush();
  }

  snapshot(): unknown {
    return { wm: this.wm, lateCount: this.late.count, keys: [...this.byKey].map(([k, ss]) => [k, ss.map((s) => ({ ...s, dirty: false }))]) };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; lateCount: number; keys: [Key, Session[]][] };
    this.wm = s.wm;
    this.late.count = s.lateCount;
    this.byKey.clear();
    this.dirty = [];
    this.rowsHeld = 0;
    for (const [k, ss] of s.keys) {
      this.byKey.set(k, ss);
      for (const x of ss) this.rowsHeld += x.rows.length;
    }
  }

  /** Rows held in open sessions. */
  /** late rows seen so far (dropped or routed to the side output) */
  get lateRows(): number {
    return this.late.count;
  }

  stateSize(): number {
    return this.rowsHeld;
  }
}

function splitSessions(rows: Row[], timeColumn: number, gap: number): Session[] {
  const sorted = rows.slice().sort((a, b) => (a[timeColumn] as number) - (b[timeColumn] as number));
  const out: Session[] = [];
  for (const r of sorted) {
    const ts = r[timeColumn] as number;
    const cur = out[out.length - 1];
    if (cur !== undefined && ts <= cur.maxTs + gap) {
      cur.rows.push(r);
      cur.maxTs = Math.max(cur.maxTs, ts);
    } else {
      out.push({ start: ts, maxTs: ts, rows: [r], emittedUpTo: 0, emittedStart: 0, emittedEnd: 0, dirty: false });
    }
  }
  return out;
}
