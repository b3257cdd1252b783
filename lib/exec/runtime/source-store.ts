// An append-only source (CREATE SOURCE, CREATE TABLE … APPEND ONLY): the root of the views that
// read it. Batches are forwarded downstream as they are (no copy) and retained as a columnar log
// of chunks, so views created later are back-filled and SELECTs see the rows.
//
// Retention (optional): `maxRows` keeps only the newest rows; `retentionMs` with an
// `eventTimeColumn` drops rows whose event time is older than (watermark - retentionMs).
// Dropping retained rows never retracts anything from existing views: retention bounds what
// later views and queries can see, not the results already maintained.
//
// Pushed batches are kept by reference: callers must not mutate a batch after pushing it.

import { ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Materialized } from './dataflow.js';
import { compactLogTail, gather } from './batch-builder.js';

export interface SourceRetention {
  /** keep at most this many of the newest rows */
  maxRows?: number;
  /** drop rows whose event time < watermark - retentionMs (needs eventTimeColumn) */
  retentionMs?: number;
  eventTimeColumn?: number;
}

export class SourceStore implements Operator, Materialized {
  private chunks: Batch[] = [];
  private rows = 0;
  private wm = -Infinity;

  constructor(
    private readonly out: Output,
    private readonly width: number,
    private readonly retention: SourceRetention = {},
  ) {
    if (retention.retentionMs !== undefined && retention.eventTimeColumn === undefined) {
      throw new ExecutionError('INVALID_ARGUMENT', 'source retention by time needs an event-time column');
    }
  }

  push(batch: Batch, _port = 0): void {
    if (batch.columns.length !== this.width) {
      throw new ExecutionError('INVALID_ARGUMENT', `expected ${this.width} columns, got ${batch.columns.length}`);
    }
    if (batch.weights !== null) {
      for (let i = 0; i < batch.length; i++) {
        if (batch.weights[i] !== 1) {
          throw new ExecutionError('INVALID_ARGUMENT', 'a source is append-only: it cannot update or delete rows');
        }
      }
    }
    if (batch.length === 0) return;
    this.chunks.push(batch);
    this.rows += batch.length;
    this.enforceMaxRows();
    this.out.push(batch);
  }

  watermark(wm: number, _port = 0): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    this.enforceTime();
    this.out.watermark(wm);
  }

  get watermarkValue(): number {
    return this.wm;
  }

  private enforceMaxRows(): void {
    const max = this.retention.maxRows;
    if (max === undefined) return;
    while (this.rows > max && this.chunks.length > 0) {
      const first = this.chunks[0];
      const excess = this.rows - max;
      if (first.length <= excess) {
        this.chunks.shift();
        this.rows -= first.length;
      } else {
        const idx = new Int32Array(first.length - excess);
        for (let i = 0; i < idx.length; i++) idx[i] = excess + i;
        this.chunks[0] = gather(first, idx);
        this.rows -= excess;
      }
    }
  }

  private enforceTime(): void {
    const { retentionMs, eventTimeColumn } = this.retention;
    if (retentionMs === undefined || eventTimeColumn === undefined) return;
    const cutoff = this.wm - retentionMs;
    const kept: Batch[] = [];
    let rows = 0;
    for (const chunk of this.chunks) {
      const col = chunk.columns[eventTimeColumn];
      let keep = 0;
      for (let i = 0; i < chunk.length; i++) if ((col[i] as number) >= cutoff) keep++;
      if (keep === chunk.length) kept.push(chunk);
      else if (keep > 0) {
        const idx = new Int32Array(keep);
        for (let i = 0, j = 0; i < chunk.length; i++) if ((col[i] as number) >= cutoff) idx[j++] = i;
        kept.push(gather(chunk, idx));
      }
      rows += keep;
    }
    this.chunks = kept;
    this.rows = rows;
  }

  contents(): Batch[] {
    return this.chunks.slice();
  }

  /** Number of rows retained. */
  get size(): number {
    return this.rows;
  }

  flush(): void {
    compactLogTail(this.chunks, this.width);
  }

  snapshot(): unknown {
    return { chunks: this.chunks.map((c) => ({ length: c.length, columns: c.columns.map((col) => Array.from(col)) })), wm: this.wm === -Infinity ? null : this.wm };
  }

  restore(state: unknown): void {
    const s = state as { chunks: { length: number; columns: unknown[][] }[]; wm: number | null };
    this.chunks = s.chunks.map((c) => ({ length: c.length, columns: c.columns as Batch['columns'], weights: null }));
    this.rows = this.chunks.reduce((n, c) => n + c.length, 0);
    this.wm = s.wm ?? -Infinity;
  }

  stateSize(): number {
    return this.rows;
  }
}
