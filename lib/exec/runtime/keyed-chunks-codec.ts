// How a checkpoint writes a keyed table's chunks (keyed-rows.ts): one frame holds a run of
// chunks as a few long arrays (a presence map, then one array per column: a Float64Array when
// every live value of the column is a number), not one small object per chunk. Reading a frame
// back is then a few typed-array copies and plain loops; small typed arrays per chunk would each
// cost a host-object callback in v8.deserialize.

import { StorageError } from '../../errors.js';
import type { Row, Value } from '../../types/value.js';
import { CHUNK_SLOTS, type RowChunk } from './keyed-rows.js';

interface ChunkFrame {
  n: number;
  live: Uint8Array;
  columns: (Float64Array | Value[])[];
}

/** Encodes a run of chunks as one frame and decodes it back (the checkpoint's frame codec). */
export const TABLE_CHUNKS_CODEC = {
  name: 'table-chunks',

  encode(slice: unknown[]): unknown {
    const chunks = slice as RowChunk[];
    const n = chunks.length;
    const width = n > 0 ? chunks[0]!.columns.length : 0;
    const live = new Uint8Array(n * CHUNK_SLOTS);
    for (let i = 0; i < n; i++) live.set(chunks[i]!.live, i * CHUNK_SLOTS);
    const columns: (Float64Array | Value[])[] = [];
    for (let c = 0; c < width; c++) {
      let numeric = true;
      for (let i = 0; i < n && numeric; i++) {
        const col = chunks[i]!.columns[c]!;
        const l = chunks[i]!.live;
        for (let o = 0; o < CHUNK_SLOTS; o++) {
          if (l[o] === 1 && typeof col[o] !== 'number') {
            numeric = false;
            break;
          }
        }
      }
      const out = numeric ? new Float64Array(n * CHUNK_SLOTS) : new Array<Value>(n * CHUNK_SLOTS).fill(null);
      for (let i = 0; i < n; i++) {
        const col = chunks[i]!.columns[c]!;
        const l = chunks[i]!.live;
        const base = i * CHUNK_SLOTS;
        for (let o = 0; o < CHUNK_SLOTS; o++) if (l[o] === 1) out[base + o] = col[o]!;
      }
      columns.push(out);
    }
    const frame: ChunkFrame = { n, live, columns };
    return frame;
  },

  decode(payload: unknown): unknown[] {
    const f = payload as ChunkFrame;
    const bad = (why: string): StorageError => new StorageError('CORRUPTION', `a keyed table's checkpoint frame is damaged: ${why}`);
    if (f === null || typeof f !== 'object' || !Number.isInteger(f.n) || f.n < 0) throw bad('not a frame of chunks');
    const slots = f.n * CHUNK_SLOTS;
    if (!(f.live instanceof Uint8Array) || f.live.length !== slots) throw bad('its presence map has the wrong size');
    if (!Array.isArray(f.columns) || !f.columns.every((col) => (col instanceof Float64Array || Array.isArray(col)) && col.length === slots)) {
      throw bad('a column has the wrong size');
    }
    const chunks = new Array<RowChunk>(f.n);
    for (let i = 0; i < f.n; i++) {
      const base = i * CHUNK_SLOTS;
      const columns: Value[][] = new Array(f.columns.length);
      for (let c = 0; c < f.columns.length; c++) {
        const col = f.columns[c]!;
        const out: Value[] = new Array(CHUNK_SLOTS);
        // a plain array of doubles stays unboxed in V8; dead slots hold 0, as in a live store
        if (col instanceof Float64Array) for (let o = 0; o < CHUNK_SLOTS; o++) out[o] = col[base + o]!;
        else for (let o = 0; o < CHUNK_SLOTS; o++) out[o] = f.live[base + o] === 1 ? (col[base + o] ?? null) : 0;
        columns[c] = out;
      }
      // a view into the frame's map: a restored chunk is shared, so it is copied before any write
      chunks[i] = { live: f.live.subarray(base, base + CHUNK_SLOTS), columns };
    }
    return chunks;
  },
};

/** Rows a chunk holds. */
export function chunkRows(e: unknown): number {
  const live = (e as RowChunk).live;
  let n = 0;
  for (let o = 0; o < CHUNK_SLOTS; o++) n += live[o]!;
  return n;
}

/** The rows a keyed table's checkpoint state holds, in slot order (what its snapshot() gives). */
export function rowsOfChunks(chunks: readonly RowChunk[]): Row[] {
  const rows: Row[] = [];
  for (const chunk of chunks) {
    for (let o = 0; o < CHUNK_SLOTS; o++) {
      if (chunk.live[o] !== 1) continue;
      rows.push(chunk.columns.map((col) => (col as ArrayLike<Value>)[o]!));
    }
  }
  return rows;
}
