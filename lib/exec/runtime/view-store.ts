// The materialized result of a view: a multiset of rows, indexed by the view's unique key (e.g.
// the GROUP BY columns, a table's primary key) or by the whole row. It forwards the deltas it
// receives downstream (views over views), answers scans for queries and back-fill, and turns
// each step's deltas into consolidated changes for subscribers:
//   - a key whose single row was replaced by another single row → one 'update' with `old`;
//   - otherwise the net difference per distinct row → 'delete's then 'insert's.
// Changes that cancel within a step are not delivered. Listeners get one EngineChange[] per
// step (never an empty one).

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { ChangeListener, EngineChange } from '../../engine/types.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from './batch-builder.js';
import { encodeRow, rowKeyExtractor, type Key } from './values.js';
import type { ChangeDeliverer, Materialized } from './dataflow.js';
import { ClosedError } from '../../errors.js';

interface Entry {
  row: Row;
  rowKey: string;
  weight: number;
}

export interface ViewStoreOptions {
  /** column indices that identify a row (changes of the same key become 'update's) */
  uniqueKey?: readonly number[];
}

export class ViewStore implements Operator, Materialized, ChangeDeliverer {
  private readonly state = new Map<Key, Entry[]>();
  /** per step: the entries of every touched key as they were before the step */
  private touched = new Map<Key, { row: Row; rowKey: string; weight: number }[]>();
  private pending: EngineChange[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly keyOf: ((row: Row) => Key) | null;
  private rowCount = 0;

  constructor(
    private readonly out: Output,
    private readonly width: number,
    options: ViewStoreOptions = {},
  ) {
    this.keyOf = options.uniqueKey && options.uniqueKey.length > 0 ? rowKeyExtractor(options.uniqueKey) : null;
  }

  push(batch: Batch, _port = 0): void {
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const row = rowAt(batch, i);
      const rowKey = encodeRow(row);
      const key = this.keyOf === null ? rowKey : this.keyOf(row);
      let entries = this.state.get(key);
      if (!this.touched.has(key)) {
        this.touched.set(key, entries ? entries.map((e) => ({ row: e.row, rowKey: e.rowKey, weight: e.weight })) : []);
      }
      if (!entries) {
        entries = [];
        this.state.set(key, entries);
      }
      let found = false;
      for (let j = 0; j < entries.length; j++) {
        const e = entries[j];
        if (e.rowKey === rowKey) {
          e.weight += w;
          if (e.weight === 0) entries.splice(j, 1);
          found = true;
          break;
        }
      }
      if (!found) entries.push({ row, rowKey, weight: w });
      if (entries.length === 0) this.state.delete(key);
      this.rowCount += w;
    }
    this.out.push(batch);
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {
    if (this.touched.size === 0) return;
    const changes = this.pending;
    for (const [key, before] of this.touched) {
      const after = this.state.get(key) ?? [];
      if (
        this.keyOf !== null &&
        before.length === 1 &&
        after.length === 1 &&
        before[0].weight === 1 &&
        after[0].weight === 1
      ) {
        if (before[0].rowKey !== after[0].rowKey) changes.push({ op: 'update', row: after[0].row, old: before[0].row });
        continue;
      }
      const inserts: Row[] = [];
      for (const b of before) {
        const a = after.find((e) => e.rowKey === b.rowKey);
        const d = (a ? a.weight : 0) - b.weight;
        for (let k = 0; k < -d; k++) changes.push({ op: 'delete', row: b.row });
        for (let k = 0; k < d; k++) inserts.push(a!.row);
      }
      for (const a of after) {
        if (before.some((b) => b.rowKey === a.rowKey)) continue;
        for (let k = 0; k < a.weight; k++) inserts.push(a.row);
      }
      for (const row of inserts) changes.push({ op: 'insert', row });
    }
    this.touched = new Map();
  }

  hasPendingChanges(): boolean {
    return this.pending.length > 0;
  }

  /** Hand the changes of the last flush to every listener (errors are rethrown after all ran). */
  deliver(): void {
    const changes = this.pending;
    this.pending = [];
    if (changes.length === 0) return;
    let failure: unknown = undefined;
    for (const listener of [...this.listeners]) {
      if (!this.listeners.has(listener)) continue;
      try {
        listener(changes);
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Listen to changes; with `snapshot`, the current rows are delivered first as inserts. */
  subscribe(listener: ChangeListener, opts: { snapshot?: boolean } = {}): { close(): void } {
    this.listeners.add(listener);
    if (opts.snapshot) {
      const initial: EngineChange[] = this.scan().map((row) => ({ op: 'insert', row }));
      if (initial.length > 0) listener(initial);
    }
    let closed = false;
    return {
      close: () => {
        if (closed) return;
        closed = true;
        this.listeners.delete(listener);
      },
    };
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** Current rows (a row of multiplicity n appears n times), in no particular order. */
  scan(): Row[] {
    const rows: Row[] = [];
    for (const entries of this.state.values()) {
      for (const e of entries) for (let k = 0; k < e.weight; k++) rows.push(e.row);
    }
    return rows;
  }

  contents(): Batch[] {
    const b = new BatchBuilder(this.width);
    for (const entries of this.state.values()) for (const e of entries) if (e.weight > 0) b.addRow(e.row, e.weight);
    return [b.take()];
  }

  /** Number of rows in the view. */
  get size(): number {
    return this.rowCount;
  }

  snapshot(): unknown {
    const rows: Row[] = [];
    const weights: number[] = [];
    for (const entries of this.state.values()) {
      for (const e of entries) {
        rows.push(e.row);
        weights.push(e.weight);
      }
    }
    return { rows, weights };
  }

  restore(state: unknown): void {
    const s = state as { rows: Row[]; weights: number[] };
    this.state.clear();
    this.touched = new Map();
    this.pending = [];
    this.rowCount = 0;
    s.rows.forEach((row, i) => {
      const rowKey = encodeRow(row);
      const key = this.keyOf === null ? rowKey : this.keyOf(row);
      let entries = this.state.get(key);
      if (!entries) this.state.set(key, (entries = []));
      entries.push({ row, rowKey, weight: s.weights[i] });
      this.rowCount += s.weights[i];
    });
  }

  stateSize(): number {
    return this.state.size;
  }

  /** Stop delivering: later subscriptions fail, listeners are dropped (DROP MATERIALIZED VIEW). */
  close(): void {
    this.listeners.clear();
    this.subscribe = () => {
      throw new ClosedError('materialized view');
    };
  }
}
