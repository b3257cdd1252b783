// SESSION windows as a stateful changelog operator: output = input columns ++ window_start ++
// window_end, per partition key. Sessions are kept by KeyedSessions (session-core.ts: merging,
// retraction, closing at the watermark, late events). When a session's bounds change (it grows
// or merges), its already emitted rows are retracted with the old bounds and re-emitted with the
// new ones at the end of the step. A closed session's rows are freed.

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { validateWindowParams } from './window-math.js';
import { LateRows, type LatePolicy } from './late.js';
import { BatchBuilder, keyFunction, type Key, type RowFn } from './rows.js';
import { KeyedSessions, type SessionBase, type SessionHooks } from './session-core.js';

export interface SessionWindowConfig {
  timeColumn: number;
  gapMs: number;
  /** sessions are per key of these expressions (none: one global sequence of sessions) */
  partitionBy: RowFn[];
  inputWidth: number;
  late?: LatePolicy;
}

interface Session extends SessionBase {
  /** rows[0 .. emittedUpTo) were emitted with bounds [emittedStart, emittedEnd) */
  emittedUpTo: number;
  emittedStart: number;
  emittedEnd: number;
}

export class SessionWindowOperator implements Operator {
  private readonly sessions: KeyedSessions<Session>;
  private readonly out: BatchBuilder;
  private emitOnClose = false;
  readonly late: LateRows;

  constructor(
    private readonly output: Output,
    private readonly cfg: SessionWindowConfig,
  ) {
    validateWindowParams('SESSION', { gap: cfg.gapMs });
    this.out = new BatchBuilder(cfg.inputWidth + 2);
    this.late = new LateRows(cfg.inputWidth, cfg.late);
    const hooks: SessionHooks<Session> = {
      create: (start, maxTs, rows) => ({ start, maxTs, rows, emittedUpTo: 0, emittedStart: 0, emittedEnd: 0, dirty: false }),
      added: () => {}, // rows[emittedUpTo ..) are emitted at the end of the step
      reshaping: (s) => this.retractEmitted(s),
      retiring: (s) => this.retractEmitted(s),
      closed: (s) => this.emitClosed(s),
    };
    this.sessions = new KeyedSessions({ timeColumn: cfg.timeColumn, gapMs: cfg.gapMs, keyOf: keyFunction(cfg.partitionBy), late: this.late }, hooks);
  }

  /** Set by the planner when an aggregate above assigns sessions itself from this operator's
   *  input (lib/plan/session-fusion.ts): while it returns false nothing reads this output. */
  private consumers: (() => boolean) | null = null;

  setConsumerProbe(hasConsumers: () => boolean): void {
    this.consumers = hasConsumers;
  }

  /** retractions of rows no session held (ignored) */
  get unmatchedRetractions(): number {
    return this.sessions.unmatchedRetractions;
  }

  push(batch: Batch, _port: number): void {
    if (this.consumers !== null && !this.consumers()) return;
    this.sessions.push(batch);
  }

  /** In emit-on-close mode a session's rows go out once, when it closes, with its final bounds. */
  private emitClosed(s: Session): void {
    if (!this.emitOnClose) return;
    const end = this.sessions.end(s);
    for (const row of s.rows) this.emitRow(row, s.start, end, 1);
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
    if (this.sessions.size > 0) throw new ExecutionError('INVALID_ARGUMENT', 'SESSION emit mode must be chosen before rows arrive');
    this.emitOnClose = true;
  }

  private emitPending(): void {
    const changed = this.sessions.takeDirty();
    if (this.emitOnClose) return;
    for (const s of changed) {
      if (s.rows.length === 0) continue; // merged into another session
      const end = this.sessions.end(s);
      for (let k = s.emittedUpTo; k < s.rows.length; k++) this.emitRow(s.rows[k]!, s.start, end, 1);
      s.emittedUpTo = s.rows.length;
      s.emittedStart = s.start;
      s.emittedEnd = end;
    }
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.sessions.watermark) return;
    this.emitPending();
    this.sessions.close(wm);
    if (this.out.length > 0) this.output.push(this.out.take());
    this.late.flush();
    this.output.watermark(wm);
  }

  flush(): void {
    this.emitPending();
    this.late.flush();
  }

  snapshot(): unknown {
    return { wm: this.sessions.watermark, lateCount: this.late.count, keys: [...this.sessions.entries()].map(([k, ss]) => [k, ss.map((s) => ({ ...s, dirty: false }))]) };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; lateCount: number; keys: [Key, Session[]][] };
    this.late.count = s.lateCount;
    this.sessions.load(s.wm, s.keys);
  }

  /** late rows seen so far (dropped or routed to the side output) */
  get lateRows(): number {
    return this.late.count;
  }

  /** Rows held in open sessions. */
  stateSize(): number {
    return this.sessions.size;
  }
}
