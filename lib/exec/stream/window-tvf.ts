// TUMBLE / HOP / CUMULATE as stateless row expansion: output = input columns ++ window_start ++
// window_end. TUMBLE keeps the input columns as they are (zero copy) and adds two Float64Array
// columns; HOP does the same once per window rank (one batch per rank, see pushHop); CUMULATE
// gathers each input row once per window it falls into. Rows whose
// event time is NULL belong to no window and are dropped (as in Flink and RisingWave).
// Watermarks pass through unchanged: a window_end is always greater than the row's time.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Value } from '../../types/value.js';
import { tumbleStart, validateWindowParams } from './window-math.js';

export type WindowAssignSpec =
  | { kind: 'tumble'; timeColumn: number; sizeMs: number; offsetMs?: number }
  | { kind: 'hop'; timeColumn: number; sizeMs: number; slideMs: number; offsetMs?: number }
  | { kind: 'cumulate'; timeColumn: number; sizeMs: number; stepMs: number; offsetMs?: number };

export class WindowAssignOperator implements Operator {
  private readonly offset: number;
  // scratch space reused across batches (grown as needed)
  private srcIndex = new Int32Array(1024);
  private starts = new Float64Array(1024);
  private ends = new Float64Array(1024);
  private n = 0;

  constructor(
    private readonly out: Output,
    private readonly spec: WindowAssignSpec,
  ) {
    this.offset = spec.offsetMs ?? 0;
    if (spec.kind === 'tumble') validateWindowParams('TUMBLE', { size: spec.sizeMs });
    else if (spec.kind === 'hop') validateWindowParams('HOP', { size: spec.sizeMs, slide: spec.slideMs });
    else {
      validateWindowParams('CUMULATE', { size: spec.sizeMs, step: spec.stepMs });
      if (spec.sizeMs % spec.stepMs !== 0) {
        throw new ExecutionError('INVALID_ARGUMENT', `CUMULATE window size (${spec.sizeMs} ms) must be a multiple of its step (${spec.stepMs} ms)`);
      }
    }
  }

  /** Set by the planner when an aggregate above reads this TVF's input instead of its output
   *  (lib/plan/hop-fusion.ts): while it returns false nothing reads this node's output. */
  private consumers: (() => boolean) | null = null;

  setConsumerProbe(hasConsumers: () => boolean): void {
    this.consumers = hasConsumers;
  }

  push(batch: Batch, _port: number): void {
    // nothing reads this node (e.g. the aggregate above assigns HOP windows itself): no work
    if (batch.length === 0 || this.out.unobserved?.() === true) return;
    if (this.consumers !== null && !this.consumers()) return;
    if (this.spec.kind === 'tumble') this.pushTumble(batch);
    else this.pushExpanded(batch);
  }

  private pushTumble(batch: Batch): void {
    const { sizeMs } = this.spec;
    const time = batch.columns[this.spec.timeColumn]!;
    const len = batch.length;
    const starts = new Float64Array(len);
    const ends = new Float64Array(len);
    let nulls = 0;
    for (let i = 0; i < len; i++) {
      const ts = time[i];
      if (typeof ts !== 'number') {
        nulls++;
        continue;
      }
      const s = tumbleStart(ts, sizeMs, this.offset);
      starts[i] = s;
      ends[i] = s + sizeMs;
    }
    if (nulls === 0) {
      this.out.push({ length: len, columns: [...batch.columns, starts, ends], weights: batch.weights });
      return;
    }
    // rare path: drop rows without an event time
    this.n = 0;
    this.ensure(len);
    for (let i = 0; i < len; i++) if (typeof time[i] === 'number') this.record(i, starts[i]!, ends[i]!);
    this.emitGathered(batch);
  }

  private pushExpanded(batch: Batch): void {
    const spec = this.spec;
    if (spec.kind === 'hop') {
      this.pushHop(batch, spec.sizeMs, spec.slideMs);
      return;
    }
    const time = batch.columns[spec.timeColumn]!;
    this.n = 0;
    if (spec.kind === 'cumulate') {
      for (let i = 0; i < batch.length; i++) {
        const ts = time[i];
        if (typeof ts !== 'number') continue;
        // loop inlined from window-math.ts (forEachCumulateWindow): no closure per row
        const s = tumbleStart(ts, spec.sizeMs, this.offset);
        const maxEnd = s + spec.sizeMs;
        for (let e = tumbleStart(ts, spec.stepMs, this.offset) + spec.stepMs; e <= maxEnd; e += spec.stepMs) this.record(i, s, e);
      }
    }
    this.emitGathered(batch);
  }

  /**
   * HOP: one output batch per window rank k (every row's latest window, then the one before …),
   * window-major so consecutive rows mostly share a window, which the windowed aggregate
   * exploits. A rank every row falls into (no NULL time; size a multiple of slide, or the row's
   * k-th window still contains it) reuses the input columns as they are and only adds the two
   * window columns: copying every column once per window was most of HOP's cost.
   */
  private pushHop(batch: Batch, sizeMs: number, slideMs: number): void {
    const time = batch.columns[this.spec.timeColumn]!;
    const len = batch.length;
    const perRow = Math.ceil(sizeMs / slideMs);
    // each row's latest window start (NaN: no event time)
    const latest = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      const ts = time[i];
      latest[i] = typeof ts === 'number' ? tumbleStart(ts, slideMs, this.offset) : NaN;
    }
    for (let k = 0; k < perRow; k++) {
      const starts = new Float64Array(len);
      const ends = new Float64Array(len);
      const back = k * slideMs;
      let all = true;
      for (let i = 0; i < len; i++) {
        const ts = time[i] as number;
        const s = latest[i]! - back;
        // NaN (no event time) fails too; so does a row with fewer windows than perRow (size not
        // a multiple of slide)
        if (s > ts - sizeMs) {
          starts[i] = s;
          ends[i] = s + sizeMs;
        } else {
          all = false;
          starts[i] = NaN;
        }
      }
      if (all) {
        this.out.push({ length: len, columns: [...batch.columns, starts, ends], weights: batch.weights });
        continue;
      }
      this.n = 0;
      this.ensure(len);
      for (let i = 0; i < len; i++) if (!Number.isNaN(starts[i]!)) this.record(i, starts[i]!, ends[i]!);
      this.emitGathered(batch);
    }
  }

  private ensure(cap: number): void {
    if (cap <= this.srcIndex.length) return;
    let size = this.srcIndex.length * 2;
    while (size < cap) size *= 2;
    const idx = new Int32Array(size);
    idx.set(this.srcIndex.subarray(0, this.n));
    const st = new Float64Array(size);
    st.set(this.starts.subarray(0, this.n));
    const en = new Float64Array(size);
    en.set(this.ends.subarray(0, this.n));
    this.srcIndex = idx;
    this.starts = st;
    this.ends = en;
  }

  private record(row: number, start: number, end: number): void {
    if (this.n === this.srcIndex.length) this.ensure(this.n + 1);
    this.srcIndex[this.n] = row;
    this.starts[this.n] = start;
    this.ends[this.n] = end;
    this.n++;
  }

  private emitGathered(batch: Batch): void {
    const n = this.n;
    if (n === 0) return;
    const idx = this.srcIndex;
    const columns: Column[] = [];
    for (const col of batch.columns) columns.push(gather(col, idx, n));
    columns.push(this.starts.slice(0, n), this.ends.slice(0, n));
    let weights: Int32Array | null = null;
    if (batch.weights !== null) {
      weights = new Int32Array(n);
      for (let k = 0; k < n; k++) weights[k] = batch.weights[idx[k]!]!;
    }
    this.out.push({ length: n, columns, weights });
  }

  watermark(wm: number, _port: number): void {
    this.out.watermark(wm);
  }

  flush(): void {}

  snapshot(): unknown {
    return null;
  }

  restore(_state: unknown): void {}

  stateSize(): number {
    return 0;
  }
}

/** Gathers `col[idx[k]]` for k < n, keeping typed arrays typed. */
function gather(col: Column, idx: Int32Array, n: number): Column {
  if (ArrayBuffer.isView(col)) {
    const Ctor = (col as unknown as { constructor: new (n: number) => Column }).constructor;
    const out = new Ctor(n);
    for (let k = 0; k < n; k++) out[k] = col[idx[k]!]!;
    return out;
  }
  const out = new Array<Value>(n);
  for (let k = 0; k < n; k++) out[k] = col[idx[k]!] as Value;
  return out;
}
