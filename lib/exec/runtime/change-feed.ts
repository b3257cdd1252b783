// A stateless change stream over any node (subscribing to a table or a source rather than a
// materialized view): it keeps nothing between steps, only nets each step's deltas and delivers
// them as EngineChange[]. With a unique key (a table's primary key) a -old/+new pair of the same
// key becomes one 'update'. A snapshot, when asked for, comes from `currentRows` (e.g. the
// store's contents), since the feed itself holds no rows.

import type { Batch } from '../batch.js';
import type { Operator } from '../operator.js';
import type { ChangeListener, EngineChange } from '../../engine/types.js';
import type { Row } from '../../types/value.js';
import { rowAt, weightAt } from './batch-builder.js';
import { encodeRowAt, rowKeyExtractor, type Key } from './values.js';
import type { ChangeDeliverer } from './dataflow.js';
import { deliverChanges } from './listeners.js';

export interface ChangeFeedOptions {
  uniqueKey?: readonly number[];
  /** the input's current rows, for `subscribe(…, { snapshot: true })` */
  currentRows?: () => Row[];
}

export class ChangeFeed implements Operator, ChangeDeliverer {
  private step = new Map<string, { row: Row; weight: number }>();
  private pending: EngineChange[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly keyOf: ((row: Row) => Key) | null;

  constructor(private readonly options: ChangeFeedOptions = {}) {
    this.keyOf = options.uniqueKey !== undefined ? rowKeyExtractor(options.uniqueKey) : null;
  }

  push(batch: Batch, _port = 0): void {
    if (this.listeners.size === 0) return;
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const k = encodeRowAt(batch.columns, i);
      const e = this.step.get(k);
      if (e) e.weight += w;
      else this.step.set(k, { row: rowAt(batch, i), weight: w });
    }
  }

  watermark(): void {}

  flush(): void {
    if (this.step.size === 0) return;
    const deletes: Row[] = [];
    const inserts: Row[] = [];
    for (const { row, weight } of this.step.values()) {
      for (let k = 0; k < -weight; k++) deletes.push(row);
      for (let k = 0; k < weight; k++) inserts.push(row);
    }
    this.step = new Map();
    const changes = this.pending;
    if (this.keyOf !== null) {
      // pair a lone delete and a lone insert of the same key into an update
      const keyOf = this.keyOf;
      const tally = new Map<Key, { d: number; i: number }>();
      const at = (k: Key) => {
        let e = tally.get(k);
        if (!e) tally.set(k, (e = { d: 0, i: 0 }));
        return e;
      };
      for (const r of deletes) at(keyOf(r)).d++;
      for (const r of inserts) at(keyOf(r)).i++;
      const oldOf = new Map<Key, Row>();
      for (const r of deletes) {
        const e = tally.get(keyOf(r))!;
        if (e.d === 1 && e.i === 1) oldOf.set(keyOf(r), r);
        else changes.push({ op: 'delete', row: r });
      }
      for (const r of inserts) {
        const old = oldOf.get(keyOf(r));
        changes.push(old !== undefined ? { op: 'update', row: r, old } : { op: 'insert', row: r });
      }
    } else {
      for (const row of deletes) changes.push({ op: 'delete', row });
      for (const row of inserts) changes.push({ op: 'insert', row });
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
    if (changes.length > 0) deliverChanges(this.listeners, changes);
  }

  subscribe(listener: ChangeListener, opts: { snapshot?: boolean } = {}): { close(): void } {
    this.listeners.add(listener);
    if (opts.snapshot && this.options.currentRows) {
      const initial: EngineChange[] = this.options.currentRows().map((row) => ({ op: 'insert', row }));
      if (initial.length > 0) listener(initial);
    }
    return { close: () => void this.listeners.delete(listener) };
  }

  snapshot(): unknown {
    return null;
  }
  restore(): void {}
  stateSize(): number {
    return 0;
  }
}
