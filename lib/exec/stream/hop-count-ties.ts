// Per HOP (or TUMBLE) window: count(*) per group key, and the groups tied at the window's
// highest count — the fused form of `TopN(RANK() <= 1 PARTITION BY window ORDER BY count DESC)`
// over a changelog `count(*) … GROUP BY window, key` over HOP(...) (planner:
// lib/plan/hop-ties-fusion.ts; the Top-N comes from the max-ties rewrite of Nexmark q5's
// self-join, lib/plan/optimizer/max-ties.ts). It reads HOP's input rows and keeps the count per
// (key, window) (window-key-counts.ts: one key lookup serves all of a pane's windows) and, per
// window, the current max and the keys at it — instead of a group slot per (window, key), a
// changelog row per window and a Top-N (or join) update.
//
// Output: the aggregate's rows (its group columns, count) plus the rank column (always 1) of the
// rows tied at their window's max, as a changelog emitted at each flush / watermark: rows that
// left the tied set are retracted, rows that entered it inserted.
//
// Appended rows keep the tied set exactly as they go (a count reaching the max joins it; one
// passing it retracts what was shown and starts a new set). A row with a negative weight that
// lowers a count at the max marks the window stale: at the next emit its max and tied set are
// recomputed from all its counts (a scan of all keys held, O(keys)) and diffed against what was
// shown.
//
// Windows close as the windowed aggregate's do (changelog mode): when the watermark reaches
// window_end + allowed lateness, the window's state is dropped without retracting its rows; rows
// for it afterwards are late (counted, or sent to the side output in HOP's layout).

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Value } from '../../types/value.js';
import { LateRows, type LatePolicy } from './late.js';
import { columnFn, keyFunction, type Key } from './rows.js';
import { NO_WATERMARK } from './watermark.js';
import { WindowKeyCounts, type CountWindow } from './window-key-counts.js';
import { tumbleStart, validateWindowParams } from './window-math.js';

/** What one output column of the aggregate holds. */
export type TiesOutputColumn = { kind: 'start' } | { kind: 'end' } | { kind: 'count' } | { kind: 'key'; index: number } | { kind: 'rank' };

export interface HopCountTiesConfig {
  /** event-time column of the input (HOP's input) */
  timeColumn: number;
  sizeMs: number;
  /** must divide sizeMs; equal to it for TUMBLE */
  slideMs: number;
  offsetMs?: number;
  /** the group key proper: input columns (window_start / window_end are not among them) */
  keyColumns: number[];
  /** the output row, column by column */
  output: TiesOutputColumn[];
  /** keep a window's state this long after window_end (default Infinity: never dropped) */
  allowedLatenessMs?: number;
  /** width of HOP's output (input columns ++ window_start ++ window_end), for late rows */
  lateWidth: number;
  late?: LatePolicy;
}

/** One window's tied set (its counts are in WindowKeyCounts). */
interface TiesWindow extends CountWindow {
  readonly start: number;
  /** the highest count among keys with a positive count (0: none) */
  max: number;
  /** the keys at `max`, in the order they reached it (valid unless `stale`) */
  top: Key[];
  /** top[0 .. shown) are in the output at count `shownMax` */
  shown: number;
  shownMax: number;
  /** a count at the max went down: max and top are recomputed at the next emit */
  stale: boolean;
  dirty: boolean;
}

export class HopCountTiesOperator implements Operator {
  private readonly windows = new Map<number, TiesWindow>();
  private readonly counts: WindowKeyCounts;
  private dirty: TiesWindow[] = [];
  private wm = NO_WATERMARK;
  private readonly keyOf: (c: Column[], r: number) => Key;
  private readonly singleKey: boolean;
  private readonly perWindow: number;
  private readonly ring: number;
  private readonly offset: number;
  private readonly lateness: number;
  readonly late: LateRows;
  /** the windows of the current pane */
  private readonly paneWindows: (TiesWindow | null)[];
  // per-pane consolidation scratch: the summed weight of each key entry touched in the current
  // pane (NaN or a hole: none), and those entries in order
  private readonly sums: number[] = [];
  private readonly touched: number[] = [];
  // pending output rows
  private outColumns: Value[][] = [];
  private outWeights: number[] = [];
  private retracted = false;

  constructor(
    private readonly out: Output,
    private readonly cfg: HopCountTiesConfig,
  ) {
    validateWindowParams('HOP', { size: cfg.sizeMs, slide: cfg.slideMs });
    if (cfg.sizeMs % cfg.slideMs !== 0) {
      throw new ExecutionError('INVALID_ARGUMENT', `windowed count ties need a window size (${cfg.sizeMs} ms) that is a multiple of the slide (${cfg.slideMs} ms)`);
    }
    this.perWindow = cfg.sizeMs / cfg.slideMs;
    this.offset = cfg.offsetMs ?? 0;
    this.lateness = cfg.allowedLatenessMs ?? Infinity;
    this.keyOf = keyFunction(cfg.keyColumns.map(columnFn));
    this.singleKey = cfg.keyColumns.length === 1;
    this.late = new LateRows(cfg.lateWidth, cfg.late);
    this.paneWindows = new Array<TiesWindow | null>(this.perWindow).fill(null);
    // room for twice a pane's windows: windows a little behind the newest keep their slots
    this.ring = 2 * this.perWindow;
    this.counts = new WindowKeyCounts(
      this.ring,
      (end) => this.windows.get(end),
      () => this.windows.values(),
    );
    this.resetOutput();
  }

  private closed(end: number, wm: number): boolean {
    return end + this.lateness <= wm;
  }

  private windowOf(start: number): TiesWindow {
    const end = start + this.cfg.sizeMs;
    let w = this.windows.get(end);
    if (w === undefined) {
      const index = Math.round((end - this.offset) / this.cfg.slideMs);
      const slot = ((index % this.ring) + this.ring) % this.ring;
      w = { start, end, slot, overflow: null, size: 0, max: 0, top: [], shown: 0, shownMax: 0, stale: false, dirty: false };
      this.windows.set(end, w);
    }
    return w;
  }

  push(batch: Batch, _port: number): void {
    const cols = batch.columns;
    const time = cols[this.cfg.timeColumn]!;
    const weights = batch.weights;
    const slide = this.cfg.slideMs;
    const keyOf = this.keyOf;
    // the rows of a pane are first summed per key (a batch repeats keys: Nexmark has one
    // distinct (pane, auction) per ~11 bids); each sum then updates the counts of all the pane's
    // windows at once, when the rows move to another pane or the batch ends
    const sums = this.sums;
    const touched = this.touched;
    // one key column: its primitive values are the keys themselves (no key function call)
    const keyColumn = this.singleKey ? cols[this.cfg.keyColumns[0]!]! : null;
    // the current pane is [pane, paneEnd): consecutive rows mostly stay in it
    let pane = NaN;
    let paneEnd = NaN;
    let paneLate = false;
    for (let i = 0; i < batch.length; i++) {
      const ts = time[i];
      // rows without an event time belong to no window (as HOP drops them)
      if (typeof ts !== 'number') continue;
      const w = weights === null ? 1 : weights[i]!;
      if (w === 0) continue;
      if (!(ts >= pane && ts < paneEnd)) {
        if (touched.length > 0) this.applySums(pane);
        pane = tumbleStart(ts, slide, this.offset);
        paneEnd = pane + slide;
        // the pane's earliest window ends at pane + slide: closed, the row is late there
        paneLate = this.closed(paneEnd, this.wm);
      }
      if (paneLate) {
        this.rowWithLateWindows(batch, i, pane, w);
        continue;
      }
      let key: Key;
      if (keyColumn !== null) {
        const v = keyColumn[i] as Value;
        key = v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : keyOf(cols, i);
      } else key = keyOf(cols, i);
      const e = this.entryOf(key, cols, i);
      const sum = sums[e];
      // NaN (or a hole): the key has no sum in this pane yet
      if (sum === undefined || sum !== sum) {
        sums[e] = w;
        touched.push(e);
      } else sums[e] = sum + w;
    }
    if (touched.length > 0) this.applySums(pane);
  }

  /** Adds each touched key's sum to the counts of the windows of `pane`. */
  private applySums(pane: number): void {
    const sums = this.sums;
    const touched = this.touched;
    const panes = this.paneWindows;
    const perWindow = this.perWindow;
    for (let k = 0; k < perWindow; k++) panes[k] = this.windowOf(pane - k * this.cfg.slideMs);
    for (let j = 0; j < touched.length; j++) {
      const e = touched[j]!;
      const w = sums[e]!;
      sums[e] = NaN;
      if (w === 0) continue;
      const key = this.counts.keyOf(e);
      for (let k = 0; k < perWindow; k++) this.update(panes[k]!, key, e, w);
    }
    touched.length = 0;
    // windows may close before the next batch: hold none past this one
    panes.fill(null);
  }

  /** A row some of whose windows are closed: late there, counted in the others. */
  private rowWithLateWindows(batch: Batch, i: number, pane: number, w: number): void {
    const size = this.cfg.sizeMs;
    const key = this.keyOf(batch.columns, i);
    const e = this.entryOf(key, batch.columns, i);
    for (let k = 0; k < this.perWindow; k++) {
      const start = pane - k * this.cfg.slideMs;
      if (this.closed(start + size, this.wm)) this.late.add(batch, i, [start, start + size]);
      else this.update(this.windowOf(start), key, e, w);
    }
  }

  /** The counts entry of `key`, with the key's values kept when the key is not the value. */
  private entryOf(key: Key, cols: Column[], row: number): number {
    const e = this.counts.entry(key);
    if ((!this.singleKey || key !== cols[this.cfg.keyColumns[0]!]![row]) && this.counts.valuesOf(e) === undefined) {
      const keyColumns = this.cfg.keyColumns;
      const values = new Array<Value>(keyColumns.length);
      for (let k = 0; k < keyColumns.length; k++) values[k] = cols[keyColumns[k]!]![row] as Value;
      this.counts.setValues(e, values);
    }
    return e;
  }

  /** Adds `w` rows of `key` (counts entry `e`) to a window, keeping its tied set. */
  private update(win: TiesWindow, key: Key, e: number, w: number): void {
    const c = this.counts.add(e, win, w);
    const prev = c - w;
    if (win.stale) return;
    if (w > 0) {
      if (c > 0 && c >= win.max) {
        if (c > win.max) {
          // a new highest count: the rows shown at the old one leave the output
          if (win.shown > 0) this.retractShown(win);
          win.top.length = 0;
          win.max = c;
        }
        win.top.push(key);
        this.markDirty(win);
      }
    } else if (prev > 0 && prev === win.max) {
      // a key at the max went down: the max may move, recompute at emit
      win.stale = true;
      this.markDirty(win);
    }
  }

  private markDirty(win: TiesWindow): void {
    if (win.dirty) return;
    win.dirty = true;
    this.dirty.push(win);
  }

  private resetOutput(): void {
    this.outColumns = this.cfg.output.map(() => []);
    this.outWeights = [];
    this.retracted = false;
  }

  private addRow(win: TiesWindow, key: Key, count: number, weight: number): void {
    const output = this.cfg.output;
    const e = this.counts.find(key);
    const values = e === undefined ? undefined : this.counts.valuesOf(e);
    for (let c = 0; c < output.length; c++) {
      const o = output[c]!;
      let v: Value;
      switch (o.kind) {
        case 'start':
          v = win.start;
          break;
        case 'end':
          v = win.end;
          break;
        case 'count':
          v = count;
          break;
        case 'rank':
          v = 1;
          break;
        default:
          v = values !== undefined ? values[o.index]! : (key as Value);
      }
      this.outColumns[c]!.push(v);
    }
    this.outWeights.push(weight);
    if (weight < 0) this.retracted = true;
  }

  private retractShown(win: TiesWindow): void {
    for (let j = 0; j < win.shown; j++) this.addRow(win, win.top[j]!, win.shownMax, -1);
    win.shown = 0;
  }

  /** Each changed window's tied rows: the new ones inserted, those that left retracted. */
  private emitChanges(): void {
    const dirty = this.dirty;
    if (dirty.length > 0) {
      this.dirty = [];
      for (let d = 0; d < dirty.length; d++) {
        const win = dirty[d]!;
        win.dirty = false;
        if (win.stale) {
          this.recompute(win);
          continue;
        }
        for (let j = win.shown; j < win.top.length; j++) this.addRow(win, win.top[j]!, win.max, 1);
        win.shown = win.top.length;
        win.shownMax = win.max;
      }
    }
    // keys left without counts were needed for the retractions above only
    this.counts.sweep();
    const n = this.outWeights.length;
    if (n === 0) return;
    const batch: Batch = { length: n, columns: this.outColumns, weights: this.retracted ? Int32Array.from(this.outWeights) : null };
    this.resetOutput();
    this.out.push(batch);
  }

  /** A stale window: max and tied set from all its counts, diffed against the shown rows. */
  private recompute(win: TiesWindow): void {
    let max = 0;
    let top: Key[] = [];
    this.counts.forEachIn(win, (e, c) => {
      if (c < max || c <= 0) return;
      if (c > max) {
        max = c;
        top = [];
      }
      top.push(this.counts.keyOf(e));
    });
    if (max === win.shownMax && win.shown > 0) {
      const now = new Set(top);
      const was = new Set(win.top.slice(0, win.shown));
      for (const key of was) if (!now.has(key)) this.addRow(win, key, max, -1);
      for (const key of top) if (!was.has(key)) this.addRow(win, key, max, 1);
    } else {
      this.retractShown(win);
      for (const key of top) this.addRow(win, key, max, 1);
    }
    win.top = top;
    win.shown = top.length;
    win.max = max;
    win.shownMax = max;
    win.stale = false;
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    // publish pending changes before their windows' state may go away
    this.emitChanges();
    if (this.lateness !== Infinity) {
      for (const [end, win] of this.windows) {
        if (!this.closed(end, wm)) continue;
        this.counts.release(win);
        this.windows.delete(end);
      }
      this.counts.sweep();
    }
    this.late.flush();
    this.out.watermark(wm);
  }

  flush(): void {
    this.emitChanges();
    this.late.flush();
  }

  snapshot(): unknown {
    const windows: unknown[] = [];
    const counts = this.counts;
    for (const w of this.windows.values()) {
      const pairs: [Key, number][] = [];
      const values: [Key, Value[]][] = [];
      const keep = (e: number) => {
        const v = counts.valuesOf(e);
        if (v !== undefined) values.push([counts.keyOf(e), v]);
      };
      counts.forEachIn(w, (e, c) => {
        pairs.push([counts.keyOf(e), c]);
        keep(e);
      });
      // keys still shown though no longer counted (a retraction not yet emitted)
      for (const key of w.top) {
        const e = counts.find(key);
        if (e !== undefined && counts.get(e, w) === 0) keep(e);
      }
      windows.push({
        start: w.start,
        counts: pairs,
        values: values.length === 0 ? null : values,
        max: w.max,
        top: w.top.slice(),
        shown: w.shown,
        shownMax: w.shownMax,
        stale: w.stale,
      });
    }
    return { wm: this.wm, lateCount: this.late.count, windows };
  }

  restore(state: unknown): void {
    const s = state as {
      wm: number;
      lateCount: number;
      windows: { start: number; counts: [Key, number][]; values: [Key, Value[]][] | null; max: number; top: Key[]; shown: number; shownMax: number; stale: boolean }[];
    };
    this.windows.clear();
    this.counts.clear();
    this.dirty = [];
    this.resetOutput();
    this.wm = s.wm;
    this.late.count = s.lateCount;
    for (const saved of s.windows) {
      const w = this.windowOf(saved.start);
      const values = new Map(saved.values ?? []);
      const entry = (key: Key) => {
        const e = this.counts.entry(key);
        const v = values.get(key);
        if (v !== undefined) this.counts.setValues(e, v);
        return e;
      };
      for (const [key, c] of saved.counts) this.counts.add(entry(key), w, c);
      for (const key of values.keys()) entry(key);
      w.max = saved.max;
      w.top = saved.top.slice();
      w.shown = saved.shown;
      w.shownMax = saved.shownMax;
      w.stale = saved.stale;
      // a window restored with unshown changes publishes them at the next emit
      if (w.stale || w.shown < w.top.length) this.markDirty(w);
    }
  }

  /** (window, key) counts held. */
  stateSize(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.size;
    return n;
  }

  /** Late rows seen so far (dropped or routed to the side output). */
  get lateRows(): number {
    return this.late.count;
  }
}
