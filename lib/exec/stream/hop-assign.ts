// HOP window assignment inside the windowed aggregate (the planner's fusion of HOP(...) and the
// GROUP BY right above it, lib/plan/physical-stream.ts). Expanding every row into its
// size / slide windows and then looking each copy up in its window's group map made the
// aggregate do size / slide big-map probes per input row (q5: 5). Here rows are first
// consolidated per (pane, key) — a pane is the slide-aligned interval all of whose rows share
// the same windows — with their weights summed, and each distinct (pane, key) then updates the
// group of each of its windows once. Aggregates with an argument or a FILTER need each row's
// value, so they take the row-by-row path (one key evaluation, no expanded batch); so do rows
// some of whose windows are already closed, which then go to the late-row output in HOP's
// output layout (the row, window_start, window_end).

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { LateRows } from './late.js';
import type { Key } from './rows.js';
import { tumbleStart, validateWindowParams } from './window-math.js';

export interface HopAssignment {
  /** event-time column of the input */
  timeColumn: number;
  sizeMs: number;
  /** must divide sizeMs (then every row of a pane has the same size / slide windows) */
  slideMs: number;
  offsetMs?: number;
  /** per group expression of the aggregate: the row's window_start / window_end, or null when
   *  the expression reads the row */
  windowGroups: readonly ('start' | 'end' | null)[];
}

/** What the assigner needs from the windowed aggregate it feeds. */
export interface HopTarget {
  readonly late: LateRows;
  isClosed(end: number): boolean;
  keyOfRow(cols: Column[], row: number): Key;
  slotOf(start: number, end: number, key: Key, cols: Column[], row: number, windowGroups: readonly ('start' | 'end' | null)[]): number;
  windowGroupsOf(end: number): Map<Key, number>;
  slotIn(slots: Map<Key, number>, start: number, end: number, key: Key, cols: Column[], row: number, windowGroups: readonly ('start' | 'end' | null)[]): number;
  /** cols === null: the aggregates take no argument (count(*)) */
  addToSlot(slot: number, weight: number, cols: Column[] | null, row: number): void;
}

export class HopAssigner {
  private readonly perRow: number;
  private readonly offset: number;
  // per-batch consolidation scratch: entry j is (pane, key) with summed weight, first row
  private readonly panes = new Map<number, Map<Key, number>>();
  private entryPane: number[] = [];
  private entryKey: Key[] = [];
  private entryRow: number[] = [];
  private entryWeight: number[] = [];
  private readonly paneWindows: (Map<Key, number> | undefined)[];

  constructor(
    private readonly spec: HopAssignment,
    groupCount: number,
    /** no aggregate has an argument or a FILTER: rows can be consolidated per (pane, key) */
    private readonly consolidate: boolean,
  ) {
    validateWindowParams('HOP', { size: spec.sizeMs, slide: spec.slideMs });
    if (spec.sizeMs % spec.slideMs !== 0) {
      throw new ExecutionError('INVALID_ARGUMENT', `HOP assignment in the windowed aggregate needs a size (${spec.sizeMs} ms) that is a multiple of the slide (${spec.slideMs} ms)`);
    }
    if (spec.windowGroups.length !== groupCount) {
      throw new ExecutionError('INTERNAL', `HOP assignment: ${spec.windowGroups.length} window group markers for ${groupCount} group expressions`);
    }
    this.perRow = spec.sizeMs / spec.slideMs;
    this.offset = spec.offsetMs ?? 0;
    this.paneWindows = new Array<Map<Key, number> | undefined>(this.perRow).fill(undefined);
  }

  push(batch: Batch, t: HopTarget): void {
    const cols = batch.columns;
    const time = cols[this.spec.timeColumn]!;
    const weights = batch.weights;
    const slide = this.spec.slideMs;
    if (!this.consolidate) {
      for (let i = 0; i < batch.length; i++) this.rowByRow(batch, i, t);
      return;
    }
    const panes = this.panes;
    let entries = 0;
    let lastPane = NaN;
    let lastPaneLate = false;
    let keys: Map<Key, number> | undefined;
    for (let i = 0; i < batch.length; i++) {
      const ts = time[i];
      // rows without an event time belong to no window (as HOP drops them)
      if (typeof ts !== 'number') continue;
      const pane = tumbleStart(ts, slide, this.offset);
      if (pane !== lastPane) {
        lastPane = pane;
        // the pane's earliest window ends at pane + slide; the others later
        lastPaneLate = t.isClosed(pane + slide);
        keys = panes.get(pane);
        if (keys === undefined) panes.set(pane, (keys = new Map()));
      }
      if (lastPaneLate) {
        this.rowByRow(batch, i, t);
        continue;
      }
      const w = weights === null ? 1 : weights[i]!;
      const key = t.keyOfRow(cols, i);
      const at = keys!.get(key);
      if (at !== undefined) {
        this.entryWeight[at] += w;
        continue;
      }
      keys!.set(key, entries);
      this.entryPane[entries] = pane;
      this.entryKey[entries] = key;
      this.entryRow[entries] = i;
      this.entryWeight[entries] = w;
      entries++;
    }
    panes.clear();
    const windowGroups = this.spec.windowGroups;
    const size = this.spec.sizeMs;
    // the group maps of the current pane's windows (a batch's rows mostly share one pane)
    const maps = this.paneWindows;
    let mapsPane = NaN;
    for (let j = 0; j < entries; j++) {
      const w = this.entryWeight[j]!;
      const key = this.entryKey[j]!;
      this.entryKey[j] = null;
      if (w === 0) continue;
      const pane = this.entryPane[j]!;
      const row = this.entryRow[j]!;
      if (pane !== mapsPane) {
        for (let k = 0; k < this.perRow; k++) maps[k] = t.windowGroupsOf(pane - k * slide + size);
        mapsPane = pane;
      }
      for (let k = 0; k < this.perRow; k++) {
        const start = pane - k * slide;
        t.addToSlot(t.slotIn(maps[k]!, start, start + size, key, cols, row, windowGroups), w, null, row);
      }
    }
    // windows may close before the next batch: hold no map past this one
    maps.fill(undefined);
  }

  /** One row into each of its windows; the closed ones get it as a late row. */
  private rowByRow(batch: Batch, i: number, t: HopTarget): void {
    const cols = batch.columns;
    const ts = cols[this.spec.timeColumn]![i];
    if (typeof ts !== 'number') return;
    const w = batch.weights === null ? 1 : batch.weights[i]!;
    if (w === 0) return;
    const { slideMs: slide, sizeMs: size, windowGroups } = this.spec;
    const pane = tumbleStart(ts, slide, this.offset);
    const key = t.keyOfRow(cols, i);
    for (let k = 0; k < this.perRow; k++) {
      const start = pane - k * slide;
      const end = start + size;
      if (t.isClosed(end)) {
        t.late.add(batch, i, [start, end]);
        continue;
      }
      t.addToSlot(t.slotOf(start, end, key, cols, i, windowGroups), w, this.consolidate ? null : cols, i);
    }
  }
}
