// SELECT DISTINCT: a row is present once while its multiplicity is positive. Counts change during
// the step; at flush a row emits +1 when it appeared and -1 when it disappeared.
//
// By default the row → slot index lives in the native state store (byte keys, one batched call
// per input batch, freed by close()); counts and rows stay in JS arrays indexed by slot. With
// `keyIndex: 'js'` (or without the addon) a JS Map holds the rows instead.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row } from '../../types/value.js';
import { BatchBuilder, rowAt, weightAt } from '../runtime/batch-builder.js';
import { encodeRow } from '../runtime/values.js';
import { NativeByteKeyIndex, tryNativeByteKeyIndex } from './byte-key-index.js';

interface Counted {
  row: Row;
  count: number;
}

export interface DistinctOptions {
  /** where the row index lives: 'native' (default, falls back to 'js' without the addon) */
  keyIndex?: 'native' | 'js';
}

const UNTOUCHED = 0;
const WAS_ABSENT = 1;
const WAS_PRESENT = 2;

export class Distinct implements Operator {
  /** JS path: encoded row → row and count */
  private readonly counts = new Map<string, Counted>();
  /** JS path: rows touched this step → whether they were present before it */
  private touched = new Map<string, boolean>();

  /** native path: encoded row → slot; the slot's row, key and count are below */
  private readonly index: NativeByteKeyIndex | null;
  private slotRows: (Row | undefined)[] = [];
  private slotKeys: (string | undefined)[] = [];
  private slotCounts: number[] = [];
  private slotState = new Uint8Array(256);
  private touchedSlots: number[] = [];
  private freeSlots: number[] = [];
  private liveSlots = 0;
  /** the current batch's keys, rows and weights (reused between batches) */
  private batchKeys: string[] = [];
  private batchRows: Row[] = [];
  private batchWeights: number[] = [];

  constructor(
    private readonly out: Output,
    private readonly width: number,
    options: DistinctOptions = {},
  ) {
    this.index = options.keyIndex === 'js' ? null : tryNativeByteKeyIndex();
  }

  /** Whether the row index is in the native store. */
  get nativeIndex(): boolean {
    return this.index !== null;
  }

  push(batch: Batch, _port = 0): void {
    if (this.index !== null) {
      this.pushNative(batch, this.index);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const row = rowAt(batch, i);
      const key = encodeRow(row);
      let e = this.counts.get(key);
      if (!this.touched.has(key)) this.touched.set(key, e !== undefined && e.count > 0);
      if (!e) this.counts.set(key, (e = { row, count: 0 }));
      e.count += w;
    }
  }

  private pushNative(batch: Batch, index: NativeByteKeyIndex): void {
    const keys = this.batchKeys;
    const rows = this.batchRows;
    const weights = this.batchWeights;
    index.begin();
    let m = 0;
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const row = rowAt(batch, i);
      const key = encodeRow(row);
      keys[m] = key;
      rows[m] = row;
      weights[m] = w;
      index.key(key);
      m++;
    }
    if (m === 0) return;
    index.upsert();
    for (let j = 0; j < m; j++) {
      let slot = index.slotOf(j);
      if (slot < 0) {
        slot = this.allocSlot(keys[j], rows[j]);
        index.assign(j, slot);
      }
      if (this.slotState[slot] === UNTOUCHED) {
        this.slotState[slot] = this.slotCounts[slot] > 0 ? WAS_PRESENT : WAS_ABSENT;
        this.touchedSlots.push(slot);
      }
      this.slotCounts[slot] += weights[j];
    }
    // drop references to this batch's rows that did not become slot rows
    rows.length = 0;
    keys.length = 0;
  }

  private allocSlot(key: string, row: Row): number {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.slotRows.length;
    if (slot >= this.slotState.length) {
      const grown = new Uint8Array(this.slotState.length * 2);
      grown.set(this.slotState);
      this.slotState = grown;
    }
    this.slotRows[slot] = row;
    this.slotKeys[slot] = key;
    this.slotCounts[slot] = 0;
    this.liveSlots++;
    return slot;
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {
    if (this.index !== null) {
      this.flushNative(this.index);
      return;
    }
    if (this.touched.size === 0) return;
    const delta = new BatchBuilder(this.width);
    for (const [key, wasPresent] of this.touched) {
      const e = this.counts.get(key)!;
      const present = e.count > 0;
      if (present && !wasPresent) delta.addRow(e.row, 1);
      else if (!present && wasPresent) delta.addRow(e.row, -1);
      if (e.count === 0) this.counts.delete(key);
    }
    this.touched = new Map();
    this.out.push(delta.take());
  }

  private flushNative(index: NativeByteKeyIndex): void {
    const touched = this.touchedSlots;
    if (touched.length === 0) return;
    const delta = new BatchBuilder(this.width);
    for (const slot of touched) {
      const count = this.slotCounts[slot];
      const wasPresent = this.slotState[slot] === WAS_PRESENT;
      this.slotState[slot] = UNTOUCHED;
      const present = count > 0;
      if (present && !wasPresent) delta.addRow(this.slotRows[slot]!, 1);
      else if (!present && wasPresent) delta.addRow(this.slotRows[slot]!, -1);
      if (count === 0) {
        index.forget(this.slotKeys[slot]!);
        this.slotRows[slot] = undefined;
        this.slotKeys[slot] = undefined;
        this.freeSlots.push(slot);
        this.liveSlots--;
      }
    }
    index.applyDeletes();
    this.touchedSlots = [];
    this.out.push(delta.take());
  }

  snapshot(): unknown {
    if (this.index === null) return { rows: [...this.counts.values()].map((e) => [e.row, e.count]) };
    const rows: [Row, number][] = [];
    for (let s = 0; s < this.slotRows.length; s++) {
      const row = this.slotRows[s];
      if (row !== undefined) rows.push([row, this.slotCounts[s]]);
    }
    return { rows };
  }

  restore(state: unknown): void {
    const saved = (state as { rows: [Row, number][] }).rows;
    this.counts.clear();
    this.touched = new Map();
    if (this.index === null) {
      for (const [row, count] of saved) this.counts.set(encodeRow(row), { row, count });
      return;
    }
    this.resetSlots();
    this.index.clear();
    this.index.begin();
    const keys = saved.map(([row]) => encodeRow(row));
    for (const key of keys) this.index.key(key);
    this.index.upsert();
    for (let j = 0; j < saved.length; j++) {
      const slot = this.allocSlot(keys[j], saved[j][0]);
      this.slotCounts[slot] = saved[j][1];
      this.index.assign(j, slot);
    }
  }

  stateSize(): number {
    return this.index === null ? this.counts.size : this.liveSlots;
  }

  /** Drops the counted rows and frees the native index (DROP, db.close()). */
  close(): void {
    this.counts.clear();
    this.touched = new Map();
    this.index?.close();
    this.resetSlots();
  }

  private resetSlots(): void {
    this.slotRows = [];
    this.slotKeys = [];
    this.slotCounts = [];
    this.slotState.fill(UNTOUCHED);
    this.touchedSlots = [];
    this.freeSlots = [];
    this.liveSlots = 0;
  }
}
