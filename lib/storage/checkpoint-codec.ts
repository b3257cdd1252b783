// Operator snapshots → bytes and back. v8.serialize keeps Maps, Sets, bigint, Dates and typed
// arrays, but turns class instances into plain objects, so Decimal and Interval values (which
// may sit anywhere in a snapshot: rows, keys, accumulators) are tagged on the way out and
// rebuilt on the way in. Everything else is copied structurally. Long arrays of equal-width rows
// (store contents) are written column by column, number columns as Float64Array: v8 spends
// microseconds per small array, a typed column is one copy. Long arrays of plain objects with the
// same keys (an aggregate's groups) are written one column per key the same way, and long arrays
// of numbers as one Float64Array.
import * as v8 from 'node:v8';
import { Decimal } from '../types/decimal.js';
import { Interval } from '../types/interval.js';

const TAG = '__laminar_value';

function tag(x: unknown): unknown {
  if (x === null || typeof x !== 'object') return x;
  if (x instanceof Decimal) return { [TAG]: 'd', u: x.unscaled, s: x.scale };
  if (x instanceof Interval) return { [TAG]: 'i', m: x.months, d: x.days, us: x.micros };
  if (ArrayBuffer.isView(x) || x instanceof Date) return x;
  if (Array.isArray(x)) {
    const rows = x.length >= MIN_ROWS ? (tagRows(x) ?? tagRecords(x) ?? tagNumbers(x)) : null;
    if (rows !== null) return rows;
    const out = new Array<unknown>(x.length);
    for (let i = 0; i < x.length; i++) out[i] = tag(x[i]);
    return out;
  }
  if (x instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of x) out.set(tag(k), tag(v));
    return out;
  }
  if (x instanceof Set) {
    const out = new Set<unknown>();
    for (const v of x) out.add(tag(v));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x)) out[k] = tag((x as Record<string, unknown>)[k]);
  // user data (a JSON value) that has the tag's key is escaped, so it is never read as a tag
  return Object.prototype.hasOwnProperty.call(x, TAG) ? { [TAG]: 'e', o: out } : out;
}

const MIN_ROWS = 64;

/** An array of equal-width arrays, as columns; null when it is not one. */
function tagRows(x: unknown[]): unknown {
  const first = x[0];
  if (!Array.isArray(first)) return null;
  const width = first.length;
  for (let i = 1; i < x.length; i++) {
    const r = x[i];
    if (!Array.isArray(r) || r.length !== width) return null;
  }
  const n = x.length;
  const cols: unknown[] = [];
  for (let c = 0; c < width; c++) {
    let numeric = true;
    for (let i = 0; i < n; i++) {
      if (typeof (x[i] as unknown[])[c] !== 'number') {
        numeric = false;
        break;
      }
    }
    if (numeric) {
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) col[i] = (x[i] as number[])[c]!;
      cols.push(col);
    } else {
      // the column as a whole: a column of rows, records or numbers is itself written as columns
      const col = new Array<unknown>(n);
      for (let i = 0; i < n; i++) col[i] = (x[i] as unknown[])[c];
      cols.push(tag(col));
    }
  }
  return { [TAG]: 'r', w: width, n, cols };
}

function isPlainObject(o: unknown): o is Record<string, unknown> {
  if (o === null || typeof o !== 'object') return false;
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

/** An array of plain objects with the same keys in the same order, one column per key; null when it is not one. */
function tagRecords(x: unknown[]): unknown {
  const first = x[0];
  if (!isPlainObject(first)) return null;
  const keys = Object.keys(first);
  if (keys.includes(TAG)) return null;
  const n = x.length;
  for (let i = 1; i < n; i++) {
    const o = x[i];
    if (!isPlainObject(o)) return null;
    let j = 0;
    for (const k in o) {
      if (k !== keys[j++]) return null;
    }
    if (j !== keys.length) return null;
  }
  const cols = keys.map((k) => {
    const col = new Array<unknown>(n);
    for (let i = 0; i < n; i++) col[i] = (x[i] as Record<string, unknown>)[k];
    return tag(col);
  });
  return { [TAG]: 'o', keys, n, cols };
}

function untagRecords(o: Record<string, unknown>): Record<string, unknown>[] {
  const keys = o.keys as string[];
  const n = o.n as number;
  const cols = (o.cols as unknown[]).map((c) => untag(c) as ArrayLike<unknown>);
  const out = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const rec: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) rec[keys[k]!] = cols[k]![i];
    out[i] = rec;
  }
  return out;
}

/** An array of numbers as one Float64Array (-0 and NaN kept); null when it is not one. */
function tagNumbers(x: unknown[]): unknown {
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'number') return null;
  return { [TAG]: 'f', v: Float64Array.from(x as number[]) };
}

function untagRows(o: Record<string, unknown>): unknown[][] {
  const width = o.w as number;
  const n = o.n as number;
  const cols = (o.cols as unknown[]).map((c) => (c instanceof Float64Array ? c : (untag(c) as unknown[])));
  const rows = new Array<unknown[]>(n);
  for (let i = 0; i < n; i++) {
    const row = new Array<unknown>(width);
    for (let c = 0; c < width; c++) row[c] = (cols[c] as ArrayLike<unknown>)[i];
    rows[i] = row;
  }
  return rows;
}

function untag(x: unknown): unknown {
  if (x === null || typeof x !== 'object') return x;
  if (ArrayBuffer.isView(x) || x instanceof Date) return x;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = untag(x[i]);
    return x;
  }
  if (x instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of x) out.set(untag(k), untag(v));
    return out;
  }
  if (x instanceof Set) {
    const out = new Set<unknown>();
    for (const v of x) out.add(untag(v));
    return out;
  }
  const o = x as Record<string, unknown>;
  const t = o[TAG];
  if (t === 'd') return new Decimal(o.u as bigint, o.s as number);
  if (t === 'i') return new Interval(o.m as number, o.d as number, o.us as number);
  if (t === 'r') return untagRows(o);
  if (t === 'o') return untagRecords(o);
  if (t === 'f') return Array.from(o.v as Float64Array);
  if (t === 'e') {
    const inner = o.o as Record<string, unknown>;
    for (const k of Object.keys(inner)) inner[k] = untag(inner[k]);
    return inner;
  }
  for (const k of Object.keys(o)) o[k] = untag(o[k]);
  return o;
}

export function serializeState(state: unknown): Buffer {
  return v8.serialize(tag(state));
}

export function deserializeState(bytes: Uint8Array): unknown {
  return untag(v8.deserialize(bytes));
}
