// Damage to a database directory: flipped bytes, truncated and missing files. Each is either
// recovered as specified (a torn WAL tail: discarded with a warning, since it was never
// acknowledged) or refused with StorageError CORRUPTION naming the problem; never a crash and
// never silently different results.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../../lib/errors.js';
import { openDurable, tempDir } from './helpers.js';

/** A database with 50 single-row insert calls, closed cleanly. */
async function populate(dir: string): Promise<void> {
  const { db } = await openDurable(dir);
  await db.execute('CREATE TABLE d (i INT, s VARCHAR)');
  for (let i = 0; i < 50; i++) db.insert('d', [{ i, s: `row ${i} `.repeat(20) }]);
  await db.flush();
  await db.close();
}

function segments(dir: string): string[] {
  return fs.readdirSync(path.join(dir, 'wal')).filter((f) => f.endsWith('.wal')).sort().map((f) => path.join(dir, 'wal', f));
}

/** Offset just past the last non-zero byte of a (preallocated, zero-filled) segment. */
/** Where the last record of a (pre-zeroed) segment ends: a clean close's 16-byte seal after it does not count. */
function usedBytes(file: string): number {
  const data = fs.readFileSync(file);
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  // the seal's length field is 0xFFFFFFFF; its LSN field's high bytes are zero (trimmed above)
  const sealAt = end - ((end - 8) % 8) - 8;
  if (sealAt >= 64 && data.readUInt32LE(sealAt) === 0xffffffff) end = sealAt;
  return end;
}

async function rows(dir: string): Promise<{ ids: number[]; warnings: string[] }> {
  const { db, warnings } = await openDurable(dir);
  try {
    const ids = (await db.query<{ i: number }>('SELECT i FROM d ORDER BY i')).map((r) => r.i);
    return { ids, warnings };
  } finally {
    await db.close();
  }
}

const ALL = Array.from({ length: 50 }, (_, i) => i);

t.test('an intact directory reopens with every row', async (t) => {
  const dir = tempDir(t);
  await populate(dir);
  t.same((await rows(dir)).ids, ALL);
});

t.test('a flipped byte in the middle of the log: refused (records below the MANIFEST LSN would be lost)', async (t) => {
  const dir = tempDir(t);
  await populate(dir);
  const [seg] = segments(dir);
  const used = usedBytes(seg!);
  const fd = fs.openSync(seg!, 'r+');
  const at = Math.floor(used / 2);
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] ^= 0x40;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
  const error = await openDurable(dir).then(() => null, (e: unknown) => e);
  t.ok(error instanceof StorageError, 'StorageError');
  t.equal((error as StorageError).code, 'CORRUPTION');
  t.match((error as Error).message, /record|damaged|missing/);
  t.notOk(fs.existsSync(path.join(dir, 'LOCK')), 'the refused open released the lock');
});

t.test('a torn tail after a crash (unacknowledged, past the MANIFEST LSN) is discarded with a warning', async (t) => {
  const dir = tempDir(t);
  // keep the MANIFEST at the state before the last inserts: as after a crash with no clean close
  await populate(dir);
  const manifest = fs.readFileSync(path.join(dir, 'MANIFEST'));
  const { db } = await openDurable(dir);
  db.insert('d', [{ i: 50, s: 'x'.repeat(500) }]);
  db.insert('d', [{ i: 51, s: 'y'.repeat(500) }]);
  await db.close();
  fs.writeFileSync(path.join(dir, 'MANIFEST'), manifest);
  const [seg] = segments(dir);
  const used = usedBytes(seg!);
  const fd = fs.openSync(seg!, 'r+');
  fs.writeSync(fd, Buffer.alloc(300), 0, 300, used - 300); // the last record is half written
  fs.closeSync(fd);
  const { ids, warnings } = await rows(dir);
  t.same(ids, [...ALL, 50], 'everything before the torn record');
  t.equal(warnings.length, 1);
  t.match(warnings[0], /partly written record/);
  t.same((await rows(dir)).warnings, [], 'the torn tail was truncated: no warning the second time');
});

t.test('truncated log segment below the durable LSN: refused', async (t) => {
  const dir = tempDir(t);
  await populate(dir);
  const [seg] = segments(dir);
  fs.truncateSync(seg!, 4096);
  await t.rejects(openDurable(dir), { code: 'CORRUPTION' });
});

t.test('missing files', async (t) => {
  const dir = tempDir(t);
  await populate(dir);
  fs.rmSync(path.join(dir, 'wal'), { recursive: true });
  await t.rejects(openDurable(dir), { code: 'CORRUPTION', message: /segments are missing or truncated/ });

  const dir2 = tempDir(t);
  await populate(dir2);
  fs.rmSync(path.join(dir2, 'MANIFEST'));
  await t.rejects(openDurable(dir2), { code: 'CORRUPTION', message: /no MANIFEST/ });

  const dir3 = tempDir(t);
  await populate(dir3);
  fs.rmSync(path.join(dir3, 'LOCK'), { force: true });
  t.same((await rows(dir3)).ids, ALL, 'a missing LOCK is harmless');
});

t.test('a damaged MANIFEST is refused', async (t) => {
  for (const damage of [
    (s: string) => s.replace('"durableLsn":', '"durableLsn": '),
    (s: string) => s.slice(0, s.length - 5),
    () => '',
    (s: string) => s.replace('"format":1', '"format":9'),
  ]) {
    const dir = tempDir(t);
    await populate(dir);
    const file = path.join(dir, 'MANIFEST');
    fs.writeFileSync(file, damage(fs.readFileSync(file, 'utf8')));
    await t.rejects(openDurable(dir), { code: 'CORRUPTION', message: /MANIFEST/ });
  }
});

t.test('a fresh directory holding unrelated files still opens', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'README'), 'hello');
  const { db } = await openDurable(dir);
  t.same(db.relations(), []);
  await db.close();
});

t.test('damage in an earlier segment (the log spans several) is refused, even past the MANIFEST LSN', async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurable(dir);
  await db.execute('CREATE TABLE d (i INT, s VARCHAR)');
  for (let i = 0; i < 60; i++) db.insert('d', [{ i, s: 'z'.repeat(50_000) }]); // ~3 MB over 1 MiB segments
  await db.flush();
  // crash without a clean close: the MANIFEST still says 0 records are known durable
  fs.writeFileSync(path.join(dir, 'MANIFEST.keep'), fs.readFileSync(path.join(dir, 'MANIFEST')));
  await db.close();
  fs.renameSync(path.join(dir, 'MANIFEST.keep'), path.join(dir, 'MANIFEST'));
  const segs = segments(dir);
  t.ok(segs.length >= 3, `${segs.length} segments`);
  const fd = fs.openSync(segs[0]!, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, 200_000);
  b[0] ^= 0x01;
  fs.writeSync(fd, b, 0, 1, 200_000);
  fs.closeSync(fd);
  await t.rejects(openDurable(dir), { code: 'CORRUPTION', message: /damaged/ });
});

t.test('CHECKPOINT records the durable LSN in the MANIFEST', async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurable(dir);
  const read = () => JSON.parse(fs.readFileSync(path.join(dir, 'MANIFEST'), 'utf8').split('\n')[0]!);
  t.equal(read().reason, 'create');
  await db.execute('CREATE TABLE d (i INT)');
  db.insert('d', [{ i: 1 }]);
  await db.execute('CHECKPOINT');
  t.equal(read().durableLsn, 2);
  t.equal(read().epoch, 1);
  t.equal(read().reason, 'checkpoint');
  await db.close();
  t.equal(read().reason, 'close');
});

t.test('the MANIFEST follows the durable LSN periodically (checkpointIntervalMs)', async (t) => {
  const dir = tempDir(t);
  await t.rejects(openDurable(dir, { checkpointIntervalMs: -1 }), { code: 'INVALID_ARGUMENT', message: /checkpointIntervalMs/ });
  const { db } = await openDurable(dir, { checkpointIntervalMs: 20 });
  const read = () => JSON.parse(fs.readFileSync(path.join(dir, 'MANIFEST'), 'utf8').split('\n')[0]!);
  await db.execute('CREATE TABLE d (i INT)');
  db.insert('d', [{ i: 1 }]);
  await db.flush();
  const deadline = Date.now() + 5000;
  while (read().durableLsn < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.equal(read().durableLsn, 3, 'CREATE, insert and FLUSH records are recorded as durable');
  t.equal(read().reason, 'checkpoint', 'the timer took an operator-state checkpoint of the new records');
  t.same(read().checkpoints.map((c: { lsn: number }) => c.lsn), [3]);
  await db.close();
  // damage below that LSN is now detected
  const [seg] = segments(dir);
  fs.truncateSync(seg!, usedBytes(seg!) - 3);
  await t.rejects(openDurable(dir), { code: 'CORRUPTION' });
});
