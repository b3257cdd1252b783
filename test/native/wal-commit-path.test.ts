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
