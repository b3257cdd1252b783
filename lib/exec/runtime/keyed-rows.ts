// The rows of a table with a primary key, stored by slot: key → slot index (SlotIndex), values in
// fixed-size chunks of columns. An upsert overwrites its slot in place, so the hot paths (live
// inserts, WAL replay) allocate no row per change, and a million rows are a few thousand arrays
// instead of a million row objects for the garbage collector to trace.
//
// Order: a new key takes the next slot at the end and a delete leaves a hole (compacted away once
// holes outnumber rows), so rows come out in the order a Map of them would give: first insertion
// of each live key, an update keeping its place.
//
// Checkpoints: a cut holds the chunk objects themselves (no copy); a chunk shared with a cut is
// copied before its next write (copy-on-write), so a cut never changes after it is taken and an
// unchanged chunk is the same object in two cuts (an incremental checkpoint writes only the
// chunks that changed).

import { StorageError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Row, Value } from '../../types/value.js';
import { keyOfValue, sameValue, type Key } from './values.js';
import { SlotIndex } from './slot-index.js';

/** slots per chunk (a power of two) */
export const CHUNK_SLOTS = 64;
const SHIFT = 6;
const MASK = CHUNK_SLOTS - 1;

/** CHUNK_SLOTS slots of a keyed table; `live[o]` is 1 when slot o holds a row. */
export interface RowChunk {
  live: Uint8Array;
  columns: Value[][];
}

/** Receives the changes an apply makes (a table's delta: -old +new). */
export interface ChangeSink {
  /** row `slot` of the store, before it is overwritten or deleted */
  addStored(rows: KeyedRows, slot: number, weight: number): void;
  /** row `i` of the incoming columns */
  addIncoming(columns: Batch['columns'], i: number, weight: number): void;
}

export class KeyedRows {
  private chunks: RowChunk[] = [];
  /** 1 where the chunk belongs to this store alone (not shared with a checkpoint cut) */
  private owned = new Uint8Array(16);
  private readonly slotOf = new SlotIndex();
  private readonly probe: Value[];
  /** slots handed out (live rows + holes) */
  private used = 0;
  private holes = 0;

  /** `keyOfRow` reads a row's key (of the `keyColumns`) as the caller's lookups do */
  constructor(
    private readonly width: number,
    private readonly keyColumns: readonly number[],
    private readonly keyOfRow: (row: readonly Value[]) => Key,
  ) {
    this.probe = new Array(width).fill(null);
  }

  /** The key of the row in `slot`. */
  private keyOfSlot(slot: number): Key {
    const chunk = this.chunks[slot >>> SHIFT]!;
    const o = slot & MASK;
    if (this.keyColumns.length === 1) return keyOfValue(chunk.columns[this.keyColumns[0]!]![o]!);
    for (const c of this.keyColumns) this.probe[c] = chunk.columns[c]![o]!;
    return this.keyOfRow(this.probe);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** The slot of the row with this key, or -1. */
  find(key: Key): number {
    return this.slotOf.get(key);
  }

  /** Value of column `c` in slot `slot`. */
  value(slot: number, c: number): Value {
    return this.chunks[slot >>> SHIFT]!.columns[c]![slot & MASK]!;
  }

  /** A fresh array of the row in `slot`. */
  row(slot: number): Row {
    const chunk = this.chunks[slot >>> SHIFT]!;
    const o = slot & MASK;
    const row: Row = new Array(this.width);
    for (let c = 0; c < this.width; c++) row[c] = chunk.columns[c]![o]!;
    return row;
  }

  /**
   * Upserts (+) and deletes (-) rows of a batch by key, in order. `keyAt(i)` is row i's key.
   * A +row equal to the stored one changes nothing; a -row of an absent key is a no-op.
   */
  apply(batch: Batch, keyAt: (i: number) => Key, sink: ChangeSink | null): void {
    const cols = batch.columns;
    const weights = batch.weights;
    const width = this.width;
    const slotOf = this.slotOf;
    for (let i = 0; i < batch.length; i++) {
      const w = weights === null ? 1 : weights[i]!;
      if (w === 0) continue;
      const key = keyAt(i);
      const slot = slotOf.get(key);
      if (w > 0) {
        if (slot >= 0) {
          let chunk = this.chunks[slot >>> SHIFT]!;
          const o = slot & MASK;
          let c = 0;
          for (; c < width; c++) {
            const stored = chunk.columns[c]![o]!;
            const incoming = cols[c]![i];
            if (stored !== incoming && !sameValue(stored, incoming ?? null)) break;
          }
          if (c === width) continue;
          sink?.addStored(this, slot, -1);
          chunk = this.writable(slot >>> SHIFT);
          for (c = 0; c < width; c++) {
            const v = cols[c]![i];
            chunk.columns[c]![o] = v === undefined ? null : v;
          }
        } else {
          const s = this.append();
          slotOf.set(key, s);
          const chunk = this.chunks[s >>> SHIFT]!;
          const o = s & MASK;
          for (let c = 0; c < width; c++) {
            const v = cols[c]![i];
            chunk.columns[c]![o] = v === undefined ? null : v;
          }
          chunk.live[o] = 1;
        }
        sink?.addIncoming(cols, i, 1);
      } else if (slot >= 0) {
        sink?.addStored(this, slot, -1);
        slotOf.delete(key);
        this.free(slot);
      }
    }
    if (this.holes > 4096 && this.holes > this.slotOf.size) this.compact();
  }

  /** Every live row, in slot order. */
  rows(): Row[] {
    const out: Row[] = [];
    this.forEachSlot((s) => out.push(this.row(s)));
    return out;
  }

  /** The live rows as columns (one array per column), in slot order. */
  columns(): Value[][] {
    const n = this.size;
    const out: Value[][] = [];
    for (let c = 0; c < this.width; c++) out.push(new Array(n));
    let at = 0;
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const chunk = this.chunks[ci]!;
      const live = chunk.live;
      for (let o = 0; o < CHUNK_SLOTS; o++) {
        if (live[o] === 0) continue;
        for (let c = 0; c < this.width; c++) out[c]![at] = chunk.columns[c]![o]!;
        at++;
      }
    }
    return out;
  }

  forEachSlot(fn: (slot: number) => void): void {
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const live = this.chunks[ci]!.live;
      for (let o = 0; o < CHUNK_SLOTS; o++) if (live[o] === 1) fn((ci << SHIFT) | o);
    }
  }

  clear(): void {
    this.chunks = [];
    this.owned = new Uint8Array(16);
    this.slotOf.clear();
    this.used = 0;
    this.holes = 0;
  }

  /**
   * The chunks as they are now, for a checkpoint cut: the same objects (no copy), so every
   * chunk is shared from here on and copied before its next write.
   */
  shareChunks(): { used: number; chunks: RowChunk[] } {
    this.owned.fill(0);
    return { used: this.used, chunks: this.chunks.slice() };
  }

  /**
   * Adopts chunks read back from a checkpoint (they stay shared with the checkpointer, which
   * diffs the next cut against them) and rebuilds the key index.
   */
  adoptChunks(used: number, chunks: RowChunk[]): void {
    if (!Number.isInteger(used) || used < 0 || chunks.length !== (used + MASK) >>> SHIFT) {
      throw new StorageError('CORRUPTION', `a keyed table's checkpoint holds ${chunks.length} chunks for ${used} slots`);
    }
    this.clear();
    for (const chunk of chunks) {
      if (chunk === null || typeof chunk !== 'object' || !(chunk.live instanceof Uint8Array) || chunk.live.length !== CHUNK_SLOTS || !Array.isArray(chunk.columns) || chunk.columns.length !== this.width) {
        throw new StorageError('CORRUPTION', `a keyed table's checkpoint chunk is not ${this.width} columns of ${CHUNK_SLOTS} slots`);
      }
      for (let c = 0; c < this.width; c++) {
        const col = chunk.columns[c] as unknown;
        // number columns are written as Float64Array; a plain array takes any value later
        if (col instanceof Float64Array) chunk.columns[c] = doubles(col);
        else if (!Array.isArray(col) || col.length !== CHUNK_SLOTS) throw new StorageError('CORRUPTION', `a keyed table's checkpoint chunk has a column of the wrong size`);
      }
    }
    this.chunks = chunks;
    this.owned = new Uint8Array(Math.max(16, chunks.length));
    this.used = used;
    const slotOf = this.slotOf;
    // one key column (the common case): its values read straight from each chunk
    const keyColumn = this.keyColumns.length === 1 ? this.keyColumns[0]! : -1;
    for (let ci = 0; ci < chunks.length; ci++) {
      const chunk = chunks[ci]!;
      const live = chunk.live;
      const keys = keyColumn >= 0 ? chunk.columns[keyColumn]! : null;
      const base = ci << SHIFT;
      for (let o = 0; o < CHUNK_SLOTS; o++) {
        if (live[o] !== 1) continue;
        const slot = base | o;
        if (slot >= used) throw new StorageError('CORRUPTION', `a keyed table's checkpoint has a row past its last slot`);
        const key = keys !== null ? keyOfValue(keys[o]!) : this.keyOfSlot(slot);
        if (slotOf.get(key) >= 0) throw new StorageError('CORRUPTION', `a keyed table's checkpoint holds two rows with one key`);
        slotOf.set(key, slot);
      }
    }
    this.holes = used - slotOf.size;
  }

  /** Loads rows (a checkpoint of the row-array format); a key seen twice keeps the last row. */
  loadRows(rows: readonly Row[]): void {
    this.clear();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const key = this.keyOfRow(row);
      let slot = this.slotOf.get(key);
      if (slot < 0) {
        slot = this.append();
        this.slotOf.set(key, slot);
        this.chunks[slot >>> SHIFT]!.live[slot & MASK] = 1;
      }
      const chunk = this.chunks[slot >>> SHIFT]!;
      for (let c = 0; c < this.width; c++) chunk.columns[c]![slot & MASK] = row[c] ?? null;
    }
  }

  private append(): number {
    const s = this.used++;
    const ci = s >>> SHIFT;
    if (ci === this.chunks.length) {
      this.chunks.push(newChunk(this.width));
      if (ci >= this.owned.length) {
        const grown = new Uint8Array(this.owned.length * 2);
        grown.set(this.owned);
        this.owned = grown;
      }
      this.owned[ci] = 1;
    } else this.writable(ci);
    return s;
  }

  private free(slot: number): void {
    const chunk = this.writable(slot >>> SHIFT);
    const o = slot & MASK;
    chunk.live[o] = 0;
    // drop the references (strings, objects) a dead slot would keep alive
    for (let c = 0; c < this.width; c++) chunk.columns[c]![o] = 0;
    this.holes++;
  }

  /** Chunk `ci`, copied first when a checkpoint cut shares it. */
  private writable(ci: number): RowChunk {
    const chunk = this.chunks[ci]!;
    if (this.owned[ci] === 1) return chunk;
    const copy: RowChunk = { live: chunk.live.slice(), columns: chunk.columns.map((col) => col.slice()) };
    this.chunks[ci] = copy;
    this.owned[ci] = 1;
    return copy;
  }

  /** Moves the live rows to the front, in order, and renumbers their slots. */
  private compact(): void {
    const old = this.chunks;
    const oldUsed = this.used;
    this.chunks = [];
    this.owned = new Uint8Array(16);
    this.used = 0;
    this.holes = 0;
    for (let from = 0; from < oldUsed; from++) {
      const src = old[from >>> SHIFT]!;
      const fo = from & MASK;
      if (src.live[fo] === 0) continue;
      const to = this.append();
      const dst = this.chunks[to >>> SHIFT]!;
      const o = to & MASK;
      for (let c = 0; c < this.width; c++) dst.columns[c]![o] = src.columns[c]![fo]!;
      dst.live[o] = 1;
      this.slotOf.set(this.keyOfSlot(to), to);
    }
  }
}

/** A column of doubles as a plain array (stays an unboxed double array in V8). */
function doubles(f: Float64Array): Value[] {
  const out: Value[] = new Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = f[i]!;
  return out;
}

function newChunk(width: number): RowChunk {
  const columns: Value[][] = new Array(width);
  // filled with 0, not null: a column of numbers then stays an unboxed double array in V8
  for (let c = 0; c < width; c++) columns[c] = new Array<Value>(CHUNK_SLOTS).fill(0);
  return { live: new Uint8Array(CHUNK_SLOTS), columns };
}
