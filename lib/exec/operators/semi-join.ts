// EXISTS / IN (semi join), NOT EXISTS (anti join) and NOT IN (null-aware anti join). The output
// is the left input's rows: a left row is present while it has (semi) or lacks (anti) a matching
// right row. Left rows are arranged with their match counts; a right delta updates the counts of
// the left rows it matches and emits the rows whose presence flipped.
//
// NOT IN ('anti-null-aware') follows SQL three-valued logic: over an empty right side every left
// row is kept (even one with a NULL key); otherwise a left row is kept only when its key has no
// NULL, nothing on the right equals it, and the right side holds no NULL key (x NOT IN (…, NULL)
// is never true). Keys with several columns count as NULL when any column is NULL.
//
// Mark modes ('mark-exists', 'mark-in') keep every left row and append a BOOLEAN column: whether
// it matches (EXISTS), or IN's three-valued result (TRUE on a match; else NULL when the right side
// is non-empty and the left key or some right key is NULL; else FALSE). A right delta that flips a
// row's mark retracts the row with the old mark and inserts it with the new one.
//
// With one numeric key column on each side (`numericKeys`), both arrangements index their keys in
// the native store (key-index.ts): a batch's keys are looked up in one native call and inserted in
// another. NULL-keyed left rows never match and live in their own small JS arrangement.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { hasNullAt, keyExtractor, rowKeyExtractor, type Key } from '../runtime/values.js';
import { WatermarkCombiner } from '../runtime/watermark.js';
import { Arrangement } from './arrangement.js';
import type { PredicateFn } from './filter.js';
import { ensureInt32, gatherPairs, residualMask } from './join-pairs.js';
import { ExecutionError } from '../../errors.js';
import type { Column } from '../batch.js';

export type SemiJoinType = 'semi' | 'anti' | 'anti-null-aware' | 'mark-exists' | 'mark-in';

export interface SemiJoinOptions {
  type: SemiJoinType;
  leftWidth: number;
  rightWidth: number;
  leftKeys: readonly number[];
  rightKeys: readonly number[];
  /** extra condition over left ++ right (not supported with anti-null-aware) */
  residual?: PredicateFn;
  /** one key column per side whose values are all numbers (or NULL): keys go to the native store */
  numericKeys?: boolean;
  /** 'js' keeps the keys in JS Maps even when numericKeys is set (comparison, no addon) */
  keyIndex?: 'native' | 'js';
}

/** NULL-keyed left rows are kept in their own bucket: they never match. */
const NULL_BUCKET = '\u0000null-key';

export class SemiJoin implements Operator {
  private readonly left: Arrangement;
  private readonly right: Arrangement;
  /** left rows with a NULL key (they never match), under NULL_BUCKET */
  private readonly leftNull = new Arrangement();
  /** native mode: the batch's non-NULL keys, their rows, and the store's answers */
  private readonly native: boolean;
  private keyValues = new Float64Array(0);
  private keyRows = new Int32Array(0);
  private lookups = new Int32Array(0);
  private slots = new Uint32Array(0);
  private found: (readonly number[] | undefined)[] = [];
  /** candidate pairs of a push: a row of the batch and a stored entry id of the other side */
  private pairRow: Int32Array = new Int32Array(64);
  private pairEntry: Int32Array = new Int32Array(64);
  private readonly leftKeyOf: (c: Batch['columns'], i: number) => Key;
  private readonly rightKeyOf: (c: Batch['columns'], i: number) => Key;
  private readonly leftRowKey: (r: Row) => Key;
  private readonly rightRowKey: (r: Row) => Key;
  /** all right rows, and those with a NULL key (for NOT IN) */
  private rightTotal = 0;
  private rightNulls = 0;
  private readonly wm = new WatermarkCombiner(2);

  constructor(
    private readonly out: Output,
    private readonly options: SemiJoinOptions,
  ) {
    if ((options.type === 'anti-null-aware' || options.type === 'mark-in') && options.residual) {
      throw new ExecutionError('INVALID_ARGUMENT', 'IN / NOT IN with an extra correlated condition is not supported');
    }
    const numeric = options.numericKeys === true && options.keyIndex !== 'js' && options.leftKeys.length === 1 && options.rightKeys.length === 1;
    this.left = new Arrangement({ nativeKeys: numeric });
    this.right = new Arrangement({ nativeKeys: numeric });
    this.native = this.left.nativeKeys && this.right.nativeKeys;
    this.leftKeyOf = keyExtractor(options.leftKeys);
    this.rightKeyOf = keyExtractor(options.rightKeys);
    this.leftRowKey = rowKeyExtractor(options.leftKeys);
    this.rightRowKey = rowKeyExtractor(options.rightKeys);
  }

  /** Whether a left row with this match count (and key nullness) is in the output. */
  private keeps(matches: number, nullKey: boolean, total: number, nulls: number): boolean {
    switch (this.options.type) {
      case 'semi':
        return matches > 0;
      case 'anti':
        return !(matches > 0);
      default:
        if (total <= 0) return true;
        return !nullKey && !(matches > 0) && !(nulls > 0);
    }
  }

  private get markMode(): boolean {
    return this.options.type === 'mark-exists' || this.options.type === 'mark-in';
  }

  /** Records candidate pair (batch row i, stored entry id) number p; returns p + 1. */
  private addPair(p: number, i: number, id: number): number {
    if (p === this.pairRow.length) {
      this.pairRow = ensureInt32(this.pairRow, p + 1);
      this.pairEntry = ensureInt32(this.pairEntry, p + 1);
    }
    this.pairRow[p] = i;
    this.pairEntry[p] = id;
    return p + 1;
  }

  /** Left delta rows' match counts: the weights of the passing pairs' right entries, per row. */
  private leftMatches(batch: Batch, pairs: number): Float64Array {
    const { leftWidth, rightWidth } = this.options;
    const mask =
      this.options.residual === undefined
        ? null
        : residualMask(this.options.residual, gatherPairs(batch.columns, this.pairRow, leftWidth, this.right.columns, this.pairEntry, rightWidth, pairs), pairs);
    const matches = new Float64Array(batch.length);
    for (let p = 0; p < pairs; p++) if (mask === null || mask[p] === 1) matches[this.pairRow[p]!] += this.right.weight(this.pairEntry[p]!);
    return matches;
  }

  /** Appends left row i of the batch to the output if it is kept, or (mark modes) with its mark. */
  private emitLeft(outB: BatchBuilder, batch: Batch, i: number, w: number, matches: number, nullKey: boolean): void {
    if (this.markMode) outB.addRowWith(rowAt(batch, i), this.markOf(matches, nullKey, this.rightTotal, this.rightNulls), w);
    else if (this.keeps(matches, nullKey, this.rightTotal, this.rightNulls)) outB.addFrom(batch.columns, i, w);
  }

  /** The mark column's value of a left row (mark modes). */
  private markOf(matches: number, nullKey: boolean, total: number, nulls: number): boolean | null {
    if (matches > 0) return true;
    if (this.options.type === 'mark-exists' || total <= 0) return false;
    return nullKey || nulls > 0 ? null : false;
  }

  /** Whether the key indexes are in the native store. */
  get nativeKeys(): boolean {
    return this.native;
  }

  /** Native mode: gathers the keys of the batch's non-NULL, non-zero-weight rows into keyValues/keyRows; returns how many. */
  private gatherKeys(batch: Batch, keyCol: number): number {
    const n = batch.length;
    if (this.keyValues.length < n) {
      const size = Math.max(n, this.keyValues.length * 2);
      this.keyValues = new Float64Array(size);
      this.keyRows = new Int32Array(size);
      this.lookups = new Int32Array(size);
      this.slots = new Uint32Array(size);
    }
    const col: Column = batch.columns[keyCol];
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      // a zero-weight row changes nothing: its key must not take a slot that no row fills
      if (v === null || v === undefined || weightAt(batch, i) === 0) continue;
      if (typeof v !== 'number') throw new ExecutionError('INTERNAL', `a numeric semi-join key column holds a ${typeof v} value`);
      this.keyRows[m] = i;
      this.keyValues[m] = v;
      m++;
    }
    return m;
  }

  push(batch: Batch, port: number): void {
    if (this.native) {
      if (port === 0) this.pushLeftNative(batch);
      else this.pushRightNative(batch);
      return;
    }
    if (port === 0) this.pushLeft(batch);
    else this.pushRight(batch);
  }

  private pushLeft(batch: Batch): void {
    const cols = batch.columns;
    const n = batch.length;
    const { leftKeys } = this.options;
    const keys: Key[] = new Array(n);
    const nullKey = new Uint8Array(n);
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      const isNull = hasNullAt(cols, i, leftKeys);
      nullKey[i] = isNull ? 1 : 0;
      keys[i] = isNull ? NULL_BUCKET : this.leftKeyOf(cols, i);
      if (isNull) continue;
      const bucket = this.right.bucket(keys[i]!);
      if (!bucket) continue;
      for (let b = 0; b < bucket.length; b++) pairs = this.addPair(pairs, i, bucket[b]!);
    }
    const matches = this.leftMatches(batch, pairs);
    const outB = new BatchBuilder(this.markMode ? this.options.leftWidth + 1 : this.options.leftWidth);
    for (let i = 0; i < n; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      this.emitLeft(outB, batch, i, w, matches[i]!, nullKey[i] === 1);
      (nullKey[i] === 1 ? this.leftNull : this.left).addFrom(keys[i]!, cols, i, w, matches[i]!);
    }
    if (outB.length > 0) this.out.push(outB.take());
  }

  /** pushLeft with native keys: one lookup call into the right side, one upsert into the left. */
  private pushLeftNative(batch: Batch): void {
    const cols = batch.columns;
    const m = this.gatherKeys(batch, this.options.leftKeys[0]);
    this.right.bucketsOf(this.keyValues, m, this.found, this.lookups);
    const n = batch.length;
    const keyAt = new Int32Array(n).fill(-1);
    for (let j = 0; j < m; j++) keyAt[this.keyRows[j]] = j;
    let pairs = 0;
    for (let j = 0; j < m; j++) {
      const bucket = this.found[j];
      if (!bucket) continue;
      for (let b = 0; b < bucket.length; b++) pairs = this.addPair(pairs, this.keyRows[j]!, bucket[b]!);
    }
    const matches = this.leftMatches(batch, pairs);
    this.left.slotsOf(this.keyValues, m, this.slots);
    const outB = new BatchBuilder(this.markMode ? this.options.leftWidth + 1 : this.options.leftWidth);
    for (let i = 0; i < n; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const j = keyAt[i]!;
      this.emitLeft(outB, batch, i, w, matches[i]!, j < 0);
      if (j < 0) this.leftNull.addFrom(NULL_BUCKET, cols, i, w, matches[i]!);
      else this.left.addFromAt(this.slots[j]!, this.keyValues[j]!, cols, i, w, matches[i]!);
    }
    this.left.releaseEmptied();
    if (outB.length > 0) this.out.push(outB.take());
  }

  /** pushRight with native keys: one upsert into the right side, one lookup into the left. */
  private pushRightNative(batch: Batch): void {
    const m = this.gatherKeys(batch, this.options.rightKeys[0]);
    const keyAt = new Int32Array(batch.length).fill(-1);
    for (let j = 0; j < m; j++) keyAt[this.keyRows[j]] = j;
    this.right.slotsOf(this.keyValues, m, this.slots);
    this.left.bucketsOf(this.keyValues, m, this.found, this.lookups);
    this.applyRight(batch, (i, w) => {
      const j = keyAt[i];
      if (j < 0) return null;
      this.right.addFromAt(this.slots[j], this.keyValues[j], batch.columns, i, w, 0);
      return this.found[j];
    });
    this.right.releaseEmptied();
  }

  private pushRight(batch: Batch): void {
    const cols = batch.columns;
    this.applyRight(batch, (i, w) => {
      if (hasNullAt(cols, i, this.options.rightKeys)) return null;
      const key = this.rightKeyOf(cols, i);
      this.right.addFrom(key, cols, i, w, 0);
      return this.left.bucket(key);
    });
  }

  /**
   * A right delta: `arrange(i, w)` stores right row i and returns the ids of the left rows its
   * key matches, or null for a NULL key; then the matched left rows' counts change and flips emit.
   */
  private applyRight(batch: Batch, arrange: (i: number, w: number) => readonly number[] | undefined | null): void {
    const { leftWidth, rightWidth } = this.options;
    const totalBefore = this.rightTotal;
    const nullsBefore = this.rightNulls;
    let pairs = 0;
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      this.rightTotal += w;
      const bucket = arrange(i, w);
      if (bucket === null) {
        this.rightNulls += w;
        continue;
      }
      if (!bucket) continue;
      for (let b = 0; b < bucket.length; b++) pairs = this.addPair(pairs, i, bucket[b]!);
    }
    const left = this.left;
    const mask =
      this.options.residual === undefined
        ? null
        : residualMask(this.options.residual, gatherPairs(left.columns, this.pairEntry, leftWidth, batch.columns, this.pairRow, rightWidth, pairs), pairs);
    const before = new Map<number, number>();
    for (let p = 0; p < pairs; p++) {
      if (mask !== null && mask[p] === 0) continue;
      const id = this.pairEntry[p]!;
      const m = left.matches(id);
      if (!before.has(id)) before.set(id, m);
      left.setMatches(id, m + weightAt(batch, this.pairRow[p]!));
    }
    const mark = this.markMode;
    const outB = new BatchBuilder(mark ? leftWidth + 1 : leftWidth);
    const emit = (arrangement: Arrangement, id: number, matchesBefore: number, isNull: boolean): void => {
      const matches = arrangement.matches(id);
      const weight = arrangement.weight(id);
      if (mark) {
        const old = this.markOf(matchesBefore, isNull, totalBefore, nullsBefore);
        const cur = this.markOf(matches, isNull, this.rightTotal, this.rightNulls);
        if (old !== cur) {
          const row = arrangement.rowOf(id);
          outB.addRowWith(row, old, -weight);
          outB.addRowWith(row, cur, weight);
        }
        return;
      }
      const was = this.keeps(matchesBefore, isNull, totalBefore, nullsBefore);
      const now = this.keeps(matches, isNull, this.rightTotal, this.rightNulls);
      if (was !== now) outB.addRow(arrangement.rowOf(id), now ? weight : -weight);
    };
    const globalFlip =
      (this.options.type === 'anti-null-aware' || this.options.type === 'mark-in') &&
      (totalBefore > 0 !== this.rightTotal > 0 || nullsBefore > 0 !== this.rightNulls > 0);
    if (globalFlip) {
      // emptiness or NULL presence of the right side changed: every left row may flip
      for (const id of left.ids()) emit(left, id, before.has(id) ? before.get(id)! : left.matches(id), false);
      for (const id of this.leftNull.ids()) emit(this.leftNull, id, this.leftNull.matches(id), true);
    } else {
      for (const [id, m] of before) emit(left, id, m, false);
    }
    if (outB.length > 0) this.out.push(outB.take());
  }

  watermark(wm: number, port: number): void {
    const merged = this.wm.update(port, wm);
    if (merged !== undefined) this.out.watermark(merged);
  }

  flush(): void {}

  snapshot(): unknown {
    return { left: [...this.left.save(), ...this.leftNull.save()], right: this.right.save(), rightTotal: this.rightTotal, rightNulls: this.rightNulls };
  }

  restore(state: unknown): void {
    const s = state as { left: [Row, number, number][]; right: [Row, number, number][]; rightTotal: number; rightNulls: number };
    this.left.clear();
    this.leftNull.clear();
    this.right.clear();
    for (const [row, w, m] of s.left) {
      const nullKey = this.options.leftKeys.some((c) => row[c] === null);
      if (nullKey) this.leftNull.add(NULL_BUCKET, row, w, m);
      else this.left.add(this.leftRowKey(row), row, w, m);
    }
    for (const [row, w, m] of s.right) this.right.add(this.rightRowKey(row), row, w, m);
    this.rightTotal = s.rightTotal;
    this.rightNulls = s.rightNulls;
  }

  stateSize(): number {
    return this.left.size + this.leftNull.size + this.right.size;
  }

  /** Drops both arrangements (DROP, db.close()). */
  close(): void {
    this.left.close();
    this.leftNull.close();
    this.right.close();
  }
}
