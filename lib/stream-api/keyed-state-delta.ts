// What changed in one operator's keyed state between two snapshots (lib/stream-api/keyed-state.ts),
// for incremental checkpoints of named pipelines: the entries upserted and the keys deleted when
// both snapshots are sorted scans, the image's new bytes and references to the previous image's
// content-defined chunks when both are native file images (large stores). Applying a delta to the earlier snapshot gives the later one exactly; a part
// where about half or more changed, or whose form changed (scan ↔ image), is carried in full.
import * as zlib from 'node:zlib';
import type { PackedBytes } from '../native/state-store.js';
import type { IntKeyedPart, KeyedStateSnapshot } from './keyed-state.js';

type Slots = KeyedStateSnapshot['slots'];
type BytePart = { keys: PackedBytes; values: PackedBytes } | { file: Uint8Array };

/** Entries of a sorted scan that changed: `up` (new or changed entries), `del` (keys gone). */
interface SortedBytesDelta {
  up: { keys: PackedBytes; values: PackedBytes };
  del: PackedBytes;
}
interface SortedIntsDelta {
  up: { keys: BigUint64Array; values: PackedBytes };
  del: BigUint64Array;
}
/** A file image as the previous one's chunks and new bytes: ops of [kind, offset, length]. */
interface BlockDelta {
  length: number;
  ops: Uint32Array;
  data: Uint8Array;
}

type PartDelta<D, F> = { delta: D } | { full: F };

export interface KeyedStateDelta {
  slots: Slots;
  bytes: PartDelta<SortedBytesDelta | BlockDelta, BytePart>;
  ints?: PartDelta<SortedIntsDelta | BlockDelta, IntKeyedPart>;
}

export function isKeyedStateSnapshot(v: unknown): v is KeyedStateSnapshot {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return Array.isArray(s.slots) && ((isPacked(s.keys) && isPacked(s.values)) || s.file instanceof Uint8Array);
}

function isPacked(v: unknown): v is PackedBytes {
  return v !== null && typeof v === 'object' && (v as PackedBytes).data instanceof Uint8Array && (v as PackedBytes).offsets instanceof Uint32Array;
}

/**
 * The delta from `before` to `after`, or null when every part changed about wholesale. Yields to
 * the event loop every few milliseconds while it chunks large images.
 */
export async function keyedStateDelta(before: KeyedStateSnapshot, after: KeyedStateSnapshot): Promise<KeyedStateDelta | null> {
  const bytes = await bytePartDelta(bytePart(before), bytePart(after));
  const ints = after.ints === undefined ? undefined : await intPartDelta(before.ints, after.ints);
  if ('full' in bytes && (ints === undefined || 'full' in ints)) return null;
  return ints === undefined ? { slots: after.slots, bytes } : { slots: after.slots, bytes, ints };
}

/** `base` with `delta` applied. Throws when the delta does not fit the base. */
export function applyKeyedStateDelta(base: KeyedStateSnapshot, delta: KeyedStateDelta): KeyedStateSnapshot {
  const bytes: BytePart = 'full' in delta.bytes ? delta.bytes.full : patchBytePart(bytePart(base), delta.bytes.delta);
  const out = { slots: delta.slots, ...bytes } as KeyedStateSnapshot;
  if (delta.ints !== undefined) {
    out.ints = 'full' in delta.ints ? delta.ints.full : patchIntPart(base.ints, delta.ints.delta);
  }
  return out;
}

function bytePart(s: KeyedStateSnapshot): BytePart {
  return 'file' in s ? { file: s.file } : { keys: s.keys, values: s.values };
}

async function bytePartDelta(before: BytePart, after: BytePart): Promise<PartDelta<SortedBytesDelta | BlockDelta, BytePart>> {
  if ('file' in before && 'file' in after) {
    const d = await blockDelta(before.file, after.file);
    return d === null ? { full: after } : { delta: d };
  }
  if ('keys' in before && 'keys' in after) {
    const d = sortedBytesDelta(before, after);
    return d === null ? { full: after } : { delta: d };
  }
  return { full: after };
}

function patchBytePart(base: BytePart, d: SortedBytesDelta | BlockDelta): BytePart {
  if ('ops' in d) {
    if (!('file' in base)) throw new Error('an image delta needs a file image to apply to');
    return { file: patchBlocks(base.file, d) };
  }
  if (!('keys' in base)) throw new Error('an entry delta needs a sorted scan to apply to');
  return patchSortedBytes(base, d);
}

async function intPartDelta(before: IntKeyedPart | undefined, after: IntKeyedPart): Promise<PartDelta<SortedIntsDelta | BlockDelta, IntKeyedPart>> {
  if (before === undefined) return { full: after };
  if ('file' in before && 'file' in after) {
    const d = await blockDelta(before.file, after.file);
    return d === null ? { full: after } : { delta: d };
  }
  if ('keys' in before && 'keys' in after) {
    const d = sortedIntsDelta(before, after);
    return d === null ? { full: after } : { delta: d };
  }
  return { full: after };
}

function patchIntPart(base: IntKeyedPart | undefined, d: SortedIntsDelta | BlockDelta): IntKeyedPart {
  if (base === undefined) throw new Error('a delta of the integer-keyed entries needs them in its base');
  if ('ops' in d) {
    if (!('file' in base)) throw new Error('an image delta needs a file image to apply to');
    return { file: patchBlocks(base.file, d) };
  }
  if (!('keys' in base)) throw new Error('an entry delta needs a sorted scan to apply to');
  return patchSortedInts(base, d);
}

// ---- byte strings ----

function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

function equalAt(a: PackedBytes, i: number, b: PackedBytes, j: number): boolean {
  const as = a.offsets[i]!;
  const bs = b.offsets[j]!;
  const n = a.offsets[i + 1]! - as;
  if (n !== b.offsets[j + 1]! - bs) return false;
  for (let k = 0; k < n; k++) if (a.data[as + k] !== b.data[bs + k]) return false;
  return true;
}

/** Collects byte strings into one PackedBytes. */
class PackedBuilder {
  private data = new Uint8Array(1024);
  private offsets: number[] = [0];
  private at = 0;

  add(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.at + n > this.data.length) {
      const grown = new Uint8Array(Math.max(this.data.length * 2, this.at + n));
      grown.set(this.data.subarray(0, this.at));
      this.data = grown;
    }
    this.data.set(src.subarray(start, end), this.at);
    this.at += n;
    this.offsets.push(this.at);
  }

  addFrom(p: PackedBytes, i: number): void {
    this.add(p.data, p.offsets[i]!, p.offsets[i + 1]!);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  finish(): PackedBytes {
    return { data: this.data.slice(0, this.at), offsets: Uint32Array.from(this.offsets) };
  }
}

function keyCmp(a: PackedBytes, i: number, b: PackedBytes, j: number): number {
  return compareBytes(a.data, a.offsets[i]!, a.offsets[i + 1]!, b.data, b.offsets[j]!, b.offsets[j + 1]!);
}

// A merge of two key-sorted scans; null when they are not sorted as this compares (then nothing
// here can be trusted to be exact) or when more than half the entries changed.
function sortedBytesDelta(before: { keys: PackedBytes; values: PackedBytes }, after: { keys: PackedBytes; values: PackedBytes }): SortedBytesDelta | null {
  const nb = before.keys.offsets.length - 1;
  const na = after.keys.offsets.length - 1;
  const upKeys = new PackedBuilder();
  const upValues = new PackedBuilder();
  const del = new PackedBuilder();
  const limit = na >> 1;
  let i = 0;
  let j = 0;
  while (i < nb || j < na) {
    if (i > 0 && i < nb && keyCmp(before.keys, i - 1, before.keys, i) >= 0) return null;
    if (j > 0 && j < na && keyCmp(after.keys, j - 1, after.keys, j) >= 0) return null;
    const c = i >= nb ? 1 : j >= na ? -1 : keyCmp(before.keys, i, after.keys, j);
    if (c < 0) {
      del.addFrom(before.keys, i++);
    } else if (c > 0) {
      upKeys.addFrom(after.keys, j);
      upValues.addFrom(after.values, j++);
    } else {
      if (!equalAt(before.values, i, after.values, j)) {
        upKeys.addFrom(after.keys, j);
        upValues.addFrom(after.values, j);
      }
      i++;
      j++;
    }
    if (upKeys.length + del.length > limit && upKeys.length + del.length > 16) return null;
  }
  return { up: { keys: upKeys.finish(), values: upValues.finish() }, del: del.finish() };
}

function patchSortedBytes(base: { keys: PackedBytes; values: PackedBytes }, d: SortedBytesDelta): { keys: PackedBytes; values: PackedBytes } {
  const nb = base.keys.offsets.length - 1;
  const nu = d.up.keys.offsets.length - 1;
  const nd = d.del.offsets.length - 1;
  const keys = new PackedBuilder();
  const values = new PackedBuilder();
  let i = 0;
  let u = 0;
  let x = 0;
  while (i < nb || u < nu) {
    const c = u >= nu ? -1 : i >= nb ? 1 : keyCmp(base.keys, i, d.up.keys, u);
    if (c >= 0) {
      keys.addFrom(d.up.keys, u);
      values.addFrom(d.up.values, u++);
      if (c === 0) i++;
    } else if (x < nd && keyCmp(base.keys, i, d.del, x) === 0) {
      i++;
      x++;
    } else {
      keys.addFrom(base.keys, i);
      values.addFrom(base.values, i++);
    }
  }
  if (x !== nd) throw new Error(`${nd - x} deleted keys are not in the base`);
  return { keys: keys.finish(), values: values.finish() };
}

// ---- u64 keys (compared as two u32 words: no BigInt per key) ----

function words(keys: BigUint64Array): Uint32Array {
  return new Uint32Array(keys.buffer, keys.byteOffset, keys.length * 2);
}

function u64Cmp(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  const hi = a[2 * i + 1]! - b[2 * j + 1]!;
  return hi !== 0 ? hi : a[2 * i]! - b[2 * j]!;
}

class U64Builder {
  private words = new Uint32Array(512);
  length = 0;

  add(src: Uint32Array, i: number): void {
    if (2 * this.length + 2 > this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[2 * this.length] = src[2 * i]!;
    this.words[2 * this.length + 1] = src[2 * i + 1]!;
    this.length++;
  }

  finish(): BigUint64Array {
    return new BigUint64Array(this.words.slice(0, 2 * this.length).buffer);
  }
}

function sortedIntsDelta(before: { keys: BigUint64Array; values: PackedBytes }, after: { keys: BigUint64Array; values: PackedBytes }): SortedIntsDelta | null {
  const bw = words(before.keys);
  const aw = words(after.keys);
  const nb = before.keys.length;
  const na = after.keys.length;
  const upKeys = new U64Builder();
  const upValues = new PackedBuilder();
  const del = new U64Builder();
  const limit = na >> 1;
  let i = 0;
  let j = 0;
  while (i < nb || j < na) {
    if (i > 0 && i < nb && u64Cmp(bw, i - 1, bw, i) >= 0) return null;
    if (j > 0 && j < na && u64Cmp(aw, j - 1, aw, j) >= 0) return null;
    const c = i >= nb ? 1 : j >= na ? -1 : u64Cmp(bw, i, aw, j);
    if (c < 0) {
      del.add(bw, i++);
    } else if (c > 0) {
      upKeys.add(aw, j);
      upValues.addFrom(after.values, j++);
    } else {
      if (!equalAt(before.values, i, after.values, j)) {
        upKeys.add(aw, j);
        upValues.addFrom(after.values, j);
      }
      i++;
      j++;
    }
    if (upKeys.length + del.length > limit && upKeys.length + del.length > 16) return null;
  }
  return { up: { keys: upKeys.finish(), values: upValues.finish() }, del: del.finish() };
}

function patchSortedInts(base: { keys: BigUint64Array; values: PackedBytes }, d: SortedIntsDelta): { keys: BigUint64Array; values: PackedBytes } {
  const bw = words(base.keys);
  const uw = words(d.up.keys);
  const dw = words(d.del);
  const nb = base.keys.length;
  const nu = d.up.keys.length;
  const nd = d.del.length;
  const keys = new U64Builder();
  const values = new PackedBuilder();
  let i = 0;
  let u = 0;
  let x = 0;
  while (i < nb || u < nu) {
    const c = u >= nu ? -1 : i >= nb ? 1 : u64Cmp(bw, i, uw, u);
    if (c >= 0) {
      keys.add(uw, u);
      values.addFrom(d.up.values, u++);
      if (c === 0) i++;
    } else if (x < nd && u64Cmp(bw, i, dw, x) === 0) {
      i++;
      x++;
    } else {
      keys.add(bw, i);
      values.addFrom(base.values, i++);
    }
  }
  if (x !== nd) throw new Error(`${nd - x} deleted keys are not in the base`);
  return { keys: keys.finish(), values: values.finish() };
}

// ---- native file images ----
// A store's image lists its entries one after another (variable lengths, the table's order), so
// a changed value shifts every byte after it: fixed blocks would nearly all differ. The images
// are cut into content-defined chunks instead (a gear rolling hash picks the cut points, so they
// move with the content), and the delta copies every chunk the previous image already has.

/** Chunks: at least MIN_CHUNK bytes, cut where the top 8 hash bits are zero (~256 bytes), at most MAX_CHUNK. */
const MIN_CHUNK = 32;
const MAX_CHUNK = 4096;
const CUT_MASK = 0xff000000;

const GEAR = (() => {
  const g = new Uint32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    g[i] = x >>> 0;
  }
  return g;
})();

/** Chunking and hashing work between two yields to the event loop (~a few ms). */
const SLICE_BYTES = 256 * 1024;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Ends of the content-defined chunks of `data`. */
async function chunkEnds(data: Uint8Array): Promise<number[]> {
  const ends: number[] = [];
  let start = 0;
  let h = 0;
  for (let i = 0; i < data.length; i++) {
    if (i % SLICE_BYTES === SLICE_BYTES - 1) await yieldToLoop();
    h = ((h << 1) + GEAR[data[i]!]!) >>> 0;
    const len = i + 1 - start;
    if ((len >= MIN_CHUNK && (h & CUT_MASK) === 0) || len >= MAX_CHUNK) {
      ends.push(i + 1);
      start = i + 1;
      h = 0;
    }
  }
  if (start < data.length) ends.push(data.length);
  return ends;
}

async function blockDelta(before: Uint8Array, after: Uint8Array): Promise<BlockDelta | null> {
  const b = Buffer.from(before.buffer, before.byteOffset, before.byteLength);
  const a = Buffer.from(after.buffer, after.byteOffset, after.byteLength);
  const known = new Map<number, number>(); // crc32 of a chunk of `before` -> its start
  let start = 0;
  let sinceYield = 0;
  for (const end of await chunkEnds(before)) {
    const crc = zlib.crc32(b.subarray(start, end)) ^ (end - start);
    if (!known.has(crc)) known.set(crc, start);
    if ((sinceYield += end - start) >= SLICE_BYTES) {
      sinceYield = 0;
      await yieldToLoop();
    }
    start = end;
  }
  // ops: [COPY, base offset, length] or [LITERAL, literal offset, length]; adjacent ones merge
  const ops: number[] = [];
  const literals: Uint8Array[] = [];
  let literalBytes = 0;
  start = 0;
  for (const end of await chunkEnds(after)) {
    const len = end - start;
    if ((sinceYield += len) >= SLICE_BYTES) {
      sinceYield = 0;
      await yieldToLoop();
    }
    const chunk = a.subarray(start, end);
    const at = known.get(zlib.crc32(chunk) ^ len);
    if (at !== undefined && b.compare(chunk, 0, len, at, at + len) === 0) {
      const n = ops.length;
      if (n > 0 && ops[n - 3] === COPY_OP && ops[n - 2]! + ops[n - 1]! === at) ops[n - 1]! += len;
      else ops.push(COPY_OP, at, len);
    } else {
      const n = ops.length;
      if (n > 0 && ops[n - 3] === LITERAL_OP) ops[n - 1]! += len;
      else ops.push(LITERAL_OP, literalBytes, len);
      literals.push(chunk);
      literalBytes += len;
    }
    start = end;
    if (literalBytes * 2 > after.length && after.length > 0) return null;
  }
  return { length: after.length, ops: Uint32Array.from(ops), data: Buffer.concat(literals, literalBytes) };
}

const COPY_OP = 1;
const LITERAL_OP = 2;

function patchBlocks(base: Uint8Array, d: BlockDelta): Uint8Array {
  const out = new Uint8Array(d.length);
  let at = 0;
  if (d.ops.length % 3 !== 0) throw new Error('the image delta ops are not triples');
  for (let i = 0; i < d.ops.length; i += 3) {
    const kind = d.ops[i];
    const from = d.ops[i + 1]!;
    const len = d.ops[i + 2]!;
    const src = kind === COPY_OP ? base : kind === LITERAL_OP ? d.data : null;
    if (src === null || from + len > src.length || at + len > d.length) throw new Error(`image delta op ${i / 3} does not fit`);
    out.set(src.subarray(from, from + len), at);
    at += len;
  }
  if (at !== d.length) throw new Error(`the image delta covers ${at} of ${d.length} bytes`);
  return out;
}
