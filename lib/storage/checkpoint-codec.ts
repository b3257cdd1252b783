// Operator snapshots → bytes and back. v8.serialize keeps Maps, Sets, bigint, Dates and typed
// arrays, but turns class instances into plain objects, so Decimal and Interval values (which
// may sit anywhere in a snapshot: rows, keys, accumulators) are tagged on the way out and
// rebuilt on the way in. Everything else is copied structurally. Long arrays of equal-width rows
// (store contents) are written column by column, number columns as Float64Array: v8 spends
// microseconds per small array, a typed column is one copy.
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
    const rows = x.length >= MIN_ROWS ? tagRows(x) : null;
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
  return out;
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
      const col = new Array<unknown>(n);
      for (let i = 0; i < n; i++) col[i] = tag((x[i] as unknown[])[c]);
      cols.push(col);
    }
  }
  return { [TAG]: 'r', w: width, n, cols };
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
  for (const k of Object.keys(o)) o[k] = untag(o[k]);
  return o;
}

export function serializeState(state: unknown): Buffer {
  return v8.serialize(tag(state));
}

export function deserializeState(bytes: Uint8Array): unknown {
  return untag(v8.deserialize(bytes));
}
