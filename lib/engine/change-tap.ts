// Subscriptions to a table or source (a stream): a stateless operator attached to the store
// that turns each step's deltas into EngineChanges. Nothing is stored: a snapshot reads the
// store's current contents. For a keyed table, a delete and an insert of the same key within a
// step are one 'update' with `old`.

import type { Batch } from '../exec/batch.js';
import type { Operator } from '../exec/operator.js';
import type { ChangeDeliverer } from '../exec/runtime/dataflow.js';
import { rowAt, weightAt } from '../exec/runtime/batch-builder.js';
import { encodeRow, rowKeyExtractor } from '../exec/runtime/values.js';
import type { Row } from '../types/value.js';
import type { ChangeListener, EngineChange } from './types.js';

export class ChangeTap implements Operator, ChangeDeliverer {
  private step: Batch[] = [];
  private pending: EngineChange[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly keyOf: ((row: readonly Row[number][]) => unknown) | null;

  constructor(
    private readonly current: () => Batch[],
    primaryKey: readonly number[] | undefined,
    /** called when the last listener leaves (detach the tap) */
    private readonly onIdle: () => void,
  ) {
    this.keyOf = primaryKey && primaryKey.length > 0 ? rowKeyExtractor(primaryKey) : null;
  }

  push(batch: Batch): void {
    if (this.listeners.size > 0 && batch.length > 0) this.step.push(batch);
  }

  watermark(): void {}

  flush(): void {
    if (this.step.length === 0) return;
    const net = new Map<string, { row: Row; weight: number }>();
    for (const b of this.step) {
      for (let i = 0; i < b.length; i++) {
        const row = rowAt(b, i);
        const k = encodeRow(row);
        const e = net.get(k);
        if (e) e.weight += weightAt(b, i);
        else net.set(k, { row, weight: weightAt(b, i) });
      }
    }
    this.step = [];
    const deletes: Row[] = [];
    const inserts: Row[] = [];
    for (const { row, weight } of net.values()) {
      for (let n = 0; n < Math.abs(weight); n++) (weight < 0 ? deletes : inserts).push(row);
    }
    if (this.keyOf) {
      const byKey = new Map<unknown, Row>();
      for (const d of deletes) byKey.set(this.keyOf(d), d);
      for (const row of inserts) {
        const key = this.keyOf(row);
        const old = byKey.get(key);
        if (old) {
          byKey.delete(key);
          this.pending.push({ op: 'update', row, old });
        } else this.pending.push({ op: 'insert', row });
      }
      for (const row of byKey.values()) this.pending.push({ op: 'delete', row });
    } else {
      for (const row of deletes) this.pending.push({ op: 'delete', row });
      for (const row of inserts) this.pending.push({ op: 'insert', row });
    }
  }

  hasPendingChanges(): boolean {
    return this.pending.length > 0;
  }

  discardPending(): void {
    this.pending = [];
  }

  deliver(): void {
    const changes = this.pending;
    this.pending = [];
    if (changes.length === 0) return;
    for (const l of [...this.listeners]) l(changes);
  }

  subscribe(listener: ChangeListener, opts: { snapshot?: boolean } = {}): { close(): void } {
    this.listeners.add(listener);
    if (opts.snapshot) {
      const rows: EngineChange[] = [];
      for (const b of this.current()) {
        for (let i = 0; i < b.length; i++) {
          const row = rowAt(b, i);
          for (let n = 0; n < weightAt(b, i); n++) rows.push({ op: 'insert', row });
        }
      }
      if (rows.length > 0) listener(rows);
    }
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.onIdle();
      },
    };
  }

  snapshot(): unknown {
    return null;
  }

  restore(): void {}

  stateSize(): number {
    return 0;
  }
}
