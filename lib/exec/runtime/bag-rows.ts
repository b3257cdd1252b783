// The rows of a table without a primary key: a multiset, stored as rows by slot with a count each.
//
// An insert appends its row (count w) without encoding it: most bag tables are insert-only, and
// the per-row string key and Map entry were a third of an insert's cost and garbage for the GC.
// The row → slot index (SQL equality, via encodeRow) is built the first time a delete must find
// rows by value; building it merges slots that hold equal rows into the first one (the row kept
// is the first inserted, as before). From then on inserts go through the index too.
// A delete that empties a slot leaves a hole (count 0); holes are compacted away once they are
// the majority.

import type { Row } from '../../types/value.js';
import { encodeRow } from './values.js';

const COMPACT_MIN_HOLES = 64;

export class BagRows {
  private rows: Row[] = [];
  private counts: number[] = [];
  private holes = 0;
  /** encoded row → slot; null until a delete needs it */
  private index: Map<string, number> | null = null;

  /** Live slots: distinct rows once the index exists, else possibly equal rows in several slots. */
  get distinct(): number {
    return this.rows.length - this.holes;
  }

  /** Add `count` (> 0) copies of `row` (kept by reference); returns count. */
  add(row: Row, count: number): number {
    const index = this.index;
    if (index !== null) {
      const key = encodeRow(row);
      const slot = index.get(key);
      if (slot !== undefined) {
        if (this.counts[slot] === 0) this.holes--;
        this.counts[slot] += count;
        return count;
      }
      index.set(key, this.rows.length);
    }
    this.rows.push(row);
    this.counts.push(count);
    return count;
  }

  /** Remove up to `count` (> 0) copies of rows equal to `row`; returns how many were removed. */
  remove(row: Row, count: number): number {
    const index = this.index ?? this.buildIndex();
    const key = encodeRow(row);
    const slot = index.get(key);
    if (slot === undefined) return 0;
    const have = this.counts[slot];
    const removed = Math.min(have, count);
    this.counts[slot] = have - removed;
    if (have - removed === 0) {
      // the index keeps the slot so a re-insert of the row reuses it
      this.holes++;
      if (this.holes >= COMPACT_MIN_HOLES && this.holes * 2 > this.rows.length) this.compact();
    }
    return removed;
  }

  /** Each live row with its count, in slot order. */
  forEach(fn: (row: Row, count: number) => void): void {
    const rows = this.rows;
    const counts = this.counts;
    for (let s = 0; s < rows.length; s++) if (counts[s] > 0) fn(rows[s], counts[s]);
  }

  /** The checkpoint shape { rows, counts } (live slots only; equal rows may repeat). */
  snapshot(): { rows: Row[]; counts: number[] } {
    const rows: Row[] = [];
    const counts: number[] = [];
    this.forEach((row, count) => {
      rows.push(row);
      counts.push(count);
    });
    return { rows, counts };
  }

  /** Load a snapshot (absent counts: 1 each); returns the total row count. */
  load(rows: readonly Row[], counts: readonly number[] | undefined): number {
    this.clear();
    let total = 0;
    for (let i = 0; i < rows.length; i++) {
      const count = counts?.[i] ?? 1;
      if (count <= 0) continue;
      this.rows.push(rows[i]);
      this.counts.push(count);
      total += count;
    }
    return total;
  }

  clear(): void {
    this.rows = [];
    this.counts = [];
    this.holes = 0;
    this.index = null;
  }

  private buildIndex(): Map<string, number> {
    const index = new Map<string, number>();
    const rows = this.rows;
    const counts = this.counts;
    for (let s = 0; s < rows.length; s++) {
      if (counts[s] === 0) continue;
      const key = encodeRow(rows[s]);
      const first = index.get(key);
      if (first === undefined) index.set(key, s);
      else {
        counts[first] += counts[s];
        counts[s] = 0;
        this.holes++;
      }
    }
    this.index = index;
    return index;
  }

  private compact(): void {
    const rows: Row[] = [];
    const counts: number[] = [];
    const index = this.index === null ? null : new Map<string, number>();
    this.forEach((row, count) => {
      index?.set(encodeRow(row), rows.length);
      rows.push(row);
      counts.push(count);
    });
    this.rows = rows;
    this.counts = counts;
    this.holes = 0;
    this.index = index;
  }
}
