// The MANIFEST: the small root file of a database directory, replaced atomically. It names the
// format and the highest LSN known to be durable at the last checkpoint or clean close, so a WAL
// that lost records below it (deleted or truncated segments) is detected on open instead of
// silently yielding a shorter history. The last line is a CRC-32C of the JSON body.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../errors.js';
import { crc32c, writeFileAtomic } from './fsync.js';

export const MANIFEST_FILE = 'MANIFEST';
export const FORMAT_VERSION = 1;

export interface Manifest {
  format: number;
  /** subdirectory of the write-ahead log */
  walDir: string;
  /** every record up to this LSN was durable when the manifest was written */
  durableLsn: number;
  /** how many times a checkpoint was taken (the checkpoint epoch) */
  epoch: number;
  /** why the manifest was last written: 'create' | 'open' | 'checkpoint' | 'close' */
  reason: string;
  writtenAt: string;
  /**
   * the operator-state checkpoints recovery may start from, oldest first (the newest plus one
   * fallback); `chain`: the checkpoints an incremental one is a delta on, its full base first
   */
  checkpoints?: { epoch: number; lsn: number; chain?: { epoch: number; lsn: number }[] }[];
  /** changelog segments of the views that keep one, oldest first (lib/storage/changelog.ts) */
  changelog?: { file: string; fromLsn: number; toLsn: number }[];
  /** each exactly-once sink's pre-commit handle of the newest checkpoint (lib/storage/sink-protocol.ts) */
  sinks?: { sink: string; epoch: number; lsn: number; handle: unknown }[];
  /**
   * bytes of log records after the newest checkpoint when the manifest was written (what the
   * next open replays; close() checkpoints first when it is large, see closeCheckpointBytes)
   */
  logBytesSinceCheckpoint?: number;
}

export function writeManifest(dir: string, m: Manifest): void {
  writeChecksummedJson(path.join(dir, MANIFEST_FILE), m);
}

/** Writes `value` as one JSON line and a CRC32C line, atomically (MANIFEST, a sharded SHARDS file). */
export function writeChecksummedJson(file: string, value: unknown): void {
  const body = JSON.stringify(value);
  const crc = crc32c(Buffer.from(body, 'utf8'));
  writeFileAtomic(file, `${body}\ncrc32c ${crc.toString(16).padStart(8, '0')}\n`);
}

/**
 * Reads a file written by writeChecksummedJson: its parsed JSON, or null when the file does not
 * exist; StorageError CORRUPTION when the checksum line is missing or wrong or the JSON is bad.
 */
export function readChecksummedJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StorageError('IO_ERROR', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const lines = text.split('\n');
  const match = /^crc32c ([0-9a-f]{8})$/.exec(lines[1] ?? '');
  if (lines.length !== 3 || lines[2] !== '' || match === null) {
    throw new StorageError('CORRUPTION', `${file} is damaged: it does not end with its checksum line`);
  }
  const body = lines[0]!;
  if (crc32c(Buffer.from(body, 'utf8')) !== Number.parseInt(match[1]!, 16)) {
    throw new StorageError('CORRUPTION', `${file} is damaged: its checksum does not match its content`);
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new StorageError('CORRUPTION', `${file} is damaged: ${(error as Error).message}`);
  }
}

/** The manifest, or null when the directory has none; StorageError CORRUPTION when it is damaged. */
export function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, MANIFEST_FILE);
  const m = readChecksummedJson(file) as Manifest | null;
  if (m === null) return null;
  if (m.format !== FORMAT_VERSION) {
    throw new StorageError('CORRUPTION', `${file} has format ${m.format}; this version of laminardb reads format ${FORMAT_VERSION}`);
  }
  if (typeof m.walDir !== 'string' || !Number.isInteger(m.durableLsn) || !Number.isInteger(m.epoch)) {
    throw new StorageError('CORRUPTION', `${file} is damaged: fields are missing`);
  }
  return m;
}
