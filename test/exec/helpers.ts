// Test helpers for ring-0 operators: a capturing Output, batch construction from rows, Z-set
// consolidation, and a random-changes generator shared by the property tests.

import fc from 'fast-check';
import type { Batch } from '../../lib/exec/batch.js';
import type { Operator, Output } from '../../lib/exec/operator.js';
import type { Row } from '../../lib/types/value.js';
import { batchFromRows, rowAt, weightAt } from '../../lib/exec/runtime/batch-builder.js';
import { encodeRow } from '../../lib/exec/runtime/values.js';

export class Capture implements Output {
  batches: Batch[] = [];
  watermarks: number[] = [];
  push(batch: Batch): void {
    this.batches.push(batch);
  }
  watermark(wm: number): void {
    this.watermarks.push(wm);
  }
  /** every (row, weight) pushed so far, in order, without consolidation */
  changes(): [Row, number][] {
    const out: [Row, number][] = [];
    for (const b of this.batches) for (let i = 0; i < b.length; i++) out.push([rowAt(b, i), weightAt(b, i)]);
    return out;
  }
  /** the net Z-set of everything pushed, as a sorted list of rows (weight n → n copies) */
  net(): Row[] {
    return zsetRows(this.changes());
  }
  clear(): void {
    this.batches = [];
  }
}

export function make<T extends Operator>(factory: (out: Output) => T): { op: T; out: Capture } {
  const out = new Capture();
  return { op: factory(out), out };
}

export function batch(rows: Row[], weights?: number[]): Batch {
  const width = rows.length > 0 ? rows[0].length : 0;
  return batchFromRows(rows, width, weights);
}

export function inserts(...rows: Row[]): Batch {
  return batch(rows);
}

export function deletes(...rows: Row[]): Batch {
  return batch(
    rows,
    rows.map(() => -1),
  );
}

/** Consolidate (row, weight) pairs; throws if any row ends with a negative weight. */
export function zsetRows(changes: Iterable<[Row, number]>): Row[] {
  const m = new Map<string, { row: Row; n: number }>();
  for (const [row, w] of changes) {
    const k = encodeRow(row);
    const e = m.get(k);
    if (e) e.n += w;
    else m.set(k, { row, n: w });
  }
  const rows: Row[] = [];
  for (const { row, n } of m.values()) {
    if (n < 0) throw new Error(`negative multiplicity ${n} for ${JSON.stringify(row)}`);
    for (let i = 0; i < n; i++) rows.push(row);
  }
  return sortRows(rows);
}

export function sortRows(rows: Row[]): Row[] {
  return rows
    .map((r) => [encodeRow(r), r] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((x) => x[1]);
}

/**
 * A random sequence of steps over one input: each step inserts rows drawn from `rowArb` or
 * deletes rows currently present (chosen by index), so the net input never goes negative.
 */
export type StepOp = { insert: Row } | { deleteAt: number };

export function stepsArb(rowArb: fc.Arbitrary<Row>, maxSteps = 8, maxOps = 6): fc.Arbitrary<StepOp[][]> {
  const op: fc.Arbitrary<StepOp> = fc.oneof(
    { weight: 3, arbitrary: rowArb.map((insert) => ({ insert })) },
    { weight: 2, arbitrary: fc.nat(1000).map((deleteAt) => ({ deleteAt })) },
  );
  return fc.array(fc.array(op, { maxLength: maxOps }), { minLength: 1, maxLength: maxSteps });
}

/** Turn a step into a batch against the current contents (mutated to the new contents). */
export function stepBatch(ops: StepOp[], current: Row[], width: number): Batch {
  const rows: Row[] = [];
  const weights: number[] = [];
  for (const o of ops) {
    if ('insert' in o) {
      current.push(o.insert);
      rows.push(o.insert);
      weights.push(1);
    } else if (current.length > 0) {
      const [row] = current.splice(o.deleteAt % current.length, 1);
      rows.push(row);
      weights.push(-1);
    }
  }
  return batchFromRows(rows, width, weights);
}

/** Small value domains make collisions (same keys, duplicates) frequent. */
export const smallInt = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constant(null) });
export const smallIntNotNull = fc.integer({ min: 0, max: 3 });
