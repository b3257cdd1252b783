// Operator-state checkpoints: a consistent cut of a durable database taken between two steps
// (the engine is single-threaded, so between steps every operator is quiescent: that is the
// barrier). A checkpoint holds the catalog as the ordered DDL calls that built it, the snapshot
// of every store and view operator in graph order, the watermarks, and the LSN of the last WAL
// record the cut includes. Recovery rebuilds the catalog and graph from the DDL (deterministic),
// restores the states in the same order and replays only the log after the LSN.
//
// Only nodes the catalog owns (relation stores and view subgraphs) are in the cut: subscription
// taps and user pipelines are not durable and are excluded by construction.
//
// File: checkpoints/<epoch>/state.ckpt = magic "LMCKPT01", u32 CRC-32C of the body, body =
// v8-serialized CheckpointImage (checkpoint-codec.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaminarError, StorageError } from '../errors.js';
import type { EngineState } from '../engine/state.js';
import type { DataflowNode } from '../exec/runtime/dataflow.js';
import { deserializeState, serializeState } from './checkpoint-codec.js';
import { crc32c, fsyncDir } from './fsync.js';
import { decodeRecord, RecordKind } from './record.js';
import { schemaFingerprint } from './schema-fingerprint.js';

export const CHECKPOINT_DIR = 'checkpoints';
const FILE = 'state.ckpt';
const MAGIC = Buffer.from('LMCKPT01', 'latin1');

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
}

const DDL_KINDS = new Set(['create-table', 'create-materialized-view', 'create-view', 'create-sink', 'create-function', 'create-index', 'drop', 'set']);

/** True when a statement list changes the catalog (so its call belongs to the checkpoint's DDL). */
export function changesCatalog(kinds: readonly string[]): boolean {
  return kinds.some((k) => DDL_KINDS.has(k));
}

/** The nodes the catalog owns, in graph (topological) order. */
function durableNodes(state: EngineState): DataflowNode[] {
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

/** Takes the cut (synchronously, between steps) and serializes it. */
export function captureCheckpoint(state: EngineState, catalog: readonly CatalogCall[], epoch: number, lsn: number): Buffer {
  if (state.flow.busy) {
    throw new LaminarError('INVALID_ARGUMENT', 'CHECKPOINT cannot run inside a subscriber callback (a step is in progress); call it after the callback returns');
  }
  const image: CheckpointImage = {
    epoch,
    lsn,
    catalog: [...catalog],
    catalogFingerprint: catalogFingerprint(state),
    nodes: durableNodes(state).map((n) => ({ name: n.name ?? null, op: n.op.constructor.name, outWatermark: n.outWatermark, state: n.op.snapshot() })),
    maxEventTime: [...state.maxEventTime],
  };
  const body = serializeState(image);
  const header = Buffer.alloc(12);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(crc32c(body), 8);
  return Buffer.concat([header, body]);
}

export function checkpointPath(dir: string, epoch: number): string {
  return path.join(dir, CHECKPOINT_DIR, String(epoch), FILE);
}

/** Writes the checkpoint file durably (file fsync'd, directories fsync'd) without blocking the loop. */
export async function writeCheckpointFile(dir: string, epoch: number, bytes: Uint8Array): Promise<number> {
  const file = checkpointPath(dir, epoch);
  const epochDir = path.dirname(file);
  try {
    fs.mkdirSync(epochDir, { recursive: true });
    const handle = await fs.promises.open(file, 'w', 0o644);
    try {
      await handle.writeFile(bytes);
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
  return bytes.byteLength;
}

/** Reads and verifies a checkpoint; StorageError CORRUPTION when it is missing or damaged. */
export function readCheckpoint(dir: string, epoch: number, lsn: number): CheckpointImage {
  const file = checkpointPath(dir, epoch);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: bad header`);
  const body = bytes.subarray(12);
  if (crc32c(body) !== bytes.readUInt32LE(8)) throw new StorageError('CORRUPTION', `checkpoint ${file} is damaged: its checksum does not match its content`);
  let image: CheckpointImage;
  try {
    image = deserializeState(body) as CheckpointImage;
  } catch (error) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} cannot be decoded: ${(error as Error).message}`, { cause: error });
  }
  if (image.epoch !== epoch || image.lsn !== lsn || !Array.isArray(image.nodes) || !Array.isArray(image.catalog)) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} does not match the MANIFEST (epoch ${image.epoch}, record ${image.lsn})`);
  }
  return image;
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
  const same = nodes.length === image.nodes.length && nodes.every((n, i) => (n.name ?? null) === image.nodes[i]!.name && n.op.constructor.name === image.nodes[i]!.op);
  if (!same) {
    throw new StorageError('CORRUPTION', `${where}: the operator graph rebuilt from the checkpoint's DDL (${nodes.length} operators) does not match the checkpointed one (${image.nodes.length})`);
  }
  nodes.forEach((n, i) => {
    const saved = image.nodes[i]!;
    n.op.restore(saved.state);
    n.outWatermark = saved.outWatermark;
  });
  state.maxEventTime.clear();
  for (const [k, v] of image.maxEventTime) state.maxEventTime.set(k, v);
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
