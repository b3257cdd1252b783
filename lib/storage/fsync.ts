// Small durable-file helpers: atomic replace (temp, fsync, rename, fsync directory) and CRC32C.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../errors.js';

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `file` with `data` so a crash leaves either the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fsyncDir(path.dirname(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StorageError(code === 'ENOSPC' ? 'DISK_FULL' : 'IO_ERROR', `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

let table: Int32Array | undefined;

/** CRC-32C (Castagnoli), the checksum the native WAL uses too. */
export function crc32c(data: Uint8Array): number {
  if (table === undefined) {
    table = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      table[i] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
