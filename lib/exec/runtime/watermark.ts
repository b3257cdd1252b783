// Watermark merging for operators with several inputs: the operator's watermark is the minimum
// of its inputs' watermarks, and it only ever moves forward.

export class WatermarkMerger {
  private readonly perPort: Float64Array;
  private current = -Infinity;

  constructor(ports: number) {
    this.perPort = new Float64Array(Math.max(1, ports)).fill(-Infinity);
  }

  /** Record input `port` at `wm`; returns the new combined watermark if it advanced, else null. */
  update(wm: number, port: number): number | null {
    if (port < 0 || port >= this.perPort.length) return null;
    if (wm > this.perPort[port]) this.perPort[port] = wm;
    let min = Infinity;
    for (let i = 0; i < this.perPort.length; i++) if (this.perPort[i] < min) min = this.perPort[i];
    if (min > this.current) {
      this.current = min;
      return min;
    }
    return null;
  }

  get value(): number {
    return this.current;
  }
}
