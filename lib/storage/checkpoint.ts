// Operator-state checkpoints: a consistent cut of a durable database taken between two steps
// (the engine is single-threaded, so between steps every operator is quiescent: that is the
// barrier). A checkpoint holds the catalog as the ordered DDL calls that built it, the snapshot
// of every store and view operator in graph order, the watermarks, and the LSN of the last WAL
// record the cut includes. Recovery rebuilds the catalog and graph from the DDL (deterministic),
// restores the states in the same order and replays only the log after the LSN.
//
// Only nodes the catalog owns (relation stores and view subgraphs) are in the cut: subscription
// taps are not durable and are excluded by construction. Named operator-API pipelines join the
// same cut through lib/engine/checkpoint-extras.ts (image.extras).
//
// The cut is taken synchronously (captureCut); encoding, diffing against the previous
// checkpoint and writing happen afterwards, off the hot path (checkpoint-image.ts). File:
// checkpoints/<epoch>/state.ckpt in the framed format of checkpoint-format.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaminarError, StorageError } from '../errors.js';
import type { EngineState } from '../engine/state.js';
import type { DataflowNode } from '../exec/runtime/dataflow.js';
import type { Batch } from '../exec/batch.js';
import { serializeState } from './checkpoint-codec.js';
import { crc32c, fsyncDir } from './fsync.js';
import { decodeRecord, RecordKind } from './record.js';
import { graphMismatch } from './graph-mismatch.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { checkpointExtras } from '../engine/checkpoint-extras.js';
import { CHUNK_SLOTS, type RowChunk } from '../exec/runtime/keyed-rows.js';
import { chunkRows, TABLE_CHUNKS_CODEC } from '../exec/runtime/keyed-chunks-codec.js';

export const CHECKPOINT_DIR = 'checkpoints';
const FILE = 'state.ckpt';

/** One logged call that changed the catalog: its EXECUTE record, and whether it threw. */
export interface CatalogCall {
  record: Uint8Array;
  failed: boolean;
}

export interface CheckpointImage {
  epoch: number;
  /** the cut includes every WAL record up to this LSN, and none after */
  lsn: number;
  catalog: CatalogCall[];
  /** CRC over the relations' schema fingerprints: checks the rebuilt catalog */
  catalogFingerprint: number;
  nodes: { name: string | null; op: string; outWatermark: number; state: unknown }[];
  maxEventTime: [string, number][];
  /** state of participants outside the catalog (operator-API pipelines), by participant name */
  extras?: [string, unknown][];
}

const DDL_KINDS = new Set(['create-table', 'create-materialized-view', 'create-view', 'create-sink', 'create-function', 'create-index', 'drop', 'set']);

/** True when a statement list changes the catalog (so its call belongs to the checkpoint's DDL). */
export function changesCatalog(kinds: readonly string[]): boolean {
  return kinds.some((k) => DDL_KINDS.has(k));
}

/** The nodes the catalog owns, in graph (topological) order. */
export function durableNodes(state: EngineState): DataflowNode[] {
  const owned = new Set<DataflowNode>(state.stores.values());
  for (const sub of state.subgraphs.values()) for (const n of sub.nodes) owned.add(n);
  return state.flow.liveNodes().filter((n) => owned.has(n));
}

function catalogFingerprint(state: EngineState): number {
  const parts = state.catalog
    .relations()
    .map((r) => r.name)
    .sort()
    .map((name) => `${name}:${schemaFingerprint(state.catalog.info(name)!)}`);
  return crc32c(Buffer.from(parts.join('\n'), 'utf8'));
}

/** Operator classes whose snapshot() returns fresh arrays of immutable rows (audited): their
 *  state is encoded after the cut, in slices, and diffed against the previous checkpoint. */
const DEFERRED_OPS = new Set(['TableStore', 'ViewStore']);
/** Aggregate kernels whose save() returns fresh values (audited): an aggregate using only these
 *  has a snapshot that later steps cannot change (group keys and emitted rows are replaced, never
 *  changed in place). StateAccumulatorKernel's accumulators are lib/functions' (save = a fresh
 *  encoding) or have no save (structuredClone); an accumulator whose save() returned its live
 *  state would have to be excluded. AccumulatorKernel hands out `state()`, which may be live. */
const SAFE_KERNELS = new Set(['CountKernel', 'SumKernel', 'ExtremeKernel', 'BoolKernel', 'FlatAccumulatorKernel', 'StateAccumulatorKernel']);

function deferrable(op: object): boolean {
  const name = op.constructor.name;
  if (DEFERRED_OPS.has(name)) return true;
  if (name !== 'HashAggregate') return false;
  // read through a private field: if it is renamed, the aggregate is serialized at the cut
  const kernels = (op as { kernels?: unknown }).kernels;
  return Array.isArray(kernels) && kernels.every((k) => SAFE_KERNELS.has((k as object)?.constructor?.name));
}
/** arrays at least this long are written in chunks and, when possible, as deltas */
export const LARGE_ARRAY = 4096;
/** rows per frame of a large array */
const ROWS_PER_FRAME = 16_384;
/** a keyed table's chunks per frame (about ROWS_PER_FRAME rows) */
const CHUNKS_PER_FRAME = ROWS_PER_FRAME / CHUNK_SLOTS;

/** A large array of a deferred node: immutable elements, kept by reference until encoded. */
export interface CutArray {
  elements: unknown[];
  /** elements per frame */
  chunk: number;
  /** turns a slice of elements into what the operator's restore() expects (default: as is) */
  encode?: (slice: unknown[]) => unknown[];
  /** rows an element holds (default 1) */
  rows?: (element: unknown) => number;
  /** instead of `encode`: writes a frame's elements as one payload, read back by the codec of
   *  that name (checkpoint-image.ts FRAME_CODECS) */
  codec?: FrameCodec;
  /** when set, `elements` starts empty and this appends them while encoding, pausing between
   *  slices (an aggregate's copy-on-write capture: the cut itself walks nothing) */
  fill?: (into: unknown[], pause: () => Promise<void>) => Promise<void>;
}

/** A frame's elements ↔ one payload (a keyed table's chunks as a few long columns). */
export interface FrameCodec {
  name: string;
  encode(slice: unknown[]): unknown;
  /** the elements back, in order; StorageError CORRUPTION when the payload is not one */
  decode(payload: unknown): unknown[];
  /** a delta's literals as changes to the elements at the same positions of the previous array
   *  (`positions`: where each literal lands); null when writing them whole is about as small */
  encodePatch?(literals: unknown[], positions: readonly number[], before: readonly unknown[]): unknown;
  /** the literals back from a patch, given the previous array they were taken against */
  decodePatch?(payload: unknown, positions: readonly number[], before: readonly unknown[]): unknown[];
  /** rows a patch writes (reported as the checkpoint's changed rows) */
  patchRows?(payload: unknown): number;
}

/** One node of a cut: its state either already serialized or (deferred) kept by reference. */
export interface CutNode {
  name: string | null;
  op: string;
  outWatermark: number;
  /** serialized at the cut (operators whose snapshot may share mutable objects) */
  bytes?: Buffer;
  /** deferred: the snapshot without its large arrays … */
  skeleton?: Record<string, unknown>;
  /** … and the large arrays by property name */
  arrays?: Map<string, CutArray>;
}

/** A consistent cut taken between two steps, not yet encoded. */
export interface CheckpointCut {
  epoch: number;
  lsn: number;
  catalog: CatalogCall[];
  catalogFingerprint: number;
  nodes: CutNode[];
  maxEventTime: [string, number][];
  /** serialized at the cut: participants outside the catalog (checkpoint-extras) */
  extras: Buffer;
  /** captures of the participants with diff/patch (immutable), encoded as deltas when possible */
  incrementalExtras?: [string, unknown][];
  /** identifies the graph: deltas are only taken against a cut of the same graph */
  shape: string;
}

/** The batches a source retains, as its snapshot() would write them (columns as plain arrays). */
function sourceChunks(slice: unknown[]): unknown[] {
  return slice.map((b) => {
    const batch = b as Batch;
    return { length: batch.length, columns: batch.columns.map((c) => Array.from(c)) };
  });
}

/** Marks the skeleton of an append-only view kept as its batches (see `finishState`). */
const VIEW_LOG = '__laminar_view_log';

/**
 * The deferred form of a node's state, or null when it must be serialized at the cut. A source
 * store is read through its public contents() (its retained batches, immutable once pushed)
 * instead of snapshot(), which copies every column on the hot path; the copy is made while
 * encoding, and only for batches the previous checkpoint did not have.
 */
function deferredState(n: DataflowNode, cut = true): { skeleton: Record<string, unknown>; arrays: Map<string, CutArray> } | null {
  const op = n.op as unknown as { constructor: { name: string }; contents?: () => Batch[]; watermarkValue?: number };
  if (op.constructor.name === 'SourceStore' && typeof op.contents === 'function' && typeof op.watermarkValue === 'number') {
    const wm = op.watermarkValue;
    const chunks = op.contents();
    return { skeleton: { wm: wm === -Infinity ? null : wm }, arrays: new Map([['chunks', { elements: chunks, chunk: 16, encode: sourceChunks, rows: (b) => (b as Batch).length }]]) };
  }
  // an append-only view keeps its batches (by reference, immutable); snapshot() would turn every
  // retained row into a fresh array on the hot path. Read through the private log: if it is ever
  // renamed, this falls back to snapshot().
  const log = (op as unknown as { log?: unknown }).log;
  if (op.constructor.name === 'ViewStore' && Array.isArray(log)) {
    const batches = (log as Batch[]).slice();
    return { skeleton: { [VIEW_LOG]: true }, arrays: new Map([['batches', { elements: batches, chunk: 16, encode: sourceChunks, rows: (b) => (b as Batch).length }]]) };
  }
  // a keyed table hands over its chunks of columns (copied on their next write): no row is
  // materialised at the cut, and an unchanged chunk is the same object in the next cut
  const chunked = (op as { checkpointChunks?: () => { used: number; chunks: RowChunk[] } | null }).checkpointChunks?.();
  if (chunked) {
    return { skeleton: { used: chunked.used }, arrays: new Map([['chunks', { elements: chunked.chunks, chunk: CHUNKS_PER_FRAME, codec: TABLE_CHUNKS_CODEC, rows: chunkRows }]]) };
  }
  if (!deferrable(op)) return null;
  // a large keyed (slot map) view: O(1) at the cut, its rows recorded while encoding
  // (copy-on-write); `rows` is filled first, `weights` alongside it (arrays encode in map order)
  const captureRows = (op as unknown as { captureRows?: () => { fill(rows: unknown[], weights: number[], pause: () => Promise<void>): Promise<void> } | null }).captureRows;
  if (op.constructor.name === 'ViewStore' && typeof captureRows === 'function' && n.op.stateSize() >= LARGE_ARRAY) {
    // (not for deferredArrays after a restore: the decoded arrays, the restored rows, serve)
    if (!cut) return null;
    const captured = captureRows.call(op);
    if (captured !== null) {
      const weights: number[] = [];
      const fill: NonNullable<CutArray['fill']> = (rows, pause) => captured.fill(rows, weights, pause);
      return { skeleton: {}, arrays: new Map<string, CutArray>([['rows', { elements: [], chunk: ROWS_PER_FRAME, fill }], ['weights', { elements: weights, chunk: ROWS_PER_FRAME }]]) };
    }
  }
  // a large aggregate: O(1) at the cut, its groups recorded while encoding (copy-on-write)
  const capture = (op as unknown as { captureGroups?: () => { fill: NonNullable<CutArray['fill']> } }).captureGroups;
  if (typeof capture === 'function' && n.op.stateSize() >= LARGE_ARRAY) {
    const { fill } = capture.call(op);
    return { skeleton: {}, arrays: new Map([['groups', { elements: [], chunk: ROWS_PER_FRAME, fill }]]) };
  }
  const snap = n.op.snapshot();
  if (snap === null || typeof snap !== 'object' || Array.isArray(snap)) return null;
  const skeleton: Record<string, unknown> = {};
  const arrays = new Map<string, CutArray>();
  for (const [k, v] of Object.entries(snap as Record<string, unknown>)) {
    if (Array.isArray(v) && v.length >= LARGE_ARRAY) arrays.set(k, { elements: v, chunk: ROWS_PER_FRAME });
    else skeleton[k] = v;
  }
  return { skeleton, arrays };
}

/**
 * Takes the cut synchronously, between steps: the catalog, the watermarks and every node's
 * state. Table, view and source stores are kept by reference (their large arrays are encoded
 * later, off the hot path); the other operators' snapshots are serialized now, so later steps
 * cannot change them.
 */
export function captureCut(state: EngineState, catalog: readonly CatalogCall[], epoch: number, lsn: number): CheckpointCut {
  if (state.flow.busy) {
    throw new LaminarError('INVALID_ARGUMENT', 'CHECKPOINT cannot run inside a subscriber callback (a step is in progress); call it after the callback returns');
  }
  const nodes = durableNodes(state).map((n): CutNode => {
    const base = { name: n.name ?? null, op: n.op.constructor.name, outWatermark: n.outWatermark };
    const deferred = deferredState(n);
    return deferred === null ? { ...base, bytes: serializeState(n.op.snapshot()) } : { ...base, ...deferred };
  });
  return {
    epoch,
    lsn,
    catalog: [...catalog],
    catalogFingerprint: catalogFingerprint(state),
    nodes,
    maxEventTime: [...state.maxEventTime],
    extras: serializeState(captureExtras(state, false)),
    incrementalExtras: captureExtras(state, true),
    shape: nodes.map((n) => `${n.op}:${n.name ?? ''}`).join('\n'),
  };
}

/** A decoded node state in the form the operator's restore() reads (an append-only view's
 *  batches become the rows and weights its snapshot() would have given). */
export function finishState(state: unknown): unknown {
  if (state === null || typeof state !== 'object' || (state as Record<string, unknown>)[VIEW_LOG] !== true) return state;
  const batches = (state as { batches: { length: number; columns: unknown[][] }[] }).batches;
  const rows: unknown[][] = [];
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      const row = new Array<unknown>(b.columns.length);
      for (let c = 0; c < b.columns.length; c++) row[c] = b.columns[c]![i] ?? null;
      rows.push(row);
    }
  }
  return { rows, weights: new Array<number>(rows.length).fill(1) };
}

/** The deferred nodes' large arrays as they are now (node index/property → elements): right
 *  after a restore, what the next checkpoint can be a delta on. */
export function deferredArrays(state: EngineState): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  durableNodes(state).forEach((n, i) => {
    // an aggregate's snapshot builds fresh records (costly, and they could only match the decoded
    // ones by content): the decoded arrays serve as its base instead
    if (n.op.constructor.name === 'HashAggregate') return;
    for (const [prop, a] of deferredState(n, false)?.arrays ?? []) out.set(`${i}/${prop}`, a.elements);
  });
  return out;
}

export function checkpointPath(dir: string, epoch: number): string {
  return path.join(dir, CHECKPOINT_DIR, String(epoch), FILE);
}

/** Writes the checkpoint file durably (file fsync'd, directories fsync'd) without blocking the loop. */
export async function writeCheckpointFile(dir: string, epoch: number, buffers: readonly Uint8Array[]): Promise<number> {
  const file = checkpointPath(dir, epoch);
  const epochDir = path.dirname(file);
  let bytes = 0;
  try {
    fs.mkdirSync(epochDir, { recursive: true });
    const handle = await fs.promises.open(file, 'w', 0o644);
    try {
      // writev writes every buffer (libuv loops over partial writes and IOV_MAX)
      const { bytesWritten } = await handle.writev(buffers as Uint8Array[]);
      bytes = bytesWritten;
      await handle.datasync();
    } finally {
      await handle.close();
    }
    fsyncDir(epochDir);
    fsyncDir(path.dirname(epochDir));
  } catch (error) {
    if (error instanceof StorageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new StorageError(code === 'ENOSPC' ? 'DISK_FULL' : 'IO_ERROR', `cannot write checkpoint ${file}: ${(error as Error).message}`, { cause: error });
  }
  return bytes;
}

/** What a fresh engine needs to run the catalog calls (an EnginePort's execute). */
export interface CatalogTarget {
  execute(sql: string, params?: readonly unknown[]): unknown;
}

/**
 * Rebuilds the catalog and graph from the image's DDL into a fresh engine, then restores every
 * operator's state in graph order. A graph that does not match the image is CORRUPTION.
 */
export function restoreCheckpoint(image: CheckpointImage, engine: CatalogTarget, state: EngineState, where: string): void {
  for (const call of image.catalog) {
    const rec = decodeRecord(call.record);
    if (rec.kind !== RecordKind.Execute) throw new StorageError('CORRUPTION', `${where}: a catalog entry is not an EXECUTE record`);
    try {
      engine.execute(rec.sql, rec.params);
    } catch (error) {
      if (!call.failed) {
        throw new StorageError('RECOVERY_FAILED', `${where}: rebuilding the catalog, "${rec.sql.slice(0, 200)}" failed (${(error as Error).message}); if it calls a JavaScript function, pass it to open() in the functions option`, { cause: error });
      }
    }
  }
  if (catalogFingerprint(state) !== image.catalogFingerprint) {
    throw new StorageError('CORRUPTION', `${where}: the catalog rebuilt from the checkpoint's DDL differs from the one checkpointed`);
  }
  const nodes = durableNodes(state);
  const mismatch = graphMismatch(nodes, image.nodes, state);
  if (mismatch !== undefined) throw new StorageError('RECOVERY_FAILED', `${where}: ${mismatch}`);
  nodes.forEach((n, i) => {
    const saved = image.nodes[i]!;
    n.op.restore(saved.state);
    n.outWatermark = saved.outWatermark;
  });
  state.maxEventTime.clear();
  for (const [k, v] of image.maxEventTime) state.maxEventTime.set(k, v);
  for (const [name, saved] of image.extras ?? []) checkpointExtras().get(name)?.restore(state, saved);
}

function captureExtras(state: EngineState, incremental: boolean): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [name, extra] of checkpointExtras()) {
    if ((extra.diff !== undefined && extra.patch !== undefined) !== incremental) continue;
    const saved = extra.capture(state);
    if (saved !== undefined) out.push([name, saved]);
  }
  return out;
}

/** Deletes checkpoint directories not in `keep` (best effort: a leftover costs only disk). */
export function removeCheckpointsExcept(dir: string, keep: readonly number[]): void {
  const root = path.join(dir, CHECKPOINT_DIR);
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const e of entries) {
    if (keep.includes(Number(e))) continue;
    try {
      fs.rmSync(path.join(root, e), { recursive: true, force: true });
    } catch {
      // retried after the next checkpoint
    }
  }
}
