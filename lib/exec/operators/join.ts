// Inner, left, right and full outer joins on equi keys with an optional residual condition.
//
// Both inputs are arranged by key. A delta on one side joins the other side's current state,
// then updates its own side (ΔL⋈R then L'⋈ΔR across successive pushes, which is the DBSP delta
// rule). A NULL in any key column never matches (NULL ≠ NULL). Outer joins keep, per stored
// row, the sum of the weights of the rows it matches; when that count moves between 0 and >0
// the NULL-padded row is retracted or emitted. With no keys it is a cross join.

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { hasNullAt, keyExtractor, rowKeyExtractor, type Key } from '../runtime/values.js';
import { WatermarkCombiner } from '../runtime/watermark.js';
import { Arrangement, passingPairs, type ArrangedRow } from './arrangement.js';
import type { PredicateFn } from './filter.js';

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
  private readonly found: (readonly ArrangedRow[] | undefined)[] = [];
  private readonly keyOf: [(c: Batch['columns'], i: number) => Key, (c: Batch['columns'], i: number) => Key];
  private readonly keyCols: [readonly number[], readonly number[]];
  private readonly keyOfRow: [(r: Row) => Key, (r: Row) => Key];
  /** whether unmatched rows of side 0 (left) / 1 (right) are kept NULL-padded */
  private readonly preserve: [boolean, boolean];
  private readonly widths: [number, number];
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
    this.widths = [options.leftWidth, options.rightWidth];
    this.numeric = options.numericKeys === true && options.leftKeys.length === 1 && options.rightKeys.length === 1;
    this.sides = [new Arrangement({ nativeKeys: this.numeric }), new Arrangement({ nativeKeys: this.numeric })];
  }

  /** Native-keyed sides: the rows of the batch with a non-NULL key and their keys; returns how many. */
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

  push(batch: Batch, port: number): void {
    const side = port === 0 ? 0 : 1;
    const other = 1 - side;
    const mine = this.sides[side];
    const theirs = this.sides[other];
    const cols = batch.columns;
    const lw = this.options.leftWidth;
    const out = new BatchBuilder(lw + this.options.rightWidth);

    // phase 1: candidate pairs (delta row × stored rows of the same key)
    const deltaRows: Row[] = new Array(batch.length);
    const deltaKeys: (Key | undefined)[] = new Array(batch.length);
    const pairDelta: number[] = [];
    const pairEntry: ArrangedRow[] = [];
    const lefts: Row[] = [];
    const rights: Row[] = [];
    const numeric = this.numeric;
    const native = mine.nativeKeys;
    let keyed = 0;
    if (numeric) {
      keyed = this.collectKeys(batch, side);
      theirs.bucketsOf(this.keyValues, keyed, this.found, this.lookups);
    }
    for (let i = 0, k = 0; i < batch.length; i++) {
      const row = rowAt(batch, i);
      deltaRows[i] = row;
      let bucket: readonly ArrangedRow[] | undefined;
      if (numeric) {
        if (k >= keyed || this.keyRows[k] !== i) continue;
        deltaKeys[i] = this.keyValues[k];
        bucket = this.found[k++];
      } else {
        if (hasNullAt(cols, i, this.keyCols[side])) continue;
        const key = this.keyOf[side](cols, i);
        deltaKeys[i] = key;
        bucket = theirs.bucket(key);
      }
      if (!bucket) continue;
      for (const e of bucket) {
        pairDelta.push(i);
        pairEntry.push(e);
        if (side === 0) {
          lefts.push(row);
          rights.push(e.row);
        } else {
          lefts.push(e.row);
          rights.push(row);
        }
      }
    }
    const pass = passingPairs(this.options.residual, lefts, rights, lw, this.options.rightWidth);

    // phase 2: joined rows, match counts of both sides
    const deltaMatches = new Float64Array(batch.length);
    const otherBefore = new Map<ArrangedRow, number>();
    const preserveOther = this.preserve[other];
    for (let p = 0; p < pairDelta.length; p++) {
      if (!pass[p]) continue;
      const i = pairDelta[p];
      const e = pairEntry[p];
      const w = weightAt(batch, i);
      out.addJoined(lefts[p], lw, rights[p], w * e.weight);
      deltaMatches[i] += e.weight;
      if (preserveOther) {
        if (!otherBefore.has(e)) otherBefore.set(e, e.matches);
        e.matches += w;
      }
    }
    for (const [e, before] of otherBefore) {
      if (before > 0 === e.matches > 0) continue;
      // the stored row lost its last match (emit padded) or gained its first (retract padded)
      const w = e.matches > 0 ? -e.weight : e.weight;
      if (other === 0) out.addJoined(e.row, lw, null, w);
      else out.addJoined(null, lw, e.row, w);
    }

    // phase 3: padded delta rows, then this side's state
    const preserveMine = this.preserve[side];
    if (native) mine.slotsOf(this.keyValues, keyed, this.slots);
    for (let i = 0, k = 0; i < batch.length; i++) {
      const key = deltaKeys[i];
      const slot = native && key !== undefined ? this.slots[k] : -1;
      if (numeric && key !== undefined) k++;
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const row = deltaRows[i];
      if (preserveMine && !(deltaMatches[i] > 0)) {
        if (side === 0) out.addJoined(row, lw, null, w);
        else out.addJoined(null, lw, row, w);
      }
      // rows with a NULL key can never match: nothing to remember
      if (key === undefined) continue;
      if (native) mine.addAt(slot, key, row, w, deltaMatches[i]);
      else mine.add(key, row, w, deltaMatches[i]);
    }
    if (native) mine.releaseEmptied();
    if (out.length > 0) this.out.push(out.take());
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
