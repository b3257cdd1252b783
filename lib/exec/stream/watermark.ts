// Watermark generation at the sources.
//
// Contract with the runtime (lib/exec/runtime): a source's WatermarkGenerator observes every
// batch inserted into the source (observeBatch), and the runtime forwards `pending()` to the
// source's downstream operators through Operator.watermark(wm, port) at the end of the insert's
// propagation step (after the batch itself). Operators with several inputs combine their
// ports' watermarks with a WatermarkCombiner (lib/exec/runtime/watermark.ts, re-exported here).

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import { NO_WATERMARK } from '../runtime/watermark.js';

export { NO_WATERMARK, WatermarkCombiner } from '../runtime/watermark.js';

/**
 * A source's watermark: the largest event time seen so far minus the declared delay, never
 * moving backwards; `advanceTo` moves it explicitly; an idle source stops holding back the
 * minimum of a multi-input operator until it receives rows again.
 */
export class WatermarkGenerator {
  private maxEventTime = -Infinity;
  private wm = NO_WATERMARK;
  private emitted = NO_WATERMARK;
  private idleFlag = false;

  constructor(
    readonly timeColumn: number,
    readonly delayMs: number,
  ) {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new ExecutionError('INVALID_ARGUMENT', `watermark delay must be a non-negative interval, got ${delayMs}`);
    }
  }

  /** Takes the batch's largest event time into account (NULL times are ignored). */
  observeBatch(batch: Batch): void {
    const col = batch.columns[this.timeColumn];
    if (col === undefined) throw new ExecutionError('INVALID_ARGUMENT', `watermark column ${this.timeColumn} is not in the batch`);
    let max = this.maxEventTime;
    for (let i = 0; i < batch.length; i++) {
      const v = col[i];
      if (typeof v === 'number' && v > max) max = v;
    }
    if (batch.length > 0) this.idleFlag = false;
    this.observeMax(max);
  }

  /** Same as observing a row with event time `ts`. */
  observeMax(ts: number): void {
    if (ts > this.maxEventTime) this.maxEventTime = ts;
    const candidate = this.maxEventTime - this.delayMs;
    if (candidate > this.wm) this.wm = candidate;
  }

  /** Moves the watermark to `ts` explicitly (ignored if it would move backwards). */
  advanceTo(ts: number): void {
    if (Number.isNaN(ts)) throw new ExecutionError('INVALID_ARGUMENT', 'watermark must be a number of epoch milliseconds');
    if (ts > this.wm) this.wm = ts;
  }

  /** Marks the source idle (or active again): idle inputs do not hold back a combined watermark. */
  setIdle(idle: boolean): void {
    this.idleFlag = idle;
  }

  get idle(): boolean {
    return this.idleFlag;
  }

  current(): number {
    return this.wm;
  }

  /** The watermark to forward, if it moved since the last call; otherwise undefined. */
  pending(): number | undefined {
    if (this.wm > this.emitted) {
      this.emitted = this.wm;
      return this.wm;
    }
    return undefined;
  }

  snapshot(): { maxEventTime: number; wm: number; emitted: number; idle: boolean } {
    return { maxEventTime: this.maxEventTime, wm: this.wm, emitted: this.emitted, idle: this.idleFlag };
  }

  restore(s: { maxEventTime: number; wm: number; emitted: number; idle: boolean }): void {
    this.maxEventTime = s.maxEventTime;
    this.wm = s.wm;
    this.emitted = s.emitted;
    this.idleFlag = s.idle;
  }
}

/**
 * An operator placed after a source scan: passes batches through unchanged and forwards the
 * source's watermark at the end of each propagation step (the batch travels first, so rows of
 * one insert call are never late relative to each other).
 */
export class WatermarkAssignerOperator implements Operator {
  readonly generator: WatermarkGenerator;

  constructor(
    private readonly out: Output,
    timeColumn: number,
    delayMs: number,
  ) {
    this.generator = new WatermarkGenerator(timeColumn, delayMs);
  }

  push(batch: Batch, _port: number): void {
    this.generator.observeBatch(batch);
    this.out.push(batch);
  }

  /** An upstream watermark acts like an explicit advance. */
  watermark(wm: number, _port: number): void {
    this.generator.advanceTo(wm);
  }

  /** Explicit advance from the API (Engine.advanceWatermark); applied at the next flush. */
  advanceTo(ts: number): void {
    this.generator.advanceTo(ts);
  }

  flush(): void {
    const wm = this.generator.pending();
    if (wm !== undefined) this.out.watermark(wm);
  }

  snapshot(): unknown {
    return this.generator.snapshot();
  }

  restore(state: unknown): void {
    this.generator.restore(state as ReturnType<WatermarkGenerator['snapshot']>);
  }

  stateSize(): number {
    return 0;
  }
}
