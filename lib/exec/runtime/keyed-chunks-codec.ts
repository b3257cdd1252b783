// How a checkpoint writes a keyed table's chunks (keyed-rows.ts): one frame holds a run of
// chunks as a few long arrays (a presence map, then one array per column: a Float64Array when
// every live value of the column is a number), not one small object per chunk. Reading a frame
// back is then a few typed-array copies and plain loops; small typed arrays per chunk would each
// cost a host-object callback in v8.deserialize.

import { StorageError } from '../../errors.js';
import type { Row, Value } from '../../types/value.js';
import { CHUNK_SLOTS as SLOTS_PER_CHUNK, type RowChunk } from './keyed-rows.js';

// a module-local copy: an imported binding compiles to a property read per use (hot loops here)
const CHUNK_SLOTS = SLOTS_PER_CHUNK;

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

  encodePatch,
  decodePatch,

  patchRows(payload: unknown): number {
    const p = payload as ChunkPatch;
    let whole = 0;
    for (let i = 0; i < p.n; i++) whole += p.isWhole[i]!;
    return p.slots.length + whole * CHUNK_SLOTS;
  },
};

interface ChunkPatch {
  n: number;
  /** 1 where literal i is written whole (in `whole`), 0 where it patches the previous chunk at its position */
  isWhole: Uint8Array;
  whole: unknown;
  /** changed slots of the patched literals: literal index × CHUNK_SLOTS + slot, ascending */
  slots: Int32Array;
  live: Uint8Array;
  columns: (Float64Array | Value[])[];
}

/** A chunk at the same position of the previous array that a literal can be a patch of. */
function patchBase(before: readonly unknown[], position: number, width: number): RowChunk | null {
  const b = before[position] as RowChunk | undefined;
  return b !== undefined && b !== null && typeof b === 'object' && b.live instanceof Uint8Array && Array.isArray(b.columns) && b.columns.length === width ? b : null;
}

/**
 * A delta's changed chunks as the slots that differ from the chunk at the same position before
 * (presence, or any value not Object.is-equal: -0, NaN and a Decimal's scale are kept exactly),
 * so an update costs its row, not its chunk. Null when more than a quarter of the rows changed
 * (a full copy is then about as small).
 */
function encodePatch(literals: unknown[], positions: readonly number[], before: readonly unknown[]): unknown {
  const chunks = literals as RowChunk[];
  const n = chunks.length;
  const width = n > 0 ? chunks[0]!.columns.length : 0;
  const isWhole = new Uint8Array(n);
  const wholeChunks: RowChunk[] = [];
  const slots: number[] = [];
  for (let i = 0; i < n; i++) {
    const now = chunks[i]!;
    const base = patchBase(before, positions[i]!, width);
    if (base === null) {
      isWhole[i] = 1;
      wholeChunks.push(now);
      continue;
    }
    for (let o = 0; o < CHUNK_SLOTS; o++) {
      let changed = now.live[o] !== base.live[o];
      for (let c = 0; !changed && c < width && now.live[o] === 1; c++) changed = !Object.is(now.columns[c]![o], base.columns[c]![o]);
      if (changed) slots.push(i * CHUNK_SLOTS + o);
    }
  }
  if ((slots.length + wholeChunks.length * CHUNK_SLOTS) * 4 > Math.max(before.length, 1) * CHUNK_SLOTS) return null;
  const live = new Uint8Array(slots.length);
  const columns: (Float64Array | Value[])[] = [];
  for (let k = 0; k < slots.length; k++) live[k] = chunks[Math.floor(slots[k]! / CHUNK_SLOTS)]!.live[slots[k]! % CHUNK_SLOTS]!;
  for (let c = 0; c < width; c++) {
    const values = new Array<Value>(slots.length);
    let numeric = true;
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k]!;
      const chunk = chunks[Math.floor(s / CHUNK_SLOTS)]!;
      const o = s % CHUNK_SLOTS;
      const v = chunk.live[o] === 1 ? chunk.columns[c]![o]! : null;
      values[k] = v;
      if (typeof v !== 'number' && chunk.live[o] === 1) numeric = false;
    }
    columns.push(numeric ? Float64Array.from(values, (v) => (v as number | null) ?? 0) : values);
  }
  const patch: ChunkPatch = { n, isWhole, whole: TABLE_CHUNKS_CODEC.encode(wholeChunks), slots: Int32Array.from(slots), live, columns };
  return patch;
}

function decodePatch(payload: unknown, positions: readonly number[], before: readonly unknown[]): unknown[] {
  const p = payload as ChunkPatch;
  const bad = (why: string): StorageError => new StorageError('CORRUPTION', `a keyed table's checkpoint delta is damaged: ${why}`);
  if (p === null || typeof p !== 'object' || !Number.isInteger(p.n) || p.n !== positions.length) throw bad('not a patch of its literals');
  if (!(p.isWhole instanceof Uint8Array) || p.isWhole.length !== p.n || !(p.slots instanceof Int32Array) || !(p.live instanceof Uint8Array) || p.live.length !== p.slots.length) {
    throw bad('its maps have the wrong size');
  }
  if (!Array.isArray(p.columns) || !p.columns.every((col) => (col instanceof Float64Array || Array.isArray(col)) && col.length === p.slots.length)) throw bad('a column has the wrong size');
  const whole = TABLE_CHUNKS_CODEC.decode(p.whole) as RowChunk[];
  const width = p.columns.length;
  const out = new Array<RowChunk>(p.n);
  let w = 0;
  for (let i = 0; i < p.n; i++) {
    if (p.isWhole[i] === 1) {
      const chunk = whole[w++];
      if (chunk === undefined) throw bad('fewer whole chunks than it names');
      out[i] = chunk;
      continue;
    }
    const base = patchBase(before, positions[i]!, width);
    if (base === null) throw bad(`literal ${i} patches a chunk its parent does not have`);
    const columns: Value[][] = new Array(width);
    for (let c = 0; c < width; c++) {
      const col = base.columns[c]! as ArrayLike<Value>;
      const copy: Value[] = new Array(CHUNK_SLOTS);
      for (let o = 0; o < CHUNK_SLOTS; o++) copy[o] = col[o]!;
      columns[c] = copy;
    }
    out[i] = { live: base.live.slice(), columns };
  }
  if (w !== whole.length) throw bad('more whole chunks than it names');
  let previous = -1;
  for (let k = 0; k < p.slots.length; k++) {
    const s = p.slots[k]!;
    const i = Math.floor(s / CHUNK_SLOTS);
    if (s <= previous || i >= p.n || p.isWhole[i] === 1) throw bad('a changed slot is out of place');
    previous = s;
    const chunk = out[i]!;
    const o = s % CHUNK_SLOTS;
    chunk.live[o] = p.live[k]!;
    for (let c = 0; c < width; c++) chunk.columns[c]![o] = p.live[k] === 1 ? ((p.columns[c]! as ArrayLike<Value>)[k] ?? null) : 0;
  }
  return out;
}

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
