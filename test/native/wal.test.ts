import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalReader, WalWriter, type WalBackend, type WalSyncPolicy } from '../../lib/native/wal.js';
import { ClosedError, StorageError } from '../../lib/errors.js';

function tmpDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-wal-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function payload(lsn: number): Uint8Array {
  const n = (lsn * 37) % 300;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (lsn * 7 + i) & 255;
  return b;
}

function readAll(dir: string, from = 1) {
  const reader = WalReader.open(dir, from);
  const got: { lsn: number; data: Uint8Array }[] = [];
  const stop = reader.replay((lsn, data) => got.push({ lsn, data: data.slice() }));
  reader.close();
  return { got, stop };
}

function sameRecords(t: Test, got: { lsn: number; data: Uint8Array }[], first: number, last: number): void {
  t.equal(got.length, last - first + 1, 'record count');
  let bad = 0;
  for (const r of got) {
    const want = payload(r.lsn);
    if (r.lsn < first || r.lsn > last || r.data.length !== want.length || r.data.some((b, i) => b !== want[i])) bad++;
  }
  t.equal(bad, 0, 'every record replays byte for byte');
  t.same(got.map((r) => r.lsn), Array.from({ length: last - first + 1 }, (_, i) => first + i), 'LSNs are consecutive');
}

const policies: WalSyncPolicy[] = ['group', 'every', 'off'];
const backends: WalBackend[] = ['io_uring', 'pwrite', 'pwrite-dsync'];
for (const sync of policies) {
  for (const backend of backends) {
    t.test(`append + waitDurable + replay (${sync}, ${backend})`, async (t) => {
      const dir = tmpDir(t);
      const wal = WalWriter.open(dir, { sync, backend, segmentBytes: 64 * 1024 });
      t.equal(wal.backend, backend);
      t.equal(wal.lastLsnAtOpen, 0);
      const n = sync === 'every' ? 400 : 2000;
      let last = 0;
      for (let i = 1; i <= n; i += 10) {
        const batch = [];
        for (let k = i; k < i + 10 && k <= n; k++) batch.push(payload(k));
        last = wal.append(batch);
      }
      t.equal(last, n);
      t.equal(wal.lastLsn, n);
      await wal.waitDurable(last);
      t.ok(wal.durableLsn >= last, 'durableLsn counter reached the awaited LSN');
      await wal.close();
      const { got, stop } = readAll(dir);
      sameRecords(t, got, 1, n);
      t.equal(stop.kind, 'end');
      t.equal(stop.lsn, n + 1);
      t.ok(fs.readdirSync(dir).filter((f) => f.endsWith('.wal')).length > 1, 'rolled over several segments');
    });
  }
}

t.test('waitDurable resolves many concurrent waiters in order, and already-durable LSNs at once', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { sync: 'group', groupDelayUs: 500 });
  const order: number[] = [];
  const waits = [];
  for (let i = 1; i <= 50; i++) {
    const lsn = wal.append(payload(i));
    waits.push(wal.waitDurable(lsn).then(() => order.push(lsn)));
  }
  await Promise.all(waits);
  t.same(order, Array.from({ length: 50 }, (_, i) => i + 1));
  await wal.waitDurable(10); // already durable
  await wal.waitDurable(0);
  await wal.close();
});

t.test('sync() under policy off makes everything durable; the counter does not move by itself', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { sync: 'off' });
  wal.append([payload(1), payload(2)]);
  const until = Date.now() + 2000;
  while (wal.writtenLsn < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
  t.equal(wal.writtenLsn, 2);
  t.equal(wal.durableLsn, 0, 'not durable without a request');
  await wal.sync();
  t.equal(wal.durableLsn, 2);
  await wal.close();
});

t.test('reopening continues the LSN sequence; replay from the middle', async (t) => {
  const dir = tmpDir(t);
  for (let round = 0; round < 3; round++) {
    const wal = WalWriter.open(dir, { segmentBytes: 64 * 1024 });
    t.equal(wal.lastLsnAtOpen, round * 300);
    const batch = [];
    for (let i = 1; i <= 300; i++) batch.push(payload(round * 300 + i));
    await wal.waitDurable(wal.append(batch));
    await wal.close();
  }
  sameRecords(t, readAll(dir, 450).got, 450, 900);
  const reader = WalReader.open(dir, 1);
  let count = 0;
  for (const r of reader.records(1024)) {
    if (r.lsn !== ++count) break;
  }
  t.equal(count, 900);
  t.equal(reader.stop?.kind, 'end');
  reader.close();
  t.throws(() => reader.nextBatch(), ClosedError);
});

t.test('torn tail: replay stops at the damaged record and says where; reopen recovers', async (t) => {
  const dir = tmpDir(t);
  let wal = WalWriter.open(dir, { segmentBytes: 1 << 20 });
  const batch = [];
  for (let i = 1; i <= 100; i++) batch.push(payload(i));
  await wal.waitDurable(wal.append(batch));
  await wal.close();
  const seg = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.wal'))!);
  // Offset of record 60: segment header (64) + 8-aligned frames (16-byte header + payload).
  let off = 64;
  for (let l = 1; l < 60; l++) off += (16 + payload(l).length + 7) & ~7;
  const fd = fs.openSync(seg, 'r+');
  fs.writeSync(fd, Buffer.from([0xde, 0xad]), 0, 2, off + 17);
  fs.closeSync(fd);
  const { got, stop } = readAll(dir);
  sameRecords(t, got, 1, 59);
  t.equal(stop.kind, 'torn-tail');
  t.equal(stop.lsn, 60);
  t.equal(stop.offset, off);
  t.equal(stop.segment, seg);
  t.match(stop.reason, /checksum/);
  wal = WalWriter.open(dir);
  t.equal(wal.lastLsnAtOpen, 59);
  t.equal(wal.append(payload(60)), 60);
  await wal.close();
  const again = readAll(dir);
  sameRecords(t, again.got, 1, 60);
  t.equal(again.stop.kind, 'end');
});

t.test('truncateBefore deletes whole segments below the LSN, never the active one', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { segmentBytes: 64 * 1024 });
  const batch = [];
  for (let i = 1; i <= 3000; i++) batch.push(payload(i));
  await wal.waitDurable(wal.append(batch));
  const segs = () => fs.readdirSync(dir).filter((f) => f.endsWith('.wal')).sort();
  const before = segs();
  t.ok(before.length >= 4);
  const secondFirst = Number(before[1].slice(0, 20));
  t.equal(wal.truncateBefore(secondFirst), 1);
  t.equal(segs()[0], before[1]);
  sameRecords(t, readAll(dir, secondFirst).got, secondFirst, 3000);
  t.throws(() => WalReader.open(dir, 1), StorageError, 'retired LSNs cannot be replayed');
  t.equal(wal.truncateBefore(1e9), before.length - 2);
  t.equal(segs().length, 1);
  await wal.waitDurable(wal.append(payload(3001)));
  await wal.close();
  t.throws(() => wal.truncateBefore(1), ClosedError);
});

t.test('disk full surfaces as StorageError DISK_FULL on append and on waiting promises', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { preZero: false, backend: 'pwrite', faultInjection: { failAfterBytes: 64 + 3000, errno: 'ENOSPC' } });
  // Each wait's outcome is captured at once (an unobserved rejection would fail the process).
  const outcomes: Promise<unknown>[] = [];
  let appendError: unknown = null;
  try {
    for (let i = 1; i <= 2000; i++) {
      outcomes.push(wal.waitDurable(wal.append(payload(i))).then(() => null, (e: unknown) => e));
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
  } catch (e) {
    appendError = e;
  }
  const errors = (await Promise.all(outcomes)).filter((e) => e !== null);
  t.ok(errors.length > 0, 'waiting promises are rejected');
  t.ok(errors[0] instanceof StorageError);
  t.equal((errors[0] as StorageError).code, 'DISK_FULL');
  t.match((errors[0] as Error).message, /No space left/);
  t.ok(appendError instanceof StorageError, 'a later append throws');
  t.equal((appendError as StorageError).code, 'DISK_FULL');
  await t.rejects(wal.close(), StorageError);
});

t.test('argument checks: wrong types, detached buffers, oversize records, closed writer', async (t) => {
  const dir = tmpDir(t);
  t.throws(() => WalWriter.open(''), TypeError);
  t.throws(() => WalWriter.open(dir, { sync: 'sometimes' as WalSyncPolicy }), RangeError);
  t.throws(() => WalWriter.open(dir, { backend: 'aio' as WalBackend }), RangeError);
  t.throws(() => WalWriter.open(dir, { segmentBytes: 5000 }), RangeError);
  t.throws(() => WalWriter.open(dir, { groupDelayUs: -1 }), RangeError);
  const file = path.join(dir, 'plain-file');
  fs.writeFileSync(file, 'x');
  t.throws(() => WalWriter.open(file), StorageError, 'a file where the directory should be');
  const wal = WalWriter.open(path.join(dir, 'nested', 'wal'), { segmentBytes: 64 * 1024, ringBytes: 1 << 16 });
  t.throws(() => wal.append('text' as unknown as Uint8Array), TypeError);
  t.throws(() => wal.append([new Uint8Array(1), [1, 2] as unknown as Uint8Array]), TypeError);
  t.equal(wal.lastLsn, 0, 'a batch with a bad record appends nothing');
  const ab = new ArrayBuffer(8);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  t.throws(() => wal.append(view), /detached/);
  t.throws(() => wal.append(new Uint8Array(wal.maxRecordBytes + 1)), RangeError);
  t.equal(wal.append(new Uint8Array(0)), 1, 'empty records are records');
  t.equal(wal.append(new Uint8Array(wal.maxRecordBytes)), 2, 'the largest record fits');
  await t.rejects(wal.waitDurable(99), RangeError);
  await t.rejects(wal.waitDurable(-1), TypeError);
  await wal.close();
  await wal.close(); // idempotent
  t.throws(() => wal.append(new Uint8Array(1)), ClosedError);
  const { got } = readAll(path.join(dir, 'nested', 'wal'));
  t.equal(got.length, 2);
  t.equal(got[1].data.length, wal.maxRecordBytes);
  t.throws(() => WalReader.open(dir, 0), RangeError);
});

t.test('an empty directory replays nothing', async (t) => {
  const dir = tmpDir(t);
  const { got, stop } = readAll(dir);
  t.equal(got.length, 0);
  t.equal(stop.kind, 'end');
});

t.test('crash (SIGKILL) loses nothing that was reported durable', async (t) => {
  const { spawnSync } = await import('node:child_process');
  for (const sync of ['group', 'every']) {
    const dir = tmpDir(t);
    const child = spawnSync(process.execPath, [...process.execArgv, require.resolve('./fixtures/wal-crash-child.ts'), dir, sync, sync === 'every' ? '3' : '25'], { encoding: 'utf8', timeout: 120_000 });
    t.equal(child.signal, 'SIGKILL', `${sync}: the child died by SIGKILL`);
    const reported = child.stdout.trim().split('\n').filter((l) => l.startsWith('durable ')).map((l) => Number(l.slice(8)));
    t.equal(reported.length, 30, `${sync}: the child reported every durable batch`);
    const durable = reported[reported.length - 1];
    const { got, stop } = readAll(dir);
    t.ok(got.length >= durable, `${sync}: every durable record survived (${got.length} >= ${durable})`);
    sameRecords(t, got.slice(0, durable), 1, durable);
    t.not(stop.kind, 'corrupt');
    const wal = WalWriter.open(dir);
    t.equal(wal.lastLsnAtOpen, got.length, 'recovery resumes after the last intact record');
    await wal.close();
  }
});

t.test('appendPacked uses the reader batch layout and validates ends', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir);
  const recs = [payload(1), payload(2), new Uint8Array(0), payload(4)];
  const data = new Uint8Array(recs.reduce((n, r) => n + r.length, 0));
  const ends = new Uint32Array(recs.length);
  let at = 0;
  recs.forEach((r, i) => {
    data.set(r, at);
    at += r.length;
    ends[i] = at;
  });
  t.throws(() => wal.appendPacked(data, new Uint32Array([5, 3])), RangeError, 'ends must not go backwards');
  t.throws(() => wal.appendPacked(data, new Uint32Array([data.length + 1])), RangeError);
  t.throws(() => wal.appendPacked(data, [1] as unknown as Uint32Array), TypeError);
  t.equal(wal.lastLsn, 0);
  t.equal(wal.appendPacked(data, new Uint32Array(0)), 0);
  t.equal(wal.appendPacked(data, ends), 4);
  await wal.close();
  const reader = WalReader.open(dir);
  const batch = reader.nextBatch()!;
  t.equal(batch.firstLsn, 1);
  t.same(Array.from(batch.ends), Array.from(ends));
  t.same(Array.from(batch.data), Array.from(data));
  t.equal(reader.nextBatch(), null);
  t.equal(reader.stop?.kind, 'end');
  reader.close();
});
