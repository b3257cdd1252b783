// GROUP BY with incrementally maintained, retractable aggregates.
//
// Input columns are already computed by a Project below (group keys, aggregate arguments,
// FILTER conditions are column indices). Output = group key columns ++ aggregate results.
// Each group has a slot; aggregate state lives in per-aggregate kernels indexed by slot. During
// a step the touched groups are remembered; at flush each touched group emits -old +new (only
// if its row changed). A group whose row count drops to 0 disappears (emits -old). Without GROUP
// BY there is always exactly one output row, even over empty input (count 0, sum NULL).
//
// Where the state lives: group keys made only of numbers are indexed in the native state store
// (group-index.ts; one native call per input batch), other keys (text, NULL, NaN, mixed) in JS
// maps, or with textGroupIndex 'native' as encoded byte keys in a second native store
// (byte-key-index.ts, also one call per batch; slower than the maps as measured, so not the
// default). With groupIndex 'js' or without the addon all keys are in JS. The accumulators live in
// per-kernel typed arrays (count, sum, bool) or per-slot values (min/max, accumulators) in JS.
// close() frees the native index. A checkpoint takes the groups by copy-on-write (captureGroups).

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { Row, Value } from '../../types/value.js';
import { BatchBuilder, weightAt } from '../runtime/batch-builder.js';
import { encodeRow, encodeValue, keyExtractor, keyOfValue, rowKeyExtractor, sameRow, type Key } from '../runtime/values.js';
import type { AggregateKernel } from './aggregate-kernels.js';
import { kernelFor, type AggregateSpec, type GroupRecord } from './aggregate-spec.js';
import { NativeGroupIndex, NumericKeyIndex, allNumbers, tryNativeGroupIndex } from './group-index.js';
import { CAPTURE_SLICE, GroupCapture } from './aggregate-capture.js';
import { NativeByteKeyIndex } from './byte-key-index.js';
import { ExecutionError } from '../../errors.js';

export { kernelFor, type AggregateSpec, type GroupRecord } from './aggregate-spec.js';

export interface HashAggregateOptions {
  groupBy: readonly number[];
  aggregates: readonly AggregateSpec[];
  /** the input never retracts (a source): min/max keep only their extreme, not every value */
  appendOnly?: boolean;
  /** where all-number group keys are indexed: the native state store (default when the addon
   *  loads) or the typed-array table in JS (for comparison in benches and tests) */
  groupIndex?: 'native' | 'js';
  /** with the native group index: where keys that are not all numbers go. 'js' (default): the
   *  JS maps, measured faster (1 M events, one text column, 10 K keys: 160–214 ns/event against
   *  265–327 native; 500 K keys: 658–805 against 792–803); 'native': a byte-keyed native store */
  textGroupIndex?: 'native' | 'js';
}

export class HashAggregate implements Operator {
  private readonly groupBy: readonly number[];
  private readonly specs: readonly AggregateSpec[];
  /** per aggregate: takes a second argument and/or ORDER BY keys */
  private readonly withArgs: boolean[];
  private readonly kernels: AggregateKernel[];
  private readonly keyOf: (columns: Batch['columns'], row: number) => Key;
  private readonly slots = new Map<Key, number>();
  private keyRows: (Row | undefined)[] = [];
  /** the slot's key in `slots`; undefined for groups held by the numeric index */
  private slotKeys: (Key | undefined)[] = [];
  private readonly keyOfKeyRow: (row: readonly Value[]) => Key;
  private rowCounts: number[] = [];
  /** output row currently emitted per slot (null: none) */
  private emitted: (Row | null)[] = [];
  /** per aggregate with DISTINCT: slot → value key → multiplicity */
  private distinctSeen: (Map<number, Map<Key, number>> | null)[];
  private freeSlots: number[] = [];
  /** slots touched in this step, in first-touch order, and a flag per slot (no Set per row) */
  private touchedList: number[] = [];
  private touchedFlags = new Uint8Array(64);
  /** all-number group keys (ids, timestamps) → slot without building a string key; groups
   *  whose key holds anything else (NULL, text, NaN) are found through `slots` only */
  private readonly numericIndex: NumericKeyIndex | null;
  /** the same groups in the native store instead (batched per input batch); then numericIndex is null */
  private readonly nativeIndex: NativeGroupIndex | null;
  /** with the native index: the other group keys, encoded (encodeRow of the key columns) */
  private readonly byteIndex: NativeByteKeyIndex | null;
  /** the slot's key in byteIndex; undefined for groups held elsewhere */
  private byteKeys: (string | undefined)[] = [];
  /** rows of the batch whose key went to the byte index, and those keys */
  private byteRows = new Int32Array(0);
  private byteBatchKeys: string[] = [];
  /** group slot of each row of the batch being pushed (native index) */
  private rowSlots = new Int32Array(0);
  /** rows of the batch whose key went to the native index, in order */
  private nativeRows = new Int32Array(0);
  private readonly global: boolean;
  private readonly width: number;
  /** two grouping columns (e.g. window_start, auction): slot by nested per-column keys, so a
   *  row's lookup builds no composite string (the string key is built once per new group) */
  private readonly pairIndex: Map<Key, Map<Key, number>> | null;
  /** the last first-column key looked up and its inner map (consecutive rows often share it,
   *  e.g. window-major HOP output) */
  private lastOuterKey: Key | undefined = undefined;
  private lastInner: Map<Key, number> | undefined = undefined;
  /** the checkpoint capture being encoded, if any (see captureGroups) */
  private capture: GroupCapture | null = null;
  /** slots touched since the last capture's cut (parallel to touchedFlags) */
  private dirtySlots = new Uint8Array(64);
  /** the last completed capture's records by slot; null after restore or an unfinished capture */
  private recordCache: (GroupRecord | undefined)[] | null = null;

  constructor(
    private readonly out: Output,
    options: HashAggregateOptions,
  ) {
    this.groupBy = options.groupBy;
    this.specs = options.aggregates;
    this.kernels = this.specs.map((s) => kernelFor(s, options.appendOnly === true));
    this.withArgs = this.specs.map((s) => s.extraArg !== undefined || s.orderArgs !== undefined);
    this.withArgs.forEach((w, a) => {
      if (w && !this.kernels[a]!.addWith) throw new ExecutionError('INVALID_ARGUMENT', `aggregate ${this.specs[a]!.fn} takes no extra arguments or ORDER BY here`);
    });
    this.distinctSeen = this.specs.map((s) => (s.distinct ? new Map() : null));
    this.keyOf = keyExtractor(this.groupBy);
    this.keyOfKeyRow = rowKeyExtractor(this.groupBy.map((_, i) => i));
    this.global = this.groupBy.length === 0;
    this.width = this.groupBy.length + this.specs.length;
    this.pairIndex = this.groupBy.length === 2 ? new Map() : null;
    this.nativeIndex = this.global || options.groupIndex === 'js' ? null : tryNativeGroupIndex(this.groupBy.length);
    this.numericIndex = this.global || this.nativeIndex !== null ? null : new NumericKeyIndex(this.groupBy.length);
    this.byteIndex = this.nativeIndex !== null && options.textGroupIndex === 'native' ? new NativeByteKeyIndex() : null;
    if (this.global) {
      this.slotFor('', null);
      // the single row of a global aggregate exists before any input
      this.touch(0);
    }
  }

  private touch(slot: number): void {
    let flags = this.touchedFlags;
    if (slot >= flags.length) {
      const grown = new Uint8Array(Math.max(flags.length * 2, slot + 1));
      grown.set(flags);
      this.touchedFlags = flags = grown;
      const dirty = new Uint8Array(grown.length);
      dirty.set(this.dirtySlots);
      this.dirtySlots = dirty;
    }
    if (flags[slot] === 0) {
      // every change to a group happens after its first touch of the step
      if (this.capture !== null) this.preserve(slot);
      this.dirtySlots[slot] = 1;
      flags[slot] = 1;
      this.touchedList.push(slot);
    }
  }

  /** Copy-on-write for an open capture: record the slot as it was at the cut before it changes. */
  private preserve(slot: number): void {
    const c = this.capture!;
    if (slot < c.cursor || slot >= c.end || c.preserved.has(slot)) return;
    c.preserved.set(slot, this.keyRows[slot] === undefined ? null : this.recordAtCut(c, slot));
  }

  /** The slot's record as of the capture's cut (the group has not changed since the cut). */
  private recordAtCut(c: GroupCapture, slot: number): GroupRecord {
    const cached = c.cache[slot];
    if (cached !== undefined && c.dirty[slot] !== 1) return cached;
    const rec = this.record(slot);
    c.cache[slot] = rec;
    return rec;
  }

  /** Put the key row into the numeric index's probe; false if it is not all (non-NaN) numbers. */
  private probeKeyRow(keyRow: readonly Value[]): boolean {
    const probe = this.numericIndex!.probe;
    for (let c = 0; c < keyRow.length; c++) {
      const v = keyRow[c];
      if (typeof v !== 'number' || v !== v) return false;
      probe[c] = v + 0; // -0 groups with 0
    }
    return true;
  }

  private slotFor(key: Key, keyRow: Row | null): number {
    let slot = this.slots.get(key);
    if (slot !== undefined) return slot;
    slot = this.allocateSlot(keyRow ?? []);
    this.slots.set(key, slot);
    this.slotKeys[slot] = key;
    if (this.pairIndex !== null && keyRow !== null) this.indexPair(keyOfValue(keyRow[0]), keyOfValue(keyRow[1]), slot);
    return slot;
  }

  /** A new group for the all-number key now in the numeric index's probe. */
  private numericSlotFor(): number {
    const probe = this.numericIndex!.probe;
    const keyRow: Row = new Array(probe.length);
    for (let c = 0; c < probe.length; c++) keyRow[c] = probe[c];
    const slot = this.allocateSlot(keyRow);
    this.numericIndex!.insert(slot);
    this.slotKeys[slot] = undefined;
    return slot;
  }

  private allocateSlot(keyRow: Row): number {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.rowCounts.length;
    if (this.capture !== null) this.preserve(slot);
    this.keyRows[slot] = keyRow;
    this.rowCounts[slot] = 0;
    this.emitted[slot] = null;
    for (const k of this.kernels) k.clear(slot);
    for (const d of this.distinctSeen) d?.delete(slot);
    return slot;
  }

  private indexPair(k0: Key, k1: Key, slot: number): void {
    this.lastInner = undefined;
    let inner = this.pairIndex!.get(k0);
    if (inner === undefined) this.pairIndex!.set(k0, (inner = new Map()));
    inner.set(k1, slot);
  }

  private slotOfRow(cols: Batch['columns'], i: number): number {
    const numeric = this.numericIndex;
    if (numeric !== null) {
      const probe = numeric.probe;
      const groupBy = this.groupBy;
      let c = 0;
      for (; c < groupBy.length; c++) {
        const v = cols[groupBy[c]][i];
        if (typeof v !== 'number' || v !== v) break;
        probe[c] = v + 0;
      }
      if (c === groupBy.length) {
        const slot = numeric.find();
        return slot >= 0 ? slot : this.numericSlotFor();
      }
    }
    const pairs = this.pairIndex;
    if (pairs !== null) {
      const k0 = keyOfValue(cols[this.groupBy[0]][i]);
      let inner = this.lastInner;
      if (inner === undefined || k0 !== this.lastOuterKey) {
        inner = pairs.get(k0);
        this.lastOuterKey = k0;
        this.lastInner = inner;
      }
      const slot = inner?.get(keyOfValue(cols[this.groupBy[1]][i]));
      if (slot !== undefined) return slot;
    }
    const key = this.global ? '' : this.keyOf(cols, i);
    const slot = this.slots.get(key);
    if (slot !== undefined) return slot;
    const keyRow: Row = this.groupBy.map((c) => cols[c][i] ?? null);
    return this.slotFor(key, keyRow);
  }

  /**
   * Native index: the group slot of every row of the batch into rowSlots, all-number keys in one
   * native call (new groups allocated in row order), other keys through the JS maps.
   */
  private slotsOfBatch(batch: Batch): Int32Array {
    const n = batch.length;
    if (this.rowSlots.length < n) {
      this.rowSlots = new Int32Array(Math.max(n, this.rowSlots.length * 2));
      this.nativeRows = new Int32Array(this.rowSlots.length);
      this.byteRows = new Int32Array(this.rowSlots.length);
    }
    const bytes = this.byteIndex;
    const byteRows = this.byteRows;
    const byteKeys = this.byteBatchKeys;
    bytes?.applyDeletes();
    bytes?.begin();
    let b = 0;
    const rowSlots = this.rowSlots;
    const nativeRows = this.nativeRows;
    const index = this.nativeIndex!;
    const cols = batch.columns;
    const groupBy = this.groupBy;
    const width = groupBy.length;
    const weights = batch.weights;
    // normally done at the end of flush; a flush that threw may have left some
    index.applyDeletes();
    index.reserve(n);
    const words = index.keyWords;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (weights !== null && weights[i] === 0) continue;
      const at = m * width;
      let c = 0;
      for (; c < width; c++) {
        const v = cols[groupBy[c]][i];
        if (typeof v !== 'number' || v !== v) break;
        words[at + c] = v + 0; // -0 groups with 0
      }
      if (c === width) {
        nativeRows[m++] = i;
        index.next();
      } else if (bytes === null) rowSlots[i] = this.slotOfRow(cols, i);
      else {
        let key = '';
        for (let k = 0; k < width; k++) key += encodeValue(cols[groupBy[k]][i] ?? null);
        byteKeys[b] = key;
        byteRows[b++] = i;
        bytes.key(key);
      }
    }
    if (b > 0) this.byteSlotsOfBatch(batch, b);
    if (m === 0) return rowSlots;
    index.upsert();
    for (let j = 0; j < m; j++) {
      let slot = index.groupSlot(j);
      if (slot < 0) {
        const keyRow: Row = new Array(width);
        for (let c = 0; c < width; c++) keyRow[c] = words[j * width + c];
        slot = this.allocateSlot(keyRow);
        this.slotKeys[slot] = undefined;
        index.assign(j, slot);
      }
      rowSlots[nativeRows[j]] = slot;
    }
    return rowSlots;
  }

  /** The group slots of the batch's `n` byte-keyed rows (keys already given to byteIndex). */
  private byteSlotsOfBatch(batch: Batch, n: number): void {
    const bytes = this.byteIndex!;
    const cols = batch.columns;
    const groupBy = this.groupBy;
    bytes.upsert();
    for (let j = 0; j < n; j++) {
      const i = this.byteRows[j];
      let slot = bytes.slotOf(j);
      if (slot < 0) {
        slot = this.allocateSlot(groupBy.map((c) => cols[c][i] ?? null));
        this.slotKeys[slot] = undefined;
        this.byteKeys[slot] = this.byteBatchKeys[j];
        bytes.assign(j, slot);
      }
      this.rowSlots[i] = slot;
    }
    this.byteBatchKeys.length = 0;
  }

  push(batch: Batch, _port = 0): void {
    const cols = batch.columns;
    const specs = this.specs;
    const kernels = this.kernels;
    const batched = this.nativeIndex !== null ? this.slotsOfBatch(batch) : null;
    for (let i = 0; i < batch.length; i++) {
      const w = weightAt(batch, i);
      if (w === 0) continue;
      const slot = batched !== null ? batched[i] : this.slotOfRow(cols, i);
      this.touch(slot);
      this.rowCounts[slot] += w;
      for (let a = 0; a < specs.length; a++) {
        const s = specs[a];
        if (s.filter !== undefined && cols[s.filter][i] !== true) continue;
        let v: Value = null;
        if (s.arg !== undefined) {
          v = cols[s.arg][i] ?? null;
          if (v === null && !kernels[a].acceptsNull) continue;
        }
        const seen = this.distinctSeen[a];
        if (seen !== null) {
          let m = seen.get(slot);
          if (!m) seen.set(slot, (m = new Map()));
          const vk = keyOfValue(v);
          const before = m.get(vk) ?? 0;
          const after = before + w;
          if (after === 0) m.delete(vk);
          else m.set(vk, after);
          // only a value appearing or disappearing changes a DISTINCT aggregate
          if (before <= 0 && after > 0) this.addTo(a, slot, v, 1, cols, i);
          else if (before > 0 && after <= 0) this.addTo(a, slot, v, -1, cols, i);
          continue;
        }
        if (this.withArgs[a]) this.addTo(a, slot, v, w, cols, i);
        else kernels[a].add(slot, v, w);
      }
    }
  }

  private addTo(a: number, slot: number, v: Value, w: number, cols: Batch['columns'], i: number): void {
    if (!this.withArgs[a]) {
      this.kernels[a]!.add(slot, v, w);
      return;
    }
    const s = this.specs[a]!;
    const extra = s.extraArg !== undefined ? (cols[s.extraArg][i] ?? null) : undefined;
    const order = s.orderArgs?.map((c) => cols[c][i] ?? null);
    this.kernels[a]!.addWith!(slot, v, w, extra, order);
  }

  watermark(wm: number, _port = 0): void {
    this.out.watermark(wm);
  }

  flush(): void {
    const touched = this.touchedList;
    if (touched.length === 0) return;
    this.touchedList = [];
    const delta = new BatchBuilder(this.width);
    for (let t = 0; t < touched.length; t++) {
      const slot = touched[t];
      this.touchedFlags[slot] = 0;
      const old = this.emitted[slot];
      const alive = this.global || this.rowCounts[slot] > 0;
      const row = alive ? this.outputRow(slot) : null;
      if (old !== null && row !== null && sameRow(old, row)) continue;
      if (old !== null) delta.addRow(old, -1);
      if (row !== null) delta.addRow(row, 1);
      this.emitted[slot] = row;
      if (!alive) this.release(slot);
    }
    this.nativeIndex?.applyDeletes();
    this.byteIndex?.applyDeletes();
    this.out.push(delta.take());
  }

  private outputRow(slot: number): Row {
    const key = this.keyRows[slot]!;
    const row: Row = new Array(key.length + this.kernels.length);
    for (let c = 0; c < key.length; c++) row[c] = key[c];
    for (let a = 0; a < this.kernels.length; a++) row[key.length + a] = this.kernels[a].result(slot);
    return row;
  }

  private release(slot: number): void {
    const key = this.slotKeys[slot];
    const byteKey = this.byteKeys[slot];
    if (byteKey !== undefined) {
      this.byteIndex!.forget(byteKey);
      this.byteKeys[slot] = undefined;
    } else if (key === undefined) {
      if (this.nativeIndex !== null) this.nativeIndex.forget(this.keyRows[slot]!);
      else {
        this.probeKeyRow(this.keyRows[slot]!);
        this.numericIndex!.delete();
      }
    } else this.slots.delete(key);
    if (this.pairIndex !== null && key !== undefined) {
      const keyRow = this.keyRows[slot]!;
      const k0 = keyOfValue(keyRow[0]);
      const inner = this.pairIndex.get(k0);
      inner?.delete(keyOfValue(keyRow[1]));
      if (inner !== undefined && inner.size === 0) this.pairIndex.delete(k0);
      this.lastInner = undefined;
    }
    this.keyRows[slot] = undefined;
    for (const d of this.distinctSeen) d?.delete(slot);
    this.freeSlots.push(slot);
  }

  /** The group in `slot` as a fresh record (key and emitted rows are never changed in place). */
  private record(slot: number): GroupRecord {
    return {
      key: this.keyRows[slot]!,
      count: this.rowCounts[slot],
      emitted: this.emitted[slot],
      aggs: this.kernels.map((k) => k.save(slot)),
      distinct: this.distinctSeen.map((d) => (d ? [...(d.get(slot) ?? new Map<Key, number>()).entries()] : null)),
    };
  }

  snapshot(): unknown {
    const groups: GroupRecord[] = [];
    for (let slot = 0; slot < this.keyRows.length; slot++) {
      if (this.keyRows[slot] !== undefined) groups.push(this.record(slot));
    }
    return { groups };
  }

  /**
   * A checkpoint cut that does not walk the groups: O(1) now; `fill` appends to `into` the
   * groups snapshot() would have returned at this moment, in slices (awaiting `pause` between
   * them), while later steps keep running — a group changed before `fill` reached it is
   * recorded as it was, at its first change (copy-on-write). A newer capture, restore() or
   * close() abandons this one (its fill then throws). Only for kernels whose save() returns
   * fresh values, like snapshot() records kept by reference.
   */
  captureGroups(): { fill(into: unknown[], pause: () => Promise<void>): Promise<void> } {
    if (this.capture !== null) {
      // its cache would be partly older than the dirty flags handed to it: start over
      this.capture.abandoned = true;
      this.recordCache = null;
    }
    const cache = this.recordCache ?? [];
    this.recordCache = null; // until this capture completes
    const capture = new GroupCapture(this.keyRows.length, this.dirtySlots, cache);
    this.dirtySlots = new Uint8Array(this.touchedFlags.length);
    this.capture = capture;
    return {
      fill: async (into, pause) => {
        let completed = false;
        try {
          for (let slot = 0; slot < capture.end; slot++) {
            if (capture.abandoned) throw new ExecutionError('INVALID_ARGUMENT', 'checkpoint capture of an aggregate was superseded (a newer checkpoint, restore or close)');
            const kept = capture.preserved.get(slot);
            if (kept !== undefined) {
              if (kept !== null) into.push(kept);
            } else if (this.keyRows[slot] !== undefined) into.push(this.recordAtCut(capture, slot));
            else cache[slot] = undefined;
            capture.cursor = slot + 1;
            capture.preserved.delete(slot);
            if ((slot + 1) % CAPTURE_SLICE === 0) await pause();
          }
          cache.length = capture.end;
          completed = true;
        } finally {
          if (this.capture === capture) {
            this.capture = null;
            if (completed) this.recordCache = cache;
          }
        }
      },
    };
  }

  /** Frees the group state (DROP, db.close()); an open capture is abandoned. */
  close(): void {
    if (this.capture !== null) this.capture.abandoned = true;
    this.capture = null;
    this.recordCache = null;
    this.nativeIndex?.close();
    this.byteIndex?.close();
  }

  restore(state: unknown): void {
    const s = state as { groups: GroupRecord[] };
    if (this.capture !== null) this.capture.abandoned = true;
    this.capture = null;
    this.recordCache = null;
    this.slots.clear();
    this.pairIndex?.clear();
    this.numericIndex?.clear();
    this.nativeIndex?.clear();
    this.byteIndex?.clear();
    this.byteKeys = [];
    this.lastInner = undefined;
    this.keyRows = [];
    this.rowCounts = [];
    this.emitted = [];
    this.slotKeys = [];
    this.freeSlots = [];
    for (const slot of this.touchedList) this.touchedFlags[slot] = 0;
    this.touchedList = [];
    this.distinctSeen = this.specs.map((sp) => (sp.distinct ? new Map() : null));
    const native = this.nativeIndex;
    native?.reserve(s.groups.length);
    const indexed: number[] = [];
    const byteIndexed: number[] = [];
    this.byteIndex?.begin();
    for (const g of s.groups) {
      let slot: number;
      if (native !== null && allNumbers(g.key)) {
        // indexed below, all in one native call
        const at = native.cursor;
        for (let c = 0; c < g.key.length; c++) native.keyWords[at + c] = (g.key[c] as number) + 0;
        native.next();
        slot = this.allocateSlot(g.key);
        this.slotKeys[slot] = undefined;
        indexed.push(slot);
      } else if (this.byteIndex !== null) {
        const key = encodeRow(g.key);
        this.byteIndex.key(key);
        slot = this.allocateSlot(g.key);
        this.slotKeys[slot] = undefined;
        this.byteKeys[slot] = key;
        byteIndexed.push(slot);
      } else slot = !this.global && native === null && this.probeKeyRow(g.key) ? this.numericSlotFor() : this.slotFor(this.global ? '' : this.keyOfKeyRow(g.key), g.key);
      this.rowCounts[slot] = g.count;
      this.emitted[slot] = g.emitted;
      this.kernels.forEach((k, a) => k.load(slot, g.aggs[a]));
      g.distinct.forEach((entries, a) => {
        if (entries) this.distinctSeen[a]!.set(slot, new Map(entries));
      });
    }
    if (native !== null && indexed.length > 0) {
      native.upsert();
      for (let j = 0; j < indexed.length; j++) native.assign(j, indexed[j]!);
    }
    if (this.byteIndex !== null && byteIndexed.length > 0) {
      this.byteIndex.upsert();
      for (let j = 0; j < byteIndexed.length; j++) this.byteIndex.assign(j, byteIndexed[j]!);
    }
  }

  stateSize(): number {
    return this.slots.size + (this.numericIndex?.size ?? this.nativeIndex?.size ?? 0) + (this.byteIndex?.size ?? 0);
  }
}
