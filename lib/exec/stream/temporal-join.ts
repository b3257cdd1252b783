// Temporal (lookup) join `s JOIN t FOR SYSTEM_TIME AS OF s.ts`: every left (probe) row is joined
// with the right table's rows as they are when the probe row arrives. Later changes of the table
// do not retract or add anything (the documented exception to snapshot semantics). The right
// input (port 1) only maintains the lookup state. A retracted probe row is looked up again and
// its matches under the current table retracted, as lookup joins in Flink do.
// Probes are answered at the end of their propagation step, so a probe sees the table changes
// of its own step too — which makes back-filling a new view (probe contents are replayed before
// the table's) give the same answer as looking every probe up in the current table.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { PairEvaluator } from './join-scratch.js';
import { anyNull, BatchBuilder, keyFunction, readRow, sameRow, type Key, type RowFn } from './rows.js';

export interface TemporalJoinConfig {
  joinKind: 'inner' | 'left';
  leftKeys: RowFn[];
  rightKeys: RowFn[];
  residual?: RowFn;
  leftWidth: number;
  rightWidth: number;
}

export class TemporalJoinOperator implements Operator {
  private readonly table = new Map<Key, Row[]>();
  private rows = 0;
  private readonly leftKeyOf: (c: Column[], r: number) => Key;
  private readonly rightKeyOf: (c: Column[], r: number) => Key;
  private readonly pairs: PairEvaluator;
  private readonly out: BatchBuilder;
  private pendingProbes: Batch[] = [];
  private pendingWm: number | undefined;
  /** right-side deletes of rows the table did not hold */
  unmatchedDeletes = 0;

  constructor(
    private readonly output: Output,
    private readonly cfg: TemporalJoinConfig,
  ) {
    if (cfg.leftKeys.length === 0 || cfg.leftKeys.length !== cfg.rightKeys.length) {
      throw new ExecutionError('INVALID_ARGUMENT', 'a temporal join needs equality conditions on the table key');
    }
    this.leftKeyOf = keyFunction(cfg.leftKeys);
    this.rightKeyOf = keyFunction(cfg.rightKeys);
    this.pairs = new PairEvaluator(cfg.leftWidth, cfg.rightWidth, cfg.residual);
    this.out = new BatchBuilder(cfg.leftWidth + cfg.rightWidth);
  }

  push(batch: Batch, port: number): void {
    if (port === 1) this.applyTableChanges(batch);
    else if (port === 0) this.pendingProbes.push(batch);
    else throw new ExecutionError('INVALID_ARGUMENT', `temporal join has no input port ${port}`);
  }

  private applyTableChanges(batch: Batch): void {
    for (let i = 0; i < batch.length; i++) {
      if (anyNull(this.cfg.rightKeys, batch.columns, i)) continue; // never found by a probe
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      const key = this.rightKeyOf(batch.columns, i);
      const row = readRow(batch, i);
      let list = this.table.get(key);
      if (w > 0) {
        if (list === undefined) {
          list = [];
          this.table.set(key, list);
        }
        for (let k = 0; k < w; k++) list.push(row);
        this.rows += w;
        continue;
      }
      for (let k = 0; k < -w; k++) {
        const at = list === undefined ? -1 : list.findIndex((r) => sameRow(r, row));
        if (at < 0) {
          this.unmatchedDeletes++;
          continue;
        }
        list!.splice(at, 1);
        this.rows--;
      }
      if (list !== undefined && list.length === 0) this.table.delete(key);
    }
  }

  private probe(batch: Batch): void {
    const { leftWidth, joinKind } = this.cfg;
    for (let i = 0; i < batch.length; i++) {
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      const left = readRow(batch, i);
      let matched = 0;
      if (!anyNull(this.cfg.leftKeys, batch.columns, i)) {
        const list = this.table.get(this.leftKeyOf(batch.columns, i));
        if (list !== undefined) {
          for (const right of list) {
            if (!this.pairs.test(left, right)) continue;
            this.out.addJoined(left, right, leftWidth, w);
            matched++;
          }
        }
      }
      if (matched === 0 && joinKind === 'left') this.out.addJoined(left, null, leftWidth, w);
    }
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  /** The output's time is the probe side's: forward the left watermark (after the step's probes). */
  watermark(wm: number, port: number): void {
    if (port === 0 && (this.pendingWm === undefined || wm > this.pendingWm)) this.pendingWm = wm;
  }

  flush(): void {
    const probes = this.pendingProbes;
    this.pendingProbes = [];
    for (const b of probes) this.probe(b);
    if (this.pendingWm !== undefined) {
      const wm = this.pendingWm;
      this.pendingWm = undefined;
      this.output.watermark(wm);
    }
  }

  snapshot(): unknown {
    return [...this.table];
  }

  restore(state: unknown): void {
    this.table.clear();
    this.rows = 0;
    for (const [k, rows] of state as [Key, Row[]][]) {
      this.table.set(k, rows);
      this.rows += rows.length;
    }
  }

  /** Table rows held for lookups. */
  stateSize(): number {
    return this.rows;
  }
}
