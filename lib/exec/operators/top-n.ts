// Top-N per partition: ORDER BY … LIMIT/OFFSET inside a view, ROW_NUMBER()/RANK()/DENSE_RANK()
// … <= n filters, DISTINCT ON. Every partition keeps all of its rows (sorted), so deletes inside
// the top N are answered exactly: at flush each touched partition's top rows are recomputed and
// merged against what was emitted before (both lists are in the partition's sort order, so the
// diff is one linear walk: only rows that entered, left or changed rank are emitted).
// Optionally a rank column is appended.
//
// Over an append-only input a partition keeps only the rows that can still rank, and a new row
// that sorts after a full partition's last row is dropped before any row array is made.
//
// Selection is by rank value: with row_number (and without a rank column) rows at positions
// offset+1 … offset+limit; with rank/dense_rank, rows whose rank is in that range (ties at the
// boundary are all kept, as `WHERE rank <= n` does).

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { encodeRow, sameRow, type SortKey } from '../runtime/values.js';
import { SortedPartitions } from './sorted-partitions.js';
import type { PartitionKeyIndexKind } from './partition-index.js';

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
  /** where the partition key → slot index lives: 'js' (default, a Map), 'auto' (number keys
   *  native) or 'native' (all keys native); see partition-index.ts */
  keyIndex?: PartitionKeyIndexKind;
}

/** What a partition shows now: its visible source rows in sort order and their rank values. */
interface Shown {
  rows: Row[];
  ranks: number[];
}

export class TopN implements Operator {
  private readonly parts: SortedPartitions;
  /** per partition slot: the rows currently emitted (source rows; the rank column is added on output) */
  private emitted: (Shown | undefined)[] = [];
  /** compute()'s output, reused across partitions */
  private readonly scratch: Shown = { rows: [], ranks: [] };
  private readonly outWidth: number;
  private readonly rankFn: RankFunction;
  private readonly offset: number;
  /** offset + limit: the largest rank value shown */
  private readonly highest: number;
  /** an append-only row sorting strictly after a partition's last row, when the partition
   *  already holds this many rows, can never be shown (row_number and rank only: a dense
   *  rank counts distinct values, not rows) */
  private readonly rejectAfter: number;
  /** set by compute(): how many leading entries of the partition reach a rank ≤ offset + limit */
  private entriesNeeded = 0;

  constructor(
    private readonly out: Output,
    private readonly options: TopNOptions,
  ) {
    this.parts = new SortedPartitions(options.partitionBy, options.order, { keyIndex: options.keyIndex });
    this.outWidth = options.width + (options.rankOutput ? 1 : 0);
    this.rankFn = options.rankOutput ?? options.rankBy ?? 'row_number';
    this.offset = options.offset ?? 0;
    this.highest = this.offset + options.limit;
    this.rejectAfter = options.appendOnly === true && this.rankFn !== 'dense_rank' ? this.highest : Infinity;
  }

  push(batch: Batch, _port = 0): void {
    const weights = batch.weights;
    if (this.options.appendOnly === true && weights !== null) {
      for (let i = 0; i < batch.length; i++) {
        if (weights[i] < 0) throw new ExecutionError('INVALID_ARGUMENT', 'Top-N over an append-only input received a retraction');
      }
    }
    const parts = this.parts;
    const cols = batch.columns;
    const rejectAfter = this.rejectAfter;
    const slots = parts.locate(cols, batch.length, weights);
    for (let i = 0; i < batch.length; i++) {
      const slot = slots[i];
      if (slot < 0) continue;
      if (parts.rowsIn(slot) >= rejectAfter && parts.compareOrderAt(cols, i, parts.lastRow(slot)!) > 0) continue;
      parts.addTo(slot, rowAt(batch, i), weights === null ? 1 : weights[i]);
    }
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  /** The partition's visible rows and ranks as they should be now, into `shown`. */
  private compute(slot: number, shown: Shown): void {
    const chunks = this.parts.chunksOf(slot);
    const rows = shown.rows;
    const ranks = shown.ranks;
    rows.length = 0;
    ranks.length = 0;
    const lo = this.offset;
    const hi = this.highest;
    const cmp = this.parts.compareOrder;
    let position = 0;
    let rank = 0;
    let dense = 0;
    let prev: Row | null = null;
    // ties only matter for rank/dense_rank
    const byPosition = this.rankFn === 'row_number';
    const isRank = this.rankFn === 'rank';
    this.entriesNeeded = 0;
    let entryIndex = 0;
    for (let c = 0; c < chunks.length; c++) {
      const list = chunks[c];
      for (let j = 0; j < list.length; j++, entryIndex++) {
        const e = list[j];
        for (let k = 0; k < e.count; k++) {
          position++;
          if (!byPosition && (prev === null || cmp(prev, e.row) !== 0)) {
            rank = position;
            dense++;
          }
          prev = e.row;
          const value = byPosition ? position : isRank ? rank : dense;
          if (value > hi) return;
          this.entriesNeeded = entryIndex + 1;
          if (value <= lo) continue;
          rows.push(e.row);
          ranks.push(value);
        }
      }
    }
  }

  /**
   * Emit shown-now − shown-before. Both lists are in entry order (and, within equal rows, in
   * rank order), so one merge walk pairs unchanged rows; with a rank column a row whose rank
   * moved is a delete of the old ranked row and an insert of the new one.
   */
  private diff(before: Shown | undefined, now: Shown, delta: BatchBuilder): void {
    const withRank = this.options.rankOutput !== undefined;
    const oldRows = before === undefined ? [] : before.rows;
    const oldRanks = before === undefined ? [] : before.ranks;
    const newRows = now.rows;
    const newRanks = now.ranks;
    let i = 0;
    let j = 0;
    while (i < oldRows.length && j < newRows.length) {
      const a = oldRows[i];
      const b = newRows[j];
      let c = a === b ? 0 : this.parts.compareEntries(a, b);
      if (c === 0 && withRank) c = oldRanks[i] - newRanks[j];
      if (c === 0) {
        if (a !== b && !sameRow(a, b)) {
          this.emit(delta, a, oldRanks[i], -1);
          this.emit(delta, b, newRanks[j], 1);
        }
        i++;
        j++;
      } else if (c < 0) {
        this.emit(delta, a, oldRanks[i], -1);
        i++;
      } else {
        this.emit(delta, b, newRanks[j], 1);
        j++;
      }
    }
    for (; i < oldRows.length; i++) this.emit(delta, oldRows[i], oldRanks[i], -1);
    for (; j < newRows.length; j++) this.emit(delta, newRows[j], newRanks[j], 1);
  }

  private emit(delta: BatchBuilder, row: Row, rank: number, weight: number): void {
    if (this.options.rankOutput !== undefined) delta.addRowWith(row, rank, weight);
    else delta.addRow(row, weight);
  }

  flush(): void {
    const parts = this.parts;
    if (parts.touched.length === 0) return;
    const delta = new BatchBuilder(this.outWidth);
    const now = this.scratch;
    const truncate = this.options.appendOnly === true;
    // truncate() may touch a slot again (appending to the list): iterate by index
    const touched = parts.touched;
    for (let k = 0; k < touched.length; k++) {
      const slot = touched[k];
      const before = this.emitted[slot];
      this.compute(slot, now);
      this.diff(before, now, delta);
      if (now.rows.length === 0) this.emitted[slot] = undefined;
      else if (before === undefined) this.emitted[slot] = { rows: now.rows.slice(), ranks: now.ranks.slice() };
      else {
        copyInto(before.rows, now.rows);
        copyInto(before.ranks, now.ranks);
      }
      if (truncate) parts.truncate(slot, this.entriesNeeded);
    }
    parts.endFlush();
    if (delta.length > 0) this.out.push(delta.take());
  }

  snapshot(): unknown {
    const emitted: Row[][] = [];
    const withRank = this.options.rankOutput !== undefined;
    for (const s of this.emitted) if (s !== undefined) emitted.push(s.rows.map((r, k) => (withRank ? [...r, s.ranks[k]] : r)));
    return { rows: this.parts.save(), emitted };
  }

  restore(state: unknown): void {
    const s = state as { rows: [Row, number][]; emitted: Row[][] };
    const width = this.options.width;
    const withRank = this.options.rankOutput !== undefined;
    this.parts.clear();
    this.emitted = [];
    for (const [row, count] of s.rows) this.parts.add(row, count);
    this.parts.endFlush();
    for (const rows of s.emitted) {
      if (rows.length === 0) continue;
      const shown: Shown = {
        rows: rows.map((r) => (withRank ? r.slice(0, width) : r)),
        // without a rank column the diff never reads ranks
        ranks: rows.map((r) => (withRank ? (r[width] as number) : 0)),
      };
      this.emitted[this.parts.slotOfRow(shown.rows[0])] = shown;
    }
  }

  stateSize(): number {
    return this.parts.entryCount;
  }

  /** Whether the partition key index is in the native store. */
  get nativeIndex(): boolean {
    return this.parts.nativeIndex;
  }

  /** Drops the partitions and frees the native index (DROP, db.close()): held state goes now,
   *  not when the graph is collected. */
  close(): void {
    this.parts.close();
    this.emitted = [];
  }
}

function copyInto<T>(target: T[], source: readonly T[]): void {
  target.length = source.length;
  for (let k = 0; k < source.length; k++) target[k] = source[k];
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
