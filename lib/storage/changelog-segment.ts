// Changelog segment files: one per closed epoch, `changelog/<epoch>.clog`, holding the retained
// views' changes of the records in (fromLsn, toLsn]. "LMCLOG01" + CRC-32 (zlib's, an order of
// magnitude faster than a JavaScript CRC-32C on these multi-megabyte bodies) of the body + the body
// (v8-serialized, Decimal/Interval tagged like checkpoints). Written and fsync'd before the
// MANIFEST that names them, so a named segment is complete.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../errors.js';
import type { EngineChange } from '../engine/types.js';
import type { Row } from '../types/value.js';
import { deserializeState, serializeState } from './checkpoint-codec.js';
import { crc32 } from 'node:zlib';
import { fsyncDir } from './fsync.js';
import type { ChangePosition } from './sink-protocol.js';

const MAGIC = Buffer.from('LMCLOG01', 'latin1');
const OP_CODE = { insert: 0, delete: 1, update: 2 } as const;
const OPS: EngineChange['op'][] = ['insert', 'delete', 'update'];
const DIR = 'changelog';

/** A segment as the MANIFEST names it. */
export interface SegmentRef {
  file: string;
  fromLsn: number;
  toLsn: number;
}

export interface ViewChanges {
  /** the view's last position before this segment (null: none recorded) */
  before: ChangePosition | null;
  changes: EngineChange[];
}

export interface SegmentImage {
  fromLsn: number;
  toLsn: number;
  views: Record<string, ViewChanges>;
}

export function segmentFile(epoch: number): string {
  return `${epoch}.clog`;
}

export async function writeSegment(dir: string, ref: SegmentRef, image: SegmentImage): Promise<void> {
  // columns of positions + changes: one small array per change instead of an object with a nested object
  const views: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(image.views)) {
    const n = v.changes.length;
    const lsns = new Float64Array(n);
    const indexes = new Float64Array(n);
    // rows and old rows as dense arrays of equal-width rows: the codec writes them as columns
    const ops = new Uint8Array(n);
    const rows: Row[] = new Array<Row>(n);
    const olds: Row[] = [];
    for (let i = 0; i < n; i++) {
      const c = v.changes[i]!;
      lsns[i] = c.position!.lsn;
      indexes[i] = c.position!.index;
      ops[i] = OP_CODE[c.op];
      rows[i] = c.row;
      if (c.old !== undefined) olds.push(c.old);
    }
    views[name] = { before: v.before, lsns, indexes, ops, rows, olds };
  }
  const body = serializeState({ fromLsn: image.fromLsn, toLsn: image.toLsn, views });
  const header = Buffer.alloc(12);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(crc32(body), 8);
  const folder = path.join(dir, DIR);
  const file = path.join(folder, ref.file);
  try {
    await fs.promises.mkdir(folder, { recursive: true });
    const handle = await fs.promises.open(file, 'w', 0o644);
    try {
      await handle.writev([header, body]);
      await handle.sync();
    } finally {
      await handle.close();
    }
    fsyncDir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StorageError(code === 'ENOSPC' ? 'DISK_FULL' : 'IO_ERROR', `cannot write changelog segment ${file}: ${(error as Error).message}`, { cause: error });
  }
}

export function readSegment(dir: string, ref: SegmentRef): SegmentImage {
  const file = path.join(dir, DIR, ref.file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new StorageError('CORRUPTION', `changelog segment ${file}, named by the MANIFEST, cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC) || bytes.readUInt32LE(8) !== crc32(bytes.subarray(12))) {
    throw new StorageError('CORRUPTION', `changelog segment ${file} is damaged (header or checksum)`);
  }
  const raw = deserializeState(bytes.subarray(12)) as { fromLsn: number; toLsn: number; views: Record<string, { before: ChangePosition | null; lsns: Float64Array; indexes: Float64Array; ops: Uint8Array; rows: Row[]; olds: Row[] }> };
  if (raw.fromLsn !== ref.fromLsn || raw.toLsn !== ref.toLsn) {
    throw new StorageError('CORRUPTION', `changelog segment ${file} covers records ${raw.fromLsn}..${raw.toLsn}, the MANIFEST says ${ref.fromLsn}..${ref.toLsn}`);
  }
  const views: Record<string, ViewChanges> = {};
  for (const [name, v] of Object.entries(raw.views)) {
    const changes: EngineChange[] = new Array<EngineChange>(v.ops.length);
    let nextOld = 0;
    for (let i = 0; i < v.ops.length; i++) {
      const c: EngineChange = { op: OPS[v.ops[i]!]!, row: v.rows[i]!, position: { lsn: v.lsns[i]!, index: v.indexes[i]! } };
      if (c.op === 'update') c.old = v.olds[nextOld++]!;
      changes[i] = c;
    }
    views[name] = { before: v.before, changes };
  }
  return { fromLsn: raw.fromLsn, toLsn: raw.toLsn, views };
}

export function removeSegment(dir: string, ref: SegmentRef): void {
  fs.rmSync(path.join(dir, DIR, ref.file), { force: true });
}
