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

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { hasNullAt, keyExtractor, rowKeyExtractor, type Key } from '../runtime/values.js';
import { WatermarkMerger } from '../runtime/watermark.js';
import { Arrangement, passingPairs, type ArrangedRow } from './arrangement.js';
import type { PredicateFn } from './filter.js';
import { ExecutionError } from '../../errors.js';

export type SemiJoinType = 'semi' | 'anti' | 'anti-null-aware' | 'mark-exists' | 'mark-in';

export interface SemiJoinOptions {
  type: SemiJoinType;
  leftWidth: number;
  rightWidth: number;
  leftKeys: readonly number[];
  rightKeys: readonly number[];
  /** extra condition over left ++ right (not supported with anti-null-aware) */
  residual?: PredicateFn;
}

/** NULL-keyed left rows are kept in their own bucket: they never match. */
const NULL_BUCKET = '\u0000null-key';

export class SemiJoin implements Operator {
  private readonly left = new Arrangement();
  private readonly right = new Arrangement();
  private readonly leftKeyOf: (c: Batch['columns'], i: number) => Key;
  private readonly rightKeyOf: (c: Batch['columns'], i: number) => Key;
  private readonly leftRowKey: (r: Row) => Key;
  private readonly rightRowKey: (r: Row) => Key;
  /** all right rows, and those with a NULL key (for NOT IN) */
  private rightTotal = 0;
  private rightNulls = 0;
  private readonly wm = new WatermarkMerger(2);

  constructor(
    private readonly out: Output,
    private readonly options: SemiJoinOptions,
  ) {
    if ((options.type === 'anti-null-aware' || options.type === 'mark-in') && options.residual) {
      throw new ExecutionError('INVALID_ARGUMENT', 'IN / NOT IN with an extra correlated condition is not supported');
    }
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

  /** The mark column's value of a left row (mark modes). */
  private markOf(matches: number, nullKey: boolean, total: number, nulls: number): boolean | null {
    if (matches > 0) return true;
    if (this.options.type === 'mark-exists' || total <= 0) return false;
    return nullKey || nulls > 0 ? null : false;
  }

  push(batch: Batch, port: number): void {
    if (port === 0) this.pushLeft(batch);
    else this.pushRight(batch);
  }

  private pushLeft(batch: Batch): void {
    const cols = batch.columns;
    const { leftWidth, rightWidth, leftKeys } = this.options;
    const rows: Row[] = [];
    const keys: Key[] = [];
    const nullKey: boolean[] = [];
    const pairRow: number[] = [];
    const lefts: Row[] = [];
    const rights: Row[] = [];
    const pairWeight: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const row = rowAt(batch, i);
      rows.push(row);
      const isNull = hasNullAt(cols, i, leftKeys);
      nullKey.push(isNull);
      keys.push(isNull ? NULL_BUCKET : this.leftKeyOf(cols, i));
      if (isNull) continue;
      const bucket = this.right.bucket(keys[i]);
      if (!bucket) continue;
      for (const e of bucket) {
        pairRow.push(i);
        lefts.push(row);
        rights.push(e.row);
        pairWeight.push(e.weight);
      }
    }
    const pass = passingPairs(this.options.residual, lefts, rights, leftWidth, rightWidth);
    const matches = new Float64Array(batch.length);
    for (let p = 0; p < pairRow.length; p++) if (pass[p]) matches[pairRow[p]] += pairWeight[p];
    const mark = this.markMode;
    const outB = new BatchBuilder(mark ? leftWidth + 1 : leftWidth);
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      if (mark) outB.addRow([...rows[i], this.markOf(matches[i], nullKey[i], this.rightTotal, this.rightNulls)], w);
      else if (this.keeps(matches[i], nullKey[i], this.rightTotal, this.rightNulls)) outB.addRow(rows[i], w);
      this.left.add(keys[i], rows[i], w, matches[i]);
    }
    if (outB.length > 0) this.out.push(outB.take());
  }

  private pushRight(batch: Batch): void {
    const cols = batch.columns;
    const { leftWidth, rightWidth, rightKeys } = this.options;
    const totalBefore = this.rightTotal;
    const nullsBefore = this.rightNulls;
    const pairEntry: ArrangedRow[] = [];
    const pairWeight: number[] = [];
    const lefts: Row[] = [];
    const rights: Row[] = [];
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const row = rowAt(batch, i);
      this.rightTotal += w;
      if (hasNullAt(cols, i, rightKeys)) {
        this.rightNulls += w;
        continue;
      }
      const key = this.rightKeyOf(cols, i);
      this.right.add(key, row, w, 0);
      const bucket = this.left.bucket(key);
      if (!bucket) continue;
      for (const e of bucket) {
        pairEntry.push(e);
        pairWeight.push(w);
        lefts.push(e.row);
        rights.push(row);
      }
    }
    const pass = passingPairs(this.options.residual, lefts, rights, leftWidth, rightWidth);
    const before = new Map<ArrangedRow, number>();
    for (let p = 0; p < pairEntry.length; p++) {
      if (!pass[p]) continue;
      const e = pairEntry[p];
      if (!before.has(e)) before.set(e, e.matches);
      e.matches += pairWeight[p];
    }
    const mark = this.markMode;
    const outB = new BatchBuilder(mark ? leftWidth + 1 : leftWidth);
    const emit = (e: ArrangedRow, matchesBefore: number): void => {
      const isNull = e.key === NULL_BUCKET;
      if (mark) {
        const old = this.markOf(matchesBefore, isNull, totalBefore, nullsBefore);
        const cur = this.markOf(e.matches, isNull, this.rightTotal, this.rightNulls);
        if (old !== cur) {
          outB.addRow([...e.row, old], -e.weight);
          outB.addRow([...e.row, cur], e.weight);
        }
        return;
      }
      const was = this.keeps(matchesBefore, isNull, totalBefore, nullsBefore);
      const now = this.keeps(e.matches, isNull, this.rightTotal, this.rightNulls);
      if (was !== now) outB.addRow(e.row, now ? e.weight : -e.weight);
    };
    const globalFlip =
      (this.options.type === 'anti-null-aware' || this.options.type === 'mark-in') &&
      (totalBefore > 0 !== this.rightTotal > 0 || nullsBefore > 0 !== this.rightNulls > 0);
    if (globalFlip) {
      // emptiness or NULL presence of the right side changed: every left row may flip
      for (const e of this.left.entries()) emit(e, before.has(e) ? before.get(e)! : e.matches);
    } else {
      for (const [e, m] of before) emit(e, m);
    }
    if (outB.length > 0) this.out.push(outB.take());
  }

  watermark(wm: number, port: number): void {
    const merged = this.wm.update(wm, port);
    if (merged !== null) this.out.watermark(merged);
  }

  flush(): void {}

  snapshot(): unknown {
    return { left: this.left.save(), right: this.right.save(), rightTotal: this.rightTotal, rightNulls: this.rightNulls };
  }

  restore(state: unknown): void {
    const s = state as { left: [Row, number, number][]; right: [Row, number, number][]; rightTotal: number; rightNulls: number };
    this.left.clear();
    this.right.clear();
    for (const [row, w, m] of s.left) {
      const nullKey = this.options.leftKeys.some((c) => row[c] === null);
      this.left.add(nullKey ? NULL_BUCKET : this.leftRowKey(row), row, w, m);
    }
    for (const [row, w, m] of s.right) this.right.add(this.rightRowKey(row), row, w, m);
    this.rightTotal = s.rightTotal;
    this.rightNulls = s.rightNulls;
  }

  stateSize(): number {
    return this.left.size + this.right.size;
  }

  /** Drops both arrangements (DROP, db.close()). */
  close(): void {
    this.left.close();
    this.right.close();
  }
}
