// The rows a view store holds under one key (a unique key, or an unkeyed view's row hash), with
// the before-image of the current step. Almost every key holds one distinct row (a group's
// result, a table row), so that row lives in the slot's own fields; further distinct rows (an
// unkeyed view's hash collisions, a keyed view's transient duplicates) go to `rest`. A step's
// update of a key then allocates nothing here but the new row: no entry list per key, no copy
// of it as the before-image, no per-step map of touched keys.

import type { Batch } from '../batch.js';
import type { EngineChange } from '../../engine/types.js';
import type { Row } from '../../types/value.js';
import { sameRow, sameRowAt, type Key } from './values.js';
import { rowAt } from './batch-builder.js';

/** A distinct row beyond a slot's first and its multiplicity. */
export interface Entry {
  row: Row;
  weight: number;
}

/** Slot mark: not touched in this step / touched (only to drop it once empty) / touched with a
 *  before-image recorded for subscribers. */
export const UNTOUCHED = 0;
export const TOUCHED = 1;
export const TRACKED = 2;

export class RowSlot {
  /** first distinct row (null: the slot is empty) and its multiplicity */
  row: Row | null = null;
  weight = 0;
  /** further distinct rows, in insertion order */
  rest: Entry[] | null = null;
  mark = UNTOUCHED;
  /** before-image of the step (valid when mark === TRACKED) */
  beforeRow: Row | null = null;
  beforeWeight = 0;
  beforeRest: Entry[] | null = null;

  /** `seq`: creation order within its store (a checkpoint capture relies on it, view-capture.ts) */
  constructor(
    readonly key: Key,
    readonly seq: number,
  ) {}

  get empty(): boolean {
    return this.row === null;
  }

  /** Number of distinct rows held. */
  get distinct(): number {
    return this.row === null ? 0 : 1 + (this.rest === null ? 0 : this.rest.length);
  }

  /** Remember the current rows as the step's before-image. */
  recordBefore(): void {
    this.beforeRow = this.row;
    this.beforeWeight = this.weight;
    this.beforeRest = this.rest === null || this.rest.length === 0 ? null : this.rest.map(copyEntry);
  }

  /**
   * Add `weight` to row `i` of `batch` (materialized only when it is new here). Returns the
   * change in the number of distinct rows (-1, 0 or +1).
   */
  add(batch: Batch, i: number, weight: number): number {
    const columns = batch.columns;
    if (this.row !== null && sameRowAt(this.row, columns, i)) {
      this.weight += weight;
      if (this.weight !== 0) return 0;
      this.promoteRest();
      return -1;
    }
    const rest = this.rest;
    if (rest !== null) {
      for (let k = 0; k < rest.length; k++) {
        const e = rest[k];
        if (!sameRowAt(e.row, columns, i)) continue;
        e.weight += weight;
        if (e.weight !== 0) return 0;
        rest.splice(k, 1);
        return -1;
      }
    }
    if (this.row === null) {
      this.row = rowAt(batch, i);
      this.weight = weight;
    } else if (rest === null) this.rest = [{ row: rowAt(batch, i), weight }];
    else rest.push({ row: rowAt(batch, i), weight });
    return 1;
  }

  /** Add a materialized row (restore). */
  addRow(row: Row, weight: number): void {
    if (this.row === null) {
      this.row = row;
      this.weight = weight;
    } else (this.rest ??= []).push({ row, weight });
  }

  /** The first row was cancelled: the next distinct row (if any) takes its place. */
  private promoteRest(): void {
    const rest = this.rest;
    if (rest === null || rest.length === 0) {
      this.row = null;
      this.weight = 0;
      return;
    }
    const next = rest.shift()!;
    this.row = next.row;
    this.weight = next.weight;
  }

  /** Calls `fn` for each distinct row and its multiplicity. */
  forEach(fn: (row: Row, weight: number) => void): void {
    if (this.row === null) return;
    fn(this.row, this.weight);
    const rest = this.rest;
    if (rest !== null) for (let k = 0; k < rest.length; k++) fn(rest[k].row, rest[k].weight);
  }

  /**
   * Append the step's net changes of this key to `changes`: a keyed view's single row replaced
   * by another single row is one 'update'; otherwise deletes, then inserts, per distinct row.
   * Returns the list appended to: a one-element array of its own when `changes` was empty and
   * this key has exactly one change (a step's only change, the latency path, gets an exactly
   * sized array instead of growing an empty one).
   */
  collectChanges(keyed: boolean, changes: EngineChange[]): EngineChange[] {
    const bRow = this.beforeRow;
    const aRow = this.row;
    const single = this.beforeRest === null && (this.rest === null || this.rest.length === 0);
    if (single) {
      if (bRow !== null && aRow !== null && this.beforeWeight === 1 && this.weight === 1) {
        if (bRow === aRow) return changes;
        if (keyed) return sameRow(bRow, aRow) ? changes : appendOne(changes, { op: 'update', row: aRow, old: bRow });
      }
      if (bRow === null && aRow !== null && this.weight === 1) return appendOne(changes, { op: 'insert', row: aRow });
      if (bRow !== null && aRow === null && this.beforeWeight === 1) return appendOne(changes, { op: 'delete', row: bRow });
    }
    // (the caller's empty list may be a shared placeholder: never appended to)
    if (changes.length === 0) changes = [];
    const before = entriesOf(bRow, this.beforeWeight, this.beforeRest);
    const after = entriesOf(aRow, this.weight, this.rest);
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
    return changes;
  }

  /** The step ended: forget the before-image (it must not keep old rows alive). */
  endStep(): void {
    this.mark = UNTOUCHED;
    this.beforeRow = null;
    this.beforeRest = null;
  }
}

function appendOne(changes: EngineChange[], change: EngineChange): EngineChange[] {
  if (changes.length === 0) return [change];
  changes.push(change);
  return changes;
}

function copyEntry(e: Entry): Entry {
  return { row: e.row, weight: e.weight };
}

function entriesOf(row: Row | null, weight: number, rest: readonly Entry[] | null): Entry[] {
  if (row === null) return [];
  const out: Entry[] = [{ row, weight }];
  if (rest !== null) for (const e of rest) out.push(e);
  return out;
}
