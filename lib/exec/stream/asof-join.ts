// ASOF join: each left row joins the right row with equal keys whose time is the best match:
//   '<='  greatest right time ≤ left time (backward, DuckDB's `l.ts >= r.ts`), '<' strictly
//   '>='  smallest right time ≥ left time (forward), '>' strictly
//   'nearest' smallest |right − left| (ties go backward)
// optionally within `toleranceMs`. LEFT ASOF pads rows without a match.
//
// Incremental: a left row's match may change while right rows can still arrive, so pending left
// rows are re-matched (retract old output, emit new) at the end of each step in which their key
// changed. Watermarks make matches final: a left row is dropped from state once no future right
// row (time ≥ right watermark) could beat its match, and right rows that no pending or future
// left row (time ≥ left watermark) could pick are dropped. Among right rows with equal times the
// most recently arrived wins.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { LateRows, type LatePolicy } from './late.js';
import { PairEvaluator } from './join-scratch.js';
import { anyNull, BatchBuilder, keyFunction, readRow, sameRow, type Key, type RowFn } from './rows.js';
import { NO_WATERMARK, WatermarkCombiner } from './watermark.js';

export type AsofMatch = '<=' | '<' | '>=' | '>' | 'nearest';

export interface AsofJoinConfig {
  joinKind: 'inner' | 'left';
  leftKeys: RowFn[];
  rightKeys: RowFn[];
  leftTimeColumn: number;
  rightTimeColumn: number;
  match: AsofMatch;
  toleranceMs?: number;
  residual?: RowFn;
  leftWidth: number;
  rightWidth: number;
  late?: { left?: LatePolicy; right?: LatePolicy };
}

interface RightEntry {
  time: number;
  row: Row;
}

interface LeftEntry {
  time: number;
  row: Row;
  /** the right row its emitted output joined; null = emitted padded; undefined = nothing emitted */
  emitted: RightEntry | null | undefined;
}

interface KeyState {
  rights: RightEntry[];
  lefts: LeftEntry[];
  dirty: boolean;
}

export class AsofJoinOperator implements Operator {
  private readonly keys = new Map<Key, KeyState>();
  private dirty: KeyState[] = [];
  private readonly leftKeyOf: (c: Column[], r: number) => Key;
  private readonly rightKeyOf: (c: Column[], r: number) => Key;
  private readonly pairs: PairEvaluator;
  private readonly wms = new WatermarkCombiner(2);
  private readonly out: BatchBuilder;
  private outWm = NO_WATERMARK;
  /** earliest left row still waiting for its final match (as of the last watermark) */
  private minPending = Infinity;
  private readonly idle = [false, false];
  private leftCount = 0;
  private rightCount = 0;
  readonly lateLeft: LateRows;
  readonly lateRight: LateRows;
  unmatchedRetractions = 0;

  constructor(
    private readonly output: Output,
    private readonly cfg: AsofJoinConfig,
  ) {
    if (cfg.leftKeys.length !== cfg.rightKeys.length) throw new ExecutionError('INVALID_ARGUMENT', 'ASOF join needs as many left keys as right keys');
    if (cfg.toleranceMs !== undefined && !(cfg.toleranceMs >= 0)) throw new ExecutionError('INVALID_ARGUMENT', `ASOF join tolerance must be a non-negative interval, got ${cfg.toleranceMs}`);
    this.leftKeyOf = keyFunction(cfg.leftKeys);
    this.rightKeyOf = keyFunction(cfg.rightKeys);
    this.pairs = new PairEvaluator(cfg.leftWidth, cfg.rightWidth, cfg.residual);
    this.out = new BatchBuilder(cfg.leftWidth + cfg.rightWidth);
    this.lateLeft = new LateRows(cfg.leftWidth, cfg.late?.left);
    this.lateRight = new LateRows(cfg.rightWidth, cfg.late?.right);
  }

  private state(key: Key): KeyState {
    let s = this.keys.get(key);
    if (s === undefined) {
      s = { rights: [], lefts: [], dirty: false };
      this.keys.set(key, s);
    }
    return s;
  }

  private markDirty(s: KeyState): void {
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  push(batch: Batch, port: number): void {
    if (port !== 0 && port !== 1) throw new ExecutionError('INVALID_ARGUMENT', `ASOF join has no input port ${port}`);
    const isLeft = port === 0;
    const cfg = this.cfg;
    const time = batch.columns[isLeft ? cfg.leftTimeColumn : cfg.rightTimeColumn]!;
    const ownWm = this.wms.of(port);
    for (let i = 0; i < batch.length; i++) {
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      const t = time[i];
      if (typeof t !== 'number' || anyNull(isLeft ? cfg.leftKeys : cfg.rightKeys, batch.columns, i)) {
        // never matches: a LEFT join outputs it padded at once; a right row is useless
        if (isLeft && cfg.joinKind === 'left') this.out.addJoined(readRow(batch, i), null, cfg.leftWidth, w);
        continue;
      }
      if (t < ownWm) {
        (isLeft ? this.lateLeft : this.lateRight).add(batch, i);
        continue;
      }
      const s = this.state((isLeft ? this.leftKeyOf : this.rightKeyOf)(batch.columns, i));
      const row = readRow(batch, i);
      for (let k = 0; k < Math.abs(w); k++) {
        if (isLeft) {
          if (w > 0) {
            s.lefts.push({ time: t, row, emitted: undefined });
            this.leftCount++;
          } else this.retractLeft(s, row);
        } else if (w > 0) {
          insertSorted(s.rights, { time: t, row });
          this.rightCount++;
        } else {
          const at = s.rights.findIndex((e) => e.time === t && sameRow(e.row, row));
          if (at < 0) this.unmatchedRetractions++;
          else {
            s.rights.splice(at, 1);
            this.rightCount--;
          }
        }
      }
      this.markDirty(s);
    }
  }

  private retractLeft(s: KeyState, row: Row): void {
    const at = s.lefts.findIndex((e) => sameRow(e.row, row));
    if (at < 0) {
      this.unmatchedRetractions++;
      return;
    }
    const e = s.lefts[at]!;
    this.retractOutput(e);
    s.lefts.splice(at, 1);
    this.leftCount--;
  }

  private retractOutput(e: LeftEntry): void {
    if (e.emitted === undefined) return;
    this.out.addJoined(e.row, e.emitted === null ? null : e.emitted.row, this.cfg.leftWidth, -1);
    e.emitted = undefined;
  }

  /** The best right entry for a left row, or null. */
  private bestMatch(rights: RightEntry[], left: LeftEntry): RightEntry | null {
    const { match, toleranceMs } = this.cfg;
    const tl = left.time;
    const tol = toleranceMs ?? Infinity;
    let back: RightEntry | null = null;
    let fwd: RightEntry | null = null;
    if (match === '<=' || match === '<' || match === 'nearest') {
      // last index with time ≤ tl (or < tl), scanning back past rows the residual rejects
      for (let i = upperBound(rights, tl, match !== '<') - 1; i >= 0; i--) {
        const r = rights[i]!;
        if (tl - r.time > tol) break;
        if (this.pairs.test(left.row, r.row)) {
          back = r;
          break;
        }
      }
    }
    if (match === '>=' || match === '>' || match === 'nearest') {
      for (let i = upperBound(rights, tl, match === '>'); i < rights.length; i++) {
        const r = rights[i]!;
        if (r.time - tl > tol) break;
        if (this.pairs.test(left.row, r.row)) {
          fwd = r;
          break;
        }
      }
    }
    if (match !== 'nearest') return back ?? fwd;
    if (back === null) return fwd;
    if (fwd === null) return back;
    return fwd.time - tl < tl - back.time ? fwd : back;
  }

  private rematch(): void {
    const { leftWidth, joinKind } = this.cfg;
    for (const s of this.dirty) {
      s.dirty = false;
      for (const e of s.lefts) {
        const best = this.bestMatch(s.rights, e);
        const next = best ?? (joinKind === 'left' ? null : undefined);
        if (next === e.emitted) continue;
        this.retractOutput(e);
        if (next !== undefined) this.out.addJoined(e.row, next === null ? null : next.row, leftWidth, 1);
        e.emitted = next;
      }
    }
    this.dirty = [];
  }

  watermark(wm: number, port: number): void {
    this.wms.update(port, wm);
    this.rematch();
    const leftWm = this.wms.of(0);
    const rightWm = this.wms.of(1);
    const { match, toleranceMs } = this.cfg;
    const tol = toleranceMs ?? Infinity;
    let minPending = Infinity;
    for (const [key, s] of this.keys) {
      // drop left rows whose match no future right row (time ≥ rightWm) could change
      let kept = 0;
      for (const e of s.lefts) {
        const m = e.emitted === undefined || e.emitted === null ? undefined : e.emitted.time;
        let final: boolean;
        if (rightWm === Infinity) final = true; // end of the right stream
        else if (match === '<=' || match === '<') final = rightWm > e.time;
        else if (match === 'nearest') final = m !== undefined ? rightWm > e.time + Math.abs(m - e.time) : rightWm > e.time + tol;
        else final = m !== undefined ? rightWm > m : rightWm > e.time + tol;
        if (final) this.leftCount--;
        else {
          s.lefts[kept++] = e;
          if (e.time < minPending) minPending = e.time;
        }
      }
      s.lefts.length = kept;
      // drop right rows no pending or future left row could pick
      let bound = leftWm;
      for (const e of s.lefts) if (e.time < bound) bound = e.time;
      let drop: number;
      if (match === '>=' || match === '>') drop = upperBound(s.rights, bound, false);
      else {
        // keep the last right row before the bound: it is still the backward match there
        drop = Math.max(0, upperBound(s.rights, bound, false) - 1);
        if (tol !== Infinity) drop = Math.max(drop, upperBound(s.rights, bound - tol, false));
      }
      if (drop > 0) {
        s.rights.splice(0, drop);
        this.rightCount -= drop;
      }
      if (s.lefts.length === 0 && s.rights.length === 0) this.keys.delete(key);
    }
    this.emit();
    this.lateLeft.flush();
    this.lateRight.flush();
    this.minPending = minPending;
    this.forwardWatermark();
  }

  /** Output rows carry the left time: no earlier than the left watermark, nor than left rows whose
   *  match may still change. An idle right input does not hold pending rows back (their output
   *  may still change if it resumes); an idle left input lets the right watermark lead. */
  private forwardWatermark(): void {
    const leftWm = this.wms.of(0);
    const effectiveLeft = this.idle[0] ? Math.max(leftWm, this.wms.of(1)) : leftWm;
    const outWm = Math.min(effectiveLeft, this.idle[1] ? Infinity : this.minPending);
    if (outWm > this.outWm) {
      this.outWm = outWm;
      this.output.watermark(outWm);
    }
  }

  /** Marks input `port` idle (or active again): an idle input stops holding back the output
   *  watermark. State is still only dropped by the watermarks themselves. */
  setInputIdle(port: number, idle: boolean): void {
    if (port !== 0 && port !== 1) throw new ExecutionError('INVALID_ARGUMENT', `ASOF join has no input port ${port}`);
    this.idle[port] = idle;
    this.forwardWatermark();
  }

  private emit(): void {
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  flush(): void {
    this.rematch();
    this.emit();
    this.lateLeft.flush();
    this.lateRight.flush();
  }

  snapshot(): unknown {
    // emitted matches are stored as indices into the key's right rows (-1 padded, -2 none)
    return {
      wm: [this.wms.of(0), this.wms.of(1)],
      outWm: this.outWm,
      late: [this.lateLeft.count, this.lateRight.count],
      keys: [...this.keys].map(([k, s]) => [k, s.rights, s.lefts.map((e) => [e.time, e.row, e.emitted === undefined ? -2 : e.emitted === null ? -1 : s.rights.indexOf(e.emitted)])]),
    };
  }

  restore(state: unknown): void {
    const st = state as { wm: [number, number]; outWm: number; late?: [number, number]; keys: [Key, RightEntry[], [number, Row, number][]][] };
    this.lateLeft.count = st.late?.[0] ?? 0;
    this.lateRight.count = st.late?.[1] ?? 0;
    this.keys.clear();
    this.dirty = [];
    this.minPending = Infinity;
    this.leftCount = 0;
    this.rightCount = 0;
    this.wms.update(0, st.wm[0]);
    this.wms.update(1, st.wm[1]);
    this.outWm = st.outWm;
    for (const [k, rights, lefts] of st.keys) {
      const s: KeyState = { rights, lefts: lefts.map(([time, row, idx]) => ({ time, row, emitted: idx === -2 ? undefined : idx === -1 ? null : rights[idx] })), dirty: false };
      this.keys.set(k, s);
      this.leftCount += s.lefts.length;
      for (const e of s.lefts) if (e.time < this.minPending) this.minPending = e.time;
      this.rightCount += rights.length;
    }
  }

  /** Pending left rows plus right rows held. */
  /** late rows seen so far (dropped or routed to the side output) */
  get lateRows(): number {
    return this.lateLeft.count + this.lateRight.count;
  }

  stateSize(): number {
    return this.leftCount + this.rightCount;
  }
}

/** First index whose time is > t (inclusive = true) or ≥ t (inclusive = false). */
function upperBound(rights: RightEntry[], t: number, inclusive: boolean): number {
  let lo = 0;
  let hi = rights.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const mt = rights[mid]!.time;
    if (inclusive ? mt <= t : mt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(rights: RightEntry[], e: RightEntry): void {
  if (rights.length === 0 || rights[rights.length - 1]!.time <= e.time) {
    rights.push(e);
    return;
  }
  rights.splice(upperBound(rights, e.time, true), 0, e);
}
