// Per-key deduplication of an append-only stream (the `ROW_NUMBER() OVER (PARTITION BY k ORDER
// BY ts) = 1` pattern).
//   keep 'first': the first row of each key passes, later ones are dropped. Only the keys are
//                 held, never the rows; output is append-only.
//   keep 'last':  the latest row per key (by `timeColumn`, or arrival order without one) is the
//                 output; a newer row retracts the previous one. Holds one row per key.
// With `ttlMs` (needs `timeColumn`), a key is forgotten once the watermark passes its time +
// ttl: a later row of that key passes again (state TTL, as Flink's dedup with state TTL).

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, keyFunction, readRow, type Key, type RowFn } from './rows.js';
import { NO_WATERMARK } from './watermark.js';

export interface DedupConfig {
  keys: RowFn[];
  keep: 'first' | 'last';
  timeColumn?: number;
  /** keep 'last' with a time column: keep the row with the earliest time instead of the latest
   *  (ROW_NUMBER() … ORDER BY ts ASC = 1); ties keep the row already held */
  earliest?: boolean;
  /** a NULL time ranks before every time (it wins), as ORDER BY … NULLS FIRST; default: after */
  nullsFirst?: boolean;
  ttlMs?: number;
  inputWidth: number;
}

interface LastEntry {
  /** null without a time column */
  time: number | null;
  row: Row;
}

export class DedupOperator implements Operator {
  private readonly keyOf: (c: Column[], r: number) => Key;
  /** keep 'first': key → time of its first row (−Infinity without a time column) */
  private readonly firstSeen = new Map<Key, number>();
  private readonly last = new Map<Key, LastEntry>();
  private readonly out: BatchBuilder;
  private wm = NO_WATERMARK;
  /** the time a NULL ranks as: winning when nullsFirst, losing otherwise */
  private readonly nullTime: number;

  constructor(
    private readonly output: Output,
    private readonly cfg: DedupConfig,
  ) {
    if (cfg.ttlMs !== undefined && (cfg.timeColumn === undefined || !(cfg.ttlMs >= 0))) {
      throw new ExecutionError('INVALID_ARGUMENT', 'dedup state TTL needs an event-time column and a non-negative interval');
    }
    this.keyOf = keyFunction(cfg.keys);
    this.nullTime = (cfg.nullsFirst === true) !== (cfg.earliest === true) ? Infinity : -Infinity;
    this.out = new BatchBuilder(cfg.inputWidth);
  }

  push(batch: Batch, _port: number): void {
    if (batch.weights !== null) {
      for (let i = 0; i < batch.length; i++) {
        if (batch.weights[i]! < 0) throw new ExecutionError('INVALID_ARGUMENT', 'deduplication needs an append-only input (a row was retracted)');
      }
    }
    if (this.cfg.keep === 'first') this.pushFirst(batch);
    else this.pushLast(batch);
  }

  private pushFirst(batch: Batch): void {
    const time = this.cfg.timeColumn === undefined ? undefined : batch.columns[this.cfg.timeColumn]!;
    let keep: number[] | null = null;
    for (let i = 0; i < batch.length; i++) {
      const key = this.keyOf(batch.columns, i);
      if (this.firstSeen.has(key)) {
        keep ??= Array.from({ length: i }, (_, k) => k);
        continue;
      }
      const t = time === undefined ? -Infinity : time[i];
      this.firstSeen.set(key, typeof t === 'number' ? t : -Infinity);
      keep?.push(i);
    }
    if (keep === null) {
      // every row was a first occurrence: forward the batch as it is (weights > 1 collapse below)
      if (batch.weights === null) {
        this.output.push(batch);
        return;
      }
      keep = Array.from({ length: batch.length }, (_, k) => k);
    }
    if (keep.length === 0) return;
    for (const i of keep) this.out.add(readRow(batch, i), 1);
    this.output.push(this.out.take());
  }

  private pushLast(batch: Batch): void {
    const time = this.cfg.timeColumn === undefined ? undefined : batch.columns[this.cfg.timeColumn]!;
    for (let i = 0; i < batch.length; i++) {
      const key = this.keyOf(batch.columns, i);
      // without a time column the latest arrival wins; a NULL time ranks by nullsFirst
      const raw = time === undefined ? null : time[i];
      const t = time === undefined ? null : typeof raw === 'number' ? raw : this.nullTime;
      const prev = this.last.get(key);
      if (prev !== undefined && t !== null && prev.time !== null && (this.cfg.earliest ? t >= prev.time : t < prev.time)) continue; // the held row ranks first
      const row = readRow(batch, i);
      if (prev !== undefined) this.out.add(prev.row, -1);
      this.out.add(row, 1);
      this.last.set(key, { time: t, row });
    }
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    if (this.cfg.ttlMs !== undefined) {
      const bound = wm - this.cfg.ttlMs;
      for (const [k, t] of this.firstSeen) if (t < bound) this.firstSeen.delete(k);
      // expiring a kept-last row keeps it in the output: the TTL bounds state, not results
      for (const [k, e] of this.last) if (e.time !== null && e.time < bound) this.last.delete(k);
    }
    this.flush();
    this.output.watermark(wm);
  }

  flush(): void {
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  snapshot(): unknown {
    return { wm: this.wm, first: [...this.firstSeen], last: [...this.last] };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; first: [Key, number][]; last: [Key, LastEntry][] };
    this.wm = s.wm;
    this.firstSeen.clear();
    this.last.clear();
    for (const [k, t] of s.first) this.firstSeen.set(k, t);
    for (const [k, e] of s.last) this.last.set(k, e);
  }

  /** Keys held. */
  stateSize(): number {
    return this.firstSeen.size + this.last.size;
  }
}
