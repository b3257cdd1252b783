// Top-N per partition: ORDER BY … LIMIT/OFFSET inside a view, ROW_NUMBER()/RANK()/DENSE_RANK()
// … <= n filters, DISTINCT ON. Every partition keeps all of its rows (sorted), so deletes inside
// the top N are answered exactly: at flush each touched partition's top rows are recomputed and
// diffed against what was emitted before. Optionally a rank column is appended.
//
// Selection is by rank value: with row_number (and without a rank column) rows at positions
// offset+1 … offset+limit; with rank/dense_rank, rows whose rank is in that range (ties at the
// boundary are all kept, as `WHERE rank <= n` does).

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { encodeRow, sameRow, type Key, type SortKey } from '../runtime/values.js';
import { SortedPartitions } from './sorted-partitions.js';

export type RankFunction = 'row_number' | 'rank' | 'dense_rank';

export interface TopNOptions {
  /** input width */
  width: number;
  partitionBy: readonly number[];
  order: readonly SortKey[];
  /** Infinity for no limit */
  limit: number;
  offset?: number;
  /** append this rank as the last output column */
  rankOutput?: RankFunction;
  /** which rank the limit applies to when no column is output (default row_number) */
  rankBy?: RankFunction;
  /** the input never retracts (a source): each partition keeps only the rows that can still
   *  rank within offset + limit (later rows only push others down); a retraction is an error */
  appendOnly?: boolean;
}

export class TopN implements Operator {
  private readonly parts: SortedPartitions;
  /** rows currently emitted per partition */
  private readonly emitted = new Map<Key, Row[]>();
  /** with a rank column: the stored rows behind `emitted` (same positions), so an unchanged
   *  row at an unchanged rank reuses its emitted array and the diff cancels it by identity */
  private readonly emittedSources = new Map<Key, Row[]>();
  private readonly outWidth: number;
  private readonly rankFn: RankFunction;
  private readonly offset: number;
  /** set by compute(): how many leading entries of the partition reach a rank ≤ offset + limit */
  private entriesNeeded = 0;

  constructor(
    private readonly out: Output,
    private readonly options: TopNOptions,
  ) {
    this.parts = new SortedPartitions(options.partitionBy, options.order);
    this.outWidth = options.width + (options.rankOutput ? 1 : 0);
    this.rankFn = options.rankOutput ?? options.rankBy ?? 'row_number';
    this.offset = options.offset ?? 0;
  }

  push(batch: Batch, _port = 0): void {
    if (this.options.appendOnly === true && batch.weights !== null) {
      for (let i = 0; i < batch.length; i++) {
        if (batch.weights[i] < 0) throw new ExecutionError('INVALID_ARGUMENT', 'Top-N over an append-only input received a retraction');
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w !== 0) this.parts.add(rowAt(batch, i), w);
    }
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  /** The partition's output rows as they should be now. */
  private compute(pkey: Key, before: readonly Row[], beforeSources: readonly Row[] | undefined, sources: Row[]): Row[] {
    const list = this.parts.get(pkey);
    const result: Row[] = [];
    const rankAt = this.options.width;
    const lo = this.offset;
    const hi = this.offset + this.options.limit;
    const cmp = this.parts.compareOrder;
    let position = 0;
    let rank = 0;
    let dense = 0;
    let prev: Row | null = null;
    // ties only matter for rank/dense_rank
    const byPosition = this.rankFn === 'row_number';
    this.entriesNeeded = 0;
    for (let entryIndex = 0; entryIndex < list.length; entryIndex++) {
      const e = list[entryIndex];
      for (let k = 0; k < e.count; k++) {
        position++;
        if (!byPosition && (prev === null || cmp(prev, e.row) !== 0)) {
          rank = position;
          dense++;
        }
        prev = e.row;
        const value = byPosition ? position : this.rankFn === 'rank' ? rank : dense;
        if (value > hi) return result;
        this.entriesNeeded = entryIndex + 1;
        if (value <= lo) continue;
        if (!this.options.rankOutput) {
          result.push(e.row);
          continue;
        }
        const j = result.length;
        const reuse = beforeSources !== undefined && beforeSources[j] === e.row && before[j][rankAt] === value;
        result.push(reuse ? before[j] : [...e.row, value]);
        sources.push(e.row);
      }
    }
    return result;
  }

  flush(): void {
    if (this.parts.touched.size === 0) return;
    const delta = new BatchBuilder(this.outWidth);
    for (const pkey of this.parts.touched) {
      const before = this.emitted.get(pkey) ?? [];
      const sources: Row[] = [];
      const now = this.compute(pkey, before, this.emittedSources.get(pkey), sources);
      diffRows(before, now, delta);
      if (now.length > 0) this.emitted.set(pkey, now);
      else this.emitted.delete(pkey);
      if (sources.length > 0) this.emittedSources.set(pkey, sources);
      else this.emittedSources.delete(pkey);
      if (this.options.appendOnly === true) this.parts.truncate(pkey, this.entriesNeeded);
    }
    this.parts.touched.clear();
    this.out.push(delta.take());
  }

  snapshot(): unknown {
    return { rows: this.parts.save(), emitted: [...this.emitted.values()] };
  }

  restore(state: unknown): void {
    const s = state as { rows: [Row, number][]; emitted: Row[][] };
    this.parts.clear();
    this.emitted.clear();
    this.emittedSources.clear();
    for (const [row, count] of s.rows) this.parts.add(row, count);
    this.parts.touched.clear();
    for (const rows of s.emitted) if (rows.length > 0) this.emitted.set(this.parts.partitionOf(rows[0]), rows);
  }

  stateSize(): number {
    return this.parts.entryCount;
  }
}

/** Emit the multiset difference now − before into `delta`. */
export function diffRows(before: readonly Row[], now: readonly Row[], delta: BatchBuilder): void {
  // common case: the same rows in the same order (nothing visible changed)
  if (before.length === now.length) {
    let same = true;
    for (let i = 0; i < now.length && same; i++) same = before[i] === now[i] || sameRow(before[i], now[i]);
    if (same) return;
  }
  // rows that did not change are usually the very same arrays: cancel those by identity first
  const byRef = new Map<Row, number>();
  for (const r of before) byRef.set(r, (byRef.get(r) ?? 0) - 1);
  for (const r of now) byRef.set(r, (byRef.get(r) ?? 0) + 1);
  const counts = new Map<string, { row: Row; n: number }>();
  for (const [r, n] of byRef) {
    if (n === 0) continue;
    const k = encodeRow(r);
    const e = counts.get(k);
    if (e) e.n += n;
    else counts.set(k, { row: r, n });
  }
  for (const { row, n } of counts.values()) if (n < 0) delta.addRow(row, n);
  for (const { row, n } of counts.values()) if (n > 0) delta.addRow(row, n);
}
