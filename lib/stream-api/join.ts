// Interval join of two keyed streams (Flink's intervalJoin): a left event l and a right event r
// with equal keys pair when l.t + lower <= r.t <= l.t + upper (event time, ms). Both sides are
// buffered per key; the watermark (the minimum of both inputs) drops events that can no longer
// pair: a left event once l.t + upper < wm, a right one once r.t - lower < wm.

import type { Batch } from '../exec/batch.js';
import type { Operator, Output } from '../exec/operator.js';
import type { PipelineMonitor } from './monitor.js';
import { eventsOf, objectBatch } from './object-batch.js';
import { eventTimeMs } from './window.js';

type Buffered = [time: number, event: unknown];

export interface IntervalJoinSpec {
  lower: number;
  upper: number;
  keyOf: [(e: unknown) => unknown, (e: unknown) => unknown];
  timeOf: [(e: unknown) => unknown, (e: unknown) => unknown];
  join: (left: unknown, right: unknown, key: unknown) => unknown;
}

export class IntervalJoinOp implements Operator {
  private readonly sides: [Map<unknown, Buffered[]>, Map<unknown, Buffered[]>] = [new Map(), new Map()];
  private readonly wms = [-Infinity, -Infinity];
  private wm = -Infinity;
  private failed = false;

  constructor(
    private readonly out: Output,
    private readonly name: string,
    private readonly spec: IntervalJoinSpec,
    private readonly monitor: PipelineMonitor,
    restore?: unknown,
  ) {
    if (restore !== undefined) this.restore(restore);
  }

  push(batch: Batch, port: number): void {
    if (this.failed) return;
    const events = eventsOf(batch);
    const mine = this.sides[port as 0 | 1];
    const other = this.sides[(1 - port) as 0 | 1];
    const { lower, upper, join } = this.spec;
    const keyOf = this.spec.keyOf[port as 0 | 1];
    const timeOf = this.spec.timeOf[port as 0 | 1];
    const produced: unknown[] = [];
    for (let i = 0; i < batch.length; i++) {
      const e = events[i];
      try {
        const key = keyOf(e);
        const t = eventTimeMs(timeOf(e));
        // a left event pairs with right times in [t+lower, t+upper]; a right one with left times in [t-upper, t-lower]
        const lo = port === 0 ? t + lower : t - upper;
        const hi = port === 0 ? t + upper : t - lower;
        for (const [ot, o] of other.get(key) ?? []) {
          if (ot >= lo && ot <= hi) produced.push(port === 0 ? join(e, o, key) : join(o, e, key));
        }
        const list = mine.get(key);
        if (list) list.push([t, e]);
        else mine.set(key, [[t, e]]);
      } catch (err) {
        this.failed = true;
        this.monitor.fail(this.name, 'intervalJoin', e, err);
        break;
      }
    }
    if (produced.length > 0) this.out.push(objectBatch(produced));
  }

  watermark(wm: number, port: number): void {
    this.wms[port] = Math.max(this.wms[port]!, wm);
    const min = Math.min(this.wms[0]!, this.wms[1]!);
    if (min <= this.wm) return;
    this.wm = min;
    this.evict(this.sides[0], (t) => t + this.spec.upper < min);
    this.evict(this.sides[1], (t) => t - this.spec.lower < min);
    this.out.watermark(min);
  }

  flush(): void {}

  snapshot(): unknown {
    return { wms: this.wms.slice(), wm: this.wm, left: [...this.sides[0]], right: [...this.sides[1]] };
  }

  restore(state: unknown): void {
    const s = state as { wms: number[]; wm: number; left: [unknown, Buffered[]][]; right: [unknown, Buffered[]][] };
    this.wms[0] = s.wms[0]!;
    this.wms[1] = s.wms[1]!;
    this.wm = s.wm;
    this.sides[0] = new Map(s.left);
    this.sides[1] = new Map(s.right);
  }

  stateSize(): number {
    let n = 0;
    for (const side of this.sides) for (const l of side.values()) n += l.length;
    return n;
  }

  private evict(side: Map<unknown, Buffered[]>, expired: (t: number) => boolean): void {
    for (const [key, list] of side) {
      const kept = list.filter(([t]) => !expired(t));
      if (kept.length === 0) side.delete(key);
      else if (kept.length !== list.length) side.set(key, kept);
    }
  }
}
