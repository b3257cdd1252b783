// Interval join: left and right rows match when their equi keys are equal, the residual holds,
// and rightTime - leftTime ∈ [lowerMs, upperMs] (`r.ts BETWEEN l.ts + lower AND l.ts + upper`).
// Both sides are kept per key until the other side's watermark proves no future row can match:
// a left row goes once the right watermark passes leftTime + upper (a LEFT join emits it with
// NULLs then if it never matched), a right row once the left watermark passes rightTime - lower.
// A row behind its own side's watermark is late (its partners may already be gone).
// A changelog side (a windowed aggregate's rows, updated as retract-old/insert-new) can still
// retract a row until its own watermark passes the row's time, so its rows are also kept until
// then: dropped earlier, a retraction would find no row and leave its pairs in the output.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import { LateRows, type LatePolicy } from './late.js';
import { PairEvaluator } from './join-scratch.js';
import { anyNull, BatchBuilder, keyFunction, readRow, sameRow, type Key, type RowFn } from './rows.js';
import { IntervalSide } from './interval-side.js';
import { NO_WATERMARK, WatermarkCombiner } from './watermark.js';

export interface IntervalJoinConfig {
  joinKind: 'inner' | 'left';
  leftKeys: RowFn[];
  rightKeys: RowFn[];
  leftTimeColumn: number;
  rightTimeColumn: number;
  lowerMs: number;
  upperMs: number;
  /** over left ++ right */
  residual?: RowFn;
  leftWidth: number;
  rightWidth: number;
  late?: { left?: LatePolicy; right?: LatePolicy };
  /** the side is a changelog (retractions possible): its rows also wait for its own watermark */
  leftRetracts?: boolean;
  rightRetracts?: boolean;
}

export class IntervalJoinOperator implements Operator {
  private readonly left: IntervalSide;
  private readonly right: IntervalSide;
  private readonly leftKeyOf: (c: Column[], r: number) => Key;
  private readonly rightKeyOf: (c: Column[], r: number) => Key;
  private readonly pairs: PairEvaluator;
  private readonly wms = new WatermarkCombiner(2);
  private readonly out: BatchBuilder;
  private outWm = NO_WATERMARK;
  private readonly idle = [false, false];
  /** pushInserts: the batch rows kept and the slots reserved for them */
  private rowScratch = new Int32Array(0);
  private slotScratch = new Int32Array(0);
  readonly lateLeft: LateRows;
  readonly lateRight: LateRows;
  unmatchedRetractions = 0;

  constructor(
    private readonly output: Output,
    private readonly cfg: IntervalJoinConfig,
  ) {
    if (!(cfg.lowerMs <= cfg.upperMs)) {
      throw new ExecutionError('INVALID_ARGUMENT', `interval join bounds are empty: lower ${cfg.lowerMs} ms > upper ${cfg.upperMs} ms`);
    }
    if (cfg.leftKeys.length !== cfg.rightKeys.length) throw new ExecutionError('INVALID_ARGUMENT', 'interval join needs as many left keys as right keys');
    this.leftKeyOf = keyFunction(cfg.leftKeys);
    this.rightKeyOf = keyFunction(cfg.rightKeys);
    this.left = new IntervalSide(cfg.leftWidth, cfg.leftTimeColumn);
    this.right = new IntervalSide(cfg.rightWidth, cfg.rightTimeColumn);
    this.pairs = new PairEvaluator(cfg.leftWidth, cfg.rightWidth, cfg.residual);
    this.out = new BatchBuilder(cfg.leftWidth + cfg.rightWidth);
    this.lateLeft = new LateRows(cfg.leftWidth, cfg.late?.left);
    this.lateRight = new LateRows(cfg.rightWidth, cfg.late?.right);
  }

  push(batch: Batch, port: number): void {
    const isLeft = port === 0;
    if (port !== 0 && port !== 1) throw new ExecutionError('INVALID_ARGUMENT', `interval join has no input port ${port}`);
    const cfg = this.cfg;
    const keyFns = isLeft ? cfg.leftKeys : cfg.rightKeys;
    const keyOf = isLeft ? this.leftKeyOf : this.rightKeyOf;
    const time = batch.columns[isLeft ? cfg.leftTimeColumn : cfg.rightTimeColumn]!;
    const ownWm = this.wms.of(port);
    const late = isLeft ? this.lateLeft : this.lateRight;
    if (batch.weights === null) {
      this.pushInserts(isLeft, batch, time, ownWm);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      const t = time[i];
      const nullKey = typeof t !== 'number' || anyNull(keyFns, batch.columns, i);
      if (nullKey) {
        // can never match: a LEFT join outputs it padded right away
        if (isLeft && cfg.joinKind === 'left') this.out.addJoined(readRow(batch, i), null, cfg.leftWidth, w);
        continue;
      }
      if (t < ownWm) {
        late.add(batch, i);
        continue;
      }
      const key = keyOf(batch.columns, i);
      if (w > 0) {
        for (let k = 0; k < w; k++) this.insert(isLeft, key, t, batch, i);
      } else {
        const row = readRow(batch, i);
        for (let k = 0; k < -w; k++) this.retract(isLeft, key, row);
      }
    }
  }

  /**
   * A batch of inserts only (an append-only input): each row is joined as it comes, its slot
   * reserved, and the buffered values are copied a column at a time at the end — no row of the
   * batch can retract another, so nothing reads them before.
   */
  private pushInserts(isLeft: boolean, batch: Batch, time: Column, ownWm: number): void {
    const cfg = this.cfg;
    const keyOf = isLeft ? this.leftKeyOf : this.rightKeyOf;
    const keyFns = isLeft ? cfg.leftKeys : cfg.rightKeys;
    // one key (q7's price): evaluated once per row, a number or string is its own key
    const single = keyFns.length === 1 ? keyFns[0]! : undefined;
    const late = isLeft ? this.lateLeft : this.lateRight;
    const own = isLeft ? this.left : this.right;
    const n = batch.length;
    if (this.rowScratch.length < n) {
      this.rowScratch = new Int32Array(n);
      this.slotScratch = new Int32Array(n);
    }
    const rows = this.rowScratch;
    const slots = this.slotScratch;
    let kept = 0;
    const columns = batch.columns;
    for (let i = 0; i < n; i++) {
      const t = time[i];
      let key: Key;
      const v = single === undefined ? undefined : single(columns, i);
      if (typeof t !== 'number' || v === null || (single === undefined && anyNull(keyFns, columns, i))) {
        if (isLeft && cfg.joinKind === 'left') this.out.addJoined(readRow(batch, i), null, cfg.leftWidth, 1);
        continue;
      }
      if (t < ownWm) {
        late.add(batch, i);
        continue;
      }
      if (typeof v === 'number' || typeof v === 'string') key = v;
      else key = keyOf(columns, i);
      slots[kept] = own.reserve(key, t, this.joinWithOther(isLeft, key, t, batch, i));
      rows[kept++] = i;
    }
    own.writeColumns(batch.columns, rows, slots, kept);
  }

  /** Joins row i of the batch with the other side's rows in range, then buffers it. Rows are
   *  built only for pairs inside the time bounds. */
  private insert(isLeft: boolean, key: Key, t: number, batch: Batch, i: number): void {
    const matches = this.joinWithOther(isLeft, key, t, batch, i);
    (isLeft ? this.left : this.right).addFromBatch(key, t, batch, i, matches);
  }

  /** Emits the pairs of row i with the other side's rows in range; returns how many a left row made. */
  private joinWithOther(isLeft: boolean, key: Key, t: number, batch: Batch, i: number): number {
    const { lowerMs, upperMs, leftWidth } = this.cfg;
    const other = isLeft ? this.right : this.left;
    let matches = 0;
    let row: Row | null = null;
    const found = other.lookup(key);
    for (let k = 0; k < found; k++) {
      const o = other.found[k]!;
      const ot = other.timeOf(o);
      const d = isLeft ? ot - t : t - ot;
      if (d < lowerMs || d > upperMs) continue;
      row ??= readRow(batch, i);
      const orow = other.rowOf(o);
      const l = isLeft ? row : orow;
      const r = isLeft ? orow : row;
      if (!this.pairs.test(l, r)) continue;
      this.out.addJoined(l, r, leftWidth, 1);
      if (isLeft) matches++;
      else other.addMatches(o, 1);
    }
    return matches;
  }

  private retract(isLeft: boolean, key: Key, row: Row): void {
    const { lowerMs, upperMs, leftWidth } = this.cfg;
    const own = isLeft ? this.left : this.right;
    let found = -1;
    const held = own.lookup(key);
    for (let k = 0; k < held; k++) {
      const s = own.found[k]!;
      if (sameRow(own.rowOf(s), row)) {
        found = s;
        break;
      }
    }
    if (found < 0) {
      this.unmatchedRetractions++;
      return;
    }
    const removedTime = own.timeOf(found);
    own.remove(found);
    const other = isLeft ? this.right : this.left;
    const partners = other.lookup(key);
    for (let k = 0; k < partners; k++) {
      const o = other.found[k]!;
      const ot = other.timeOf(o);
      const d = isLeft ? ot - removedTime : removedTime - ot;
      if (d < lowerMs || d > upperMs) continue;
      const orow = other.rowOf(o);
      const l = isLeft ? row : orow;
      const r = isLeft ? orow : row;
      if (!this.pairs.test(l, r)) continue;
      this.out.addJoined(l, r, leftWidth, -1);
      if (!isLeft) other.addMatches(o, -1);
    }
  }

  watermark(wm: number, port: number): void {
    this.wms.update(port, wm);
    const { lowerMs, upperMs, leftWidth, joinKind } = this.cfg;
    const leftWm = this.wms.of(0);
    const rightWm = this.wms.of(1);
    // a left row can still match right rows with time ≥ rightWm: keep it while time + upper ≥ rightWm
    const left = this.left;
    const leftBound = this.cfg.leftRetracts === true ? Math.min(rightWm - upperMs, leftWm) : rightWm - upperMs;
    left.expire(leftBound, joinKind === 'left' ? (s) => {
      if (left.matchesOf(s) <= 0) this.out.addJoined(left.rowOf(s), null, leftWidth, 1);
    } : undefined);
    this.right.expire(this.cfg.rightRetracts === true ? Math.min(leftWm + lowerMs, rightWm) : leftWm + lowerMs);
    this.emit();
    this.lateLeft.flush();
    this.lateRight.flush();
    this.forwardWatermark();
  }

  /** Output rows carry the left time: no earlier than the left watermark, nor than what right rows
   *  still to come (time ≥ right watermark) can match. An idle input does not hold it back. */
  private forwardWatermark(): void {
    const leftWm = this.wms.of(0);
    const rightBound = this.wms.of(1) - this.cfg.upperMs;
    const outWm = this.idle[0] && this.idle[1] ? Math.max(leftWm, rightBound) : this.idle[1] ? leftWm : this.idle[0] ? rightBound : Math.min(leftWm, rightBound);
    if (outWm > this.outWm) {
      this.outWm = outWm;
      this.output.watermark(outWm);
    }
  }

  /** Marks input `port` idle (or active again): an idle input stops holding back the output
   *  watermark. State is still only dropped by the watermarks themselves. */
  setInputIdle(port: number, idle: boolean): void {
    this.idle[port] = idle;
    this.forwardWatermark();
  }

  private emit(): void {
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  flush(): void {
    this.emit();
    this.lateLeft.flush();
    this.lateRight.flush();
  }

  snapshot(): unknown {
    const dump = (side: IntervalSide) => [...side.chains()].map(([k, slots]) => [k, slots.map((s) => [side.timeOf(s), side.rowOf(s), side.matchesOf(s)])]);
    return { left: dump(this.left), right: dump(this.right), wm: [this.wms.of(0), this.wms.of(1)], outWm: this.outWm, late: [this.lateLeft.count, this.lateRight.count] };
  }

  restore(state: unknown): void {
    const s = state as { left: [Key, [number, Row, number][]][]; right: [Key, [number, Row, number][]][]; wm: [number, number]; outWm: number; late?: [number, number] };
    this.lateLeft.count = s.late?.[0] ?? 0;
    this.lateRight.count = s.late?.[1] ?? 0;
    const load = (side: IntervalSide, data: [Key, [number, Row, number][]][]) => {
      side.clear();
      for (const [k, list] of data) for (const [time, row, matches] of list) side.addRow(k, time, row, matches);
    };
    load(this.left, s.left);
    load(this.right, s.right);
    this.wms.update(0, s.wm[0]);
    this.wms.update(1, s.wm[1]);
    this.outWm = s.outWm;
  }

  /** Rows held on both sides. */
  /** late rows seen so far (dropped or routed to the side output) */
  get lateRows(): number {
    return this.lateLeft.count + this.lateRight.count;
  }

  stateSize(): number {
    return this.left.size + this.right.size;
  }
}
