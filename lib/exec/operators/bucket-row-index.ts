// Finding a stored row equal to a given one inside an arrangement bucket (for retractions and
// repeated inserts). Rows are hashed by their first column's value, not by a string encoding of
// the whole row: encoding every row of a big bucket (q5: ~240 K rows under one window key, each
// update a retraction and an insert) cost a string build, a flatten and a string-keyed Map probe
// per row, and kept one string per stored row alive. Candidates with the same first value are
// checked with sameRow. When one first value gathers more than CHAIN_LIMIT distinct rows (a
// low-cardinality first column) the index switches to whole-row encoded keys for good.

import type { Row, Value } from '../../types/value.js';
import { encodeRow, encodeValue, sameRow } from '../runtime/values.js';

/** What the index stores: anything with its row. */
export interface IndexedRow {
  readonly row: Row;
}

/** Distinct rows sharing one first value before the index switches to whole-row keys. */
export const CHAIN_LIMIT = 16;

/** Map key of a row's first column: primitives as they are (Map equality matches SQL equality
 *  for them, NaN included), other values by their encoding. */
function firstKey(row: Row): unknown {
  const v: Value | undefined = row[0];
  return v !== null && typeof v === 'object' ? encodeValue(v) : v;
}

export class BucketRowIndex<E extends IndexedRow> {
  /** first-column key → the entry, or the entries, whose row starts with it */
  private byFirst: Map<unknown, E | E[]> | null = new Map();
  /** whole-row encoding → entry, once some first value had too many rows */
  private byRow: Map<string, E> | null = null;

  constructor(entries: Iterable<E> = []) {
    for (const e of entries) this.add(e);
  }

  /** The entry whose row equals `row`, if any. */
  get(row: Row): E | undefined {
    if (this.byRow !== null) return this.byRow.get(encodeRow(row));
    const hit = this.byFirst!.get(firstKey(row));
    if (hit === undefined) return undefined;
    if (!Array.isArray(hit)) return sameRow((hit as E).row, row) ? (hit as E) : undefined;
    for (let i = 0; i < hit.length; i++) if (sameRow(hit[i]!.row, row)) return hit[i];
    return undefined;
  }

  /** Indexes an entry (its row must not be indexed already). */
  add(e: E): void {
    if (this.byRow !== null) {
      this.byRow.set(encodeRow(e.row), e);
      return;
    }
    const map = this.byFirst!;
    const k = firstKey(e.row);
    const hit = map.get(k);
    if (hit === undefined) map.set(k, e);
    else if (!Array.isArray(hit)) map.set(k, [hit as E, e]);
    else {
      hit.push(e);
      if (hit.length > CHAIN_LIMIT) this.switchToRowKeys();
    }
  }

  /** Removes an indexed entry. */
  delete(e: E): void {
    if (this.byRow !== null) {
      this.byRow.delete(encodeRow(e.row));
      return;
    }
    const map = this.byFirst!;
    const k = firstKey(e.row);
    const hit = map.get(k);
    if (hit === e) map.delete(k);
    else if (Array.isArray(hit)) {
      const i = hit.indexOf(e);
      if (i < 0) return;
      hit[i] = hit[hit.length - 1]!;
      hit.pop();
      if (hit.length === 1) map.set(k, hit[0]!);
    }
  }

  /** Whether whole-row keys are in use (a first value had more than CHAIN_LIMIT rows). */
  get byWholeRow(): boolean {
    return this.byRow !== null;
  }

  private switchToRowKeys(): void {
    const byRow = new Map<string, E>();
    for (const hit of this.byFirst!.values()) {
      if (Array.isArray(hit)) for (const e of hit) byRow.set(encodeRow(e.row), e);
      else byRow.set(encodeRow((hit as E).row), hit as E);
    }
    this.byFirst = null;
    this.byRow = byRow;
  }
}
