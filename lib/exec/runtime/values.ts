// Value comparison and key encoding used by the runtime's stores and the relational operators,
// over lib/types/compare.ts (the team's SQL equality and ordering: 1.0 = 1.00, NaN = NaN …).
// Keys are JS Map keys: a single-column key is the value itself when it is a primitive (Map
// compares numbers with SameValueZero, so NaN groups with NaN and -0 with 0, as SQL GROUP BY
// does); everything else is encoded to a string with type tags so that distinct values never
// collide. NULL is a legal grouping key (GROUP BY/DISTINCT treat NULLs as equal); joins check
// for NULL separately because NULL never equals NULL there.

import { compareAny, encodeValue as encodeTyped, keyOf } from '../../types/compare.js';
import type { Column } from '../batch.js';
import type { Value } from '../../types/value.js';

export type Key = string | number | boolean | null;

/** A string equal for two values exactly when they are SQL-equal (NULL = NULL here). */
export function encodeValue(v: Value): string {
  return encodeTyped(v === undefined ? null : v);
}

/** Map key of one value: primitives as themselves, objects as their encoding. */
export function keyOfValue(v: Value): Key {
  if (v === undefined) return null;
  return keyOf(v);
}

/** Map key of a whole row (all of its values); the encoding is self-delimiting. */
export function encodeRow(row: readonly Value[]): string {
  let out = '';
  for (let i = 0; i < row.length; i++) out += encodeValue(row[i]);
  return out;
}

/**
 * A key extractor for the given columns of a batch. One column → the value's key itself (no
 * string building for numbers/strings); several → a tagged string.
 */
export function keyExtractor(indices: readonly number[]): (columns: Column[], row: number) => Key {
  if (indices.length === 0) return () => '';
  if (indices.length === 1) {
    const c = indices[0];
    return (columns, row) => keyOfValue(columns[c][row]);
  }
  return (columns, row) => {
    let out = '';
    for (let k = 0; k < indices.length; k++) out += encodeValue(columns[indices[k]][row]);
    return out;
  };
}

/** Same as keyExtractor but over a materialized row. */
export function rowKeyExtractor(indices: readonly number[]): (row: readonly Value[]) => Key {
  if (indices.length === 0) return () => '';
  if (indices.length === 1) {
    const c = indices[0];
    return (row) => keyOfValue(row[c]);
  }
  return (row) => {
    let out = '';
    for (let k = 0; k < indices.length; k++) out += encodeValue(row[indices[k]]);
    return out;
  };
}

/** True when any of the given columns of the row is NULL (such a key never joins). */
export function hasNullAt(columns: Column[], row: number, indices: readonly number[]): boolean {
  for (let k = 0; k < indices.length; k++) {
    const v = columns[indices[k]][row];
    if (v === null || v === undefined) return true;
  }
  return false;
}

/**
 * Total order over non-NULL values of one type (NULL handling is the caller's: it depends on
 * NULLS FIRST/LAST). NaN sorts above every other number, as in PostgreSQL.
 */
export function compareNonNull(a: Value, b: Value): number {
  return compareAny(a, b);
}

/** Compare two values, NULL placed first or last. */
export function compareWithNulls(a: Value, b: Value, nullsFirst: boolean): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) {
    if (an && bn) return 0;
    return an === nullsFirst ? -1 : 1;
  }
  return compareNonNull(a, b);
}

/** One ORDER BY item over a row: column index, direction, NULL placement. */
export interface SortKey {
  column: number;
  desc: boolean;
  /** default as in PostgreSQL: NULLs are larger than everything (last for ASC, first for DESC) */
  nullsFirst?: boolean;
}

export type RowComparator = (a: readonly Value[], b: readonly Value[]) => number;

/** A row comparator for an ORDER BY list. */
export function rowComparator(keys: readonly SortKey[]): RowComparator {
  const cols = keys.map((k) => k.column);
  const desc = keys.map((k) => k.desc);
  const nullsFirst = keys.map((k) => k.nullsFirst ?? k.desc);
  const n = keys.length;
  return (a, b) => {
    for (let i = 0; i < n; i++) {
      const c = cols[i];
      const av = a[c];
      const bv = b[c];
      const an = av === null || av === undefined;
      const bn = bv === null || bv === undefined;
      let r: number;
      if (an || bn) {
        if (an && bn) continue;
        // NULL placement is independent of the direction
        return an === nullsFirst[i] ? -1 : 1;
      }
      r = compareNonNull(av, bv);
      if (r !== 0) return desc[i] ? -r : r;
    }
    return 0;
  };
}


/** SQL-equality of two values for consolidation (NULL = NULL, NaN = NaN), no allocation for primitives. */
export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  const t = typeof a;
  if (t === 'number') return typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  if (t === 'string' || t === 'boolean') return false;
  return encodeValue(a) === encodeValue(b);
}

/** Two rows hold the same values. */
export function sameRow(a: readonly Value[], b: readonly Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
  return true;
}

/** A stored row equals row `i` of a batch's columns. */
export function sameRowAt(row: readonly Value[], columns: ArrayLike<Value>[], i: number): boolean {
  if (row.length !== columns.length) return false;
  for (let c = 0; c < row.length; c++) if (!sameValue(row[c], columns[c][i] ?? null)) return false;
  return true;
}

/** encodeRow over row `i` of a batch's columns (no row array). */
export function encodeRowAt(columns: ArrayLike<Value>[], i: number): string {
  let out = '';
  for (let c = 0; c < columns.length; c++) out += encodeValue(columns[c][i]);
  return out;
}
