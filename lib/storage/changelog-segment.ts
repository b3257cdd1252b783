// Changelog segment files: one per closed epoch, `changelog/<epoch>.clog`, holding the retained
// views' changes of the records in (fromLsn, toLsn]. "LMCLOG02" + CRC-32 (zlib's, an order of
// magnitude faster than a JavaScript CRC-32C on these multi-megabyte bodies) of the rest + frames
// (u32 length + v8-serialized value, Decimal/Interval tagged like checkpoints): a header, then
// each view's changes in slices of 16 K, so writing a large epoch yields between slices. Written
// and fsync'd before the MANIFEST that names them, so a named segment is complete.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../errors.js';
import type { EngineChange } from '../engine/types.js';
import type { Row } from '../types/value.js';
import { deserializeState, serializeState } from './checkpoint-codec.js';
import { crc32 } from 'node:zlib';
import { fsyncDir } from './fsync.js';
import type { ChangePosition } from './sink-protocol.js';

const MAGIC = Buffer.from('LMCLOG02', 'latin1');
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

/** Changes per serialized frame: the JS thread yields between frames (a short pause each). */
const FRAME_CHANGES = 16_384;

/** One frame: a slice of one view's changes as columns (rows and old rows dense, written as columns by the codec). */
function encodeFrame(changes: readonly EngineChange[], from: number, to: number): Buffer {
  const n = to - from;
  const lsns = new Float64Array(n);
  const indexes = new Float64Array(n);
  const ops = new Uint8Array(n);
  const rows: Row[] = new Array<Row>(n);
  const olds: Row[] = [];
  for (let i = 0; i < n; i++) {
    const c = changes[from + i]!;
    lsns[i] = c.position!.lsn;
    indexes[i] = c.position!.index;
    ops[i] = OP_CODE[c.op];
    rows[i] = c.row;
    if (c.old !== undefined) olds.push(c.old);
  }
  return serializeState({ lsns, indexes, ops, rows, olds });
}

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

export async function writeSegment(dir: string, ref: SegmentRef, image: SegmentImage): Promise<void> {
  // frames: a header ({ fromLsn, toLsn, views: [name, before, frame count] }), then each view's frames
  const parts: Buffer[] = [];
  const views: [string, ChangePosition | null, number][] = [];
  const frames: Buffer[] = [];
  for (const [name, v] of Object.entries(image.views)) {
    let count = 0;
    for (let at = 0; at < v.changes.length; at += FRAME_CHANGES) {
      frames.push(encodeFrame(v.changes, at, Math.min(at + FRAME_CHANGES, v.changes.length)));
      count++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    views.push([name, v.before, count]);
  }
  const head = serializeState({ fromLsn: image.fromLsn, toLsn: image.toLsn, views });
  for (const f of [head, ...frames]) parts.push(lengthPrefix(f.byteLength), f);
  let crc = 0;
  for (const part of parts) crc = crc32(part, crc);
  const header = Buffer.alloc(12);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(crc, 8);
  const folder = path.join(dir, DIR);
  const file = path.join(folder, ref.file);
  try {
    await fs.promises.mkdir(folder, { recursive: true });
    const handle = await fs.promises.open(file, 'w', 0o644);
    try {
      await handle.writev([header, ...parts]);
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
  const damaged = (why: string) => new StorageError('CORRUPTION', `changelog segment ${file} is damaged (${why})`);
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) throw damaged('header');
  if (bytes.readUInt32LE(8) !== crc32(bytes.subarray(12))) throw damaged('checksum');
  let at = 12;
  const frame = (): unknown => {
    if (at + 4 > bytes.length) throw damaged('truncated');
    const n = bytes.readUInt32LE(at);
    if (at + 4 + n > bytes.length) throw damaged('truncated');
    const out = deserializeState(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
    return out;
  };
  const head = frame() as { fromLsn: number; toLsn: number; views: [string, ChangePosition | null, number][] };
  if (head.fromLsn !== ref.fromLsn || head.toLsn !== ref.toLsn) {
    throw new StorageError('CORRUPTION', `changelog segment ${file} covers records ${head.fromLsn}..${head.toLsn}, the MANIFEST says ${ref.fromLsn}..${ref.toLsn}`);
  }
  const views: Record<string, ViewChanges> = {};
  for (const [name, before, count] of head.views) {
    const changes: EngineChange[] = [];
    for (let f = 0; f < count; f++) {
      const v = frame() as { lsns: Float64Array; indexes: Float64Array; ops: Uint8Array; rows: Row[]; olds: Row[] };
      let nextOld = 0;
      for (let i = 0; i < v.ops.length; i++) {
        const c: EngineChange = { op: OPS[v.ops[i]!]!, row: v.rows[i]!, position: { lsn: v.lsns[i]!, index: v.indexes[i]! } };
        if (c.op === 'update') c.old = v.olds[nextOld++]!;
        changes.push(c);
      }
    }
    views[name] = { before, changes };
  }
  return { fromLsn: head.fromLsn, toLsn: head.toLsn, views };
}

export function removeSegment(dir: string, ref: SegmentRef): void {
  fs.rmSync(path.join(dir, DIR, ref.file), { force: true });
}
