// UNION ALL of append-only (event-time) inputs: rows pass through; the output watermark is the
// minimum of the inputs' watermarks like the relational UnionAll, except that an idle input
// (Engine.setSourceIdle, idle_timeout) stops holding it back until it is active again.

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import { WatermarkCombiner } from './watermark.js';

export class EventTimeUnionOperator implements Operator {
  private readonly wms: WatermarkCombiner;

  constructor(
    private readonly out: Output,
    inputs: number,
  ) {
    if (!(inputs >= 1)) throw new ExecutionError('INVALID_ARGUMENT', `UNION ALL needs at least one input, got ${inputs}`);
    this.wms = new WatermarkCombiner(inputs);
  }

  push(batch: Batch, _port: number): void {
    this.out.push(batch);
  }

  watermark(wm: number, port: number): void {
    const combined = this.wms.update(port, wm);
    if (combined !== undefined) this.out.watermark(combined);
  }

  setInputIdle(port: number, idle: boolean): void {
    const combined = this.wms.setIdle(port, idle);
    if (combined !== undefined) this.out.watermark(combined);
  }

  flush(): void {}

  snapshot(): unknown {
    return null;
  }

  restore(): void {}

  stateSize(): number {
    return 0;
  }
}
