// Small helpers the event-time operators share: row evaluators, hashable group keys, and
// building columnar output batches from emitted rows.

import type { Batch, Column } from '../batch.js';
import type { Value, Row } from '../../types/value.js';

/** Evaluates an expression for row `row` of a batch's columns (what lib/exec/expr compiles to). */
export type RowFn = (columns: Column[], row: number) => Value;

/** A Map-usable key for a list of key values: primitives stay as they are for a single key,
 *  composites (and non-primitive values) become a tagged string. */
export type Key = string | number | boolean | null;

function encodePart(v: Value): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'number':
      return 'd' + String(v);
    case 'string':
      return 's' + v.length + ':' + v;
    case 'boolean':
      return v ? 't' : 'f';
    default:
      // Decimal, Interval, arrays, JSON, bytes: structural encoding
      return 'o' + JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() + 'n' : x instanceof Uint8Array ? Array.from(x) : x));
  }
}

/** Builds a key function over the given evaluators (no evaluators → one shared key). */
export function keyFunction(fns: readonly RowFn[]): (columns: Column[], row: number) => Key {
  if (fns.length === 0) return () => null;
  if (fns.length === 1) {
    const f = fns[0]!;
    return (c, r) => {
      const v = f(c, r);
      return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : encodePart(v);
    };
  }
  return (c, r) => {
    let s = '';
    for (let i = 0; i < fns.length; i++) s += encodePart(fns[i]!(c, r)) + '|';
    return s;
  };
}

/** Whether any of the key values is NULL (NULL keys never match in equi joins). */
export function anyNull(fns: readonly RowFn[], columns: Column[], row: number): boolean {
  for (let i = 0; i < fns.length; i++) if (fns[i]!(columns, row) === null) return true;
  return false;
}

export function columnFn(index: number): RowFn {
  return (c, r) => c[index]![r] as Value;
}

export function readRow(batch: Batch, row: number): Row {
  const out: Row = new Array<Value>(batch.columns.length);
  for (let c = 0; c < batch.columns.length; c++) out[c] = batch.columns[c]![row] as Value;
  return out;
}

/** Accumulates output rows (with weights) column by column and turns them into a Batch. */
export class BatchBuilder {
  private columns: Value[][];
  private weights: number[] = [];
  private allInserts = true;

  constructor(readonly width: number) {
    this.columns = [];
    for (let i = 0; i < width; i++) this.columns.push([]);
  }

  get length(): number {
    return this.weights.length;
  }

  add(row: readonly Value[], weight = 1): void {
    for (let c = 0; c < this.width; c++) this.columns[c]!.push(row[c] ?? null);
    this.weights.push(weight);
    if (weight !== 1) this.allInserts = false;
  }

  /** Adds left ++ right (right may be null: pad with NULLs of `rightWidth`). */
  addJoined(left: readonly Value[], right: readonly Value[] | null, leftWidth: number, weight = 1): void {
    for (let c = 0; c < leftWidth; c++) this.columns[c]!.push(left[c] ?? null);
    for (let c = leftWidth; c < this.width; c++) this.columns[c]!.push(right === null ? null : right[c - leftWidth] ?? null);
    this.weights.push(weight);
    if (weight !== 1) this.allInserts = false;
  }

  /** Returns the accumulated batch and starts over. */
  take(): Batch {
    const batch: Batch = {
      length: this.weights.length,
      columns: this.columns,
      weights: this.allInserts ? null : Int32Array.from(this.weights),
    };
    this.columns = [];
    for (let i = 0; i < this.width; i++) this.columns.push([]);
    this.weights = [];
    this.allInserts = true;
    return batch;
  }
}

/** Weight of row `i` of a batch. */
export function weightOf(batch: Batch, i: number): number {
  return batch.weights === null ? 1 : batch.weights[i]!;
}

/** Whether two rows hold equal values (non-primitive values compared structurally). */
export function sameRow(a: readonly Value[], b: readonly Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object' || encodePart(x) !== encodePart(y)) return false;
  }
  return true;
}
