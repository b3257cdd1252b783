// Operator snapshots → bytes and back. v8.serialize keeps Maps, Sets, bigint, Dates and typed
// arrays, but turns class instances into plain objects, so Decimal and Interval values (which
// may sit anywhere in a snapshot: rows, keys, accumulators) are tagged on the way out and
// rebuilt on the way in. Everything else is copied structurally.
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
  for (const k of Object.keys(o)) o[k] = untag(o[k]);
  return o;
}

export function serializeState(state: unknown): Buffer {
  return v8.serialize(tag(state));
}

export function deserializeState(bytes: Uint8Array): unknown {
  return untag(v8.deserialize(bytes));
}
