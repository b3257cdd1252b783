// Inner, left, right and full outer joins on equi keys with an optional residual condition.
//
// Both inputs are arranged by key. A delta on one side joins the other side's current state,
// then updates its own side (ΔL⋈R then L'⋈ΔR across successive pushes, which is the DBSP delta
// rule). A NULL in any key column never matches (NULL ≠ NULL). Outer joins keep, per stored
// row, the sum of the weights of the rows it matches; when that count moves between 0 and >0
// the NULL-padded row is retracted or emitted. With no keys it is a cross join.
//
// A step allocates no row arrays: candidate pairs are gathered from the batch's columns and the
// arrangement's columns into the columns of joined rows, the residual runs over those, and the
// passing pairs are the output batch; delta rows are stored from the batch's columns.

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import { batchOf } from '../batch.js';
import type { Row, Value } from '../../types/value.js';
import { weightAt } from '../runtime/batch-builder.js';
import { hasNullAt, keyExtractor, rowKeyExtractor, type Key } from '../runtime/values.js';
import { WatermarkCombiner } from '../runtime/watermark.js';
import { Arrangement } from './arrangement.js';
import type { RowColumns } from './bucket-row-index.js';
import type { PredicateFn } from './filter.js';
import { ensureInt32, gatherPairs, residualMask } from './join-pairs.js';

export type JoinType = 'inner' | 'left' | 'right' | 'full';

export interface JoinOptions {
  type: JoinType;
  leftWidth: number;
  rightWidth: number;
  leftKeys: readonly number[];
  rightKeys: readonly number[];
  /** condition over left ++ right rows, evaluated per batch of candidate pairs */
  residual?: PredicateFn;
  /** one key column per side holding numbers (integers, floats, timestamps, dates): keys are
   *  handled as a Float64Array per batch and the index may move to the native store
   *  (arrangement.ts) */
  numericKeys?: boolean;
}

export class Join implements Operator {
  private readonly sides: [Arrangement, Arrangement];
  /** native-keyed pushes: the batch's keyed rows, their keys, and per keyed row the other
   *  side's bucket / this side's slot */
  private keyRows = new Int32Array(0);
  private keyValues = new Float64Array(0);
  private lookups = new Int32Array(0);
  private slots = new Uint32Array(0);
  private readonly found: (readonly number[] | undefined)[] = [];
  /** candidate pairs of a push: the delta row and the other side's entry id */
  private pairDelta: Int32Array = new Int32Array(64);
  private pairEntry: Int32Array = new Int32Array(64);
  /** per delta row: the summed weights of the stored rows it joined (reused across pushes) */
  private deltaMatches = new Float64Array(64);
  private readonly keyOf: [(c: Batch['columns'], i: number) => Key, (c: Batch['columns'], i: number) => Key];
  private readonly keyCols: [readonly number[], readonly number[]];
  private readonly keyOfRow: [(r: Row) => Key, (r: Row) => Key];
  /** whether unmatched rows of side 0 (left) / 1 (right) are kept NULL-padded */
  private readonly preserve: [boolean, boolean];
  private readonly numeric: boolean;
  private readonly wm = new WatermarkCombiner(2);

  constructor(
    private readonly out: Output,
    private readonly options: JoinOptions,
  ) {
    this.keyCols = [options.leftKeys, options.rightKeys];
    this.keyOf = [keyExtractor(options.leftKeys), keyExtractor(options.rightKeys)];
    this.keyOfRow = [rowKeyExtractor(options.leftKeys), rowKeyExtractor(options.rightKeys)];
    this.preserve = [options.type === 'left' || options.type === 'full', options.type === 'right' || options.type === 'full'];
    this.numeric = options.numericKeys === true && options.leftKeys.length === 1 && options.rightKeys.length === 1;
    this.sides = [new Arrangement({ nativeKeys: this.numeric }), new Arrangement({ nativeKeys: this.numeric })];
  }

  /** Numeric keys: the rows of the batch with a non-NULL key and their keys; returns how many. */
  private collectKeys(batch: Batch, side: number): number {
    const n = batch.length;
    if (this.keyRows.length < n) {
      const size = Math.max(n, this.keyRows.length * 2);
      this.keyRows = new Int32Array(size);
      this.keyValues = new Float64Array(size);
      this.lookups = new Int32Array(size);
      this.slots = new Uint32Array(size);
    }
    const col = batch.columns[this.keyCols[side][0]];
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number') throw new ExecutionError('INTERNAL', `a numeric join key column holds a ${typeof v} value`);
      this.keyRows[m] = i;
      this.keyValues[m] = v;
      m++;
    }
    return m;
  }

  /** Records candidate pair (delta row i, stored entry id) number p; returns p + 1. */
  private addPair(p: number, i: number, id: number): number {
    if (p === this.pairDelta.length) {
      this.pairDelta = ensureInt32(this.pairDelta, p + 1);
      this.pairEntry = ensureInt32(this.pairEntry, p + 1);
    }
    this.pairDelta[p] = i;
    this.pairEntry[p] = id;
    return p + 1;
  }

  push(batch: Batch, port: number): void {
    const side = port === 0 ? 0 : 1;
    const other = 1 - side;
    const mine = this.sides[side];
    const theirs = this.sides[other];
    const cols = batch.columns;
    const n = batch.length;
    const lw = this.options.leftWidth;
    const rw = this.options.rightWidth;

    // phase 1: candidate pairs (delta row × stored rows of the same key)
    const numeric = this.numeric;
    const native = mine.nativeKeys;
    const deltaKeys: (Key | undefined)[] | null = numeric ? null : new Array(n);
    let keyed = 0;
    if (numeric) {
      keyed = this.collectKeys(batch, side);
      theirs.bucketsOf(this.keyValues, keyed, this.found, this.lookups);
    }
    let pairs = 0;
    for (let i = 0, k = 0; i < n; i++) {
      let bucket: readonly number[] | undefined;
      if (numeric) {
        if (k >= keyed || this.keyRows[k] !== i) continue;
        bucket = this.found[k++];
      } else {
        if (hasNullAt(cols, i, this.keyCols[side])) continue;
        const key = this.keyOf[side](cols, i);
        deltaKeys![i] = key;
        bucket = theirs.bucket(key);
      }
      if (bucket === undefined) continue;
      for (let b = 0; b < bucket.length; b++) pairs = this.addPair(pairs, i, bucket[b]!);
    }

    // phase 2: the pairs as joined rows, filtered by the residual and weighted; match counts
    const stored = theirs.columns;
    const joined: Value[][] =
      side === 0
        ? gatherPairs(cols, this.pairDelta, lw, stored, this.pairEntry, rw, pairs)
        : gatherPairs(stored, this.pairEntry, lw, cols, this.pairDelta, rw, pairs);
    const mask = residualMask(this.options.residual, joined, pairs);
    const weights: number[] = [];
    let allOnes = true;
    if (this.deltaMatches.length < n) this.deltaMatches = new Float64Array(Math.max(n, this.deltaMatches.length * 2));
    const deltaMatches = this.deltaMatches;
    deltaMatches.fill(0, 0, n);
    const preserveOther = this.preserve[other];
    const otherBefore = preserveOther ? new Map<number, number>() : null;
    let kept = 0;
    for (let p = 0; p < pairs; p++) {
      if (mask !== null && mask[p] === 0) continue;
      const i = this.pairDelta[p]!;
      const id = this.pairEntry[p]!;
      const w = weightAt(batch, i);
      const ew = theirs.weight(id);
      deltaMatches[i] += ew;
      if (otherBefore !== null) {
        const m = theirs.matches(id);
        if (!otherBefore.has(id)) otherBefore.set(id, m);
        theirs.setMatches(id, m + w);
      }
      const weight = w * ew;
      if (weight === 0) continue;
      if (kept !== p) for (let c = 0; c < joined.length; c++) joined[c]![kept] = joined[c]![p]!;
      if (weight !== 1) allOnes = false;
      weights.push(weight);
      kept++;
    }
    if (kept !== pairs) for (let c = 0; c < joined.length; c++) joined[c]!.length = kept;
    const padded = (source: RowColumns, at: number, sideOf: number, weight: number): void => {
      // a row of side `sideOf` with the other side's columns NULL
      const from = sideOf === 0 ? 0 : lw;
      const width = sideOf === 0 ? lw : rw;
      for (let c = 0; c < lw + rw; c++) joined[c]!.push(c >= from && c < from + width ? (source[c - from]![at] ?? null) : null);
      if (weight !== 1) allOnes = false;
      weights.push(weight);
    };
    if (otherBefore !== null) {
      for (const [id, before] of otherBefore) {
        const now = theirs.matches(id);
        if (before > 0 === now > 0) continue;
        // the stored row lost its last match (emit padded) or gained its first (retract padded)
        const ew = theirs.weight(id);
        padded(stored, id, other, now > 0 ? -ew : ew);
      }
    }

    // phase 3: padded delta rows, then this side's state
    const preserveMine = this.preserve[side];
    if (native) mine.slotsOf(this.keyValues, keyed, this.slots);
    for (let i = 0, k = 0; i < n; i++) {
      let key: Key | undefined;
      let slot = -1;
      if (numeric) {
        if (k < keyed && this.keyRows[k] === i) {
          key = this.keyValues[k];
          if (native) slot = this.slots[k]!;
          k++;
        }
      } else key = deltaKeys![i];
      const w = weightAt(batch, i);
      if (w === 0) continue;
      if (preserveMine && !(deltaMatches[i]! > 0)) padded(cols, i, side, w);
      // rows with a NULL key can never match: nothing to remember
      if (key === undefined) continue;
      if (native) mine.addFromAt(slot, key, cols, i, w, deltaMatches[i]!);
      else mine.addFrom(key, cols, i, w, deltaMatches[i]!);
    }
    if (native) mine.releaseEmptied();
    if (weights.length > 0) this.out.push(batchOf(joined, weights.length, allOnes ? null : Int32Array.from(weights)));
  }

  watermark(wm: number, port: number): void {
    const merged = this.wm.update(port, wm);
    if (merged !== undefined) this.out.watermark(merged);
  }

  flush(): void {}

  snapshot(): unknown {
    return { left: this.sides[0].save(), right: this.sides[1].save() };
  }

  restore(state: unknown): void {
    const s = state as { left: [Row, number, number][]; right: [Row, number, number][] };
    [s.left, s.right].forEach((rows, side) => {
      const a = this.sides[side];
      a.clear();
      if (!a.nativeKeys) {
        for (const [row, weight, matches] of rows) a.add(this.keyOfRow[side](row), row, weight, matches);
        return;
      }
      // one batched upsert for all keys (saved rows never have a NULL key)
      const col = this.keyCols[side][0];
      const keys = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) keys[i] = rows[i][0][col] as number;
      const slots = new Uint32Array(rows.length);
      a.slotsOf(keys, rows.length, slots);
      for (let i = 0; i < rows.length; i++) a.addAt(slots[i], keys[i], rows[i][0], rows[i][1], rows[i][2]);
      a.releaseEmptied();
    });
  }

  stateSize(): number {
    return this.sides[0].size + this.sides[1].size;
  }

  /** Frees both arrangements' native key indexes (DROP, db.close()). */
  close(): void {
    this.sides[0].close();
    this.sides[1].close();
  }
}
