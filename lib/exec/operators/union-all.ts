// UNION ALL: every input's changes pass through (Z-set addition). The watermark is the minimum
// of the inputs' watermarks.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import { WatermarkMerger } from '../runtime/watermark.js';

export class UnionAll implements Operator {
  private readonly wm: WatermarkMerger;

  constructor(
    private readonly out: Output,
    inputs: number,
  ) {
    this.wm = new WatermarkMerger(inputs);
  }

  push(batch: Batch, _port = 0): void {
    this.out.push(batch);
  }
  watermark(wm: number, port: number): void {
    const merged = this.wm.update(wm, port);
    if (merged !== null) this.out.watermark(merged);
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
