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
import { BatchBuilder, keyFunction, sameRow, type Key, type RowFn } from './rows.js';
import { NO_WATERMARK } from './watermark.js';

export interface WindowAggregateSpec {
  create: AccumulatorFactory;
  /** the aggregate's argument (absent for count(*)) */
  arg?: RowFn;
  /** FILTER (WHERE …): rows for which it is not true are skipped */
  filter?: RowFn;
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
}

interface GroupState {
  end: number;
  key: Key;
  values: Value[];
  accs: StreamAccumulator[];
  /** net number of input rows in the group */
  rows: number;
  /** changelog mode: the row last emitted for this group */
  emitted: Value[] | null;
  dirty: boolean;
}

export class WindowAggregateOperator implements Operator {
  private readonly windows = new Map<number, Map<Key, GroupState>>();
  /** window ends with state, ascending, from `endsHead` on (closed ones before it are dropped
   *  in bulk: removing the first element per close would move the whole array each time) */
  private ends: number[] = [];
  private endsHead = 0;
  private dirty: GroupState[] = [];
  private wm = NO_WATERMARK;
  private groups = 0;
  private readonly keyOf: (c: Column[], r: number) => Key;
  private readonly lateness: number;
  private readonly strict: boolean;
  readonly late: LateRows;
  private readonly width: number;

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
  }

  /** Whether a window ending at `end` has been closed (emitted or dropped) by watermark `wm`. */
  private closed(end: number, wm: number): boolean {
    const limit = end + this.lateness;
    return this.strict ? limit < wm : limit <= wm;
  }

  push(batch: Batch, _port: number): void {
    const cols = batch.columns;
    const endFn = this.cfg.groupBy[this.cfg.windowEndGroupIndex]!;
    const aggs = this.cfg.aggregates;
    const changes = this.cfg.emit === 'changes';
    let lastEnd = NaN;
    let lastGroups: Map<Key, GroupState> | undefined;
    for (let i = 0; i < batch.length; i++) {
      const end = endFn(cols, i);
      if (typeof end !== 'number') throw new ExecutionError('INVALID_ARGUMENT', 'window_end is NULL in windowed aggregation input');
      if (this.closed(end, this.wm)) {
        this.late.add(batch, i);
        continue;
      }
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      // consecutive rows usually share a window: skip the lookup then
      let groups = end === lastEnd ? lastGroups : this.windows.get(end);
      if (groups === undefined) {
        groups = new Map();
        this.windows.set(end, groups);
        this.insertEnd(end);
      }
      lastEnd = end;
      lastGroups = groups;
      const key = this.keyOf(cols, i);
      let g = groups.get(key);
      if (g === undefined) {
        const values = new Array<Value>(this.cfg.groupBy.length);
        for (let k = 0; k < values.length; k++) values[k] = this.cfg.groupBy[k]!(cols, i);
        g = { end, key, values, accs: aggs.map((a) => a.create()), rows: 0, emitted: null, dirty: false };
        groups.set(key, g);
        this.groups++;
      }
      g.rows += w;
      for (let a = 0; a < aggs.length; a++) {
        const spec = aggs[a]!;
        if (spec.filter !== undefined && spec.filter(cols, i) !== true) continue;
        g.accs[a]!.add(spec.arg === undefined ? null : spec.arg(cols, i), w);
      }
      if (changes && !g.dirty) {
        g.dirty = true;
        this.dirty.push(g);
      }
    }
  }

  private insertEnd(end: number): void {
    const ends = this.ends;
    if (ends.length === this.endsHead || end > ends[ends.length - 1]!) {
      ends.push(end);
      return;
    }
    let lo = this.endsHead;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < end) lo = mid + 1;
      else hi = mid;
    }
    ends.splice(lo, 0, end);
  }

  /** Appends the result row of each non-empty group to `columns`; returns how many. */
  private appendResults(groups: Map<Key, GroupState>, columns: Value[][]): number {
    const nKeys = this.cfg.groupBy.length;
    const nAggs = this.cfg.aggregates.length;
    let rows = 0;
    for (const g of groups.values()) {
      if (g.rows <= 0) continue;
      rows++;
      const values = g.values;
      for (let c = 0; c < nKeys; c++) columns[c]!.push(values[c]!);
      const accs = g.accs;
      for (let a = 0; a < nAggs; a++) columns[nKeys + a]!.push(accs[a]!.result());
    }
    return rows;
  }

  private resultRow(g: GroupState): Value[] {
    const row = g.values.slice();
    for (const acc of g.accs) row.push(acc.result());
    return row;
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    // changelog: publish pending changes before their windows' state may go away
    if (this.cfg.emit === 'changes') this.emitChanges();
    const ends = this.ends;
    const head = this.endsHead;
    let next = head;
    while (next < ends.length && this.closed(ends[next]!, wm)) next++;
    if (next > head) {
      // EOWC: the closed windows' rows go straight into output columns (no row arrays)
      const columns: Value[][] | null = this.cfg.emit === 'window-close' ? [] : null;
      if (columns !== null) for (let c = 0; c < this.width; c++) columns.push([]);
      let rows = 0;
      for (let k = head; k < next; k++) {
        const end = ends[k]!;
        const groups = this.windows.get(end)!;
        if (columns !== null) rows += this.appendResults(groups, columns);
        this.groups -= groups.size;
        this.windows.delete(end);
      }
      this.dropEnds(next);
      if (columns !== null && rows > 0) this.out.push({ length: rows, columns, weights: null });
    }
    this.late.flush();
    this.out.watermark(wm);
  }

  /** Drops the ends before index `next` (closed); compacts once they are most of the array. */
  private dropEnds(next: number): void {
    if (next === this.ends.length) {
      this.ends.length = 0;
      this.endsHead = 0;
    } else if (next >= 1024 && next * 2 >= this.ends.length) {
      this.ends = this.ends.slice(next);
      this.endsHead = 0;
    } else this.endsHead = next;
  }

  private emitChanges(): void {
    if (this.dirty.length === 0) return;
    const builder = new BatchBuilder(this.width);
    for (const g of this.dirty) {
      g.dirty = false;
      const next = g.rows > 0 ? this.resultRow(g) : null;
      if (g.emitted !== null && next !== null && sameRow(g.emitted, next)) continue;
      if (g.emitted !== null) builder.add(g.emitted, -1);
      if (next !== null) builder.add(next, 1);
      g.emitted = next;
      if (next === null) {
        const groups = this.windows.get(g.end);
        if (groups !== undefined && groups.delete(g.key)) this.groups--;
      }
    }
    this.dirty = [];
    if (builder.length > 0) this.out.push(builder.take());
  }

  flush(): void {
    if (this.cfg.emit === 'changes') this.emitChanges();
    this.late.flush();
  }

  snapshot(): unknown {
    const groups: unknown[] = [];
    for (const m of this.windows.values()) {
      for (const g of m.values()) groups.push({ end: g.end, key: g.key, values: g.values, rows: g.rows, emitted: g.emitted, accs: g.accs.map((a) => a.save()) });
    }
    return { wm: this.wm, lateCount: this.late.count, groups };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; lateCount: number; groups: { end: number; key: Key; values: Value[]; rows: number; emitted: Value[] | null; accs: unknown[] }[] };
    this.windows.clear();
    this.ends = [];
    this.endsHead = 0;
    this.dirty = [];
    this.groups = 0;
    this.wm = s.wm;
    this.late.count = s.lateCount;
    for (const saved of s.groups) {
      let m = this.windows.get(saved.end);
      if (m === undefined) {
        m = new Map();
        this.windows.set(saved.end, m);
        this.insertEnd(saved.end);
      }
      const accs = this.cfg.aggregates.map((a, i) => {
        const acc = a.create();
        acc.load(saved.accs[i]);
        return acc;
      });
      m.set(saved.key, { end: saved.end, key: saved.key, values: saved.values, accs, rows: saved.rows, emitted: saved.emitted, dirty: false });
      this.groups++;
    }
  }

  /** (window, group) entries held. */
  stateSize(): number {
    return this.groups;
  }

  /** Late rows seen so far (dropped or routed to the side output). */
  get lateRows(): number {
    return this.late.count;
  }
}
