// The materialized result of a view: a multiset of rows, indexed by the view's unique key (e.g.
// the GROUP BY columns, a table's primary key) or by the whole row. It forwards the deltas it
// receives downstream (views over views), answers scans for queries and back-fill, and turns
// each step's deltas into consolidated changes for subscribers:
//   - a key whose single row was replaced by another single row → one 'update' with `old`;
//   - otherwise the net difference per distinct row → 'delete's then 'insert's.
// Changes that cancel within a step are not delivered. Listeners get one EngineChange[] per
// step (never an empty one).
//
// An unkeyed view whose input has only ever inserted rows (projections and filters over a
// source) is kept as a log of the pushed batches, by reference: no per-row key, entry or Map
// slot. The first retraction (or weight other than +1) migrates the log into the keyed map.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { ChangeListener, EngineChange } from '../../engine/types.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, batchFromRows, compactLogTail, rowAt, weightAt } from './batch-builder.js';
import { keyExtractor, rowKeyExtractor, sameRow, sameRowAt, type Key } from './values.js';
import { rowHash, rowHashAt } from './row-hash.js';
import type { ChangeDeliverer, Materialized } from './dataflow.js';
import { ClosedError } from '../../errors.js';
import { deliverChanges } from './listeners.js';

interface Entry {
  row: Row;
  weight: number;
}

const NONE: readonly Entry[] = [];

export interface ViewStoreOptions {
  /** column indices that identify a row (changes of the same key become 'update's); `[]` for
   *  a view of at most one row (global aggregate); absent: rows are identified by all values */
  uniqueKey?: readonly number[];
}

export class ViewStore implements Operator, Materialized, ChangeDeliverer {
  /** unique key (or, unkeyed, the row's hash: rows that collide share a list) → the distinct
   *  rows under it with multiplicities */
  private readonly state = new Map<Key, Entry[]>();
  /** per step: the entries of every touched key as they were before the step */
  private touched = new Map<Key, readonly Entry[]>();
  /** keys whose entries became empty in this step; dropped at flush unless refilled (an update
   *  is -old then +new under one key: no Map delete and re-insert for it) */
  private emptied: Key[] = [];
  private pending: EngineChange[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly keyOfColumns: ((columns: Batch['columns'], i: number) => Key) | null;
  private readonly keyOfRow: ((row: Row) => Key) | null;
  private rowCount = 0;
  /** unkeyed: distinct rows held (several can share a hash, so this is not state.size) */
  private distinctRows = 0;
  /** append-only mode (unkeyed views until the first retraction): the batches, by reference */
  private log: Batch[] | null;
  /** append-only mode: the batches pushed in this step while someone listens */
  private stepLog: Batch[] = [];

  constructor(
    private readonly out: Output,
    private readonly width: number,
    options: ViewStoreOptions = {},
  ) {
    // an empty unique key is legal: the view has at most one row (a global aggregate)
    const keyed = options.uniqueKey !== undefined;
    this.keyOfColumns = keyed ? keyExtractor(options.uniqueKey!) : null;
    this.keyOfRow = keyed ? rowKeyExtractor(options.uniqueKey!) : null;
    this.log = keyed ? null : [];
  }

  push(batch: Batch, _port = 0): void {
    if (this.log !== null) {
      if (allInserts(batch)) {
        if (batch.length === 0) return;
        this.log.push(batch);
        this.rowCount += batch.length;
        if (this.listeners.size > 0) this.stepLog.push(batch);
        this.out.push(batch);
        return;
      }
      this.leaveAppendOnlyMode();
    }
    this.applyToMap(batch);
    this.out.push(batch);
  }

  /** Move the log into the map; this step's batches are re-applied with change tracking. */
  private leaveAppendOnlyMode(): void {
    const log = this.log!;
    const thisStep = new Set(this.stepLog);
    this.log = null;
    this.stepLog = [];
    this.rowCount = 0;
    this.distinctRows = 0;
    const listeners = this.listeners;
    for (const b of log) if (!thisStep.has(b)) this.applyToMap(b, false);
    for (const b of log) if (thisStep.has(b)) this.applyToMap(b, listeners.size > 0);
  }

  private applyToMap(batch: Batch, tracking = this.listeners.size > 0): void {
    const cols = batch.columns;
    const keyed = this.keyOfColumns !== null;
    // before-images are only needed to tell listeners what changed
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      // keyed: the key comes from the key columns; unkeyed: the row's hash (a small integer,
      // no string built). Either way the rows under a key are compared by value.
      const key = keyed ? this.keyOfColumns!(cols, i) : rowHashAt(cols, i);
      let entries = this.state.get(key);
      if (tracking && !this.touched.has(key)) {
        this.touched.set(key, entries ? entries.map((e) => ({ row: e.row, weight: e.weight })) : NONE);
      }
      let j = -1;
      if (entries !== undefined) {
        for (let k = 0; k < entries.length; k++) {
          if (sameRowAt(entries[k].row, cols, i)) {
            j = k;
            break;
          }
        }
      }
      if (j >= 0) {
        const e = entries![j];
        e.weight += w;
        if (e.weight === 0) {
          entries!.splice(j, 1);
          this.distinctRows--;
          if (entries!.length === 0) this.emptied.push(key);
        }
      } else {
        if (entries === undefined) this.state.set(key, (entries = []));
        entries.push({ row: rowAt(batch, i), weight: w });
        this.distinctRows++;
      }
      this.rowCount += w;
    }
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {
    if (this.emptied.length > 0) {
      for (const key of this.emptied) if (this.state.get(key)?.length === 0) this.state.delete(key);
      this.emptied = [];
    }
    if (this.stepLog.length > 0) {
      const changes = this.pending;
      for (const b of this.stepLog) {
        const cols = b.columns;
        const width = cols.length;
        for (let i = 0; i < b.length; i++) {
          const row: Row = new Array(width);
          for (let c = 0; c < width; c++) {
            const v = cols[c][i];
            row[c] = v === undefined ? null : v;
          }
          changes.push({ op: 'insert', row });
        }
      }
      this.stepLog = [];
    }
    // the step's batches are no longer looked up by identity (leaveAppendOnlyMode)
    if (this.log !== null) compactLogTail(this.log, this.width);
    if (this.touched.size === 0) return;
    if (this.listeners.size === 0) {
      // nobody to tell: skip building change objects (a later snapshot subscription reads state)
      this.touched = new Map();
      return;
    }
    const changes = this.pending;
    const keyed = this.keyOfColumns !== null;
    for (const [key, before] of this.touched) {
      const after = this.state.get(key) ?? NONE;
      if (keyed && before.length === 1 && after.length === 1 && before[0].weight === 1 && after[0].weight === 1) {
        if (!sameRow(before[0].row, after[0].row)) changes.push({ op: 'update', row: after[0].row, old: before[0].row });
        continue;
      }
      const inserts: Row[] = [];
      for (const b of before) {
        const a = after.find((e) => sameRow(e.row, b.row));
        const d = (a ? a.weight : 0) - b.weight;
        for (let k = 0; k < -d; k++) changes.push({ op: 'delete', row: b.row });
        for (let k = 0; k < d; k++) inserts.push(a!.row);
      }
      for (const a of after) {
        if (before.some((b) => sameRow(b.row, a.row))) continue;
        for (let k = 0; k < a.weight; k++) inserts.push(a.row);
      }
      for (const row of inserts) changes.push({ op: 'insert', row });
    }
    this.touched = new Map();
  }

  hasPendingChanges(): boolean {
    return this.pending.length > 0;
  }

  discardPending(): void {
    this.pending = [];
  }

  /** Hand the changes of the last flush to every listener (errors are rethrown after all ran). */
  deliver(): void {
    const changes = this.pending;
    this.pending = [];
    if (changes.length > 0) deliverChanges(this.listeners, changes);
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
    if (this.log !== null) {
      for (const b of this.log) for (let i = 0; i < b.length; i++) rows.push(rowAt(b, i));
      return rows;
    }
    for (const entries of this.state.values()) {
      for (const e of entries) for (let k = 0; k < e.weight; k++) rows.push(e.row);
    }
    return rows;
  }

  contents(): Batch[] {
    if (this.log !== null) return this.log.slice();
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
    if (this.log !== null) {
      for (const row of this.scan()) {
        rows.push(row);
        weights.push(1);
      }
      return { rows, weights };
    }
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
    this.emptied = [];
    this.touched = new Map();
    this.pending = [];
    this.rowCount = 0;
    this.distinctRows = 0;
    this.stepLog = [];
    if (this.keyOfRow === null && s.weights.every((w) => w === 1)) {
      this.log = s.rows.length > 0 ? [batchFromRows(s.rows, this.width)] : [];
      this.rowCount = s.rows.length;
      return;
    }
    this.log = null;
    s.rows.forEach((row, i) => {
      const key = this.keyOfRow !== null ? this.keyOfRow(row) : rowHash(row);
      let entries = this.state.get(key);
      if (!entries) this.state.set(key, (entries = []));
      entries.push({ row, weight: s.weights[i] });
      this.distinctRows++;
      this.rowCount += s.weights[i];
    });
  }

  stateSize(): number {
    if (this.log !== null) return this.rowCount;
    return this.keyOfColumns === null ? this.distinctRows : this.state.size;
  }

  /** Stop delivering: later subscriptions fail, listeners are dropped (DROP MATERIALIZED VIEW). */
  close(): void {
    this.listeners.clear();
    this.subscribe = () => {
      throw new ClosedError('materialized view');
    };
  }
}

function allInserts(batch: Batch): boolean {
  const w = batch.weights;
  if (w === null) return true;
  for (let i = 0; i < batch.length; i++) if (w[i] !== 1) return false;
  return true;
}
