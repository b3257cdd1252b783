// Late-event policy shared by the windowed and time-bounded operators: rows that arrive after
// the watermark closed what they belong to are dropped and counted, or routed to a side output
// the user can subscribe to. They never change an already emitted final result.

import type { Batch } from '../batch.js';
import type { Value } from '../../types/value.js';
import { BatchBuilder, readRow, weightOf } from './rows.js';

export interface LatePolicy {
  /** receives the late rows (in the operator's input layout) once per propagation step */
  sideOutput?: (batch: Batch) => void;
}

/** Counts late rows and, when a side output is configured, collects them for it. */
export class LateRows {
  /** late rows seen so far (dropped or routed) */
  count = 0;
  private builder: BatchBuilder | null = null;

  constructor(
    private readonly width: number,
    private readonly policy: LatePolicy = {},
  ) {}

  /** Records row `row` of `batch` as late; `extra` values follow its columns (an operator that
   *  assigns windows itself adds window_start and window_end, as the window TVF would have). */
  add(batch: Batch, row: number, extra?: readonly Value[]): void {
    this.count++;
    if (this.policy.sideOutput === undefined) return;
    this.builder ??= new BatchBuilder(this.width);
    const values = readRow(batch, row);
    if (extra !== undefined) values.push(...extra);
    this.builder.add(values, weightOf(batch, row));
  }

  /** Hands the step's late rows to the side output. */
  flush(): void {
    if (this.builder !== null && this.builder.length > 0 && this.policy.sideOutput) this.policy.sideOutput(this.builder.take());
  }
}
