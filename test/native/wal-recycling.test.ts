// Retired WAL segments are recycled: truncateBefore keeps up to 2 as <n>.free files, the next
// segments are those files renamed (same inodes, not new zeroed files), and replay across
// recycled segments and reopens stays exact (their older bytes are never returned).
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalReader, WalWriter } from '../../lib/native/wal.js';

function tmpDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-wal-recycle-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Sizes vary by LSN; the bytes depend on `run` so a stale record of another run would show.
function payload(lsn: number, run: number): Uint8Array {
  const b = new Uint8Array((lsn * 37) % 300);
  for (let i = 0; i < b.length; i++) b[i] = (lsn * 7 + i + run * 101) & 255;
  return b;
}

function replay(dir: string, from: number): { lsn: number; data: Uint8Array }[] {
  const reader = WalReader.open(dir, from);
  const got: { lsn: number; data: Uint8Array }[] = [];
  const stop = reader.replay((lsn, data) => got.push({ lsn, data: data.slice() }));
  reader.close();
  if (stop.kind !== 'end') throw new Error(`replay stopped: ${stop.kind} ${stop.reason}`);
  return got;
}

const segments = (dir: string) => fs.readdirSync(dir).filter((f) => /^\d{20}\.wal$/.test(f)).sort();
const freeFiles = (dir: string) => fs.readdirSync(dir).filter((f) => /^\d{20}\.free$/.test(f));
const inode = (dir: string, f: string) => fs.statSync(path.join(dir, f)).ino;

t.test('retired segments become the next ones; replay and reopen stay exact', async (t) => {
  const dir = tmpDir(t);
  let wal = WalWriter.open(dir, { segmentBytes: 64 * 1024 });
  const runOf = new Map<number, number>();
  const write = async (from: number, to: number, run: number) => {
    const batch: Uint8Array[] = [];
    for (let l = from; l <= to; l++) {
      batch.push(payload(l, run));
      runOf.set(l, run);
    }
    await wal.waitDurable(wal.append(batch));
  };
  await write(1, 2000, 0);
  const before = segments(dir).length;
  t.equal(wal.truncateBefore(2000), before - 1, 'every segment but the active one retired');
  const kept = freeFiles(dir);
  t.equal(kept.length, 2, 'two kept for reuse, the others deleted');
  const keptInodes = new Set(kept.map((f) => inode(dir, f)));
  await write(2001, 4500, 0);
  t.equal(freeFiles(dir).length, 0, 'both reused');
  t.equal(segments(dir).filter((f) => keptInodes.has(inode(dir, f))).length, 2, 'as segments, same files');
  await wal.close();
  // a reopen appends in place after the clean close, another run rewrites recycled files
  wal = WalWriter.open(dir, { segmentBytes: 64 * 1024 });
  t.equal(wal.lastLsnAtOpen, 4500);
  wal.truncateBefore(4500);
  await write(4501, 7000, 1);
  await wal.close();
  const first = Number(segments(dir)[0]!.slice(0, 20));
  const got = replay(dir, first);
  t.equal(got.length, 7000 - first + 1);
  t.equal(got.filter((r) => !Buffer.from(r.data).equals(Buffer.from(payload(r.lsn, runOf.get(r.lsn)!)))).length, 0, 'every record is the one written last at its LSN');
});
