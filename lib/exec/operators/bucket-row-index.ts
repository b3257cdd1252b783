// Finding a stored row equal to a given one inside an arrangement bucket (for retractions and
// repeated inserts). The arrangement keeps its rows column by column under entry ids
// (arrangement.ts); this index maps a row's values to the id holding them. Rows are hashed by
// their first column's value, not by a string encoding of the whole row: encoding every row of a
// big bucket (q5: ~240 K rows under one window key, each update a retraction and an insert) cost
// a string build, a flatten and a string-keyed Map probe per row, and kept one string per stored
// row alive. Candidates with the same first value are checked value by value. When one first
// value gathers more than CHAIN_LIMIT distinct rows (a low-cardinality first column) the index
// switches to whole-row encoded keys for good.

import type { Value } from '../../types/value.js';
import { encodeValue, sameValue } from '../runtime/values.js';

/** Distinct rows sharing one first value before the index switches to whole-row keys. */
export const CHAIN_LIMIT = 16;

/** Columns of values, read at one index: an arrangement's stored rows or a batch's columns. */
export type RowColumns = readonly ArrayLike<Value>[];

/** Map key of a value: primitives as they are (Map equality matches SQL equality for them, NaN
 *  included), other values by their encoding. */
function mapKey(v: Value | undefined): unknown {
  if (v === undefined) return null;
  return v !== null && typeof v === 'object' ? encodeValue(v) : v;
}

/** Row `i` of `columns` (the first `width` of them) equals row `j` of `other`. */
export function sameRowIn(columns: RowColumns, i: number, other: RowColumns, j: number, width: number): boolean {
  for (let c = 0; c < width; c++) if (!sameValue(columns[c]![i] ?? null, other[c]![j] ?? null)) return false;
  return true;
}

function encodeIn(columns: RowColumns, i: number, width: number): string {
  let out = '';
  for (let c = 0; c < width; c++) out += encodeValue(columns[c]![i] ?? null);
  return out;
}

export class BucketRowIndex {
  /** first-column key → the id, or the ids, whose row starts with it */
  private byFirst: Map<unknown, number | number[]> | null = new Map();
  /** whole-row encoding → id, once some first value had too many rows */
  private byRow: Map<string, number> | null = null;

  /** `stored`: the arrangement's columns (ids index them); `width`: how many of them a row has */
  constructor(
    private readonly stored: RowColumns,
    private readonly width: number,
    ids: Iterable<number> = [],
  ) {
    for (const id of ids) this.add(id);
  }

  /** The id of the stored row equal to row `i` of `columns`, or -1. */
  get(columns: RowColumns, i: number): number {
    const width = this.width;
    if (this.byRow !== null) return this.byRow.get(encodeIn(columns, i, width)) ?? -1;
    const hit = this.byFirst!.get(width === 0 ? null : mapKey(columns[0]![i]));
    if (hit === undefined) return -1;
    if (typeof hit === 'number') return sameRowIn(this.stored, hit, columns, i, width) ? hit : -1;
    for (let k = 0; k < hit.length; k++) if (sameRowIn(this.stored, hit[k]!, columns, i, width)) return hit[k]!;
    return -1;
  }

  /** Indexes the stored row `id` (an equal row must not be indexed already). */
  add(id: number): void {
    if (this.byRow !== null) {
      this.byRow.set(encodeIn(this.stored, id, this.width), id);
      return;
    }
    const map = this.byFirst!;
    const k = this.firstOf(id);
    const hit = map.get(k);
    if (hit === undefined) map.set(k, id);
    else if (typeof hit === 'number') map.set(k, [hit, id]);
    else {
      hit.push(id);
      if (hit.length > CHAIN_LIMIT) this.switchToRowKeys();
    }
  }

  /** Removes the indexed row `id` (call before its values are overwritten). */
  delete(id: number): void {
    if (this.byRow !== null) {
      this.byRow.delete(encodeIn(this.stored, id, this.width));
      return;
    }
    const map = this.byFirst!;
    const k = this.firstOf(id);
    const hit = map.get(k);
    if (hit === id) map.delete(k);
    else if (Array.isArray(hit)) {
      const i = hit.indexOf(id);
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

  private firstOf(id: number): unknown {
    return this.width === 0 ? null : mapKey(this.stored[0]![id]);
  }

  private switchToRowKeys(): void {
    const byRow = new Map<string, number>();
    for (const hit of this.byFirst!.values()) {
      if (typeof hit === 'number') byRow.set(encodeIn(this.stored, hit, this.width), hit);
      else for (const id of hit) byRow.set(encodeIn(this.stored, id, this.width), id);
    }
    this.byFirst = null;
    this.byRow = byRow;
  }
}
