// A 30-bit hash of a whole row, used as the Map key of unkeyed view stores in place of the row's
// full string encoding (which concatenated every value, long strings included, per row). Equal
// rows (values.ts sameValue: -0 = 0, NaN = NaN) hash equally; different rows may collide, so
// callers keep a short list per hash and compare rows by value. The result is a small integer
// (a V8 Smi), the cheapest Map key there is.
//
// Strings are hashed by length and up to 16 sampled characters rather than every character:
// the row comparison settles equality, and sampling keeps a 200-character URL at a fixed cost.

import type { Value } from '../../types/value.js';

const f64 = new Float64Array(1);
const words = new Int32Array(f64.buffer);
const SAMPLES = 16;

function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x9e3779b1) ^ (h >>> 15);
}

function numberBits(h: number, v: number): number {
  // SQL equality: -0 equals 0 and NaN equals NaN, whatever its payload
  f64[0] = v === 0 ? 0 : v !== v ? NaN : v;
  return mix(mix(h, words[0]!), words[1]!);
}

function stringBits(h: number, s: string): number {
  const n = s.length;
  h = mix(h, n);
  if (n <= SAMPLES) {
    for (let i = 0; i < n; i++) h = mix(h, s.charCodeAt(i));
    return h;
  }
  // evenly spread samples, always including the first and last characters
  const step = (n - 1) / (SAMPLES - 1);
  for (let k = 0; k < SAMPLES; k++) h = mix(h, s.charCodeAt(Math.floor(k * step)));
  return h;
}

function valueBits(h: number, v: Value | undefined): number {
  if (v === null || v === undefined) return mix(h, 0x6e);
  switch (typeof v) {
    case 'number':
      return numberBits(h, v);
    case 'string':
      return stringBits(h, v);
    case 'boolean':
      return mix(h, v ? 0x74 : 0x66);
    case 'bigint':
      // hashed as the number it rounds to, so a bigint and a number that compare equal collide
      return numberBits(h, Number(v));
    default:
      // decimals, intervals, arrays, JSON, bytes: equality is structural (1.0 = 1.00); the row
      // comparison decides, these only add a type-independent constant
      return mix(h, 0x6f);
  }
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h & 0x3fffffff;
}

/** Hash of row `i` of a batch's columns. */
export function rowHashAt(columns: ArrayLike<Value>[], i: number): number {
  let h = 0x2545f491;
  for (let c = 0; c < columns.length; c++) h = valueBits(h, columns[c]![i]);
  return finish(h);
}

/** Hash of a materialized row; equals rowHashAt of the same values. */
export function rowHash(row: readonly Value[]): number {
  let h = 0x2545f491;
  for (let c = 0; c < row.length; c++) h = valueBits(h, row[c]);
  return finish(h);
}
