// The rows of an append-only stream whose value equals the MAX (or MIN) of a TUMBLE window they
// are tied to by time — Nexmark q7's self-join
//   bid B JOIN (SELECT MAX(price) m, window_end e FROM TUMBLE(bid, …) GROUP BY window_end) W
//   ON B.price = W.m WHERE B.date_time BETWEEN W.e - lower' AND W.e - …
// in one operator (planned by lib/plan/optimizer/window-extremum-rows.ts), instead of a windowed
// aggregate plus an interval join that holds every row until the watermark passes its window.
//
// Output: the input row ++ the window's columns (extremum / window_end, in `rightColumns` order),
// for every window end E with E - t ∈ [lowerMs, upperMs] (t the row's time) and value = the
// extremum of E's window — the join's pairs. Per open window it keeps only the extremum so far,
// the rows tied at it (own rows and rows at other times tied to the window, e.g. a row at exactly
// window_end under an inclusive BETWEEN) and those other-time rows whose value is beyond the
// extremum (they match if the window's own rows reach exactly their value later). A row worse
// than the running extremum can never match again: the input is append-only, so a MAX only rises
// (a MIN only falls). When the extremum moves, the rows shown with the old one are retracted at
// the next emission and the tied rows inserted.
//
// It reproduces the unrewritten plan's changelog step for step (changes are consolidated per
// step, so only each step's net change matters):
// - emissions happen at flush() and before a watermark advances (the aggregate emits its changes
//   before forwarding the watermark);
// - a row behind the watermark is late (the interval join's left side drops it): counted or sent
//   to the side output, never output; it still moves its own window's extremum while that window
//   is open for the join (end ≥ watermark) and not closed for the aggregate (allowed lateness);
// - a window is forgotten once the watermark passes its end: the join treats later changes of it
//   as late rows; lowerMs ≥ 0 guarantees no on-time row can be tied to it any more.
// NULL values never match (a NULL extremum matches nothing); rows with a NULL time belong to no
// window and are skipped, as the window TVF and the interval join skip them.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import { LateRows, type LatePolicy } from './late.js';
import { BatchBuilder, readRow } from './rows.js';
import { NO_WATERMARK } from './watermark.js';
import { WindowEnds } from './window-ends.js';

export type WindowColumnRole = 'extremum' | 'window_end';

export interface WindowExtremumRowsConfig {
  kind: 'max' | 'min';
  /** input column holding the compared value (integral numbers or NULL) */
  valueColumn: number;
  /** input column holding the event time (the watermark's column) */
  timeColumn: number;
  sizeMs: number;
  offsetMs?: number;
  /** a row at time t is tied to the windows whose end E has E - t ∈ [lowerMs, upperMs] */
  lowerMs: number;
  upperMs: number;
  /** input width (the output's leading columns) */
  width: number;
  /** the window columns after the input's, in output order */
  rightColumns: readonly WindowColumnRole[];
  /** the aggregate's allowed lateness (default: windows never close for late rows) */
  allowedLatenessMs?: number;
  late?: LatePolicy;
}

/** One open window. */
interface WindowState {
  readonly end: number;
  /** extremum of the window's rows so far (null: no non-NULL value yet) */
  ext: number | null;
  /** the extremum the output rows of this window carry (ext as of the last emission) */
  shown: number | null;
  /** rows tied at `ext`; rows[0 .. inView) are in the output (with `shown === ext`) */
  rows: Row[];
  inView: number;
  /** rows in the output with `shown` when `ext` moved: retracted at the next emission */
  retract: Row[] | null;
  /** rows of other times tied to this window whose value is beyond `ext` */
  edgeRows: Row[];
  edgeValues: number[];
  dirty: boolean;
}

export class WindowExtremumRowsOperator implements Operator {
  private readonly windows = new Map<number, WindowState>();
  /** ends of the open windows */
  private readonly ends = new WindowEnds();
  private readonly dirty: WindowState[] = [];
  private wm = NO_WATERMARK;
  private outWm = NO_WATERMARK;
  private readonly out: BatchBuilder;
  private readonly offset: number;
  private readonly lateness: number;
  private readonly isMax: boolean;
  private readonly late: LateRows;
  /** rows held in window state (for stateSize) */
  private held = 0;
  /** the window of the last row seen: bounds, state (undefined until needed), its extremum (NaN: none) */
  private curStart = NaN;
  private curEnd = NaN;
  private cur: WindowState | undefined = undefined;
  private curExt = NaN;
  /** the band in window sizes: lower = la size + lb, upper = ua size + ub, 0 <= lb, ub < size */
  private readonly band: { la: number; lb: number; ua: number; ub: number };
  /** the band is [0, size]: a row off its window's start is tied to its own window only */
  private readonly ownOnly: boolean;

  constructor(
    private readonly output: Output,
    private readonly cfg: WindowExtremumRowsConfig,
  ) {
    if (!(cfg.sizeMs > 0)) throw new ExecutionError('INVALID_ARGUMENT', `window size must be positive, got ${cfg.sizeMs} ms`);
    if (!(cfg.lowerMs >= 0 && cfg.lowerMs <= cfg.upperMs)) {
      throw new ExecutionError('INVALID_ARGUMENT', `window extremum rows need 0 <= lower <= upper, got [${cfg.lowerMs}, ${cfg.upperMs}] ms`);
    }
    this.offset = cfg.offsetMs ?? 0;
    this.lateness = cfg.allowedLatenessMs ?? Infinity;
    this.isMax = cfg.kind === 'max';
    const lb = floorMod(cfg.lowerMs, cfg.sizeMs);
    const ub = floorMod(cfg.upperMs, cfg.sizeMs);
    this.band = { la: (cfg.lowerMs - lb) / cfg.sizeMs, lb, ua: (cfg.upperMs - ub) / cfg.sizeMs, ub };
    this.ownOnly = cfg.lowerMs === 0 && cfg.upperMs === cfg.sizeMs;
    this.out = new BatchBuilder(cfg.width + cfg.rightColumns.length);
    this.late = new LateRows(cfg.width, cfg.late);
  }

  push(batch: Batch, port: number): void {
    if (port !== 0) throw new ExecutionError('INVALID_ARGUMENT', `window extremum rows have no input port ${port}`);
    const n = batch.length;
    const weights = batch.weights;
    if (weights !== null || !this.ownOnly) {
      for (let i = 0; i < n; i++) {
        const copies = weights === null ? 1 : weights[i]!;
        if (copies < 0) throw new ExecutionError('INVALID_ARGUMENT', 'window extremum rows need an append-only input, got a retraction');
        this.pushRow(batch, i, copies);
      }
      return;
    }
    // band [0, size] (q7): a row strictly inside its own window and worse than the window's
    // extremum can never match — skipped here without a call, so the hot loop stays tiny and
    // its type feedback complete (rarer cases in pushRow would otherwise deoptimize it)
    const time: Column = batch.columns[this.cfg.timeColumn]!;
    const values: Column = batch.columns[this.cfg.valueColumn]!;
    const isMax = this.isMax;
    const wm = this.wm;
    let start = this.curStart;
    let end = this.curEnd;
    let ext = this.curExt;
    for (let i = 0; i < n; i++) {
      const t = time[i];
      const v = values[i];
      if (typeof t === 'number' && typeof v === 'number' && t > start && t < end && t >= wm && (isMax ? v < ext : v > ext)) continue;
      this.pushRow(batch, i, 1);
      start = this.curStart;
      end = this.curEnd;
      ext = this.curExt;
    }
  }

  /** Row i of the batch, `copies` times: late handling, the extremum, the windows it is tied to. */
  private pushRow(batch: Batch, i: number, copies: number): void {
    const { timeColumn, valueColumn, sizeMs } = this.cfg;
    const t = batch.columns[timeColumn]![i];
    if (typeof t !== 'number') return;
    const raw = batch.columns[valueColumn]![i];
    const isMax = this.isMax;
    const wm = this.wm;
    if (!(t >= this.curStart && t < this.curEnd)) {
      this.curStart = t - floorMod(t - this.offset, sizeMs);
      this.curEnd = this.curStart + sizeMs;
      this.cur = undefined;
      this.curExt = NaN;
    }
    const curEnd = this.curEnd;
    if (t < wm) {
      for (let k = 0; k < copies; k++) this.late.add(batch, i);
      // the aggregate still counts it while the join can see its window change
      if (typeof raw === 'number' && curEnd >= wm && !(curEnd + this.lateness <= wm)) {
        const w = (this.cur ??= this.windowAt(curEnd));
        if (w.ext === null || (isMax ? raw > w.ext : raw < w.ext)) this.raise(w, raw);
        this.curExt = w.ext ?? NaN;
      }
      return;
    }
    // a window with only NULL values still exists (its extremum is NULL: matches nothing)
    const cur = (this.cur ??= this.windowAt(curEnd));
    if (typeof raw !== 'number') {
      this.curExt = cur.ext ?? NaN;
      return;
    }
    const v = raw;
    if (cur.ext === null || (isMax ? v > cur.ext : v < cur.ext)) this.raise(cur, v);
    this.curExt = cur.ext ?? NaN;
    // the band's windows, ends in [t + lower, t + upper], relative to the own window start s
    // (t = s + d): lower = la size + lb, upper = ua size + ub (0 <= lb, ub < size) make the first
    // end s + la size + (d + lb === 0 ? 0 : d + lb <= size ? size : 2 size), the last
    // s + ua size + (d + ub < size ? 0 : size)
    const { la, lb, ua, ub } = this.band;
    const curStart = this.curStart;
    const d = t - curStart;
    const x = d + lb;
    const first = curStart + la * sizeMs + (x === 0 ? 0 : x <= sizeMs ? sizeMs : 2 * sizeMs);
    const last = curStart + ua * sizeMs + (d + ub < sizeMs ? 0 : sizeMs);
    let row: Row | null = null;
    for (let e = first; e <= last; e += sizeMs) {
      if (e === curEnd) {
        if (v !== cur.ext) continue;
        row ??= readRow(batch, i);
        for (let k = 0; k < copies; k++) this.addTied(cur, row);
        continue;
      }
      const w = this.windowAt(e);
      if (w.ext === null || (isMax ? v > w.ext : v < w.ext)) {
        row ??= readRow(batch, i);
        for (let k = 0; k < copies; k++) {
          w.edgeRows.push(row);
          w.edgeValues.push(v);
          this.held++;
        }
      } else if (v === w.ext) {
        row ??= readRow(batch, i);
        for (let k = 0; k < copies; k++) this.addTied(w, row);
      }
    }
  }

  private addTied(w: WindowState, row: Row): void {
    w.rows.push(row);
    this.held++;
    this.markDirty(w);
  }

  private markDirty(w: WindowState): void {
    if (w.dirty) return;
    w.dirty = true;
    this.dirty.push(w);
  }

  /** The window's extremum moves to `x`: its shown rows go at the next emission, its tied rows
   *  are forgotten (worse now), and edge rows at exactly `x` become tied. */
  private raise(w: WindowState, x: number): void {
    if (w.inView > 0) {
      w.retract = w.inView === w.rows.length ? w.rows : w.rows.slice(0, w.inView);
      this.held -= w.rows.length - w.inView;
    } else this.held -= w.rows.length;
    w.rows = [];
    w.inView = 0;
    w.ext = x;
    this.markDirty(w);
    const n = w.edgeValues.length;
    if (n === 0) return;
    const isMax = this.isMax;
    let kept = 0;
    for (let j = 0; j < n; j++) {
      const p = w.edgeValues[j]!;
      if (p === x) {
        w.rows.push(w.edgeRows[j]!);
      } else if (isMax ? p > x : p < x) {
        w.edgeRows[kept] = w.edgeRows[j]!;
        w.edgeValues[kept++] = p;
      } else this.held--;
    }
    w.edgeRows.length = kept;
    w.edgeValues.length = kept;
  }

  private windowAt(end: number): WindowState {
    let w = this.windows.get(end);
    if (w === undefined) {
      w = { end, ext: null, shown: null, rows: [], inView: 0, retract: null, edgeRows: [], edgeValues: [], dirty: false };
      this.windows.set(end, w);
      this.ends.insert(end);
    }
    return w;
  }

  /** The window's columns for output rows carrying extremum `ext`. */
  private rightRow(end: number, ext: number | null): Value[] {
    const roles = this.cfg.rightColumns;
    const r: Value[] = new Array<Value>(roles.length);
    for (let c = 0; c < roles.length; c++) r[c] = roles[c] === 'extremum' ? ext : end;
    return r;
  }

  /** Turns the dirty windows' changes into output rows. */
  private emitChanges(): void {
    const width = this.cfg.width;
    for (let d = 0; d < this.dirty.length; d++) {
      const w = this.dirty[d]!;
      w.dirty = false;
      if (w.retract !== null) {
        const old = this.rightRow(w.end, w.shown);
        for (const row of w.retract) this.out.addJoined(row, old, width, -1);
        this.held -= w.retract.length;
        w.retract = null;
      }
      w.shown = w.ext;
      if (w.inView < w.rows.length) {
        const now = this.rightRow(w.end, w.ext);
        for (let k = w.inView; k < w.rows.length; k++) this.out.addJoined(w.rows[k]!, now, width, 1);
        w.inView = w.rows.length;
      }
    }
    this.dirty.length = 0;
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  watermark(wm: number, port: number): void {
    if (port !== 0) throw new ExecutionError('INVALID_ARGUMENT', `window extremum rows have no input port ${port}`);
    if (!(wm > this.wm)) return;
    this.emitChanges();
    this.wm = wm;
    // the cached window may be dropped below; a row of it is late from now on anyway
    this.forgetCurrent();
    // windows ending before the watermark: later changes would be late for the join
    const ends = this.ends.list;
    let next = this.ends.head;
    while (next < ends.length && ends[next]! < wm) {
      const w = this.windows.get(ends[next]!)!;
      this.held -= w.rows.length + w.edgeRows.length + (w.retract?.length ?? 0);
      this.windows.delete(ends[next]!);
      next++;
    }
    this.ends.dropBefore(next);
    this.late.flush();
    // output rows carry their input time: none older than the watermark can still come, nor an
    // (old row, window) pair older than the windows still open (end ≥ wm) allow
    const outWm = wm - this.cfg.upperMs;
    if (outWm > this.outWm) {
      this.outWm = outWm;
      this.output.watermark(outWm);
    }
  }

  private forgetCurrent(): void {
    this.curStart = NaN;
    this.curEnd = NaN;
    this.cur = undefined;
    this.curExt = NaN;
  }

  flush(): void {
    this.emitChanges();
    this.late.flush();
  }

  snapshot(): unknown {
    const windows: unknown[] = [];
    const ends = this.ends.list;
    for (let k = this.ends.head; k < ends.length; k++) {
      const w = this.windows.get(ends[k]!)!;
      windows.push([w.end, w.ext, w.shown, w.rows, w.inView, w.retract, w.edgeRows, w.edgeValues]);
    }
    return { wm: this.wm, outWm: this.outWm, late: this.late.count, windows };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; outWm: number; late: number; windows: [number, number | null, number | null, Row[], number, Row[] | null, Row[], number[]][] };
    this.windows.clear();
    this.forgetCurrent();
    this.ends.clear();
    this.dirty.length = 0;
    this.held = 0;
    this.out.take();
    for (const [end, ext, shown, rows, inView, retract, edgeRows, edgeValues] of s.windows) {
      const w: WindowState = { end, ext, shown, rows: [...rows], inView, retract: retract === null ? null : [...retract], edgeRows: [...edgeRows], edgeValues: [...edgeValues], dirty: false };
      this.windows.set(end, w);
      this.ends.insert(end);
      this.held += w.rows.length + w.edgeRows.length + (w.retract?.length ?? 0);
      if (w.retract !== null || w.inView < w.rows.length) this.markDirty(w);
    }
    this.wm = s.wm;
    this.outWm = s.outWm;
    this.late.count = s.late;
  }

  /** late rows seen so far (dropped or routed to the side output) */
  get lateRows(): number {
    return this.late.count;
  }

  /** Open windows plus the rows they hold. */
  stateSize(): number {
    return this.windows.size + this.held;
  }
}

function floorMod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}
