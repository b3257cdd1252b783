// A durable shard's own log, read and cut by the shard before its durable engine opens
// (recovery of open({ path, threads }), lib/shard/call-cut.ts): its end-of-call marks, and the
// physical cut that drops the records of calls not kept on every shard.
//
// A mark is a TAG record of the WAL (lib/storage/record.ts) whose payload is:
//   u8 0x43 ('C'), u8 version 1, f64 call number, u32 shards the call reached
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../errors.js';
import { WalReader } from '../native/wal.js';
import { RecordKind, decodeRecord } from '../storage/record.js';
import { parse } from '../sql/parser.js';
import type { ShardCallLog } from './call-cut.js';

const MARK = 0x43;
const MARK_VERSION = 1;
const MARK_BYTES = 14;

const scratch = new Uint8Array(MARK_BYTES);
const scratchView = new DataView(scratch.buffer);

/**
 * The TAG payload of an end-of-call mark, in a buffer reused by the next call (a shard logs one
 * per routed call: no allocation each time; the WAL copies it at append).
 */
export function encodeCallMark(seq: number, shards: number): Uint8Array {
  scratch[0] = MARK;
  scratch[1] = MARK_VERSION;
  scratchView.setFloat64(2, seq, true);
  scratchView.setUint32(10, shards, true);
  return scratch;
}

/** A mark's call number and shard count; null when the TAG is not a call mark. */
export function decodeCallMark(payload: Uint8Array): { seq: number; shards: number } | null {
  if (payload.byteLength !== MARK_BYTES || payload[0] !== MARK || payload[1] !== MARK_VERSION) return null;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return { seq: view.getFloat64(2, true), shards: view.getUint32(10, true) };
}

/** SQL DML: shard 0 runs it as a numbered call of its own (sharded-engine.ts). */
const DML = new Set(['insert', 'update', 'delete']);

/** Whether an EXECUTE record's payload is one SQL DML statement (not DDL, not FLUSH). */
function isDml(data: Uint8Array): boolean {
  const rec = decodeRecord(data);
  if (rec.kind !== RecordKind.Execute) return false;
  const statements = parse(rec.sql);
  return statements.length > 0 && statements.every((st) => DML.has(st.kind));
}

/**
 * The marks of the log in `walDir` from `fromLsn` on (the records after the shard's checkpoint),
 * with the LSN where each call's part starts. A damaged record stops it with CORRUPTION, as
 * replay would; a torn last record ends it (that record was never acknowledged). `dmlCalls`:
 * SQL DML statements are parts of numbered calls (logs written before they were numbered hold
 * DML without a mark: there it is not part of any call, as when it was written).
 */
export function scanCallLog(walDir: string, fromLsn: number, dmlCalls = false): ShardCallLog {
  const log: ShardCallLog = { seqs: [], shards: [], firstLsn: [], tailLsn: 0, lastLsn: fromLsn - 1 };
  if (!fs.existsSync(walDir)) return log;
  const reader = WalReader.open(walDir, fromLsn);
  let partStart = 0;
  try {
    for (const { lsn, data } of reader.records()) {
      log.lastLsn = lsn;
      const kind = data[0];
      if (kind === RecordKind.InsertColumns || kind === RecordKind.InsertRows || kind === RecordKind.Watermark) {
        if (partStart === 0) partStart = lsn;
      } else if (kind === RecordKind.Execute && dmlCalls && partStart === 0 && isDml(data)) {
        partStart = lsn;
      } else if (kind === RecordKind.Tag) {
        const mark = decodeCallMark(data.subarray(1));
        if (mark === null) continue;
        log.seqs.push(mark.seq);
        log.shards.push(mark.shards);
        log.firstLsn.push(partStart === 0 ? lsn : partStart);
        partStart = 0;
      }
    }
  } finally {
    reader.close();
  }
  const stop = reader.stop;
  if (stop !== null && stop.kind === 'corrupt') {
    throw new StorageError('CORRUPTION', `${walDir}: the write-ahead log is damaged at ${stop.segment} offset ${stop.offset} (record ${stop.lsn}): ${stop.reason}; records after it cannot be trusted, so the database is not opened`);
  }
  log.tailLsn = partStart;
  return log;
}

// the segment format of native/wal/wal_format.h (little-endian)
const SEGMENT_NAME = /^(\d{20})\.wal$/;
const SEGMENT_MAGIC = 'LAMWAL01';
const SEGMENT_HEADER_BYTES = 64;
const FRAME_HEADER_BYTES = 16;
const SEAL_LENGTH = 0xffffffff;

/**
 * Drops record `lsn` and every record after it from the log in `walDir`: later segments are
 * deleted, then the record's frame header is zeroed, which the format reads as the end of the
 * log (the WAL writer clears the rest of the segment when it opens). A crash in between leaves a
 * log that the same cut, computed again, cuts the same way.
 */
export function truncateLog(walDir: string, lsn: number): void {
  const segments = fs
    .readdirSync(walDir)
    .flatMap((name) => {
      const m = SEGMENT_NAME.exec(name);
      return m ? [{ first: Number(m[1]), file: path.join(walDir, name) }] : [];
    })
    .sort((a, b) => a.first - b.first);
  const holder = segments.filter((s) => s.first <= lsn).pop();
  if (holder === undefined) throw new StorageError('CORRUPTION', `${walDir} has no segment holding record ${lsn}`);
  const fail = (why: string): never => {
    throw new StorageError('CORRUPTION', `${holder.file}: cannot cut the log at record ${lsn}: ${why}`);
  };
  const bytes = fs.readFileSync(holder.file);
  if (bytes.length < SEGMENT_HEADER_BYTES || bytes.toString('latin1', 0, 8) !== SEGMENT_MAGIC) fail('the segment header is not valid');
  let at = -1;
  for (let off = SEGMENT_HEADER_BYTES, expected = holder.first; off + FRAME_HEADER_BYTES <= bytes.length; expected++) {
    const length = bytes.readUInt32LE(off);
    const frameLsn = Number(bytes.readBigUInt64LE(off + 8));
    if (length === SEAL_LENGTH || frameLsn !== expected) fail(`the frames stop at record ${expected} before it`);
    if (frameLsn === lsn) {
      at = off;
      break;
    }
    off += (FRAME_HEADER_BYTES + length + 7) & ~7;
  }
  if (at < 0) fail('no frame carries it');
  for (const later of segments.filter((s) => s.first > lsn).reverse()) fs.unlinkSync(later.file);
  syncDirectory(walDir);
  const fd = fs.openSync(holder.file, 'r+');
  try {
    fs.writeSync(fd, new Uint8Array(FRAME_HEADER_BYTES), 0, FRAME_HEADER_BYTES, at);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
