// A changelog aggregate right above SESSION(...) grouped by the session keys and the session's
// window_start / window_end (Nexmark q11), with the session assignment done here (the planner's
// fusion, lib/plan/session-fusion.ts). SESSION followed by the windowed aggregate re-emits every
// row of a session with new bounds whenever the session grows (its end moves with each event),
// and the aggregate re-counts them all: work per step proportional to the session's size. Here
// each session keeps its accumulators, an event is added to them once, and a change of bounds
// retracts one result row and inserts one. Merging sessions feeds the absorbed sessions' rows
// to the surviving one's accumulators; a retraction rebuilds the affected session(s) from
// their rows. Rows are kept for that. Same rows out, per step, as SESSION + the aggregate.

import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import type { AccumulatorFactory, StreamAccumulator } from './accumulators.js';
import { LateRows } from './late.js';
import { BatchBuilder, columnFn, keyFunction, readRow, sameRow, type Key } from './rows.js';
import { validateWindowParams } from './window-math.js';
import { NO_WATERMARK } from './watermark.js';

export interface SessionAggregateSpec {
  create: AccumulatorFactory;
  /** source column of the argument (absent: count(*)) */
  argColumn?: number;
  /** source column of the FILTER (WHERE …) condition */
  filterColumn?: number;
}

export interface SessionAggregateConfig {
  timeColumn: number;
  gapMs: number;
  /** source columns the sessions are per */
  partitionColumns: number[];
  /** output group values, in order: a source column (one of the partition columns), or the
   *  session's start / end */
  groups: (number | 'start' | 'end')[];
  aggregates: SessionAggregateSpec[];
  /** source width (late rows are counted in the source layout, as SESSION counts them) */
  inputWidth: number;
}

interface AggSession {
  start: number;
  maxTs: number;
  rows: Row[];
  accs: StreamAccumulator[];
  /** the result row last emitted for this session */
  emitted: Value[] | null;
  dirty: boolean;
}

export class SessionAggregateOperator implements Operator {
  private readonly byKey = new Map<Key, AggSession[]>();
  private readonly keyOf: (c: Column[], r: number) => Key;
  private dirty: AggSession[] = [];
  /** result rows of sessions merged away or split since the last emit, to retract */
  private retracting: Value[][] = [];
  private wm = NO_WATERMARK;
  private rowsHeld = 0;
  readonly late: LateRows;
  /** retractions of rows no session held (ignored) */
  unmatchedRetractions = 0;

  constructor(
    private readonly out: Output,
    private readonly cfg: SessionAggregateConfig,
  ) {
    validateWindowParams('SESSION', { gap: cfg.gapMs });
    this.keyOf = keyFunction(cfg.partitionColumns.map(columnFn));
    this.late = new LateRows(cfg.inputWidth);
  }

  push(batch: Batch, _port: number): void {
    const time = batch.columns[this.cfg.timeColumn]!;
    for (let i = 0; i < batch.length; i++) {
      const ts = time[i];
      if (typeof ts !== 'number') continue; // no event time: in no session
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      if (w === 0) continue;
      const key = this.keyOf(batch.columns, i);
      let sessions = this.byKey.get(key);
      if (sessions === undefined) {
        sessions = [];
        this.byKey.set(key, sessions);
      }
      const row = readRow(batch, i);
      if (w > 0) {
        for (let k = 0; k < w; k++) if (!this.insert(sessions, ts, row)) this.late.add(batch, i);
      } else {
        for (let k = 0; k < -w; k++) this.retract(sessions, ts, row);
      }
      if (sessions.length === 0) this.byKey.delete(key);
    }
  }

  private end(s: AggSession): number {
    return s.maxTs + this.cfg.gapMs;
  }

  private accumulate(accs: StreamAccumulator[], row: Row, weight: number): void {
    const aggs = this.cfg.aggregates;
    for (let a = 0; a < aggs.length; a++) {
      const spec = aggs[a]!;
      if (spec.filterColumn !== undefined && row[spec.filterColumn] !== true) continue;
      accs[a]!.add(spec.argColumn === undefined ? null : row[spec.argColumn]!, weight);
    }
  }

  private fresh(start: number, maxTs: number, rows: Row[]): AggSession {
    const accs = this.cfg.aggregates.map((a) => a.create());
    for (const r of rows) this.accumulate(accs, r, 1);
    return { start, maxTs, rows, accs, emitted: null, dirty: false };
  }

  /** Inserts one row; returns false when it is late (as SessionWindowOperator.insert). */
  private insert(sessions: AggSession[], ts: number, row: Row): boolean {
    const gap = this.cfg.gapMs;
    let first = 0;
    while (first < sessions.length && this.end(sessions[first]!) < ts) first++;
    let last = first;
    while (last < sessions.length && sessions[last]!.start <= ts + gap) last++;
    if (first === last) {
      if (ts + gap < this.wm) return false;
      const s = this.fresh(ts, ts, [row]);
      sessions.splice(first, 0, s);
      this.markDirty(s);
      this.rowsHeld++;
      return true;
    }
    const target = sessions[first]!;
    for (let k = first + 1; k < last; k++) {
      const other = sessions[k]!;
      if (other.emitted !== null) this.retracting.push(other.emitted);
      for (const r of other.rows) {
        target.rows.push(r);
        this.accumulate(target.accs, r, 1);
      }
      target.start = Math.min(target.start, other.start);
      target.maxTs = Math.max(target.maxTs, other.maxTs);
      other.rows = [];
    }
    target.rows.push(row);
    this.accumulate(target.accs, row, 1);
    target.start = Math.min(target.start, ts);
    target.maxTs = Math.max(target.maxTs, ts);
    if (last - first > 1) sessions.splice(first + 1, last - first - 1);
    this.markDirty(target);
    this.rowsHeld++;
    return true;
  }

  private retract(sessions: AggSession[], ts: number, row: Row): void {
    const idx = sessions.findIndex((s) => s.start <= ts && ts <= s.maxTs);
    const s = idx < 0 ? undefined : sessions[idx];
    const at = s === undefined ? -1 : s.rows.findIndex((r) => sameRow(r, row));
    if (s === undefined || at < 0) {
      this.unmatchedRetractions++;
      return;
    }
    if (s.emitted !== null) this.retracting.push(s.emitted);
    const rows = s.rows;
    rows.splice(at, 1);
    // the old session is gone (a pending emit of it must skip it)
    s.rows = [];
    this.rowsHeld--;
    // the remaining rows may no longer form one session: split them by the gap, rebuilt
    const split = this.split(rows);
    sessions.splice(idx, 1, ...split);
    for (const n of split) this.markDirty(n);
  }

  /** The sessions `rows` form (split where the gap between events exceeds the gap). */
  private split(rows: Row[]): AggSession[] {
    const tc = this.cfg.timeColumn;
    const sorted = rows.slice().sort((a, b) => (a[tc] as number) - (b[tc] as number));
    const out: AggSession[] = [];
    for (const r of sorted) {
      const ts = r[tc] as number;
      const cur = out[out.length - 1];
      if (cur !== undefined && ts <= cur.maxTs + this.cfg.gapMs) {
        cur.rows.push(r);
        cur.maxTs = Math.max(cur.maxTs, ts);
      } else out.push({ start: ts, maxTs: ts, rows: [r], accs: [], emitted: null, dirty: false });
    }
    for (const n of out) {
      n.accs = this.cfg.aggregates.map((a) => a.create());
      for (const r of n.rows) this.accumulate(n.accs, r, 1);
    }
    return out;
  }

  private markDirty(s: AggSession): void {
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  private resultRow(s: AggSession): Value[] {
    const row: Value[] = [];
    const first = s.rows[0]!;
    for (const g of this.cfg.groups) row.push(g === 'start' ? s.start : g === 'end' ? this.end(s) : first[g]!);
    for (const acc of s.accs) row.push(acc.result());
    return row;
  }

  private emitPending(): void {
    if (this.dirty.length === 0 && this.retracting.length === 0) return;
    const builder = new BatchBuilder(this.cfg.groups.length + this.cfg.aggregates.length);
    for (const r of this.retracting) builder.add(r, -1);
    this.retracting = [];
    for (const s of this.dirty) {
      s.dirty = false;
      if (s.rows.length === 0) continue; // merged into another session (already retracted)
      const next = this.resultRow(s);
      if (s.emitted !== null && sameRow(s.emitted, next)) continue;
      if (s.emitted !== null) builder.add(s.emitted, -1);
      builder.add(next, 1);
      s.emitted = next;
    }
    this.dirty = [];
    if (builder.length > 0) this.out.push(builder.take());
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    this.emitPending();
    // a session closes once the watermark passes its end; its result row stays emitted
    for (const [key, sessions] of this.byKey) {
      let closed = 0;
      while (closed < sessions.length && this.end(sessions[closed]!) < wm) {
        this.rowsHeld -= sessions[closed]!.rows.length;
        closed++;
      }
      if (closed === sessions.length) this.byKey.delete(key);
      else if (closed > 0) sessions.splice(0, closed);
    }
    this.late.flush();
    this.out.watermark(wm);
  }

  flush(): void {
    this.emitPending();
    this.late.flush();
  }

  snapshot(): unknown {
    const keys = [...this.byKey].map(([k, ss]) => [k, ss.map((s) => ({ start: s.start, maxTs: s.maxTs, rows: s.rows, emitted: s.emitted, accs: s.accs.map((a) => a.save()) }))]);
    return { wm: this.wm, lateCount: this.late.count, keys };
  }

  restore(state: unknown): void {
    const st = state as { wm: number; lateCount: number; keys: [Key, { start: number; maxTs: number; rows: Row[]; emitted: Value[] | null; accs: unknown[] }[]][] };
    this.wm = st.wm;
    this.late.count = st.lateCount;
    this.byKey.clear();
    this.dirty = [];
    this.retracting = [];
    this.rowsHeld = 0;
    for (const [k, saved] of st.keys) {
      const sessions = saved.map((s) => {
        const accs = this.cfg.aggregates.map((a, i) => {
          const acc = a.create();
          acc.load(s.accs[i]);
          return acc;
        });
        this.rowsHeld += s.rows.length;
        return { start: s.start, maxTs: s.maxTs, rows: s.rows, accs, emitted: s.emitted, dirty: false };
      });
      this.byKey.set(k, sessions);
    }
  }

  /** late rows seen so far (counted and dropped, as SESSION does) */
  get lateRows(): number {
    return this.late.count;
  }

  /** Rows held in open sessions. */
  stateSize(): number {
    return this.rowsHeld;
  }
}
