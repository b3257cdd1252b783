// Which batches of the sharded crash test were acknowledged, run by run. A child run starts at
// batch `ready` (one past the highest id it recovered) and acknowledges batches ready…acked with
// each flush(). Batches a run inserted after its last ACK were never acknowledged: a crash may
// drop them, and the next run starts past the ones it kept, so a later, higher ACK does not
// cover them.

export interface ChildRun {
  /** the first batch the run inserted (its READY line); -1 if it never got that far */
  ready: number;
  /** the highest batch covered by a resolved flush() in the run; -1 if none */
  acked: number;
}

export class CrashLedger {
  private readonly runs: ChildRun[] = [];

  record(run: ChildRun): void {
    this.runs.push(run);
  }

  /** True when some run's resolved flush() covered batch `b`. */
  isAcknowledged(b: number): boolean {
    return this.runs.some((r) => r.ready >= 0 && b >= r.ready && b <= r.acked);
  }

  /** The highest acknowledged batch so far (-1: none). */
  highestAcknowledged(): number {
    let max = -1;
    for (const r of this.runs) if (r.ready >= 0 && r.acked >= r.ready) max = Math.max(max, r.acked);
    return max;
  }

  /** How many batches were acknowledged so far. */
  acknowledgedCount(): number {
    let n = 0;
    for (let b = 0; b <= this.highestAcknowledged(); b++) if (this.isAcknowledged(b)) n++;
    return n;
  }

  /** The acknowledged batches with at least one row absent from `present` (ids `b*size + i`). */
  missingAcknowledged(present: ReadonlySet<number>, size: number): { batch: number; rows: number }[] {
    const out: { batch: number; rows: number }[] = [];
    for (let b = 0; b <= this.highestAcknowledged(); b++) {
      if (!this.isAcknowledged(b)) continue;
      let rows = 0;
      for (let id = b * size; id < (b + 1) * size; id++) if (!present.has(id)) rows++;
      if (rows > 0) out.push({ batch: b, rows });
    }
    return out;
  }
}
