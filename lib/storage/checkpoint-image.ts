// Encoding a cut into a checkpoint file and reading a chain of them back.
//
// Encoding runs after the cut, in slices of a few milliseconds between which the event loop
// (and the engine) keeps running: large arrays are written in chunks, and when the previous
// checkpoint of the same graph is still in memory, as an edit script against it (an
// incremental checkpoint: only the rows changed since then are written). A checkpoint with any
// delta names its parent; recovery reads the chain from the last full checkpoint on. The chain is
// compacted (the next checkpoint is written full) after MAX_CHAIN deltas or once the deltas add
// up to half the full checkpoint's size. Participants outside the catalog that can diff their
// captures (checkpoint-extras: operator-API pipelines) are chained the same way.
import { checkpointExtras } from '../engine/checkpoint-extras.js';
import { StorageError } from '../errors.js';
import { deserializeState, serializeState } from './checkpoint-codec.js';
import { applyArrayDelta, ArrayDiff, literalPositions, type ArrayDelta } from './checkpoint-delta.js';
import { FrameWriter, MAGIC_V1, MAGIC_V2, readCheckpointBytes, readFrames, readV1Body } from './checkpoint-format.js';
import { TABLE_CHUNKS_CODEC } from '../exec/runtime/keyed-chunks-codec.js';
import { checkpointPath, finishState, type CatalogCall, type CheckpointCut, type CheckpointImage, type FrameCodec } from './checkpoint.js';

/** deltas after which the next checkpoint is full */
export const MAX_CHAIN = 8;
/** a slice of encoding work yields to the event loop after this long */
const SLICE_MS = 4;

/** A checkpoint as the MANIFEST lists it: `chain` = the checkpoints it is a delta on, oldest first. */
export interface CheckpointEntry {
  epoch: number;
  lsn: number;
  chain?: { epoch: number; lsn: number }[];
}

interface MetaArray {
  prop: string;
  mode: 'full' | 'delta';
  length: number;
  frames: number[];
  /** the frames were written by this FrameCodec (absent: each frame is the elements themselves) */
  codec?: string;
  /** a delta's literals are that codec's patch of the previous array's elements */
  patch?: boolean;
}

interface Meta {
  epoch: number;
  lsn: number;
  /** epoch of the checkpoint the deltas apply to; null for a full checkpoint */
  parent: number | null;
  catalog: CatalogCall[];
  catalogFingerprint: number;
  maxEventTime: [string, number][];
  extras: number;
  nodes: { name: string | null; op: string; outWatermark: number; state: number; arrays: MetaArray[] }[];
  /** the incremental participants' frames: their capture in full, or a delta on the parent's */
  incExtras?: { name: string; mode: 'full' | 'delta'; frame: number }[];
}

export interface EncodedCheckpoint {
  buffers: Buffer[];
  bytes: number;
  /** the entry the MANIFEST records for it */
  entry: CheckpointEntry;
  /** arrays written as deltas / in full, and the rows the deltas carry */
  deltaArrays: number;
  fullArrays: number;
  changedElements: number;
  /** the longest stretch the encoding held the event loop */
  maxSliceMs: number;
  encodeMs: number;
  /** (internal) what the next checkpoint diffs against once this one is committed */
  next: Previous;
}

/** What the last committed checkpoint left in memory for the next one to diff against. */
interface Previous {
  epoch: number;
  lsn: number;
  chain: { epoch: number; lsn: number }[];
  shape: string;
  catalogKey: string;
  arrays: Map<string, unknown[]>;
  /** the incremental participants' captures (checkpoint-extras with diff/patch), by name */
  extras: Map<string, unknown>;
  baseBytes: number;
  chainBytes: number;
}

const arrayKey = (node: number, prop: string): string => `${node}/${prop}`;
const catalogKey = (catalog: readonly CatalogCall[], fingerprint: number): string => `${catalog.length}:${fingerprint}`;

/** Runs work in slices, yielding to the event loop between them. */
class Slicer {
  private start = performance.now();
  maxSliceMs = 0;

  async pause(): Promise<void> {
    const now = performance.now();
    if (now - this.start < SLICE_MS) return;
    this.maxSliceMs = Math.max(this.maxSliceMs, now - this.start);
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }

  end(): void {
    this.maxSliceMs = Math.max(this.maxSliceMs, performance.now() - this.start);
  }
}

/** Turns cuts into checkpoint files, incrementally when the previous checkpoint allows it. */
export class Checkpointer {
  private previous: Previous | null = null;

  /** Encodes a cut (asynchronously, in slices). Nothing changes until `committed`. */
  async encode(cut: CheckpointCut): Promise<EncodedCheckpoint> {
    const started = performance.now();
    const slicer = new Slicer();
    const prev = this.usablePrevious(cut);
    const w = new FrameWriter();
    const arrays = new Map<string, unknown[]>();
    let deltaArrays = 0;
    let fullArrays = 0;
    let changedElements = 0;
    const nodes: Meta['nodes'] = [];
    for (let i = 0; i < cut.nodes.length; i++) {
      const n = cut.nodes[i]!;
      const meta: Meta['nodes'][number] = { name: n.name, op: n.op, outWatermark: n.outWatermark, state: 0, arrays: [] };
      nodes.push(meta);
      if (n.bytes !== undefined) {
        meta.state = w.add(n.bytes);
        continue;
      }
      meta.state = w.add(serializeState(n.skeleton));
      for (const [prop, { elements: arr, chunk, encode, rows, fill, codec }] of n.arrays!) {
        if (fill !== undefined) await fill(arr, () => slicer.pause());
        arrays.set(arrayKey(i, prop), arr);
        const before = prev?.arrays.get(arrayKey(i, prop));
        // a codec that patches elements decides itself when a delta is too large (its literals
        // are the changed parts of elements, not whole elements)
        const patching = codec?.encodePatch !== undefined;
        let delta = before === undefined ? null : await diff(before, arr, slicer, patching ? arr.length + 1 : undefined);
        let literals: unknown = null;
        if (delta !== null) {
          if (patching) {
            literals = codec!.encodePatch!(delta.literals, literalPositions(delta.ops), before!);
            if (literals === null) delta = null;
          } else literals = codec ? codec.encode(delta.literals) : encode ? encode(delta.literals) : delta.literals;
        }
        if (delta !== null) {
          meta.arrays.push({ prop, mode: 'delta', length: arr.length, frames: [w.add(serializeState({ ...delta, literals }))], ...(codec ? { codec: codec.name } : {}), ...(patching ? { patch: true } : {}) });
          deltaArrays++;
          if (patching && codec!.patchRows !== undefined) changedElements += codec!.patchRows(literals);
          else for (const e of delta.literals) changedElements += rows ? rows(e) : 1;
        } else {
          const frames: number[] = [];
          for (let a = 0; a < arr.length; a += chunk) {
            const slice = arr.slice(a, a + chunk);
            frames.push(w.add(serializeState(codec ? codec.encode(slice) : encode ? encode(slice) : slice)));
            await slicer.pause();
          }
          meta.arrays.push({ prop, mode: 'full', length: arr.length, frames, ...(codec ? { codec: codec.name } : {}) });
          fullArrays++;
        }
        await slicer.pause();
      }
    }
    const extras = new Map<string, unknown>();
    const incExtras: NonNullable<Meta['incExtras']> = [];
    let deltaExtras = 0;
    for (const [name, value] of cut.incrementalExtras ?? []) {
      extras.set(name, value);
      const diffFn = checkpointExtras().get(name)?.diff;
      const before = prev?.extras.get(name);
      // (a participant's diff may be asynchronous: it yields to the event loop as the arrays' do)
      const delta = before !== undefined && diffFn !== undefined ? await diffFn(before, value) : null;
      if (delta !== null && delta !== undefined) {
        incExtras.push({ name, mode: 'delta', frame: w.add(serializeState(delta)) });
        deltaExtras++;
      } else {
        incExtras.push({ name, mode: 'full', frame: w.add(serializeState(value)) });
      }
      await slicer.pause();
    }
    const parent = deltaArrays > 0 || deltaExtras > 0 ? prev! : null;
    const meta: Meta = {
      epoch: cut.epoch,
      lsn: cut.lsn,
      parent: parent?.epoch ?? null,
      catalog: cut.catalog,
      catalogFingerprint: cut.catalogFingerprint,
      maxEventTime: cut.maxEventTime,
      extras: w.add(cut.extras),
      nodes,
      ...(incExtras.length > 0 ? { incExtras } : {}),
    };
    const buffers = w.finish(serializeState(meta));
    slicer.end();
    const chain = parent === null ? [] : [...parent.chain, { epoch: parent.epoch, lsn: parent.lsn }];
    const bytes = w.bytes;
    return {
      buffers,
      bytes,
      entry: chain.length > 0 ? { epoch: cut.epoch, lsn: cut.lsn, chain } : { epoch: cut.epoch, lsn: cut.lsn },
      deltaArrays,
      fullArrays,
      changedElements,
      maxSliceMs: slicer.maxSliceMs,
      encodeMs: performance.now() - started,
      next: {
        epoch: cut.epoch,
        lsn: cut.lsn,
        chain,
        shape: cut.shape,
        catalogKey: catalogKey(cut.catalog, cut.catalogFingerprint),
        arrays,
        extras,
        baseBytes: parent === null ? bytes : parent.baseBytes,
        chainBytes: parent === null ? 0 : parent.chainBytes + bytes,
      },
    };
  }

  /** The checkpoint is on disk and the MANIFEST names it: the next one may be a delta on it. */
  committed(encoded: EncodedCheckpoint): void {
    this.previous = encoded.next;
  }

  /**
   * After recovery: the loaded checkpoint is what the next one diffs against. `live` holds the
   * restored operators' arrays (`deferredArrays`), taken before anything else ran: the same
   * state as the checkpoint, in the objects later cuts will share.
   */
  seed(loaded: LoadedCheckpoint, live: Map<string, unknown[]>): void {
    // a delta is applied to the arrays decoded from the file: diffing against them is always
    // exact; diffing against the live arrays is cheaper (same objects as the next cuts) and
    // exact too where they match the decoded ones element for element (an append-only view
    // restores its many batches as one, for instance: then the decoded list is kept)
    const arrays = new Map<string, unknown[]>();
    for (const [key, decoded] of loaded.previous.arrays) {
      const now = live.get(key);
      const matches = now !== undefined && now.length === decoded.length && now.every((e, i) => sameElement(e, decoded[i]));
      arrays.set(key, matches ? now : decoded);
    }
    this.previous = { ...loaded.previous, arrays };
  }

  /** The previous checkpoint, if this cut may be written as deltas on it. */
  private usablePrevious(cut: CheckpointCut): Previous | null {
    const p = this.previous;
    if (p === null) return null;
    if (p.shape !== cut.shape || p.catalogKey !== catalogKey(cut.catalog, cut.catalogFingerprint)) return null;
    // compaction: a long or heavy chain makes recovery read too much; start a new full one
    if (p.chain.length >= MAX_CHAIN || p.chainBytes * 2 > p.baseBytes) return null;
    return p;
  }
}

/** A restored element and the decoded one it came from (cheap tests only): the same object, a row
 *  of the same values, or a batch over the same columns. */
function sameElement(live: unknown, decoded: unknown): boolean {
  if (live === decoded) return true;
  if (Array.isArray(live) && Array.isArray(decoded)) return live.length === decoded.length && live.every((v, i) => v === decoded[i]);
  const a = live as { length?: unknown; columns?: unknown };
  const b = decoded as { length?: unknown; columns?: unknown };
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (!Array.isArray(a.columns) || !Array.isArray(b.columns) || a.length !== b.length || a.columns.length !== b.columns.length) return false;
  return a.columns.every((c, i) => c === (b.columns as unknown[])[i]);
}

/** The edit script from `before` to `after`, or null when a full copy is about as small. */
async function diff(before: readonly unknown[], after: readonly unknown[], slicer: Slicer, maxLiterals?: number): Promise<ArrayDelta | null> {
  // past a quarter of the elements changed a full copy is about as small (a short array of large
  // elements, like a source's batches, may always be a delta)
  const d = new ArrayDiff(before, after, maxLiterals ?? Math.max(after.length >> 2, 64));
  while (!d.step(65_536)) await slicer.pause();
  return d.abandoned ? null : d.result();
}

/** A checkpoint read back with its whole chain applied. */
export interface LoadedCheckpoint {
  image: CheckpointImage;
  /** (internal) lets the next checkpoint be a delta on this one */
  previous: Previous;
}

/**
 * Reads checkpoint `entry` (and the chain it is a delta on), verifying every file; StorageError
 * CORRUPTION when any of them is missing, damaged or does not fit the chain.
 */
export function readCheckpointChain(dir: string, entry: CheckpointEntry): LoadedCheckpoint {
  const links = [...(entry.chain ?? []), { epoch: entry.epoch, lsn: entry.lsn }];
  let image: CheckpointImage | null = null;
  let arrays = new Map<string, unknown[]>();
  let extras = new Map<string, unknown>();
  let baseBytes = 0;
  let chainBytes = 0;
  for (let k = 0; k < links.length; k++) {
    const { epoch, lsn } = links[k]!;
    const file = checkpointPath(dir, epoch);
    const bytes = readCheckpointBytes(file);
    const parent = k === 0 ? null : links[k - 1]!.epoch;
    const read = bytes.subarray(0, 8).equals(MAGIC_V1) && parent === null ? { ...readV1(file, bytes), extras: new Map<string, unknown>() } : readV2(file, bytes, parent, arrays, extras);
    if (read.image.epoch !== epoch || read.image.lsn !== lsn) {
      throw new StorageError('CORRUPTION', `checkpoint ${file} does not match the MANIFEST (epoch ${read.image.epoch}, record ${read.image.lsn})`);
    }
    image = read.image;
    arrays = read.arrays;
    extras = read.extras;
    if (k === 0) baseBytes = bytes.length;
    else chainBytes += bytes.length;
  }
  const img = image!;
  return {
    image: img,
    previous: {
      epoch: img.epoch,
      lsn: img.lsn,
      chain: entry.chain ?? [],
      shape: img.nodes.map((n) => `${n.op}:${n.name ?? ''}`).join('\n'),
      catalogKey: catalogKey(img.catalog, img.catalogFingerprint),
      arrays,
      extras,
      baseBytes,
      chainBytes,
    },
  };
}

/** Frame codecs by name: what reads a frame written by CutArray.codec. */
const FRAME_CODECS = new Map<string, FrameCodec>([[TABLE_CHUNKS_CODEC.name, TABLE_CHUNKS_CODEC]]);

/** A decoded frame's elements (through its codec, if it was written by one). */
function fromFrame(file: string, codecName: string | undefined, payload: unknown, patchOf?: { positions: number[]; before: readonly unknown[] }): unknown[] {
  if (codecName === undefined) return payload as unknown[];
  const codec = FRAME_CODECS.get(codecName);
  if (codec === undefined || (patchOf !== undefined && codec.decodePatch === undefined)) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} has frames of an unknown kind "${String(codecName)}" (written by a newer version?)`);
  }
  try {
    return patchOf !== undefined ? codec.decodePatch!(payload, patchOf.positions, patchOf.before) : codec.decode(payload);
  } catch (error) {
    if (error instanceof StorageError) throw new StorageError('CORRUPTION', `checkpoint ${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

function decode(file: string, bytes: Uint8Array): unknown {
  try {
    return deserializeState(bytes);
  } catch (error) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} cannot be decoded: ${(error as Error).message}`, { cause: error });
  }
}

function readV1(file: string, bytes: Buffer): { image: CheckpointImage; arrays: Map<string, unknown[]> } {
  const image = decode(file, readV1Body(file, bytes)) as CheckpointImage;
  if (image === null || typeof image !== 'object' || !Array.isArray(image.nodes) || !Array.isArray(image.catalog)) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: it is not a checkpoint image`);
  }
  // the arrays a format-2 delta on this checkpoint may refer to: its nodes' array properties
  const arrays = new Map<string, unknown[]>();
  image.nodes.forEach((n, i) => {
    if (n.state === null || typeof n.state !== 'object' || Array.isArray(n.state)) return;
    for (const [prop, v] of Object.entries(n.state as Record<string, unknown>)) if (Array.isArray(v)) arrays.set(arrayKey(i, prop), v);
  });
  return { image, arrays };
}

function readV2(
  file: string,
  bytes: Buffer,
  parent: number | null,
  before: Map<string, unknown[]>,
  extrasBefore: Map<string, unknown>,
): { image: CheckpointImage; arrays: Map<string, unknown[]>; extras: Map<string, unknown> } {
  if (!bytes.subarray(0, 8).equals(MAGIC_V2)) throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: bad header`);
  const frames = readFrames(file, bytes);
  const meta = decode(file, frames[0]!) as Meta;
  if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.nodes) || !Array.isArray(meta.catalog)) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: its meta frame is not a checkpoint's`);
  }
  if (meta.parent !== parent) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} is a delta on checkpoint ${meta.parent}, but the MANIFEST chains it to ${parent}`);
  }
  const frame = (i: number): Uint8Array => {
    const f = frames[i];
    if (f === undefined || i === 0) throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: it refers to frame ${i} of ${frames.length}`);
    return f;
  };
  const arrays = new Map<string, unknown[]>();
  const nodes = meta.nodes.map((n, i) => {
    const state = decode(file, frame(n.state));
    for (const a of n.arrays) {
      let arr: unknown[];
      if (a.mode === 'full') {
        arr = new Array(a.length);
        let at = 0;
        for (const f of a.frames) {
          const chunk = fromFrame(file, a.codec, decode(file, frame(f)));
          for (let e = 0; e < chunk.length; e++) arr[at++] = chunk[e];
        }
        if (at !== a.length) throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: array ${a.prop} of node ${i} has ${at} of ${a.length} elements`);
      } else {
        const base = before.get(arrayKey(i, a.prop));
        if (base === undefined) throw new StorageError('CORRUPTION', `checkpoint ${file} has a delta for array ${a.prop} of node ${i}, which its parent does not have`);
        try {
          const delta = decode(file, frame(a.frames[0]!)) as ArrayDelta;
          if (a.codec !== undefined && delta !== null && typeof delta === 'object') {
            delta.literals = fromFrame(file, a.codec, delta.literals, a.patch === true ? { positions: literalPositions(delta.ops), before: base } : undefined);
          }
          arr = applyArrayDelta(base, delta);
        } catch (error) {
          if (error instanceof StorageError) throw error;
          throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: the delta of array ${a.prop} of node ${i} does not apply (${(error as Error).message})`);
        }
      }
      arrays.set(arrayKey(i, a.prop), arr);
      (state as Record<string, unknown>)[a.prop] = arr;
    }
    return { name: n.name, op: n.op, outWatermark: n.outWatermark, state: finishState(state) };
  });
  const extras = decode(file, frame(meta.extras)) as [string, unknown][];
  const incremental = new Map<string, unknown>();
  for (const x of meta.incExtras ?? []) {
    const patchFn = checkpointExtras().get(x.name)?.patch;
    // a participant whose module is not loaded cannot be restored anyway
    if (patchFn === undefined) continue;
    let value = decode(file, frame(x.frame));
    if (x.mode === 'delta') {
      const base = extrasBefore.get(x.name);
      if (base === undefined) throw new StorageError('CORRUPTION', `checkpoint ${file} has a delta for ${x.name}, which its parent does not have`);
      try {
        value = patchFn(base, value);
      } catch (error) {
        if (error instanceof StorageError) throw error;
        throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: the delta of ${x.name} does not apply (${(error as Error).message})`);
      }
    }
    incremental.set(x.name, value);
    extras.push([x.name, value]);
  }
  const image: CheckpointImage = {
    epoch: meta.epoch,
    lsn: meta.lsn,
    catalog: meta.catalog,
    catalogFingerprint: meta.catalogFingerprint,
    nodes,
    maxEventTime: meta.maxEventTime,
    extras,
  };
  return { image, arrays, extras: incremental };
}
