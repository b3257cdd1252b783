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
import { insertChangesBuilder, type InsertChangesBuilder } from './insert-changes.js';
import { keyExtractor, rowKeyExtractor, type Key } from './values.js';
import { rowHash, rowHashAt } from './row-hash.js';
import type { ChangeDeliverer, Materialized } from './dataflow.js';
import { ClosedError, ExecutionError } from '../../errors.js';
import { deliverChanges } from './listeners.js';
import { RowSlot, TOUCHED, TRACKED, UNTOUCHED } from './row-slots.js';
import { CAPTURE_SLICE, ViewCapture, writeImage } from './view-capture.js';
import { LogPacker } from './packed-log.js';

export interface ViewStoreOptions {
  /** column indices that identify a row (changes of the same key become 'update's); `[]` for
   *  a view of at most one row (global aggregate); absent: rows are identified by all values */
  uniqueKey?: readonly number[];
}

export class ViewStore implements Operator, Materialized, ChangeDeliverer {
  /** unique key (or, unkeyed, the row's hash: rows that collide share a slot) → the distinct
   *  rows under it with multiplicities */
  private readonly state = new Map<Key, RowSlot>();
  /** slots touched in this step, in first-touch order (their `mark` says so; no per-step set):
   *  the first `touchedCount` entries of a list kept across steps */
  private touched: (RowSlot | null)[] = [];
  private touchedCount = 0;
  /** the slot found last in this step: an update is -old then +new under one key */
  private lastSlot: RowSlot | null = null;
  /** changes of the last flush not yet delivered (NO_CHANGES, shared, when there are none: it
   *  is never appended to) */
  private pending: EngineChange[] = NO_CHANGES;
  private readonly listeners = new Set<ChangeListener>();
  private readonly keyOfColumns: ((columns: Batch['columns'], i: number) => Key) | null;
  private readonly keyOfRow: ((row: Row) => Key) | null;
  private rowCount = 0;
  /** distinct rows held (several can share a hash or, transiently, a key: not state.size) */
  private distinctRows = 0;
  /** append-only mode (unkeyed views until the first retraction): the batches, by reference */
  private log: Batch[] | null;
  /** append-only mode: the batches pushed in this step while someone listens — the first
   *  `stepCount` entries of a list kept across steps (no array per step) */
  private stepLog: (Batch | null)[] = [];
  private stepCount = 0;
  /** seq of the next slot created (slots are created, and so iterated, in seq order) */
  private nextSeq = 0;
  /** the checkpoint capture being filled, if any (see captureRows) */
  private capture: ViewCapture | null = null;
  /** packs the log's DECIMAL columns once their step is over (packed-log.ts) */
  private readonly logPacker = new LogPacker();
  /** builds a step's insert changes from its logged batches (one per view, made on first use) */
  private insertChanges: InsertChangesBuilder | null = null;

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
        if (this.listeners.size > 0) this.stepLog[this.stepCount++] = batch;
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
    const thisStep = new Set(this.takeStepLog());
    this.log = null;
    this.rowCount = 0;
    this.distinctRows = 0;
    const listeners = this.listeners;
    for (const b of log) if (!thisStep.has(b)) this.applyToMap(b, false);
    for (const b of log) if (thisStep.has(b)) this.applyToMap(b, listeners.size > 0);
  }

  private applyToMap(batch: Batch, tracking = this.listeners.size > 0): void {
    const cols = batch.columns;
    const keyed = this.keyOfColumns !== null;
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      // keyed: the key comes from the key columns; unkeyed: the row's hash (a small integer,
      // no string built). Either way the rows under a key are compared by value.
      const key = keyed ? this.keyOfColumns!(cols, i) : rowHashAt(cols, i);
      let slot = this.lastSlot;
      if (slot === null || slot.key !== key) {
        slot = this.state.get(key) ?? null;
        if (slot === null) this.state.set(key, (slot = new RowSlot(key, this.nextSeq++)));
        this.lastSlot = slot;
      }
      if (this.capture !== null) this.capture.preserve(slot);
      if (slot.mark === UNTOUCHED) {
        slot.mark = TOUCHED;
        this.touched[this.touchedCount++] = slot;
      }
      // before-images are only needed to tell listeners what changed
      if (tracking && slot.mark !== TRACKED) {
        slot.mark = TRACKED;
        slot.recordBefore();
      }
      this.distinctRows += slot.add(batch, i, w);
      this.rowCount += w;
    }
  }

  /** This step's logged batches, and the list cleared for the next step. */
  private takeStepLog(): Batch[] {
    const batches = this.stepLog.slice(0, this.stepCount) as Batch[];
    this.clearStepLog();
    return batches;
  }

  private clearStepLog(): void {
    const log = this.stepLog;
    for (let k = 0; k < this.stepCount; k++) log[k] = null;
    this.stepCount = 0;
    // a list that once held many batches is let go rather than kept at that size
    if (log.length > 1024) this.stepLog = [];
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {
    if (this.stepCount > 0) {
      this.insertChanges ??= insertChangesBuilder(this.width);
      this.pending = this.insertChanges(this.pending, this.stepLog, this.stepCount);
      this.clearStepLog();
    }
    // the step's batches are no longer looked up by identity (leaveAppendOnlyMode)
    if (this.log !== null) {
      compactLogTail(this.log, this.width);
      this.logPacker.pack(this.log);
    }
    const touched = this.touched;
    const count = this.touchedCount;
    if (count === 0) return;
    this.touchedCount = 0;
    this.lastSlot = null;
    // nobody to tell: no change objects (a later snapshot subscription reads state)
    const telling = this.listeners.size > 0;
    let changes = this.pending;
    const keyed = this.keyOfColumns !== null;
    for (let t = 0; t < count; t++) {
      const slot = touched[t]!;
      touched[t] = null;
      if (telling && slot.mark === TRACKED) changes = slot.collectChanges(keyed, changes);
      slot.endStep();
      // an update is -old then +new under one key: the slot is dropped only if still empty
      if (slot.empty) {
        this.state.delete(slot.key);
        if (this.capture !== null) this.capture.slotRemoved(slot);
      }
    }
    this.pending = changes;
    // a big list is let go rather than kept at its largest size forever
    if (touched.length > 1024) this.touched = [];
  }

  hasPendingChanges(): boolean {
    return this.pending.length > 0;
  }

  discardPending(): void {
    this.pending = NO_CHANGES;
  }

  /** Hand the changes of the last flush to every listener (errors are rethrown after all ran). */
  deliver(): void {
    const changes = this.pending;
    this.pending = NO_CHANGES;
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
    for (const slot of this.state.values()) {
      slot.forEach((row, weight) => {
        for (let k = 0; k < weight; k++) rows.push(row);
      });
    }
    return rows;
  }

  contents(): Batch[] {
    if (this.log !== null) return this.log.slice();
    const b = new BatchBuilder(this.width);
    for (const slot of this.state.values()) {
      slot.forEach((row, weight) => {
        if (weight > 0) b.addRow(row, weight);
      });
    }
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
    for (const slot of this.state.values()) {
      slot.forEach((row, weight) => {
        rows.push(row);
        weights.push(weight);
      });
    }
    return { rows, weights };
  }

  /**
   * A checkpoint cut of a view kept as a slot map that walks no slot: O(1) now; `fill` appends
   * to `rows` and `weights` what snapshot() would have returned at this moment, in slices
   * (awaiting `pause` between them), while later steps keep running — a slot changed before the
   * fill reached it is recorded as it was, at its first change (copy-on-write). A newer capture,
   * restore() or close() abandons this one (its fill then throws). Null for an append-only view
   * (its batch log is handed over instead).
   */
  captureRows(): { fill(rows: Row[], weights: number[], pause: () => Promise<void>): Promise<void> } | null {
    if (this.log !== null) return null;
    this.abandonCapture();
    const capture = new ViewCapture(this.nextSeq, this.distinctRows);
    this.capture = capture;
    return {
      fill: async (rows, weights, pause) => {
        try {
          await this.fillCapture(capture, rows, weights, pause);
        } finally {
          if (this.capture === capture) this.capture = null;
        }
      },
    };
  }

  private async fillCapture(capture: ViewCapture, rows: Row[], weights: number[], pause: () => Promise<void>): Promise<void> {
    const slots = this.state.values();
    const preserved = capture.preserved;
    // sized once for the rows at the cut (growing a 1 M-element array by push copies it ~20
    // times, in slices of the event loop); trimmed to what was written at the end
    let at = rows.length;
    rows.length = weights.length = at + capture.rowsAtCut;
    let ended = false;
    while (!ended) {
      if (capture.abandoned) throw new ExecutionError('INVALID_ARGUMENT', 'checkpoint capture of a materialized view was superseded (a newer checkpoint, restore or close)');
      // no step runs within a slice: the dropped slots are ordered once per slice
      const dropped = capture.dropped.sort((a, b) => a.seq - b.seq);
      let d = 0;
      const cutSeq = capture.cutSeq;
      let cursor = capture.cursor;
      let n = 0;
      ended = true;
      // a Map iterator has no return(): leaving this loop keeps its place for the next slice
      for (const slot of slots) {
        // slots from cutSeq on were created after the cut, and so is every later one
        if (slot.seq >= cutSeq) break;
        for (; d < dropped.length && dropped[d]!.seq < slot.seq; d++) at = this.writeRecorded(capture, dropped[d]!, rows, weights, at);
        if (preserved.size > 0 && preserved.has(slot)) at = this.writeRecorded(capture, slot, rows, weights, at);
        else if (slot.rest === null && slot.row !== null) {
          // (the common slot of one row)
          rows[at] = slot.row;
          weights[at++] = slot.weight;
        } else at = writeImage(slot, rows, weights, at);
        cursor = slot.seq;
        if (++n === CAPTURE_SLICE) {
          ended = false;
          break;
        }
      }
      // (no step runs within a slice: the cursor is only read by steps)
      capture.cursor = Math.max(cursor, capture.cursor);
      if (ended) for (; d < dropped.length; d++) at = this.writeRecorded(capture, dropped[d]!, rows, weights, at);
      capture.dropped = dropped.slice(d);
      if (!ended) await pause();
    }
    rows.length = weights.length = at;
  }

  private writeRecorded(capture: ViewCapture, slot: RowSlot, rows: Row[], weights: number[], at: number): number {
    const next = writeImage(capture.preserved.get(slot)!, rows, weights, at);
    capture.preserved.delete(slot);
    capture.cursor = slot.seq;
    return next;
  }

  private abandonCapture(): void {
    if (this.capture !== null) this.capture.abandoned = true;
    this.capture = null;
  }

  restore(state: unknown): void {
    const s = state as { rows: Row[]; weights: number[] };
    this.abandonCapture();
    this.state.clear();
    this.touched = [];
    this.touchedCount = 0;
    this.lastSlot = null;
    this.pending = NO_CHANGES;
    this.rowCount = 0;
    this.distinctRows = 0;
    this.stepLog = [];
    this.stepCount = 0;
    if (this.keyOfRow === null && s.weights.every((w) => w === 1)) {
      this.log = s.rows.length > 0 ? [batchFromRows(s.rows, this.width)] : [];
      this.rowCount = s.rows.length;
      return;
    }
    this.log = null;
    s.rows.forEach((row, i) => {
      const key = this.keyOfRow !== null ? this.keyOfRow(row) : rowHash(row);
      let slot = this.state.get(key);
      if (!slot) this.state.set(key, (slot = new RowSlot(key, this.nextSeq++)));
      slot.addRow(row, s.weights[i]);
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
    this.abandonCapture();
    this.listeners.clear();
    this.subscribe = () => {
      throw new ClosedError('materialized view');
    };
  }
}

const NO_CHANGES: EngineChange[] = [];

function allInserts(batch: Batch): boolean {
  const w = batch.weights;
  if (w === null) return true;
  for (let i = 0; i < batch.length; i++) if (w[i] !== 1) return false;
  return true;
}
