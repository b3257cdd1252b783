// Value comparison and key encoding used by the runtime's stores and the relational operators.
// Keys are JS Map keys: a single-column key is the value itself when it is a primitive (Map
// compares numbers with SameValueZero, so NaN groups with NaN and -0 with 0, as SQL GROUP BY
// does); everything else is encoded to a string with type tags so that distinct values never
// collide. NULL is a legal grouping key (GROUP BY/DISTINCT treat NULLs as equal); joins check
// for NULL separately because NULL never equals NULL there.

import { Decimal } from '../../types/decimal.js';
import { Interval } from '../../types/interval.js';
import type { Column } from '../batch.js';
import type { Value } from '../../types/value.js';

export type Key = string | number | boolean | null;

/** Digits of a decimal with trailing fractional zeros removed, so 1.50 and 1.5 encode alike. */
function normalizedDecimal(d: Decimal): string {
  let unscaled = d.unscaled;
  let scale = d.scale;
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  return `${unscaled}e${-scale}`;
}

function appendEncoded(v: Value, parts: string[]): void {
  if (v === null || v === undefined) parts.push('N');
  else if (typeof v === 'number') parts.push(Number.isNaN(v) ? 'nNaN' : v === 0 ? 'n0' : 'n' + v);
  else if (typeof v === 'string') parts.push('s' + v.length + ':' + v);
  else if (typeof v === 'boolean') parts.push(v ? 'T' : 'F');
  else if (v instanceof Decimal) parts.push('d' + normalizedDecimal(v));
  else if (v instanceof Interval) parts.push('i' + v.months + ',' + v.days + ',' + v.micros);
  else if (v instanceof Uint8Array) parts.push('b' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex'));
  else if (Array.isArray(v)) {
    parts.push('[' + v.length);
    for (const e of v) appendEncoded(e, parts);
    parts.push(']');
  } else parts.push('j' + JSON.stringify((v as { json: unknown }).json));
}

/** A string that is equal for two values exactly when they are SQL-equal (NULL = NULL here). */
export function encodeValue(v: Value): string {
  const parts: string[] = [];
  appendEncoded(v, parts);
  return parts.join('|');
}

/** Map key of one value: primitives as themselves, objects as their encoding. */
export function keyOfValue(v: Value): Key {
  if (v === null || v === undefined) return null;
  const t = typeof v;
  if (t === 'number') return v === 0 ? 0 : (v as number);
  if (t === 'string' || t === 'boolean') return v as string | boolean;
  return '\u0000' + encodeValue(v);
}

/** Map key of a whole row (all of its values). */
export function encodeRow(row: readonly Value[]): string {
  const parts: string[] = [];
  for (let i = 0; i < row.length; i++) appendEncoded(row[i], parts);
  return parts.join('|');
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
    const parts: string[] = [];
    for (let k = 0; k < indices.length; k++) appendEncoded(columns[indices[k]][row], parts);
    return parts.join('|');
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
    const parts: string[] = [];
    for (let k = 0; k < indices.length; k++) appendEncoded(row[indices[k]], parts);
    return parts.join('|');
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

function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.unscaled * 10n ** BigInt(scale - a.scale);
  const y = b.unscaled * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Total order over non-NULL values of one type (NULL handling is the caller's: it depends on
 * NULLS FIRST/LAST). NaN sorts above every other number, as in PostgreSQL.
 */
export function compareNonNull(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    return an === bn ? 0 : an ? 1 : -1;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Decimal && b instanceof Decimal) return compareDecimals(a, b);
  if (a instanceof Decimal && typeof b === 'number') return compareNonNull(Number(a.unscaled) / 10 ** a.scale, b);
  if (typeof a === 'number' && b instanceof Decimal) return compareNonNull(a, Number(b.unscaled) / 10 ** b.scale);
  if (a instanceof Interval && b instanceof Interval) {
    // PostgreSQL compares intervals by their length with 30-day months and 24-hour days
    const x = (a.months * 30 + a.days) * 86_400_000_000 + a.micros;
    const y = (b.months * 30 + b.days) * 86_400_000_000 + b.micros;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareWithNulls(a[i], b[i], false);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const x = encodeValue(a);
  const y = encodeValue(b);
  return x < y ? -1 : x > y ? 1 : 0;
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
  const parts: string[] = [];
  for (let c = 0; c < columns.length; c++) appendEncoded(columns[c][i] ?? null, parts);
  return parts.join('|');
}
