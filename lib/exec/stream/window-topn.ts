// Top-N per window: `ROW_NUMBER() OVER (PARTITION BY window_start, … ORDER BY …) <= N` over a
// window TVF. Per (window, partition) only the first offset+limit rows are held when the input
// is append-only (every row when it is not, so deletes inside the top are exact).
//   emit 'window-close': a window's top rows are emitted once, when the watermark reaches its
//                        end, and its state freed; rows for closed windows are late.
//   emit 'changes':      each step emits what changed in the touched partitions; a window's
//                        state is dropped once the watermark passes end + allowedLatenessMs
//                        (default: never), without retracting anything.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import { rowComparator, type RowComparator, type SortKey } from '../runtime/values.js';
import { LateRows, type LatePolicy } from './late.js';
import { BatchBuilder, keyFunction, readRow, sameRow, type Key, type RowFn } from './rows.js';
import { NO_WATERMARK } from './watermark.js';

export type RankFunction = 'row_number' | 'rank' | 'dense_rank';

export interface WindowTopNConfig {
  /** partition expressions (including the window column) */
  partitionBy: RowFn[];
  /** the window's end for a row */
  windowEnd: RowFn;
  /** ORDER BY over input columns */
  order: SortKey[];
  limit: number;
  offset?: number;
  /** append this rank as the last output column */
  rankOutput?: RankFunction;
  emit: 'window-close' | 'changes';
  /** the input never retracts: hold only the top rows */
  appendOnly: boolean;
  allowedLatenessMs?: number;
  inputWidth: number;
  late?: LatePolicy;
}

interface Partition {
  end: number;
  key: Key;
  rows: Row[];
  emitted: Row[];
  dirty: boolean;
}

export class WindowTopNOperator implements Operator {
  private readonly windows = new Map<number, Map<Key, Partition>>();
  private ends: number[] = [];
  private dirty: Partition[] = [];
  private wm = NO_WATERMARK;
  private held = 0;
  private readonly keyOf: (c: Column[], r: number) => Key;
  private readonly cmp: RowComparator;
  private readonly keep: number;
  private readonly offset: number;
  private readonly lateness: number;
  private readonly out: BatchBuilder;
  readonly late: LateRows;
  unmatchedRetractions = 0;

  constructor(
    private readonly output: Output,
    private readonly cfg: WindowTopNConfig,
  ) {
    this.offset = cfg.offset ?? 0;
    if (!(cfg.limit >= 0) || !(this.offset >= 0)) throw new ExecutionError('INVALID_ARGUMENT', 'Top-N limit and offset must be non-negative');
    this.keep = this.offset + cfg.limit;
    this.keyOf = keyFunction(cfg.partitionBy);
    this.cmp = rowComparator(cfg.order);
    this.lateness = cfg.emit === 'window-close' ? 0 : cfg.allowedLatenessMs ?? Infinity;
    this.out = new BatchBuilder(cfg.inputWidth + (cfg.rankOutput ? 1 : 0));
    this.late = new LateRows(cfg.inputWidth, cfg.late);
  }

  push(batch: Batch, _port: number): void {
    for (let i = 0; i < batch.length; i++) {
      const end = this.cfg.windowEnd(batch.columns, i);
      if (typeof end !== 'number') throw new ExecutionError('INVALID_ARGUMENT', 'window end is NULL in windowed Top-N input');
      if (end + this.lateness <= this.wm) {
        this.late.add(batch, i);
        continue;
      }
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      const p = this.partition(end, this.keyOf(batch.columns, i));
      const row = readRow(batch, i);
      for (let k = 0; k < Math.abs(w); k++) {
        if (w > 0) this.insert(p, row);
        else this.remove(p, row);
      }
      if (!p.dirty) {
        p.dirty = true;
        this.dirty.push(p);
      }
    }
  }

  private partition(end: number, key: Key): Partition {
    let parts = this.windows.get(end);
    if (parts === undefined) {
      parts = new Map();
      this.windows.set(end, parts);
      insertSortedNumber(this.ends, end);
    }
    let p = parts.get(key);
    if (p === undefined) {
      p = { end, key, rows: [], emitted: [], dirty: false };
      parts.set(key, p);
    }
    return p;
  }

  private insert(p: Partition, row: Row): void {
    const rows = p.rows;
    if (this.cfg.appendOnly && rows.length >= this.keep && (this.keep === 0 || this.cmp(row, rows[rows.length - 1]!) >= 0)) return;
    // after equal rows: ties keep arrival order
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmp(rows[mid]!, row) <= 0) lo = mid + 1;
      else hi = mid;
    }
    rows.splice(lo, 0, row);
    this.held++;
    if (this.cfg.appendOnly && rows.length > this.keep) {
      rows.pop();
      this.held--;
    }
  }

  private remove(p: Partition, row: Row): void {
    const at = p.rows.findIndex((r) => sameRow(r, row));
    if (at < 0) {
      this.unmatchedRetractions++;
      return;
    }
    p.rows.splice(at, 1);
    this.held--;
  }

  /** The partition's output rows (top rows after the offset, with the rank column if asked). */
  private top(p: Partition): Row[] {
    const out: Row[] = [];
    const fn = this.cfg.rankOutput;
    let rank = 0;
    let dense = 0;
    for (let i = 0; i < p.rows.length && i < this.keep; i++) {
      const row = p.rows[i]!;
      if (i === 0 || this.cmp(p.rows[i - 1]!, row) !== 0) {
        rank = i + 1;
        dense++;
      }
      if (i < this.offset) continue;
      if (fn === undefined) out.push(row);
      else out.push([...row, fn === 'row_number' ? i + 1 : fn === 'rank' ? rank : dense] as Value[]);
    }
    return out;
  }

  private emitChanges(): void {
    for (const p of this.dirty) {
      p.dirty = false;
      const next = this.top(p);
      const prev = p.emitted;
      const n = Math.max(prev.length, next.length);
      for (let i = 0; i < n; i++) {
        const a = prev[i];
        const b = next[i];
        if (a !== undefined && b !== undefined && sameRow(a, b)) continue;
        if (a !== undefined) this.out.add(a, -1);
        if (b !== undefined) this.out.add(b, 1);
      }
      p.emitted = next;
      if (p.rows.length === 0) this.windows.get(p.end)?.delete(p.key);
    }
    this.dirty = [];
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    const eowc = this.cfg.emit === 'window-close';
    if (!eowc) this.emitChanges();
    let closed = 0;
    while (closed < this.ends.length && this.ends[closed]! + this.lateness <= wm) closed++;
    for (let k = 0; k < closed; k++) {
      const end = this.ends[k]!;
      for (const p of this.windows.get(end)!.values()) {
        if (eowc) for (const row of this.top(p)) this.out.add(row, 1);
        this.held -= p.rows.length;
      }
      this.windows.delete(end);
    }
    if (closed > 0) this.ends.splice(0, closed);
    if (eowc) this.dirty = this.dirty.filter((p) => this.windows.has(p.end));
    this.flushOut();
    this.late.flush();
    this.output.watermark(wm);
  }

  private flushOut(): void {
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  flush(): void {
    if (this.cfg.emit === 'changes') this.emitChanges();
    else {
      for (const p of this.dirty) p.dirty = false;
      this.dirty = [];
    }
    this.flushOut();
    this.late.flush();
  }

  snapshot(): unknown {
    const parts: unknown[] = [];
    for (const m of this.windows.values()) for (const p of m.values()) parts.push({ end: p.end, key: p.key, rows: p.rows, emitted: p.emitted });
    return { wm: this.wm, parts };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; parts: { end: number; key: Key; rows: Row[]; emitted: Row[] }[] };
    this.windows.clear();
    this.ends = [];
    this.dirty = [];
    this.held = 0;
    this.wm = s.wm;
    for (const saved of s.parts) {
      const p = this.partition(saved.end, saved.key);
      p.rows = saved.rows;
      p.emitted = saved.emitted;
      this.held += p.rows.length;
    }
  }

  /** Rows held across open windows. */
  /** late rows seen so far (dropped or routed to the side output) */
  get lateRows(): number {
    return this.late.count;
  }

  stateSize(): number {
    return this.held;
  }
}

function insertSortedNumber(arr: number[], v: number): void {
  if (arr.length === 0 || v > arr[arr.length - 1]!) {
    arr.push(v);
    return;
  }
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  arr.splice(lo, 0, v);
}
