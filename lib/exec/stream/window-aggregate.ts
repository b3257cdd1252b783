// Windowed aggregation: GROUP BY over window TVF output (the group keys include window_end).
//
// emit 'window-close' (EMIT ON WINDOW CLOSE): a (window, group) row is emitted exactly once, as
// an insert, when the watermark reaches window_end; its state is freed then. Rows arriving for a
// closed window are late: counted and dropped, or routed to the side output.
//
// emit 'changes' (changelog, the default): every step emits the changed groups as
// retract-old/insert-new. A window's state is dropped once the watermark passes
// window_end + allowedLatenessMs (default: never, so the view equals the SELECT over all data);
// rows for dropped windows are late. Dropping state never retracts what was emitted.
//
// SESSION windows close when the watermark passes window_end strictly (closeWhen 'after-end'):
// an event exactly at window_end would still touch — and merge into — the session.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Value } from '../../types/value.js';
import type { AccumulatorFactory, StreamAccumulator } from './accumulators.js';
import { LateRows, type LatePolicy } from './late.js';
import { keyFunction, sameRow, type Key, type RowFn } from './rows.js';
import { WindowGroups } from './window-groups.js';
import { HopAssigner, type HopAssignment, type HopTarget } from './hop-assign.js';
import { NO_WATERMARK } from './watermark.js';
import { WindowEnds } from './window-ends.js';

export interface WindowAggregateSpec {
  create: AccumulatorFactory;
  /** the aggregate's argument (absent for count(*)) */
  arg?: RowFn;
  /** FILTER (WHERE …): rows for which it is not true are skipped */
  filter?: RowFn;
  /** count(*): the result is the net number of rows, kept as a number per group rather than
   *  an accumulator object (`create` still gives the checkpoint format) */
  countRows?: boolean;
}

export interface WindowAggregateConfig {
  /** group expressions, in output order; one of them is window_end */
  groupBy: RowFn[];
  windowEndGroupIndex: number;
  /** group indexes whose value is determined by window_end (e.g. window_start of TUMBLE/HOP):
   *  left out of the per-window key */
  dependentGroupIndexes?: number[];
  aggregates: WindowAggregateSpec[];
  emit: 'window-close' | 'changes';
  closeWhen?: 'at-end' | 'after-end';
  /** changelog mode only: keep a window's state this long after it closes (default Infinity) */
  allowedLatenessMs?: number;
  /** number of input columns (for the late side output) */
  inputWidth: number;
  late?: LatePolicy;
  /** the input is HOP's input, not its output: the operator assigns each row to its windows
   *  itself (hop-assign.ts) */
  hop?: HopAssignment;
}

export class WindowAggregateOperator implements Operator, HopTarget {
  /** window end → group key → slot in `groups` */
  private readonly windows = new Map<number, Map<Key, number>>();
  private readonly groups: WindowGroups;
  /** window ends with state */
  private readonly ends = new WindowEnds();
  /** changelog mode: slots changed since the last emit */
  private dirty: number[] = [];
  private wm = NO_WATERMARK;
  private readonly keyOf: (c: Column[], r: number) => Key;
  private readonly lateness: number;
  private readonly strict: boolean;
  readonly late: LateRows;
  private readonly width: number;
  /** emitChanges scratch: one group's current results */
  private readonly results: Value[];
  /** HOP input: rows are assigned to windows here */
  private readonly hop: HopAssigner | null;

  constructor(
    private readonly out: Output,
    private readonly cfg: WindowAggregateConfig,
  ) {
    if (cfg.windowEndGroupIndex < 0 || cfg.windowEndGroupIndex >= cfg.groupBy.length) {
      throw new ExecutionError('INVALID_ARGUMENT', 'windowed aggregation needs window_end among its GROUP BY expressions');
    }
    // groups live per window end, so window_end itself need not be part of the key (and the key
    // is often a single primitive, which avoids building strings per row)
    const keyParts = cfg.groupBy.filter((_, i) => i !== cfg.windowEndGroupIndex && !(cfg.dependentGroupIndexes ?? []).includes(i));
    this.keyOf = keyFunction(keyParts);
    this.lateness = cfg.emit === 'window-close' ? 0 : cfg.allowedLatenessMs ?? Infinity;
    this.strict = cfg.closeWhen === 'after-end';
    this.late = new LateRows(cfg.inputWidth, cfg.late);
    this.width = cfg.groupBy.length + cfg.aggregates.length;
    this.groups = new WindowGroups(cfg.groupBy.length, cfg.aggregates.map((a) => a.create), cfg.aggregates.map((a) => a.countRows === true && a.arg === undefined && a.filter === undefined));
    this.results = new Array<Value>(cfg.aggregates.length);
    this.hop = cfg.hop === undefined ? null : new HopAssigner(cfg.hop, cfg.groupBy.length, cfg.aggregates.every((a) => a.arg === undefined && a.filter === undefined));
  }

  /** Whether a window ending at `end` has been closed (emitted or dropped) by watermark `wm`. */
  private closed(end: number, wm: number): boolean {
    const limit = end + this.lateness;
    return this.strict ? limit < wm : limit <= wm;
  }

  /** Set by a planner fusion that reads this aggregate's input itself
   *  (lib/plan/hop-ties-fusion.ts): while it says nothing else reads this node, rows are skipped. */
  private consumers: (() => boolean) | null = null;

  setConsumerProbe(hasConsumers: () => boolean): void {
    this.consumers = hasConsumers;
  }

  push(batch: Batch, _port: number): void {
    if (this.consumers !== null && !this.consumers()) return;
    if (this.hop !== null) {
      this.hop.push(batch, this);
      return;
    }
    const cols = batch.columns;
    const weights = batch.weights;
    const endFn = this.cfg.groupBy[this.cfg.windowEndGroupIndex]!;
    const groupBy = this.cfg.groupBy;
    const aggs = this.cfg.aggregates;
    const nAggs = aggs.length;
    const keyOf = this.keyOf;
    const g = this.groups;
    const changes = this.cfg.emit === 'changes';
    // consecutive rows usually share a window: its lookup and close test are done once per run
    let lastEnd = NaN;
    let lastClosed = false;
    let slots: Map<Key, number> | undefined;
    for (let i = 0; i < batch.length; i++) {
      const end = endFn(cols, i);
      if (end !== lastEnd) {
        if (typeof end !== 'number') throw new ExecutionError('INVALID_ARGUMENT', 'window_end is NULL in windowed aggregation input');
        lastEnd = end;
        lastClosed = this.closed(end, this.wm);
        if (!lastClosed) {
          slots = this.windows.get(end);
          if (slots === undefined) {
            slots = new Map();
            this.windows.set(end, slots);
            this.ends.insert(end);
          }
        }
      }
      if (lastClosed) {
        this.late.add(batch, i);
        continue;
      }
      const key = keyOf(cols, i);
      let slot = slots!.get(key);
      if (slot === undefined) {
        slot = g.allocate(end, key);
        for (let k = 0; k < groupBy.length; k++) g.keyValues[k]![slot] = groupBy[k]!(cols, i);
        slots!.set(key, slot);
      }
      const w = weights === null ? 1 : weights[i]!;
      g.rows[slot] += w;
      for (let a = 0; a < nAggs; a++) {
        const spec = aggs[a]!;
        if (spec.filter !== undefined && spec.filter(cols, i) !== true) continue;
        g.add(a, slot, spec.arg === undefined ? null : spec.arg(cols, i), w);
      }
      if (changes && g.dirty[slot] === 0) {
        g.dirty[slot] = 1;
        this.dirty.push(slot);
      }
    }
  }

  /** HopAssigner: whether the window ending at `end` is closed (its rows are late). */
  isClosed(end: number): boolean {
    return this.closed(end, this.wm);
  }

  /** HopAssigner: the group of key `key` in window [start, end), created if absent (its
   *  values: the window's start / end where `windowGroups` says so, else read from row `row`). */
  slotOf(start: number, end: number, key: Key, cols: Column[], row: number, windowGroups: readonly ('start' | 'end' | null)[]): number {
    return this.slotIn(this.windowGroupsOf(end), start, end, key, cols, row, windowGroups);
  }

  /** HopAssigner: the group map of the window ending at `end`, created if absent (valid until
   *  the next watermark). */
  windowGroupsOf(end: number): Map<Key, number> {
    let slots = this.windows.get(end);
    if (slots === undefined) {
      slots = new Map();
      this.windows.set(end, slots);
      this.ends.insert(end);
    }
    return slots;
  }

  /** HopAssigner: slotOf with the window's group map already looked up. */
  slotIn(slots: Map<Key, number>, start: number, end: number, key: Key, cols: Column[], row: number, windowGroups: readonly ('start' | 'end' | null)[]): number {
    let slot = slots.get(key);
    if (slot === undefined) {
      const g = this.groups;
      slot = g.allocate(end, key);
      const groupBy = this.cfg.groupBy;
      for (let k = 0; k < groupBy.length; k++) {
        const w = windowGroups[k];
        g.keyValues[k]![slot] = w === 'start' ? start : w === 'end' ? end : groupBy[k]!(cols, row);
      }
      slots.set(key, slot);
    }
    return slot;
  }

  /** HopAssigner: adds `weight` rows to a group; row `row` of `cols` feeds the aggregates
   *  (cols null: they take no argument and no FILTER, as count(*)). */
  addToSlot(slot: number, weight: number, cols: Column[] | null, row: number): void {
    const g = this.groups;
    g.rows[slot] += weight;
    const aggs = this.cfg.aggregates;
    for (let a = 0; a < aggs.length; a++) {
      const spec = aggs[a]!;
      if (cols !== null && spec.filter !== undefined && spec.filter(cols, row) !== true) continue;
      g.add(a, slot, cols === null || spec.arg === undefined ? null : spec.arg(cols, row), weight);
    }
    if (this.cfg.emit === 'changes' && g.dirty[slot] === 0) {
      g.dirty[slot] = 1;
      this.dirty.push(slot);
    }
  }

  /** HopAssigner: the group key of row `row` (its non-window group values). */
  keyOfRow(cols: Column[], row: number): Key {
    return this.keyOf(cols, row);
  }

  /** Appends the result row of each non-empty group to `columns`; returns how many. */
  private appendResults(slots: Map<Key, number>, columns: Value[][]): number {
    const nKeys = this.cfg.groupBy.length;
    const g = this.groups;
    let rows = 0;
    for (const slot of slots.values()) {
      if (g.rows[slot]! <= 0) continue;
      rows++;
      for (let c = 0; c < nKeys; c++) columns[c]!.push(g.keyValues[c]![slot]!);
      for (let a = 0; a < g.accs.length; a++) columns[nKeys + a]!.push(g.result(a, slot));
    }
    return rows;
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    // changelog: publish pending changes before their windows' state may go away
    if (this.cfg.emit === 'changes') this.emitChanges();
    const ends = this.ends.list;
    const head = this.ends.head;
    let next = head;
    while (next < ends.length && this.closed(ends[next]!, wm)) next++;
    if (next > head) {
      // EOWC: the closed windows' rows go straight into output columns (no row arrays)
      const columns: Value[][] | null = this.cfg.emit === 'window-close' ? [] : null;
      if (columns !== null) for (let c = 0; c < this.width; c++) columns.push([]);
      let rows = 0;
      for (let k = head; k < next; k++) {
        const end = ends[k]!;
        const slots = this.windows.get(end)!;
        if (columns !== null) rows += this.appendResults(slots, columns);
        for (const slot of slots.values()) this.groups.release(slot);
        this.windows.delete(end);
      }
      this.ends.dropBefore(next);
      if (columns !== null && rows > 0) this.out.push({ length: rows, columns, weights: null });
    }
    this.late.flush();
    this.out.watermark(wm);
  }

  /** Changelog: each changed group's last emitted row retracted and its current row inserted
   *  (nothing when the results did not change), written straight into output columns. */
  private emitChanges(): void {
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    this.dirty = [];
    const g = this.groups;
    const nKeys = this.cfg.groupBy.length;
    const nAggs = this.cfg.aggregates.length;
    const results = this.results;
    const columns: Value[][] = [];
    for (let c = 0; c < this.width; c++) columns.push([]);
    const weights: number[] = [];
    let retractions = false;
    for (let d = 0; d < dirty.length; d++) {
      const slot = dirty[d]!;
      g.dirty[slot] = 0;
      const alive = g.rows[slot]! > 0;
      const had = g.hasEmitted[slot] === 1;
      if (alive) {
        let same = had;
        for (let a = 0; a < nAggs; a++) {
          const r = g.result(a, slot);
          results[a] = r;
          if (same && !sameValue(g.emitted[a]![slot]!, r)) same = false;
        }
        if (same) continue;
      }
      if (had) {
        for (let c = 0; c < nKeys; c++) columns[c]!.push(g.keyValues[c]![slot]!);
        for (let a = 0; a < nAggs; a++) columns[nKeys + a]!.push(g.emitted[a]![slot]!);
        weights.push(-1);
        retractions = true;
      }
      if (alive) {
        for (let c = 0; c < nKeys; c++) columns[c]!.push(g.keyValues[c]![slot]!);
        for (let a = 0; a < nAggs; a++) {
          columns[nKeys + a]!.push(results[a]!);
          g.emitted[a]![slot] = results[a]!;
        }
        weights.push(1);
        g.hasEmitted[slot] = 1;
      } else {
        // an emptied group is forgotten (a later row for it starts afresh)
        this.windows.get(g.end[slot]!)?.delete(g.keys[slot] as Key);
        g.release(slot);
      }
    }
    if (weights.length > 0) this.out.push({ length: weights.length, columns, weights: retractions ? Int32Array.from(weights) : null });
  }

  flush(): void {
    if (this.cfg.emit === 'changes') this.emitChanges();
    this.late.flush();
  }

  snapshot(): unknown {
    const g = this.groups;
    const nKeys = this.cfg.groupBy.length;
    const groups: unknown[] = [];
    for (const slots of this.windows.values()) {
      for (const [key, slot] of slots) {
        const values: Value[] = [];
        for (let k = 0; k < nKeys; k++) values.push(g.keyValues[k]![slot]!);
        const emitted = g.hasEmitted[slot] === 1 ? [...values, ...g.emitted.map((col) => col[slot]!)] : null;
        groups.push({ end: g.end[slot], key, values, rows: g.rows[slot], emitted, accs: g.accs.map((_, a) => g.save(a, slot)) });
      }
    }
    return { wm: this.wm, lateCount: this.late.count, groups };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; lateCount: number; groups: { end: number; key: Key; values: Value[]; rows: number; emitted: Value[] | null; accs: unknown[] }[] };
    const g = this.groups;
    const nKeys = this.cfg.groupBy.length;
    this.windows.clear();
    g.clear();
    this.ends.clear();
    this.dirty = [];
    this.wm = s.wm;
    this.late.count = s.lateCount;
    for (const saved of s.groups) {
      let slots = this.windows.get(saved.end);
      if (slots === undefined) {
        slots = new Map();
        this.windows.set(saved.end, slots);
        this.ends.insert(saved.end);
      }
      const slot = g.allocate(saved.end, saved.key);
      for (let k = 0; k < nKeys; k++) g.keyValues[k]![slot] = saved.values[k]!;
      g.rows[slot] = saved.rows;
      for (let a = 0; a < g.accs.length; a++) g.load(a, slot, saved.accs[a]);
      if (saved.emitted !== null) {
        g.hasEmitted[slot] = 1;
        for (let a = 0; a < g.emitted.length; a++) g.emitted[a]![slot] = saved.emitted[nKeys + a]!;
      }
      slots.set(saved.key, slot);
    }
  }

  /** (window, group) entries held. */
  stateSize(): number {
    return this.groups.size;
  }

  /** Late rows seen so far (dropped or routed to the side output). */
  get lateRows(): number {
    return this.late.count;
  }
}

/** Equal aggregate results (non-primitive values, e.g. decimals, compared structurally). */
function sameValue(x: Value, y: Value): boolean {
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  return sameRow([x], [y]);
}
