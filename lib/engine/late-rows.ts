// Late-row side output of a materialized view: rows its windowed operators dropped as late
// (behind the watermark / allowed_lateness) go to listeners registered with
// Engine.onLateRows(view, …). Rows are collected only while someone listens, and delivered in a
// microtask after the step (user code never runs inside a propagation step).

import type { LatePolicy } from '../exec/stream/late.js';
import { rowAt, weightAt } from '../exec/runtime/batch-builder.js';
import type { Row } from '../types/value.js';
import type { ColumnInfo } from './types.js';

export type LateRowListener = (rows: Row[], columns: ColumnInfo[]) => void;

export class LateRowRouter {
  private readonly listeners = new Set<LateRowListener>();
  private pending: { rows: Row[]; columns: ColumnInfo[] }[] = [];
  private scheduled = false;

  /** The late policy of one operator whose input starts with `columns`. */
  policyFor(columns: readonly { name: string; type: ColumnInfo['type'] }[]): LatePolicy {
    const info: ColumnInfo[] = columns.map((c) => ({ name: c.name, type: c.type, nullable: true }));
    const width = info.length;
    return {
      sideOutput: (batch) => {
        if (this.listeners.size === 0) return;
        const rows: Row[] = [];
        for (let i = 0; i < batch.length; i++) {
          const row = rowAt(batch, i).slice(0, width);
          for (let w = weightAt(batch, i); w > 0; w--) rows.push(row);
        }
        this.pending.push({ rows, columns: info });
        this.schedule();
      },
    };
  }

  listen(listener: LateRowListener): { close(): void } {
    this.listeners.add(listener);
    return { close: () => void this.listeners.delete(listener) };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const batches = this.pending;
      this.pending = [];
      for (const b of batches) for (const l of this.listeners) l(b.rows, b.columns);
    });
  }
}
