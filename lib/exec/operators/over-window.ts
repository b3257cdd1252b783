// Window functions over PARTITION BY … ORDER BY …: ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD,
// FIRST_VALUE, LAST_VALUE, and aggregates over a frame (ROWS BETWEEN n PRECEDING AND CURRENT ROW,
// RANGE UNBOUNDED PRECEDING … CURRENT ROW with peers, whole partition). Output = input columns ++
// one column per call.
//
// Incremental strategy: every partition keeps its rows sorted; at flush each partition touched
// in the step is recomputed and diffed against the rows it emitted before, so only affected
// partitions cost anything and only rows whose window values changed are emitted.

import { UnsupportedError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { sameValue, type SortKey } from '../runtime/values.js';
import type { Accumulator, AggregateKernel, FlatAccumulator, StateAccumulator } from './aggregate-kernels.js';
import { kernelFor } from './hash-aggregate.js';
import { SortedPartitions } from './sorted-partitions.js';
import type { PartitionKeyIndexKind } from './partition-index.js';
import { diffRows } from './top-n.js';

export interface WindowFrame {
  mode: 'rows' | 'range';
  /** rows before the current one; undefined = UNBOUNDED PRECEDING (range: only undefined or 0) */
  preceding?: number;
  /** rows after the current one; undefined = UNBOUNDED FOLLOWING; 0 = CURRENT ROW */
  following?: number;
}

export interface WindowCallSpec {
  /** row_number, rank, dense_rank, lag, lead, first_value, last_value, or an aggregate name */
  fn: string;
  /** input column of the argument */
  arg?: number;
  /** lag/lead distance (default 1) */
  offset?: number;
  /** lag/lead value when the offset row is outside the partition (default NULL) */
  default?: Value;
  frame: WindowFrame;
  /** accumulator factory for aggregates without a built-in kernel */
  create?: () => Accumulator;
  /** a stateless accumulator (lib/functions/aggregates); preferred over the built-in kernel */
  accumulator?: StateAccumulator;
  /** a flat numeric accumulator (lib/functions' SlotAccumulator) */
  flatAccumulator?: FlatAccumulator;
}

export interface OverWindowOptions {
  width: number;
  partitionBy: readonly number[];
  order: readonly SortKey[];
  calls: readonly WindowCallSpec[];
  /** where the partition key → slot index lives: 'js' (default, a Map), 'auto' (number keys
   *  native) or 'native' (all keys native); see partition-index.ts */
  keyIndex?: PartitionKeyIndexKind;
}

const RANKING = new Set(['row_number', 'rank', 'dense_rank', 'lag', 'lead', 'first_value', 'last_value']);

export class OverWindow implements Operator {
  private readonly parts: SortedPartitions;
  /** per partition slot: the rows emitted */
  private emitted: (Row[] | undefined)[] = [];
  /** the input row each emitted row was computed from (parallel to `emitted`) */
  private emittedBase: (Row[] | undefined)[] = [];
  private readonly kernels: (AggregateKernel | null)[];

  constructor(
    private readonly out: Output,
    private readonly options: OverWindowOptions,
  ) {
    this.parts = new SortedPartitions(options.partitionBy, options.order, { keyIndex: options.keyIndex });
    for (const c of options.calls) {
      const f = c.frame;
      if (f.mode === 'range' && ((f.preceding !== undefined && f.preceding !== 0) || (f.following !== undefined && f.following !== 0))) {
        throw new UnsupportedError('RANGE frames with an offset are not supported; use ROWS');
      }
    }
    this.kernels = options.calls.map((c) => {
      if (RANKING.has(c.fn)) return null;
      return kernelFor(c);
    });
  }

  push(batch: Batch, _port = 0): void {
    const slots = this.parts.locate(batch.columns, batch.length, batch.weights);
    for (let i = 0; i < batch.length; i++) {
      if (slots[i] >= 0) this.parts.addTo(slots[i], rowAt(batch, i), weightAt(batch, i));
    }
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  private compute(slot: number, before: readonly Row[] = [], beforeBase: readonly Row[] = []): { outs: Row[]; bases: Row[] } {
    const rows: Row[] = [];
    for (const e of this.parts.get(slot)) for (let k = 0; k < e.count; k++) rows.push(e.row);
    const n = rows.length;
    if (n === 0) return { outs: [], bases: [] };
    const cmp = this.parts.compareOrder;
    // peer groups: first and last index of the rows that tie with row i on ORDER BY
    const peerStart = new Int32Array(n);
    const peerEnd = new Int32Array(n);
    for (let i = 0; i < n; i++) peerStart[i] = i > 0 && cmp(rows[i - 1], rows[i]) === 0 ? peerStart[i - 1] : i;
    for (let i = n - 1; i >= 0; i--) peerEnd[i] = i < n - 1 && cmp(rows[i + 1], rows[i]) === 0 ? peerEnd[i + 1] : i;
    const columns: Value[][] = this.options.calls.map((call, c) => this.evaluate(call, this.kernels[c], rows, peerStart, peerEnd));
    // an unchanged row reuses the array emitted before, so the diff cancels it by identity
    const previous = new Map<Row, number[]>();
    beforeBase.forEach((base, j) => {
      const l = previous.get(base);
      if (l) l.push(j);
      else previous.set(base, [j]);
    });
    const w = this.options.width;
    const result: Row[] = new Array(n);
    for (let i = 0; i < n; i++) {
      let out: Row | undefined;
      const candidates = previous.get(rows[i]);
      if (candidates) {
        for (let c = 0; c < candidates.length && out === undefined; c++) {
          const old = before[candidates[c]];
          let same = true;
          for (let k = 0; k < columns.length && same; k++) same = sameValue(old[w + k], columns[k][i]);
          if (same) {
            out = old;
            candidates.splice(c, 1);
          }
        }
      }
      if (out === undefined) {
        out = rows[i].slice();
        for (const col of columns) out.push(col[i]);
      }
      result[i] = out;
    }
    return { outs: result, bases: rows };
  }

  private evaluate(call: WindowCallSpec, kernel: AggregateKernel | null, rows: Row[], peerStart: Int32Array, peerEnd: Int32Array): Value[] {
    const n = rows.length;
    const out: Value[] = new Array(n);
    const arg = call.arg;
    const f = call.frame;
    const frameLo = (i: number): number =>
      f.preceding === undefined ? 0 : f.mode === 'range' ? peerStart[i] : Math.max(0, i - f.preceding);
    const frameHi = (i: number): number =>
      f.following === undefined ? n - 1 : f.mode === 'range' ? peerEnd[i] : Math.min(n - 1, i + f.following);
    switch (call.fn) {
      case 'row_number':
        for (let i = 0; i < n; i++) out[i] = i + 1;
        return out;
      case 'rank':
        for (let i = 0; i < n; i++) out[i] = peerStart[i] + 1;
        return out;
      case 'dense_rank': {
        let d = 0;
        for (let i = 0; i < n; i++) {
          if (peerStart[i] === i) d++;
          out[i] = d;
        }
        return out;
      }
      case 'lag':
      case 'lead': {
        const off = (call.offset ?? 1) * (call.fn === 'lag' ? -1 : 1);
        for (let i = 0; i < n; i++) {
          const j = i + off;
          out[i] = arg === undefined ? null : j >= 0 && j < n ? rows[j][arg] : (call.default ?? null);
        }
        return out;
      }
      case 'first_value':
      case 'last_value':
        for (let i = 0; i < n; i++) {
          const lo = frameLo(i);
          const hi = frameHi(i);
          out[i] = lo > hi || arg === undefined ? null : rows[call.fn === 'first_value' ? lo : hi][arg];
        }
        return out;
    }
    // an aggregate over a sliding frame: both frame ends only move forward, so add what enters
    // and retract what leaves
    const k = kernel!;
    k.clear(0);
    let lo = 0;
    let hi = -1;
    const feed = (j: number, w: number): void => {
      if (arg === undefined) k.add(0, null, w);
      else {
        const v = rows[j][arg];
        if (v !== null || k.acceptsNull) k.add(0, v, w);
      }
    };
    for (let i = 0; i < n; i++) {
      const nlo = frameLo(i);
      const nhi = frameHi(i);
      while (hi < nhi) feed(++hi, 1);
      while (lo < nlo) feed(lo++, -1);
      out[i] = k.result(0);
    }
    return out;
  }

  flush(): void {
    if (this.parts.touched.length === 0) return;
    const delta = new BatchBuilder(this.options.width + this.options.calls.length);
    for (const slot of this.parts.touched) {
      const before = this.emitted[slot] ?? [];
      const now = this.compute(slot, before, this.emittedBase[slot]);
      diffRows(before, now.outs, delta);
      this.emitted[slot] = now.outs.length > 0 ? now.outs : undefined;
      this.emittedBase[slot] = now.outs.length > 0 ? now.bases : undefined;
    }
    this.parts.endFlush();
    this.out.push(delta.take());
  }

  snapshot(): unknown {
    return { rows: this.parts.save() };
  }

  restore(state: unknown): void {
    this.parts.clear();
    this.emitted = [];
    this.emittedBase = [];
    for (const [row, count] of (state as { rows: [Row, number][] }).rows) this.parts.add(row, count);
    for (const slot of this.parts.touched) {
      const { outs, bases } = this.compute(slot);
      this.emitted[slot] = outs.length > 0 ? outs : undefined;
      this.emittedBase[slot] = outs.length > 0 ? bases : undefined;
    }
    this.parts.endFlush();
  }

  stateSize(): number {
    return this.parts.entryCount;
  }

  /** Whether the partition key index is in the native store. */
  get nativeIndex(): boolean {
    return this.parts.nativeIndex;
  }

  /** Drops the partitions and frees the native index (DROP, db.close()). */
  close(): void {
    this.parts.close();
    this.emitted = [];
    this.emittedBase = [];
  }
}
