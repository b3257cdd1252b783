// Partition hash of a key value: equal SQL values (as internal values) must land on the same
// shard, whichever relation or shard computes it. NULL keys go to shard 0.
import { Decimal } from '../types/decimal.js';
import type { Value } from '../types/value.js';

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

/** Decimal text without trailing fractional zeros, so 1.0 and 1.00 (equal in SQL) hash alike. */
function canonicalDecimal(text: string): string {
  if (!text.includes('.')) return text === '-0' ? '0' : text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (text.charCodeAt(end - 1) === 46 /* . */) end--;
  const t = text.slice(0, end);
  return t === '-0' ? '0' : t;
}

/** 32-bit hash of a key value (numbers hash by value, so 1 and 1.0 agree; -0 equals 0). */
export function hashValue(v: Value): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') {
    if ((v | 0) === v) return mix(v | 0);
    F64[0] = v === 0 ? 0 : v;
    return mix(U32[0]! ^ Math.imul(U32[1]!, 0x9e3779b1));
  }
  if (typeof v === 'string') return hashString(v);
  if (typeof v === 'boolean') return v ? mix(1) : mix(2);
  if (v instanceof Uint8Array) {
    let h = 0x811c9dc5;
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v[i]!, 0x01000193);
    return mix(h);
  }
  if (v instanceof Decimal) return hashString(canonicalDecimal(v.toString()));
  // Interval, JSON, arrays: their text form is canonical enough for equality
  return hashString(Array.isArray(v) ? JSON.stringify(v) : String(v));
}

/** Shard of each row of `column` (first `length` rows), into `out`. */
export function shardOfRows(column: ArrayLike<Value>, length: number, shards: number, out: Uint8Array): void {
  for (let i = 0; i < length; i++) {
    const v = column[i]!;
    out[i] = v === null ? 0 : hashValue(v) % shards;
  }
}
