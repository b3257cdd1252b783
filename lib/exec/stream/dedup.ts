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
  /** keep 'last' over exactly two key columns: first key → second key → entry, for keys that are
   *  both numbers (Map compares numbers by SameValueZero: -0 = 0, NaN = NaN, as the encoding) */
  private readonly lastByPair = new Map<number, Map<number, LastEntry>>();
  private pairCount = 0;
  private readonly pairKeys: readonly [RowFn, RowFn] | null;
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
    this.pairKeys = cfg.keys.length === 2 ? [cfg.keys[0]!, cfg.keys[1]!] : null;
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
    const cols = batch.columns;
    const earliest = this.cfg.earliest === true;
    for (let i = 0; i < batch.length; i++) {
      // without a time column the latest arrival wins; a NULL time ranks by nullsFirst
      const raw = time === undefined ? null : time[i];
      const t = time === undefined ? null : typeof raw === 'number' ? raw : this.nullTime;
      const prev = this.findLast(cols, i);
      if (prev !== undefined) {
        if (t !== null && prev.time !== null && (earliest ? t >= prev.time : t < prev.time)) continue; // the held row ranks first
        const row = readRow(batch, i);
        this.out.add(prev.row, -1);
        this.out.add(row, 1);
        // replaced in place: no new entry object per superseding row
        prev.time = t;
        prev.row = row;
        continue;
      }
      const row = readRow(batch, i);
      this.out.add(row, 1);
      this.addLast(cols, i, { time: t, row });
    }
  }

  /** The entry held for row i's key. Two all-number keys (ids) go through nested number-keyed
   *  Maps instead of a string built per row; anything else through the encoded key. */
  private findLast(cols: Column[], i: number): LastEntry | undefined {
    const pair = this.pairKeys;
    if (pair !== null) {
      const a = pair[0](cols, i);
      const b = pair[1](cols, i);
      if (typeof a === 'number' && typeof b === 'number') return this.lastByPair.get(a)?.get(b);
    }
    return this.last.get(this.keyOf(cols, i));
  }

  private addLast(cols: Column[], i: number, e: LastEntry): void {
    const pair = this.pairKeys;
    if (pair !== null) {
      const a = pair[0](cols, i);
      const b = pair[1](cols, i);
      if (typeof a === 'number' && typeof b === 'number') {
        let inner = this.lastByPair.get(a);
        if (inner === undefined) this.lastByPair.set(a, (inner = new Map()));
        inner.set(b, e);
        this.pairCount++;
        return;
      }
    }
    this.last.set(this.keyOf(cols, i), e);
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    if (this.cfg.ttlMs !== undefined) {
      const bound = wm - this.cfg.ttlMs;
      for (const [k, t] of this.firstSeen) if (t < bound) this.firstSeen.delete(k);
      // expiring a kept-last row keeps it in the output: the TTL bounds state, not results
      for (const [k, e] of this.last) if (e.time !== null && e.time < bound) this.last.delete(k);
      for (const [a, inner] of this.lastByPair) {
        for (const [b, e] of inner) {
          if (e.time !== null && e.time < bound) {
            inner.delete(b);
            this.pairCount--;
          }
        }
        if (inner.size === 0) this.lastByPair.delete(a);
      }
    }
    this.flush();
    this.output.watermark(wm);
  }

  flush(): void {
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  snapshot(): unknown {
    const last: [Key, LastEntry][] = [...this.last].map(([k, e]) => [k, { time: e.time, row: e.row }]);
    for (const inner of this.lastByPair.values()) for (const e of inner.values()) last.push([this.keyOfRow(e.row), { time: e.time, row: e.row }]);
    return { wm: this.wm, first: [...this.firstSeen], last };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; first: [Key, number][]; last: [Key, LastEntry][] };
    this.wm = s.wm;
    this.firstSeen.clear();
    this.last.clear();
    this.lastByPair.clear();
    this.pairCount = 0;
    for (const [k, t] of s.first) this.firstSeen.set(k, t);
    // the key is derived again from the row, so an entry lands where push will look for it
    for (const [, e] of s.last) this.addLast(singleRowColumns(e.row), 0, { time: e.time, row: e.row });
  }

  private keyOfRow(row: Row): Key {
    return this.keyOf(singleRowColumns(row), 0);
  }

  /** Keys held. */
  stateSize(): number {
    return this.firstSeen.size + this.last.size + this.pairCount;
  }
}

function singleRowColumns(row: Row): Column[] {
  return row.map((v) => [v]) as Column[];
}
