// The files of a durable sharded database (open({ path, threads: N })), next to the shard
// directories <path>/shard-<i>/ (each a durable engine, lib/storage):
// - SHARDS: the thread count and the committed checkpoint cuts (JSON + CRC line, replaced
//   atomically). A cut names, per shard, the local checkpoint epoch taken at one barrier; it is
//   written only once every shard has durably completed its checkpoint. Each cut also names the
//   first routed call after its barrier, so recovery can tell which calls are whole (call-cut.ts).
// - catalog.log: the main thread's catalog history, one CRC-framed JSON line per DDL statement
//   or placement decision, fsync'd before the shards see the statement or the rows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaminarError, StorageError } from '../errors.js';
import { crc32c } from '../storage/fsync.js';
import { MANIFEST_FILE, readChecksummedJson, writeChecksummedJson } from '../storage/manifest.js';
import type { Row } from '../types/value.js';
import { Reader, Writer } from './codec.js';
import type { Placement } from './placement.js';

export const SHARDS_FILE = 'SHARDS';
export const CATALOG_LOG = 'catalog.log';
const SHARDS_FORMAT = 1;

/** One consistent checkpoint across shards: shard i restores its local checkpoint `shards[i]`. */
export interface CommittedCut {
  /** the global checkpoint number (the barrier's) */
  epoch: number;
  /** local epoch of each shard's checkpoint taken at the barrier */
  shards: number[];
  /**
   * the number of the first routed call after the barrier (call-cut.ts); absent in cuts written
   * before calls were numbered: recovery from such a cut keeps each shard's whole log
   */
  seq?: number;
}

export interface ShardsFile {
  format: number;
  threads: number;
  /** committed cuts, newest last (the newest and one fallback) */
  cuts: CommittedCut[];
  /**
   * the number of the database's first routed call: present when every call in the shards' logs
   * since creation is numbered (absent in databases created before calls were numbered)
   */
  firstSeq?: number;
  /**
   * true: SQL DML statements (run on shard 0) are numbered calls with an end mark, like insert
   * calls (absent in databases created before they were: their logs hold DML without marks)
   */
  dmlCalls?: boolean;
}

export const shardDir = (dir: string, shard: number): string => path.join(dir, `shard-${shard}`);

export function writeShardsFile(dir: string, f: ShardsFile): void {
  writeChecksummedJson(path.join(dir, SHARDS_FILE), f);
}

/** The SHARDS file, or null when there is none; StorageError CORRUPTION when it is damaged. */
export function readShardsFile(dir: string): ShardsFile | null {
  const file = path.join(dir, SHARDS_FILE);
  const f = readChecksummedJson(file) as ShardsFile | null;
  if (f === null) return null;
  if (f.format !== SHARDS_FORMAT || !Number.isInteger(f.threads) || !Array.isArray(f.cuts)) {
    throw new StorageError('CORRUPTION', `${file} is damaged or has an unknown format (${String(f.format)})`);
  }
  return f;
}

/**
 * The thread count a directory was created with: N from its SHARDS file, 1 when it holds a
 * single-threaded database (a MANIFEST), undefined when it holds no database yet.
 */
export function recordedThreads(dir: string): number | undefined {
  const f = readShardsFile(dir);
  if (f !== null) return f.threads;
  return fs.existsSync(path.join(dir, MANIFEST_FILE)) ? 1 : undefined;
}

/** Refuses to open a database with another thread count than it was created with. */
export function checkThreads(dir: string, threads: number): void {
  const recorded = recordedThreads(dir);
  if (recorded === undefined || recorded === threads) return;
  throw new LaminarError(
    'INVALID_ARGUMENT',
    `open: ${dir} was created with threads: ${recorded} and cannot be opened with threads: ${threads} (its rows are partitioned for ${recorded} ${recorded === 1 ? 'thread' : 'shards'}; re-partitioning on open is not supported): open it with threads: ${recorded}`,
  );
}

/** One entry of the catalog log. */
export type CatalogEntry =
  | { ddl: string; params: readonly unknown[] }
  | { force: string; placement: Placement };

interface StoredEntry {
  ddl?: string;
  /** DDL parameters, codec-encoded (they may be bigint, Decimal, …), base64 */
  p?: string;
  force?: string;
  placement?: Placement;
}

/** The append-only catalog log; every append is on disk when it returns. */
export class CatalogLog {
  private fd: number;
  private readonly file: string;

  /** Opens (creating) the log; returns it with its entries (a torn last line is cut off). */
  static open(dir: string): { log: CatalogLog; entries: CatalogEntry[] } {
    const file = path.join(dir, CATALOG_LOG);
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new StorageError('IO_ERROR', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
    const entries: CatalogEntry[] = [];
    let valid = 0;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length - 1; i++) {
      const line = lines[i]!;
      const entry = parseLine(line);
      if (entry === null) {
        // only the last line can be torn (a crash during its append); anything else is damage
        if (i === lines.length - 2) break;
        throw new StorageError('CORRUPTION', `${file} is damaged at line ${i + 1}: its checksum does not match`);
      }
      entries.push(entry);
      valid += Buffer.byteLength(line, 'utf8') + 1;
    }
    try {
      const fd = fs.openSync(file, 'a+', 0o644);
      if (valid < Buffer.byteLength(text, 'utf8')) fs.ftruncateSync(fd, valid);
      return { log: new CatalogLog(fd, file), entries };
    } catch (error) {
      throw new StorageError('IO_ERROR', `cannot open ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  private constructor(fd: number, file: string) {
    this.fd = fd;
    this.file = file;
  }

  append(entry: CatalogEntry): void {
    const stored: StoredEntry = 'ddl' in entry ? { ddl: entry.ddl } : { force: entry.force, placement: entry.placement };
    if ('ddl' in entry && entry.params.length > 0) {
      const w = new Writer();
      w.rows([entry.params as Row]);
      stored.p = Buffer.from(w.take()).toString('base64');
    }
    const body = JSON.stringify(stored);
    const line = `${crc32c(Buffer.from(body, 'utf8')).toString(16).padStart(8, '0')} ${body}\n`;
    try {
      fs.writeSync(this.fd, line);
      fs.fdatasyncSync(this.fd);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new StorageError(code === 'ENOSPC' ? 'DISK_FULL' : 'IO_ERROR', `cannot append to ${this.file}: ${(error as Error).message}`, { cause: error });
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

function parseLine(line: string): CatalogEntry | null {
  const space = line.indexOf(' ');
  if (space !== 8) return null;
  const body = line.slice(9);
  if (crc32c(Buffer.from(body, 'utf8')) !== Number.parseInt(line.slice(0, 8), 16)) return null;
  const stored = JSON.parse(body) as StoredEntry;
  if (stored.ddl !== undefined) {
    const params = stored.p === undefined ? [] : new Reader(new Uint8Array(Buffer.from(stored.p, 'base64'))).rows()[0]!;
    return { ddl: stored.ddl, params };
  }
  return { force: stored.force!, placement: stored.placement! };
}
