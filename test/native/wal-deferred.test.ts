// WalWriter.appendDeferred: records stay invisible to the writer until publish(), a wait for
// durability, close() or 256 KiB of them, so a logged call and the flush after it reach the
// writer together (one fdatasync). Order with append() is kept; durableAtNs is on hrtime's clock.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalReader, WalWriter } from '../../lib/native/wal.js';
import { ClosedError } from '../../lib/errors.js';

function tmpDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-wal-deferred-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const rec = (lsn: number, size = 40): Uint8Array => new Uint8Array(size).fill(lsn & 255);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lsnsAndBytes(dir: string): { lsn: number; first: number; size: number }[] {
  const reader = WalReader.open(dir, 1);
  const out: { lsn: number; first: number; size: number }[] = [];
  reader.replay((lsn, data) => out.push({ lsn, first: data[0] ?? -1, size: data.length }));
  reader.close();
  return out;
}

t.test('deferred records reach the writer only when published', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { sync: 'group' });
  t.equal(wal.appendDeferred(rec(1)), 1);
  t.equal(wal.appendDeferred(rec(2)), 2);
  t.equal(wal.lastLsn, 2);
  await sleep(50);
  t.equal(wal.writtenLsn, 0, 'the writer has not seen them');
  wal.publish();
  const deadline = Date.now() + 5000;
  while (wal.durableLsn < 2 && Date.now() < deadline) await sleep(2);
  t.equal(wal.durableLsn, 2, 'published: written and synced by the group commit');
  wal.publish(); // nothing pending: a no-op
  await wal.close();
  t.same(lsnsAndBytes(dir).map((r) => [r.lsn, r.first]), [[1, 1], [2, 2]]);
});

t.test('waitDurable and sync publish what is pending; order with append is kept', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { sync: 'group' });
  wal.appendDeferred(rec(1));
  wal.append(rec(2)); // publishes 1 and 2
  const three = wal.appendDeferred(rec(3));
  await wal.waitDurable(three); // would never resolve without publishing 3
  t.ok(wal.durableLsn >= 3);
  wal.appendDeferred(rec(4));
  await wal.sync();
  t.equal(wal.durableLsn, 4);
  const at = wal.durableAtNs;
  t.ok(at > 0n && at <= process.hrtime.bigint(), 'durableAtNs is on the hrtime clock, in the past');
  t.ok(process.hrtime.bigint() - at < 10_000_000_000n);
  await wal.close();
  t.same(lsnsAndBytes(dir).map((r) => [r.lsn, r.first]), [[1, 1], [2, 2], [3, 3], [4, 4]]);
});

t.test('256 KiB of deferred records publish by themselves; close publishes the rest', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { sync: 'off' });
  let last = 0;
  for (let i = 1; i <= 300; i++) last = wal.appendDeferred(rec(i, 1000)); // ~300 KiB
  const deadline = Date.now() + 5000;
  while (wal.writtenLsn === 0 && Date.now() < deadline) await sleep(2);
  t.ok(wal.writtenLsn >= 200 && wal.writtenLsn < last, `the first ~256 KiB were published (${wal.writtenLsn} records written)`);
  await wal.close();
  const got = lsnsAndBytes(dir);
  t.equal(got.length, 300, 'close published and synced the rest');
  t.ok(got.every((r, i) => r.lsn === i + 1 && r.first === ((i + 1) & 255) && r.size === 1000));
  t.throws(() => wal.appendDeferred(rec(1)), ClosedError);
  t.throws(() => wal.appendDeferred('x' as unknown as Uint8Array), ClosedError, 'closed is checked first');
});

t.test('appendDeferred validates its record', async (t) => {
  const dir = tmpDir(t);
  const wal = WalWriter.open(dir, { segmentBytes: 64 * 1024 });
  t.throws(() => wal.appendDeferred('x' as unknown as Uint8Array), TypeError);
  t.throws(() => wal.appendDeferred(new Uint8Array(wal.maxRecordBytes + 1)), RangeError);
  t.equal(wal.lastLsn, 0, 'nothing appended');
  await wal.close();
});
