// UNION ALL: every input's changes pass through (Z-set addition). The watermark is the minimum
// of the inputs' watermarks and only moves forward.

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import { WatermarkCombiner } from '../runtime/watermark.js';

export class UnionAll implements Operator {
  protected readonly watermarks: WatermarkCombiner;

  constructor(
    protected readonly out: Output,
    inputs: number,
  ) {
    if (!(Number.isInteger(inputs) && inputs >= 1)) throw new ExecutionError('INVALID_ARGUMENT', `UNION ALL needs at least one input, got ${inputs}`);
    this.watermarks = new WatermarkCombiner(inputs);
  }

  push(batch: Batch, _port = 0): void {
    this.out.push(batch);
  }

  watermark(wm: number, port: number): void {
    this.forward(this.watermarks.update(port, wm));
  }

  flush(): void {}

  snapshot(): unknown {
    return null;
  }

  restore(): void {}

  stateSize(): number {
    return 0;
  }

  protected forward(combined: number | undefined): void {
    if (combined !== undefined) this.out.watermark(combined);
  }
}
