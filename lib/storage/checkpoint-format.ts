// Checkpoint file layout (format 2):
//
//   "LMCKPT02"  u32 frame count  then frames: u32 length, u32 CRC-32 of the bytes, bytes
//
// Frame 0 is the v8-serialized meta (CheckpointMeta); the others hold node states and chunks
// of large arrays, each v8-serialized through checkpoint-codec. Every frame carries its own
// checksum so a writer can checksum slices as it encodes them, and CRC-32 is zlib's (hardware
// assisted, ~100x faster here than a table-driven CRC-32C in JavaScript).
//
// Format 1 ("LMCKPT01", one CRC-32C over one v8 body) is still read.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { StorageError } from '../errors.js';
import { crc32c } from './fsync.js';

export const MAGIC_V1 = Buffer.from('LMCKPT01', 'latin1');
export const MAGIC_V2 = Buffer.from('LMCKPT02', 'latin1');

const zlibCrc = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (zlib's polynomial); a table-driven fallback on Node versions without zlib.crc32. */
export function frameCrc(data: Uint8Array): number {
  if (zlibCrc !== undefined) return zlibCrc(data) >>> 0;
  return crc32Table(data);
}

let table: Int32Array | undefined;

function crc32Table(data: Uint8Array): number {
  if (table === undefined) {
    table = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** Frames being assembled: each is appended with its header, checksummed as it is added. */
export class FrameWriter {
  private readonly parts: Buffer[] = [];
  private count = 0;
  bytes = 0;

  /** Appends a frame; returns its index (0 is the meta, added last with `finish`). */
  add(data: Uint8Array): number {
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32LE(data.byteLength, 0);
    header.writeUInt32LE(frameCrc(data), 4);
    this.parts.push(header, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.bytes += 8 + data.byteLength;
    return ++this.count;
  }

  /** The file's buffers in order: magic + count, the meta frame, then the added frames. */
  finish(meta: Uint8Array): Buffer[] {
    const head = Buffer.allocUnsafe(8 + 4 + 8);
    MAGIC_V2.copy(head, 0);
    head.writeUInt32LE(this.count + 1, 8);
    head.writeUInt32LE(meta.byteLength, 12);
    head.writeUInt32LE(frameCrc(meta), 16);
    const out = [head, Buffer.from(meta.buffer, meta.byteOffset, meta.byteLength), ...this.parts];
    this.bytes += head.length + meta.byteLength;
    return out;
  }
}

/** A file's frames (views into its bytes), each checksum verified; CORRUPTION when damaged. */
export function readFrames(file: string, bytes: Buffer): Buffer[] {
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC_V2)) throw damaged(file, 'bad header');
  const count = bytes.readUInt32LE(8);
  const frames: Buffer[] = [];
  let at = 12;
  for (let f = 0; f < count; f++) {
    if (at + 8 > bytes.length) throw damaged(file, `it is truncated (frame ${f} of ${count})`);
    const len = bytes.readUInt32LE(at);
    const crc = bytes.readUInt32LE(at + 4);
    if (at + 8 + len > bytes.length) throw damaged(file, `it is truncated (frame ${f} of ${count})`);
    const data = bytes.subarray(at + 8, at + 8 + len);
    if (frameCrc(data) !== crc) throw damaged(file, `its checksum does not match its content (frame ${f})`);
    frames.push(data);
    at += 8 + len;
  }
  if (at !== bytes.length) throw damaged(file, 'it has trailing bytes');
  return frames;
}

/** Format 1: the single v8 body after a CRC-32C, verified. */
export function readV1Body(file: string, bytes: Buffer): Buffer {
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC_V1)) throw damaged(file, 'bad header');
  const body = bytes.subarray(12);
  if (crc32c(body) !== bytes.readUInt32LE(8)) throw damaged(file, 'its checksum does not match its content');
  return body;
}

export function readCheckpointBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new StorageError('CORRUPTION', `checkpoint ${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

export function damaged(file: string, why: string): StorageError {
  return new StorageError('CORRUPTION', `checkpoint ${file} is damaged: ${why}`);
}
