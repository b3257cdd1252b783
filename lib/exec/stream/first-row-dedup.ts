// "First row wins" per-key dedup of an append-only stream by event time: the
// `ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts ASC) = 1` pattern, holding keys, not rows.
//
// A key's earliest row is emitted at once. While its time is not behind the watermark (plus the
// allowed lateness) an earlier row can still arrive and replace it (retract + insert), so the row
// is held. Once the watermark passes it, the row is final: only the key is kept (settled). A row
// for a settled key never wins; if it is behind the watermark it is late (counted, side output).
// Settled keys are forgotten when the watermark reaches their expiry: the row's `expireAt` (e.g.
// the window_end of a per-window dedup, after which rows of that window are late anyway) or its
// time + `ttlMs` (state TTL: a later row of the key passes again). Without either a settled key is
// kept forever — one map entry per key.
// A NULL time ranks last (never settles, any timed row replaces it), or first with nullsFirst
// (wins at once, like a settled row).

import { ExecutionError } from '../../errors.js';
import type { Batch, Column } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { LateRows, type LatePolicy } from './late.js';
import { BatchBuilder, keyFunction, readRow, type Key, type RowFn } from './rows.js';
import { NO_WATERMARK } from './watermark.js';

export interface FirstRowDedupConfig {
  keys: RowFn[];
  timeColumn: number;
  nullsFirst?: boolean;
  /** a row settles once the watermark passes its time + this (default 0) */
  allowedLatenessMs?: number;
  /** forget a settled key once the watermark passes its time + ttl */
  ttlMs?: number;
  /** per row: the time from which its key can be forgotten and rows like it are late (a window's
   *  end + allowed lateness) */
  expireAt?: RowFn;
  inputWidth: number;
  late?: LatePolicy;
}

interface Pending {
  time: number;
  expire: number;
  row: Row;
}

/** Keys ordered by a time (expiry, or a pending row's time): a binary min-heap over two
 *  parallel arrays. */
class TimeHeap {
  private readonly at: number[] = [];
  private readonly keys: Key[] = [];

  get size(): number {
    return this.at.length;
  }

  push(at: number, key: Key): void {
    let i = this.at.length;
    this.at.push(at);
    this.keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at[parent]! <= at) break;
      this.at[i] = this.at[parent]!;
      this.keys[i] = this.keys[parent]!;
      i = parent;
    }
    this.at[i] = at;
    this.keys[i] = key;
  }

  /** Pops every key whose time is ≤ `bound` (< `bound` when `strict`), in time order. */
  popUpTo(bound: number, strict: boolean, onPop: (time: number, key: Key) => void): void {
    const at = this.at;
    const keys = this.keys;
    while (at.length > 0 && (strict ? at[0]! < bound : at[0]! <= bound)) {
      const time = at[0]!;
      const key = keys[0]!;
      const lastAt = at.pop()!;
      const lastKey = keys.pop()!;
      const n = at.length;
      if (n > 0) {
        // sift the last entry down from the root
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= n) break;
          const r = l + 1;
          const c = r < n && at[r]! < at[l]! ? r : l;
          if (at[c]! >= lastAt) break;
          at[i] = at[c]!;
          keys[i] = keys[c]!;
          i = c;
        }
        at[i] = lastAt;
        keys[i] = lastKey;
      }
      onPop(time, key);
    }
  }

  entries(): [number, Key][] {
    return this.at.map((a, i) => [a, this.keys[i]!]);
  }

  clear(): void {
    this.at.length = 0;
    this.keys.length = 0;
  }
}

export class FirstRowDedupOperator implements Operator {
  private readonly keyOf: (c: Column[], r: number) => Key;
  /** keys whose row may still be replaced */
  private readonly pending = new Map<Key, Pending>();
  /** keys whose row is final: nothing but the key (membership) */
  private readonly settled = new Set<Key>();
  private readonly expiry = new TimeHeap();
  /** pending keys by their row's time, for settling without scanning every pending key; an
   *  entry whose key was replaced by an earlier row since is stale and skipped */
  private readonly pendingByTime = new TimeHeap();
  private readonly out: BatchBuilder;
  private wm = NO_WATERMARK;
  private readonly lateness: number;
  readonly late: LateRows;

  constructor(
    private readonly output: Output,
    private readonly cfg: FirstRowDedupConfig,
  ) {
    if (cfg.ttlMs !== undefined && !(cfg.ttlMs >= 0)) throw new ExecutionError('INVALID_ARGUMENT', `dedup state TTL must be a non-negative interval, got ${cfg.ttlMs}`);
    this.lateness = cfg.allowedLatenessMs ?? 0;
    if (!(this.lateness >= 0)) throw new ExecutionError('INVALID_ARGUMENT', `allowed lateness must be non-negative, got ${this.lateness}`);
    this.keyOf = keyFunction(cfg.keys);
    this.out = new BatchBuilder(cfg.inputWidth);
    this.late = new LateRows(cfg.inputWidth, cfg.late);
  }

  push(batch: Batch, _port: number): void {
    const time = batch.columns[this.cfg.timeColumn]!;
    const expireAt = this.cfg.expireAt;
    const ttl = this.cfg.ttlMs;
    const nullTime = this.cfg.nullsFirst === true ? -Infinity : Infinity;
    const wm = this.wm;
    for (let i = 0; i < batch.length; i++) {
      const w = batch.weights === null ? 1 : batch.weights[i]!;
      if (w < 0) throw new ExecutionError('INVALID_ARGUMENT', 'deduplication needs an append-only input (a row was retracted)');
      if (w === 0) continue;
      const raw = time[i];
      const t = typeof raw === 'number' ? raw : nullTime;
      let expire = Infinity;
      if (expireAt !== undefined) {
        const e = expireAt(batch.columns, i);
        if (typeof e === 'number') expire = e;
        // its key may already be forgotten (window closed): never let it pass twice
        if (expire <= wm) {
          this.late.add(batch, i);
          continue;
        }
      }
      if (ttl !== undefined && t + ttl < expire) expire = t + ttl;
      const key = this.keyOf(batch.columns, i);
      if (this.settled.has(key)) {
        if (t < wm) this.late.add(batch, i);
        continue;
      }
      const held = this.pending.get(key);
      if (held !== undefined) {
        if (!(t < held.time)) continue; // ties keep the held row
        this.out.add(held.row, -1);
      }
      const row = readRow(batch, i);
      this.out.add(row, 1);
      if (t < wm - this.lateness) {
        // behind the watermark already: nothing can replace it without being late itself
        if (held !== undefined) this.pending.delete(key);
        this.settle(key, expire);
      } else {
        if (held !== undefined) {
          held.time = t;
          held.expire = expire;
          held.row = row;
        } else this.pending.set(key, { time: t, expire, row });
        if (t !== Infinity) this.pendingByTime.push(t, key); // a NULL time ranked last never settles
      }
    }
  }

  /** Keeps only the key of a final row (none once its expiry has passed). */
  private settle(key: Key, expire: number): void {
    if (expire <= this.wm) return;
    this.settled.add(key);
    if (expire !== Infinity) this.expiry.push(expire, key);
  }

  watermark(wm: number, _port: number): void {
    if (!(wm > this.wm)) return;
    this.wm = wm;
    // rows no earlier row can replace any more: keep their keys only
    const settleBefore = wm - this.lateness;
    this.pendingByTime.popUpTo(settleBefore, true, (time, key) => {
      const p = this.pending.get(key);
      if (p === undefined || p.time !== time) return; // stale: replaced or settled since
      this.pending.delete(key);
      this.settle(key, p.expire);
    });
    this.expiry.popUpTo(wm, false, (_time, key) => this.settled.delete(key));
    this.flush();
    this.output.watermark(wm);
  }

  flush(): void {
    if (this.out.length > 0) this.output.push(this.out.take());
    this.late.flush();
  }

  snapshot(): unknown {
    return { wm: this.wm, lateCount: this.late.count, pending: [...this.pending], settled: [...this.settled], expiry: this.expiry.entries() };
  }

  restore(state: unknown): void {
    const s = state as { wm: number; lateCount: number; pending: [Key, Pending][]; settled: Key[]; expiry: [number, Key][] };
    this.wm = s.wm;
    this.late.count = s.lateCount;
    this.pending.clear();
    this.settled.clear();
    this.expiry.clear();
    this.pendingByTime.clear();
    for (const [k, p] of s.pending) {
      this.pending.set(k, p);
      if (p.time !== Infinity) this.pendingByTime.push(p.time, k);
    }
    for (const k of s.settled) this.settled.add(k);
    for (const [at, k] of s.expiry) this.expiry.push(at, k);
  }

  /** late rows seen so far (dropped or routed to the side output) */
  get lateRows(): number {
    return this.late.count;
  }

  /** Keys held (settled keys are one Set entry each; pending ones also hold their row). */
  stateSize(): number {
    return this.pending.size + this.settled.size;
  }

  /** Rows held (pending keys only): what the keys-only design keeps small. */
  rowsHeld(): number {
    return this.pending.size;
  }
}
