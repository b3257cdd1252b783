// A regular (unbounded) equi-join over streams with an event-time state TTL: rows are held per
// key and joined as in any incremental join (inner, left, right, full; retractions handled,
// outer rows padded while unmatched), but a row whose event time falls more than `ttlMs` behind
// the combined watermark is forgotten. Forgetting retracts nothing: results already emitted
// stay, and later rows simply no longer find the expired partner (Flink's state TTL semantics,
// measured in event time here). Without a TTL nothing expires.

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { PairEvaluator } from './join-scratch.js';
import { anyNull, BatchBuilder, keyFunction, readRow, sameRow, type Key, type RowFn } from './rows.js';
import { WatermarkCombiner } from './watermark.js';

export interface TtlJoinConfig {
  joinKind: 'inner' | 'left' | 'right' | 'full';
  leftKeys: RowFn[];
  rightKeys: RowFn[];
  residual?: RowFn;
  leftWidth: number;
  rightWidth: number;
  /** event-time columns used for expiry (required with ttlMs) */
  leftTimeColumn?: number;
  rightTimeColumn?: number;
  ttlMs?: number;
}

interface Entry {
  row: Row;
  time: number;
  matches: number;
}

export class TtlJoinOperator implements Operator {
  private readonly sides = [new Map<Key, Entry[]>(), new Map<Key, Entry[]>()];
  /** rows with a NULL key: never match, only padded */
  private readonly keyOf: ((c: Column[], r: number) => Key)[];
  private readonly pairs: PairEvaluator;
  private readonly out: BatchBuilder;
  private readonly wms = new WatermarkCombiner(2);
  private readonly pad: [boolean, boolean];
  private held = 0;
  expiredRows = 0;
  unmatchedRetractions = 0;

  constructor(
    private readonly output: Output,
    private readonly cfg: TtlJoinConfig,
  ) {
    if (cfg.ttlMs !== undefined && (!(cfg.ttlMs >= 0) || cfg.leftTimeColumn === undefined || cfg.rightTimeColumn === undefined)) {
      throw new ExecutionError('INVALID_ARGUMENT', 'a join state TTL needs a non-negative interval and an event-time column on both sides');
    }
    if (cfg.leftKeys.length !== cfg.rightKeys.length) throw new ExecutionError('INVALID_ARGUMENT', 'a join needs as many left keys as right keys');
    this.keyOf = [keyFunction(cfg.leftKeys), keyFunction(cfg.rightKeys)];
    this.pairs = new PairEvaluator(cfg.leftWidth, cfg.rightWidth, cfg.residual);
    this.out = new BatchBuilder(cfg.leftWidth + cfg.rightWidth);
    this.pad = [cfg.joinKind === 'left' || cfg.joinKind === 'full', cfg.joinKind === 'right' || cfg.joinKind === 'full'];
  }

  private emit(left: Row | null, right: Row | null, w: number): void {
    if (left === null) {
      // right row padded on the left
      const padded: Row = new Array(this.cfg.leftWidth).fill(null);
      this.out.addJoined(padded, right, this.cfg.leftWidth, w);
    } else this.out.addJoined(left, right, this.cfg.leftWidth, w);
  }

  private emitPair(side: number, mine: Row, other: Row, w: number): void {
    if (side === 0) this.emit(mine, other, w);
    else this.emit(other, mine, w);
  }

  private emitPadded(side: number, row: Row, w: number): void {
    if (side === 0) this.emit(row, null, w);
    else this.emit(null, row, w);
  }

  private test(side: number, mine: Row, other: Row): boolean {
    return side === 0 ? this.pairs.test(mine, other) : this.pairs.test(other, mine);
  }

  push(batch: Batch, port: number): void {
    if (port !== 0 && port !== 1) throw new ExecutionError('INVALID_ARGUMENT', `a join has no input port ${port}`);
    const side = port;
    const keys = side === 0 ? this.cfg.leftKeys : this.cfg.rightKeys;
    const tcol = side === 0 ? this.cfg.leftTimeColumn : this.cfg.rightTimeColumn;
    for (let i = 0; i < batch.length; i++) {
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      const row = readRow(batch, i);
      if (anyNull(keys, batch.columns, i)) {
        if (this.pad[side]) this.emitPadded(side, row, w);
        continue;
      }
      const t = tcol === undefined ? 0 : batch.columns[tcol]![i];
      const time = typeof t === 'number' ? t : -Infinity;
      const key = this.keyOf[side]!(batch.columns, i);
      for (let k = 0; k < Math.abs(w); k++) {
        if (w > 0) this.insert(side, key, row, time);
        else this.retract(side, key, row);
      }
    }
    this.flushOut();
  }

  private insert(side: number, key: Key, row: Row, time: number): void {
    const other = 1 - side;
    const entry: Entry = { row, time, matches: 0 };
    const partners = this.sides[other]!.get(key);
    if (partners !== undefined) {
      for (const p of partners) {
        if (!this.test(side, row, p.row)) continue;
        this.emitPair(side, row, p.row, 1);
        entry.matches++;
        if (p.matches++ === 0 && this.pad[other]) this.emitPadded(other, p.row, -1);
      }
    }
    if (entry.matches === 0 && this.pad[side]) this.emitPadded(side, row, 1);
    let list = this.sides[side]!.get(key);
    if (list === undefined) {
      list = [];
      this.sides[side]!.set(key, list);
    }
    list.push(entry);
    this.held++;
  }

  private retract(side: number, key: Key, row: Row): void {
    const list = this.sides[side]!.get(key);
    const at = list === undefined ? -1 : list.findIndex((e) => sameRow(e.row, row));
    if (at < 0) {
      // never held or already expired: what it produced cannot be known any more
      this.unmatchedRetractions++;
      return;
    }
    const entry = list![at]!;
    list!.splice(at, 1);
    if (list!.length === 0) this.sides[side]!.delete(key);
    this.held--;
    const other = 1 - side;
    const partners = this.sides[other]!.get(key);
    if (partners !== undefined) {
      for (const p of partners) {
        if (!this.test(side, row, p.row)) continue;
        this.emitPair(side, row, p.row, -1);
        if (--p.matches === 0 && this.pad[other]) this.emitPadded(other, p.row, 1);
      }
    }
    if (entry.matches === 0 && this.pad[side]) this.emitPadded(side, row, -1);
  }

  /** Marks input `port` idle (or active again): an idle input stops holding back the combined
   *  watermark (and so the TTL clock and the output watermark). */
  setInputIdle(port: number, idle: boolean): void {
    const combined = this.wms.setIdle(port, idle);
    if (combined !== undefined) this.advance(combined);
  }

  watermark(wm: number, port: number): void {
    const combined = this.wms.update(port, wm);
    if (combined !== undefined) this.advance(combined);
  }

  private advance(combined: number): void {
    if (this.cfg.ttlMs !== undefined) {
      const bound = combined - this.cfg.ttlMs;
      for (const side of this.sides) {
        for (const [key, list] of side) {
          let kept = 0;
          for (const e of list) {
            if (e.time < bound) {
              this.held--;
              this.expiredRows++;
            } else list[kept++] = e;
          }
          list.length = kept;
          if (kept === 0) side.delete(key);
        }
      }
    }
    this.output.watermark(combined);
  }

  private flushOut(): void {
    if (this.out.length > 0) this.output.push(this.out.take());
  }

  flush(): void {
    this.flushOut();
  }

  snapshot(): unknown {
    return { sides: this.sides.map((m) => [...m]), wm: [this.wms.of(0), this.wms.of(1)] };
  }

  restore(state: unknown): void {
    const s = state as { sides: [Key, Entry[]][][]; wm: [number, number] };
    this.held = 0;
    s.sides.forEach((entries, i) => {
      const m = this.sides[i]!;
      m.clear();
      for (const [k, list] of entries) {
        m.set(k, list);
        this.held += list.length;
      }
    });
    this.wms.update(0, s.wm[0]);
    this.wms.update(1, s.wm[1]);
  }

  /** Rows held on both sides. */
  stateSize(): number {
    return this.held;
  }
}
