// Watermarks of operators with several inputs: the operator's watermark is the minimum of its
// inputs' watermarks (idle inputs skipped) and only ever moves forward. One implementation for
// the relational operators (UNION ALL, joins) and the event-time ones (interval/ASOF/TTL joins).

import { ExecutionError } from '../../errors.js';

/** No watermark yet: nothing is known about event time. */
export const NO_WATERMARK = -Infinity;

/** The minimum of several inputs' watermarks, skipping idle inputs; monotonic. */
export class WatermarkCombiner {
  private readonly marks: Float64Array;
  private readonly idle: Uint8Array;
  private combined = NO_WATERMARK;

  constructor(readonly ports: number) {
    if (!(Number.isInteger(ports) && ports >= 1)) {
      throw new ExecutionError('INVALID_ARGUMENT', `a watermark combiner needs at least one input, got ${ports}`);
    }
    this.marks = new Float64Array(ports).fill(NO_WATERMARK);
    this.idle = new Uint8Array(ports);
  }

  /** Records port `port`'s watermark (which also makes it active); returns the new combined watermark if it advanced. */
  update(port: number, wm: number): number | undefined {
    this.checkPort(port);
    if (wm > this.marks[port]!) this.marks[port] = wm;
    this.idle[port] = 0;
    return this.recompute();
  }

  /** An idle port stops holding the minimum back until its next update. */
  setIdle(port: number, idle: boolean): number | undefined {
    this.checkPort(port);
    this.idle[port] = idle ? 1 : 0;
    return this.recompute();
  }

  /** Port `port`'s own watermark. */
  of(port: number): number {
    return this.marks[port]!;
  }

  /** The combined watermark (NO_WATERMARK until every active input has one). */
  current(): number {
    return this.combined;
  }

  private checkPort(port: number): void {
    if (!(port >= 0 && port < this.ports)) throw new ExecutionError('INVALID_ARGUMENT', `no input port ${port}`);
  }

  private recompute(): number | undefined {
    let min = Infinity;
    let max = NO_WATERMARK;
    let anyActive = false;
    for (let p = 0; p < this.ports; p++) {
      const mark = this.marks[p]!;
      if (mark > max) max = mark;
      if (this.idle[p] === 1) continue;
      anyActive = true;
      if (mark < min) min = mark;
    }
    // every input idle: time is held by the most advanced one
    if (!anyActive) min = max;
    if (min > this.combined) {
      this.combined = min;
      return min;
    }
    return undefined;
  }
}
