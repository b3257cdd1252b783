// The group-commit path's observable timestamps (lastCommitTimes, used by the ack-latency
// breakdown) and the reader's batch sizing (one frame-scan loop for replay and recovery).
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalReader, WalWriter, type WalBackend } from '../../lib/native/wal.js';

function tmpDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-wal-commit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const record = (i: number): Uint8Array => new Uint8Array(10 + (i % 50)).fill(i & 255);

for (const backend of ['io_uring', 'pwrite', 'pwrite-dsync'] as WalBackend[]) {
  t.test(`lastCommitTimes orders a group's take, sync start and publication (${backend})`, async (t) => {
    const wal = WalWriter.open(tmpDir(t), { backend, segmentBytes: 1 << 20 });
    t.same(wal.lastCommitTimes, { takenAtNs: 0n, syncStartAtNs: 0n, durableAtNs: 0n }, 'all zero before the first commit');
    for (let round = 0; round < 5; round++) {
      const before = process.hrtime.bigint();
      const lsn = wal.append([record(round), record(round + 1)]);
      await wal.waitDurable(lsn);
      const after = process.hrtime.bigint();
      const c = wal.lastCommitTimes;
      t.ok(c.takenAtNs >= before, `round ${round}: taken after the append started`);
      t.ok(c.syncStartAtNs >= c.takenAtNs, `round ${round}: sync started after the take`);
      t.ok(c.durableAtNs >= c.syncStartAtNs, `round ${round}: published after the sync started`);
      t.ok(c.durableAtNs <= after, `round ${round}: published before the wait resolved`);
      t.equal(wal.durableAtNs, c.durableAtNs, 'durableAtNs is the same reading');
    }
    await wal.close();
  });
}

t.test('the reader returns at least one record per batch, whatever maxBytes', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { backend: 'pwrite', segmentBytes: 16 * 4096 });
  const n = 1500; // several segments
  for (let i = 1; i <= n; i++) wal.append(record(i));
  await wal.sync();
  await wal.close();
  for (const maxBytes of [0, 1, 100, 1 << 20]) {
    const reader = WalReader.open(dir, 7);
    let next = 7;
    let batches = 0;
    let bad = 0;
    for (let b = reader.nextBatch(maxBytes); b !== null; b = reader.nextBatch(maxBytes)) {
      batches++;
      if (b.firstLsn !== next) bad++;
      let start = 0;
      for (const end of b.ends) {
        const want = record(next++);
        const got = b.data.subarray(start, end);
        if (got.length !== want.length || got.some((x, i) => x !== want[i])) bad++;
        start = end;
      }
      if (maxBytes <= 1 && b.ends.length !== 1) bad++;
    }
    t.equal(bad, 0, `maxBytes ${maxBytes}: consecutive records, byte for byte`);
    t.equal(next, n + 1, `maxBytes ${maxBytes}: every record from 7 on`);
    if (maxBytes <= 1) t.equal(batches, n - 6, `maxBytes ${maxBytes}: one record per batch`);
    t.equal(reader.stop?.kind, 'end');
    t.equal(reader.stop?.lsn, n + 1);
    reader.close();
  }
});

const walFiles = (dir: string) => fs.readdirSync(dir).filter((f) => /^\d{20}\.wal$/.test(f)).sort();
const freeFiles = (dir: string) => fs.readdirSync(dir).filter((f) => /^\d{20}\.free$/.test(f)).sort();
const inode = (dir: string, f: string) => fs.statSync(path.join(dir, f)).ino;

t.test('spares zeroed a chunk at a time roll over correctly; nothing is left behind by close', async (t) => {
  const dir = tmpDir(t);
  const segmentBytes = 3 << 20; // three 1 MiB zeroing chunks per spare
  const wal = WalWriter.open(dir, { backend: 'pwrite', segmentBytes });
  const big = (i: number) => new Uint8Array(60_000).fill((i * 13) & 255);
  const n = 170; // ~10 MiB: three rolls, each onto a spare prepared while commits ran
  for (let i = 1; i <= n; i++) await wal.waitDurable(wal.append(big(i)));
  await wal.close();
  t.equal(walFiles(dir).length, 4, 'four segments');
  for (const f of walFiles(dir)) t.equal(fs.statSync(path.join(dir, f)).size, segmentBytes, `${f} has the segment size`);
  t.notOk(fs.existsSync(path.join(dir, 'spare.wal.tmp')), 'no half-made spare left');
  const reader = WalReader.open(dir, 1);
  let next = 1;
  let bad = 0;
  reader.replay((lsn, data) => {
    if (lsn !== next++ || data.length !== 60_000 || data.some((x) => x !== ((lsn * 13) & 255))) bad++;
  });
  t.equal(bad, 0);
  t.equal(next, n + 1, 'every record replays');
  t.equal(reader.stop?.kind, 'end');
  reader.close();
});

t.test('a retired file kept by an earlier run is the spare from open on', async (t) => {
  const dir = tmpDir(t);
  const segmentBytes = 64 * 1024;
  let wal = WalWriter.open(dir, { backend: 'pwrite', segmentBytes });
  let last = 0;
  for (let i = 1; i <= 1500; i++) last = wal.append(record(i));
  await wal.waitDurable(last);
  wal.truncateBefore(last);
  await wal.close();
  const kept = freeFiles(dir);
  t.ok(kept.length >= 1, 'a retired segment is kept for reuse');
  const keptInodes = new Set(kept.map((f) => inode(dir, f)));
  wal = WalWriter.open(dir, { backend: 'pwrite', segmentBytes });
  // before anything is appended, the writer takes a kept file as its spare (a rename)
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(path.join(dir, 'spare.wal.tmp')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  t.ok(fs.existsSync(path.join(dir, 'spare.wal.tmp')), 'a spare is ready before the first append');
  t.ok(keptInodes.has(inode(dir, 'spare.wal.tmp')), 'and it is a kept file, not a new one');
  t.equal(freeFiles(dir).length, kept.length - 1);
  const before = new Set(walFiles(dir));
  for (let i = 1; i <= 1500; i++) last = wal.append(record(i));
  await wal.waitDurable(last);
  const rolled = walFiles(dir).filter((f) => !before.has(f));
  t.ok(rolled.length >= 1, 'the log rolled over');
  t.ok(keptInodes.has(inode(dir, rolled[0]!)), 'onto the spare taken at open');
  await wal.close();
  const reader = WalReader.open(dir, Number(walFiles(dir)[0]!.slice(0, 20)));
  const stop = reader.replay(() => {});
  t.equal(stop.kind, 'end');
  t.equal(stop.lsn, last + 1);
  reader.close();
});

t.test('closing while a fresh spare is being zeroed gives it up instead of finishing it', async (t) => {
  const dir = tmpDir(t);
  const segmentBytes = 32 << 20;
  const wal = WalWriter.open(dir, { backend: 'pwrite', segmentBytes });
  // just past a quarter of the segment: the writer starts zeroing a spare (paced: well over
  // 100 ms for 32 MiB), and the log closes right away
  const chunk = new Array<Uint8Array>(64).fill(new Uint8Array(64 * 1024 - 16));
  let last = 0;
  for (let written = 0; written <= segmentBytes / 4; written += 64 * 64 * 1024) last = wal.append(chunk);
  await wal.waitDurable(last);
  await wal.close();
  t.same(freeFiles(dir), [], 'no half-zeroed spare kept for reuse');
  t.notOk(fs.existsSync(path.join(dir, 'spare.wal.tmp')), 'and none left behind');
  t.equal(walFiles(dir).length, 1);
});
