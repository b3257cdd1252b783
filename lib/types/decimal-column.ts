// A column of DECIMAL values held compactly: the unscaled values in a Float64Array and the
// scale once for the column (or one per row when they differ), NULL as NaN; the rare unscaled
// value beyond 2^53 (a bigint) is kept aside by row. Retaining a million
// Decimal objects costs the garbage collector two heap objects per row (the Decimal and its
// boxed unscaled double) on every scavenge that finds them alive and every full collection;
// the packed form is two typed arrays. Unpacking gives back Decimals with the same unscaled
// value and scale, so values (trailing zeros included) read exactly as they were written.
import { Decimal } from './decimal.js';
import type { Value } from './value.js';

export interface PackedDecimals {
  readonly length: number;
  /** unscaled values, each a safe integer; NaN marks NULL, Infinity a value in `big` */
  readonly unscaled: Float64Array;
  /** row → unscaled value beyond the safe integers (null: there is none) */
  readonly big: Map<number, bigint> | null;
  /** the scale of every row, when they all share one */
  readonly scale: number;
  /** per-row scales when rows differ (null: every row has `scale`) */
  readonly scales: Int16Array | null;
}

/** Scales an Int16Array holds; PostgreSQL's display scale stays far below (1000). */
const MIN_SCALE = -32768;
const MAX_SCALE = 32767;

/**
 * The first `length` values of `column` packed, or null when the column is not a plain column of
 * Decimals and NULLs (a typed array, another type, all NULL) — such a column is kept as it is.
 */
export function packDecimals(column: ArrayLike<Value>, length: number): PackedDecimals | null {
  if (length === 0 || ArrayBuffer.isView(column)) return null;
  let scale = NaN;
  for (let i = 0; i < length; i++) {
    const v = column[i];
    if (v instanceof Decimal) {
      scale = v.scale;
      break;
    }
    if (v !== null && v !== undefined) return null;
  }
  if (scale !== scale) return null;
  const unscaled = new Float64Array(length);
  let scales: Int16Array | null = null;
  let big: Map<number, bigint> | null = null;
  for (let i = 0; i < length; i++) {
    const v = column[i];
    if (v === null || v === undefined) {
      unscaled[i] = NaN;
      continue;
    }
    if (!(v instanceof Decimal)) return null;
    const u = v.safeUnscaled;
    if (u === u) unscaled[i] = u;
    else {
      (big ??= new Map()).set(i, v.unscaled);
      unscaled[i] = Infinity;
    }
    const s = v.scale;
    if (s !== scale && scales === null) {
      if (scale < MIN_SCALE || scale > MAX_SCALE) return null;
      scales = new Int16Array(length).fill(scale);
    }
    if (scales !== null) {
      if (s < MIN_SCALE || s > MAX_SCALE) return null;
      scales[i] = s;
    }
  }
  return { length, unscaled, big, scale, scales };
}

/** The packed values as a plain column of Decimals and NULLs (a packed-elements array). */
export function unpackDecimals(p: PackedDecimals): Value[] {
  const out: Value[] = [];
  const { unscaled, scales, scale, length, big } = p;
  for (let i = 0; i < length; i++) {
    const u = unscaled[i];
    if (u !== u) out.push(null);
    else out.push(new Decimal(u === Infinity ? big!.get(i)! : u, scales === null ? scale : scales[i]));
  }
  return out;
}
