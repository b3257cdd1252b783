// A changelog aggregate right above SESSION(...) grouped by the session keys and the session's
// window_start / window_end (Nexmark q11), with the session assignment done here (the planner's
// fusion, lib/plan/session-fusion.ts). SESSION followed by the windowed aggregate re-emits every
// row of a session with new bounds whenever the session grows (its end moves with each event),
// and the aggregate re-counts them all: work per step proportional to the session's size. Here
// each session keeps its accumulators, an event is added to them once, and a change of bounds
// retracts one result row and inserts one. Merging sessions feeds the absorbed sessions' rows
// to the surviving one's accumulators; a retraction rebuilds the affected session(s) from
// their rows. Rows are kept for that. Same rows out, per step, as SESSION + the aggregate.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import type { AccumulatorFactory, StreamAccumulator } from './accumulators.js';
import { LateRows } from './late.js';
import { BatchBuilder, columnFn, keyFunction, sameRow, type Key } from './rows.js';
import { KeyedSessions, type SessionBase } from './session-core.js';
import { validateWindowParams } from './window-math.js';

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

interface AggSession extends SessionBase {
  accs: StreamAccumulator[];
  /** the result row last emitted for this session */
  emitted: Value[] | null;
}

export class SessionAggregateOperator implements Operator {
  private readonly sessions: KeyedSessions<AggSession>;
  /** result rows of sessions merged away or split since the last emit, to retract */
  private retracting: Value[][] = [];
  readonly late: LateRows;

  constructor(
    private readonly out: Output,
    private readonly cfg: SessionAggregateConfig,
  ) {
    validateWindowParams('SESSION', { gap: cfg.gapMs });
    this.late = new LateRows(cfg.inputWidth);
    const keyOf = keyFunction(cfg.partitionColumns.map(columnFn));
    this.sessions = new KeyedSessions<AggSession>(
      { timeColumn: cfg.timeColumn, gapMs: cfg.gapMs, keyOf, late: this.late },
      {
        create: (start, maxTs, rows) => this.fresh(start, maxTs, rows),
        added: (s, row) => this.accumulate(s.accs, row, 1),
        reshaping: () => {}, // the old result row is retracted when the new one is emitted
        retiring: (s) => {
          if (s.emitted !== null) this.retracting.push(s.emitted);
        },
      },
    );
  }

  /** retractions of rows no session held (ignored) */
  get unmatchedRetractions(): number {
    return this.sessions.unmatchedRetractions;
  }

  push(batch: Batch, _port: number): void {
    this.sessions.push(batch);
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

  private resultRow(s: AggSession): Value[] {
    const row: Value[] = [];
    const first = s.rows[0]!;
    for (const g of this.cfg.groups) row.push(g === 'start' ? s.start : g === 'end' ? this.sessions.end(s) : first[g]!);
    for (const acc of s.accs) row.push(acc.result());
    return row;
  }

  private emitPending(): void {
    if (this.sessions.clean && this.retracting.length === 0) return;
    const builder = new BatchBuilder(this.cfg.groups.length + this.cfg.aggregates.length);
    for (const r of this.retracting) builder.add(r, -1);
    this.retracting = [];
    for (const s of this.sessions.takeDirty()) {
      if (s.rows.length === 0) continue; // merged into another session (already retracted)
      const next = this.resultRow(s);
      if (s.emitted !== null && sameRow(s.emitted, next)) continue;
      if (s.emitted !== null) builder.add(s.emitted, -1);
      builder.add(next, 1);
      s.emitted = next;
    }
    if (builder.length > 0) this.out.push(builder.take());
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.sessions.watermark) return;
    this.emitPending();
    // a session closes once the watermark passes its end; its result row stays emitted
    this.sessions.close(wm);
    this.late.flush();
    this.out.watermark(wm);
  }

  flush(): void {
    this.emitPending();
    this.late.flush();
  }

  snapshot(): unknown {
    const keys = [...this.sessions.entries()].map(([k, ss]) => [k, ss.map((s) => ({ start: s.start, maxTs: s.maxTs, rows: s.rows, emitted: s.emitted, accs: s.accs.map((a) => a.save()) }))]);
    return { wm: this.sessions.watermark, lateCount: this.late.count, keys };
  }

  restore(state: unknown): void {
    const st = state as { wm: number; lateCount: number; keys: [Key, { start: number; maxTs: number; rows: Row[]; emitted: Value[] | null; accs: unknown[] }[]][] };
    this.late.count = st.lateCount;
    this.retracting = [];
    const keys = st.keys.map(([k, saved]): [Key, AggSession[]] => [
      k,
      saved.map((s) => {
        const accs = this.cfg.aggregates.map((a, i) => {
          const acc = a.create();
          acc.load(s.accs[i]);
          return acc;
        });
        return { start: s.start, maxTs: s.maxTs, rows: s.rows, accs, emitted: s.emitted, dirty: false };
      }),
    ]);
    this.sessions.load(st.wm, keys);
  }

  /** late rows seen so far (counted and dropped, as SESSION does) */
  get lateRows(): number {
    return this.late.count;
  }

  /** Rows held in open sessions. */
  stateSize(): number {
    return this.sessions.size;
  }
}
