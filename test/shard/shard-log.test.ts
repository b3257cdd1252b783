// A durable shard's log as recovery reads and cuts it (lib/shard/shard-log.ts), on real WAL
// segments: end-of-call marks and where each call's part starts, a torn last record, a damaged
// record, and the physical cut (later segments deleted, the log ends before the cut record and
// the WAL writer continues right there).
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalReader, WalWriter } from '../../lib/native/wal.js';
import { RecordEncoder, RecordKind, decodeRecord } from '../../lib/storage/record.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { Engine } from '../../lib/engine/engine.js';
import { decodeCallMark, encodeCallMark, scanCallLog, truncateLog } from '../../lib/shard/shard-log.js';

function walDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-shard-log-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'wal');
}

const enc = new RecordEncoder();
// the encoder reuses one scratch buffer: copy each record out
const rows = (n: number): Uint8Array => new Uint8Array(enc.insertColumns('t', 1, [new Float64Array(n).fill(n) as never], n));
const mark = (seq: number, shards: number): Uint8Array => new Uint8Array(enc.tag(encodeCallMark(seq, shards)));
const ddl = (): Uint8Array => new Uint8Array(enc.execute('CREATE TABLE u (a INT)', []));
const watermark = (): Uint8Array => new Uint8Array(enc.watermark('s', 1000));

/** Writes `records` (LSN 1, 2, …) into a new log and closes it. */
async function writeLog(dir: string, records: Uint8Array[], segmentBytes = 1 << 20): Promise<void> {
  const wal = WalWriter.open(dir, { sync: 'off', segmentBytes });
  for (const r of records) wal.append(r);
  await wal.close();
}

function lsnsOf(dir: string): number[] {
  const reader = WalReader.open(dir, 1);
  const out: number[] = [];
  try {
    for (const { lsn } of reader.records()) out.push(lsn);
  } finally {
    reader.close();
  }
  return out;
}

function segments(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.wal')).sort();
}

t.test('a call mark round-trips; other TAG payloads are not call marks', async (t) => {
  t.same(decodeCallMark(encodeCallMark(123456789, 3)), { seq: 123456789, shards: 3 });
  t.equal(decodeCallMark(new Uint8Array([1, 2, 3])), null);
  const wrongVersion = encodeCallMark(1, 1);
  wrongVersion[1] = 9;
  t.equal(decodeCallMark(wrongVersion), null);
});

t.test('the scan finds each mark and where its part starts; DDL between calls is not part of one', async (t) => {
  const dir = walDir(t);
  // 1 rows, 2 watermark, 3 mark(1) | 4 DDL | 5 mark(2): an empty part | 6 rows, 7 mark(3) | 8 rows (no mark)
  await writeLog(dir, [rows(3), watermark(), mark(1, 2), ddl(), mark(2, 2), rows(4), mark(3, 1), rows(5)]);
  t.same(scanCallLog(dir, 1), { seqs: [1, 2, 3], shards: [2, 2, 1], firstLsn: [1, 5, 6], tailLsn: 8, lastLsn: 8 });
  t.same(scanCallLog(dir, 4), { seqs: [2, 3], shards: [2, 1], firstLsn: [5, 6], tailLsn: 8, lastLsn: 8 }, 'from a checkpoint on');
  t.same(scanCallLog(path.join(dir, 'none'), 1), { seqs: [], shards: [], firstLsn: [], tailLsn: 0, lastLsn: 0 }, 'no log yet');
});

t.test('a torn last record ends the scan: its mark is not counted', async (t) => {
  const dir = walDir(t);
  await writeLog(dir, [rows(3), mark(1, 2), rows(4), mark(2, 2)]);
  const [seg] = segments(dir);
  const file = path.join(dir, seg!);
  const bytes = fs.readFileSync(file);
  // the last frame (mark 2) is the last non-zero bytes before the seal: zero its payload's end
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const fd = fs.openSync(file, 'r+');
  // the seal is the last 16 bytes written; the mark's payload sits just before it
  fs.writeSync(fd, Buffer.alloc(24), 0, 24, end - 16 - 24);
  fs.closeSync(fd);
  const log = scanCallLog(dir, 1);
  t.same(log.seqs, [1], 'only the whole mark');
  t.equal(log.tailLsn, 3, 'the rows of call 2 are an unfinished part');
});

t.test('a damaged record before the last segment is corruption, not a torn tail', async (t) => {
  const dir = walDir(t);
  await writeLog(dir, Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? rows(120) : mark(i, 1))), 4096);
  t.ok(segments(dir).length > 1);
  const file = path.join(dir, segments(dir)[0]!);
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, 64 + 16 + 40);
  b[0] ^= 0x5a;
  fs.writeSync(fd, b, 0, 1, 64 + 16 + 40);
  fs.closeSync(fd);
  t.throws(() => scanCallLog(dir, 1), { code: 'CORRUPTION', message: /damaged/ });
});

t.test('cutting the log drops the record and everything after it, across segments', async (t) => {
  const dir = walDir(t);
  // 4 KiB segments: ~3 records of 1 KiB each per segment, so the log spans several
  const records = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? rows(120) : mark(i, 1)));
  await writeLog(dir, records, 4096);
  const before = segments(dir);
  t.ok(before.length >= 4, `the log spans ${before.length} segments`);
  truncateLog(dir, 11);
  t.same(lsnsOf(dir), Array.from({ length: 10 }, (_, i) => i + 1), 'records 1…10 remain');
  t.ok(segments(dir).length < before.length, 'segments after the cut are gone');
  // the writer continues at the cut; a reader sees the new records after the old ones
  const wal = WalWriter.open(dir, { sync: 'off', segmentBytes: 4096 });
  t.equal(wal.lastLsnAtOpen, 10);
  t.equal(wal.append(mark(99, 1)), 11);
  await wal.close();
  t.same(lsnsOf(dir), Array.from({ length: 11 }, (_, i) => i + 1));
  t.same(scanCallLog(dir, 11).seqs, [99], 'the new record is the one at 11');
});

t.test('cutting at the first record of a segment leaves that segment empty, not damaged', async (t) => {
  const dir = walDir(t);
  await writeLog(dir, Array.from({ length: 12 }, () => rows(120)), 4096);
  const firsts = segments(dir).map((f) => Number(f.slice(0, 20)));
  const at = firsts[1]!;
  truncateLog(dir, at);
  t.same(lsnsOf(dir), Array.from({ length: at - 1 }, (_, i) => i + 1));
  const wal = WalWriter.open(dir, { sync: 'off', segmentBytes: 4096 });
  t.equal(wal.lastLsnAtOpen, at - 1);
  await wal.close();
});

t.test('cutting at a record the log does not have is refused', async (t) => {
  const dir = walDir(t);
  await writeLog(dir, [rows(3), mark(1, 1)]);
  t.throws(() => truncateLog(dir, 7), { code: 'CORRUPTION', message: /record 7/ });
});

t.test('a durable engine logs call marks as TAG records that replay skips', async (t) => {
  const dir = path.dirname(walDir(t));
  const open = (): DurableEngine => DurableEngine.open({ path: dir, walSegmentBytes: 1 << 20, checkpointIntervalMs: 0, closeCheckpointBytes: Infinity }, new Engine({}));
  let engine = open();
  await engine.execute('CREATE TABLE t (a INT)');
  engine.insertRows('t', [[1], [2]]);
  const lsn = engine.logTag(encodeCallMark(1, 1));
  engine.insertRows('t', [[3]]);
  engine.logTag(encodeCallMark(2, 1));
  await engine.close();
  t.same(decodeRecord(recordAt(path.join(dir, 'wal'), lsn)), { kind: RecordKind.Tag, payload: encodeCallMark(1, 1) }, 'the mark is a TAG record');
  t.same(scanCallLog(path.join(dir, 'wal'), 1), { seqs: [1, 2], shards: [1, 1], firstLsn: [2, lsn + 1], tailLsn: 0, lastLsn: lsn + 2 });
  engine = open();
  t.equal(engine.recovery.unmarkedFailure, null, 'replay applied nothing for the marks and failed nothing');
  t.same(engine.query('SELECT a FROM t ORDER BY a').rows, [[1], [2], [3]], 'the rows are replayed');
  await engine.close();
});

function recordAt(dir: string, lsn: number): Uint8Array {
  const reader = WalReader.open(dir, lsn);
  try {
    for (const { data } of reader.records()) return new Uint8Array(data);
  } finally {
    reader.close();
  }
  throw new Error(`no record ${lsn}`);
}

/** Every record of the log from its oldest segment on, as [lsn, payload]. */
function recordsOf(dir: string): [number, Uint8Array][] {
  const first = Number(segments(dir)[0]!.slice(0, 20));
  const reader = WalReader.open(dir, first);
  const out: [number, Uint8Array][] = [];
  try {
    for (const { lsn, data } of reader.records()) out.push([lsn, new Uint8Array(data)]);
  } finally {
    reader.close();
  }
  t.equal(reader.stop?.kind, 'end', 'the log ends cleanly');
  return out;
}

t.test('a cut before the seal of a cleanly closed log: the seal is cleared, new records follow the cut', async (t) => {
  const dir = walDir(t);
  await writeLog(dir, [rows(3), mark(1, 1), rows(4), mark(2, 1), rows(5), mark(3, 1)]);
  t.equal(segments(dir).length, 1);
  truncateLog(dir, 5);
  t.same(lsnsOf(dir), [1, 2, 3, 4]);
  for (let round = 0; round < 2; round++) {
    // twice: a seal left in front of the new frames would end the log at the first reopen
    const wal = WalWriter.open(dir, { sync: 'off' });
    t.equal(wal.lastLsnAtOpen, 4 + round);
    wal.append(mark(10 + round, 1));
    await wal.close();
  }
  t.same(scanCallLog(dir, 1).seqs, [1, 2, 10, 11], 'the cut calls are gone; the new marks are read after the kept ones');
});

t.test('a cut in a recycled segment: the stale frames of its earlier incarnation never come back', async (t) => {
  const dir = walDir(t);
  const wal = WalWriter.open(dir, { sync: 'off', segmentBytes: 4096 });
  // ~3 records per segment; retire the oldest segments so later ones reuse their files
  for (let i = 1; i <= 18; i++) wal.append(i % 2 === 1 ? rows(120) : mark(i, 1));
  await wal.sync();
  wal.truncateBefore(13);
  const inode = (f: string): number => fs.statSync(path.join(dir, f)).ino;
  const retired = new Set(fs.readdirSync(dir).filter((f) => f.endsWith('.free')).map(inode));
  t.ok(retired.size > 0, 'retired segments are kept for reuse');
  for (let i = 19; i <= 30; i++) wal.append(i % 2 === 1 ? rows(120) : mark(i, 1));
  await wal.close();
  const recycled = segments(dir).filter((f) => retired.has(inode(f)));
  t.ok(recycled.length > 0, 'some segment reuses a retired file (its old frames are still in it)');
  const before = recordsOf(dir);
  const cutAt = Number(recycled[recycled.length - 1]!.slice(0, 20)) + 1;
  t.ok(cutAt <= 30, `the cut (${cutAt}) is inside a recycled segment`);
  truncateLog(dir, cutAt);
  t.same(recordsOf(dir), before.filter(([lsn]) => lsn < cutAt), 'the records before the cut, nothing of the old incarnation');
  const again = WalWriter.open(dir, { sync: 'off', segmentBytes: 4096 });
  t.equal(again.lastLsnAtOpen, cutAt - 1);
  for (let i = 0; i < 8; i++) again.append(mark(100 + i, 1));
  await again.close();
  const after = recordsOf(dir);
  t.same(after.map(([lsn]) => lsn), [...before.filter(([lsn]) => lsn < cutAt).map(([lsn]) => lsn), ...Array.from({ length: 8 }, (_, i) => cutAt + i)], 'consecutive LSNs continue at the cut');
  t.same(after.slice(-8).map(([, data]) => decodeCallMark(data.subarray(1))?.seq), [100, 101, 102, 103, 104, 105, 106, 107], 'the records after the cut are the new ones');
});

t.test('a crash in the middle of a cut (later segments deleted, frame not yet cleared): the same cut again finishes it', async (t) => {
  const dir = walDir(t);
  const records = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? rows(120) : mark(i + 1, 1)));
  await writeLog(dir, records, 4096);
  const firsts = segments(dir).map((f) => Number(f.slice(0, 20)));
  // a record inside the second segment, not its first
  const at = firsts[1]! + 1;
  t.ok(at < firsts[2]!);
  for (const f of firsts.filter((first) => first > at)) fs.unlinkSync(path.join(dir, segments(dir).find((s) => Number(s.slice(0, 20)) === f)!));
  // recovery computes the cut from what the log now holds: the records of the cut segment remain
  const log = scanCallLog(dir, 1);
  t.equal(log.lastLsn, firsts[2]! - 1, 'the log reads to the end of the segment holding the cut');
  truncateLog(dir, at);
  t.same(lsnsOf(dir), Array.from({ length: at - 1 }, (_, i) => i + 1));
  const wal = WalWriter.open(dir, { sync: 'off', segmentBytes: 4096 });
  t.equal(wal.lastLsnAtOpen, at - 1);
  await wal.close();
  t.throws(() => truncateLog(dir, at), { code: 'CORRUPTION', message: new RegExp(`record ${at}`) }, 'a cut already made is not made twice (the record is gone)');
});

t.test('SQL DML starts a call\'s part when DML statements are numbered calls; DDL and FLUSH never do', async (t) => {
  const dir = walDir(t);
  const sql = (text: string): Uint8Array => new Uint8Array(enc.execute(text, []));
  // 1 mark(1) | 2 DML, 3 mark(2) | 4 DDL | 5 FLUSH | 6 UPDATE (no mark: its call was torn off)
  await writeLog(dir, [mark(1, 1), sql("INSERT INTO notes VALUES ('a')"), mark(2, 1), ddl(), new Uint8Array(enc.flush()), sql('UPDATE notes SET txt = NULL')]);
  t.same(scanCallLog(dir, 1, true), { seqs: [1, 2], shards: [1, 1], firstLsn: [1, 2], tailLsn: 6, lastLsn: 6 });
  t.same(scanCallLog(dir, 1), { seqs: [1, 2], shards: [1, 1], firstLsn: [1, 3], tailLsn: 0, lastLsn: 6 }, 'a log from before DML was numbered: DML is no part');
});
