// close() of a durable database takes a final checkpoint when the log since the newest one is
// large (closeCheckpointBytes, default 1 MiB), so the next open has little to replay; below the
// threshold it does not (a checkpoint is not free). Records replayed at open count too.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { readManifest } from '../../lib/storage/manifest.js';
import { tempDir } from './helpers.js';

type Settings = Parameters<typeof DurableEngine.open>[0];

function openAt(dir: string, extra: Partial<Settings> = {}): DurableEngine {
  return DurableEngine.open({ path: dir, walSegmentBytes: 1 << 20, checkpointIntervalMs: 0, ...extra }, new Engine({}));
}

async function createSchema(db: DurableEngine): Promise<void> {
  await db.execute('CREATE TABLE kv (k BIGINT, v INT, PRIMARY KEY (k))');
  await db.execute('CREATE MATERIALIZED VIEW per_v AS SELECT v, count(*) AS n, sum(k) AS s FROM kv GROUP BY v');
}

// `calls` inserts of 1000 rows each, keys from `start` (an update when the key exists).
function insertCalls(db: DurableEngine, start: number, calls: number, shift = 0): void {
  for (let c = 0; c < calls; c++) {
    const k: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < 1000; i++) {
      k.push(start + c * 1000 + i);
      v.push((start + c * 1000 + i + shift) % 13);
    }
    db.insertColumns('kv', [k, v], 1000);
  }
}

function snapshot(db: DurableEngine): unknown {
  return {
    kv: db.query('SELECT count(*) AS n, sum(k) AS s, sum(v) AS sv FROM kv').rows,
    view: db.query('SELECT * FROM per_v ORDER BY v').rows,
  };
}

const checkpointDirs = (dir: string): string[] => (fs.existsSync(path.join(dir, 'checkpoints')) ? fs.readdirSync(path.join(dir, 'checkpoints')) : []);

t.test('a long tail is checkpointed at close: the next open replays nothing', async (t) => {
  const dir = tempDir(t);
  let db = openAt(dir); // default threshold: 1 MiB
  await createSchema(db);
  insertCalls(db, 0, 120); // 120 000 rows: well over 1 MiB of log
  await db.flush();
  const logged = db.logBytesSinceCheckpoint;
  t.ok(logged > 1 << 20, `logged ${logged} bytes`);
  const before = snapshot(db);
  const lastLsn = db.lastLsn;
  await db.close();
  t.equal(checkpointDirs(dir).length, 1, 'close wrote a checkpoint');
  const manifest = readManifest(dir)!;
  t.equal(manifest.checkpoints?.at(-1)?.lsn, lastLsn, 'covering every record');
  t.equal(manifest.logBytesSinceCheckpoint, 0);
  db = openAt(dir);
  t.equal(db.recovery.records, 0, 'nothing to replay');
  t.same(snapshot(db), before);
  t.equal(db.logBytesSinceCheckpoint, 0);
  // and it keeps working: changes after the close checkpoint survive the next reopen
  insertCalls(db, 0, 1, 5);
  const after = snapshot(db);
  await db.close();
  db = openAt(dir);
  t.equal(db.recovery.records, 1, 'only the call after the checkpoint is replayed');
  t.same(snapshot(db), after);
  await db.close();
});

t.test('a short tail is not checkpointed at close (it replays quickly)', async (t) => {
  const dir = tempDir(t);
  let db = openAt(dir);
  await createSchema(db);
  insertCalls(db, 0, 3);
  const before = snapshot(db);
  t.ok(db.logBytesSinceCheckpoint > 0 && db.logBytesSinceCheckpoint < 1 << 20);
  await db.close();
  t.equal(checkpointDirs(dir).length, 0, 'no checkpoint');
  t.ok(readManifest(dir)!.logBytesSinceCheckpoint! > 0, 'the MANIFEST records the tail');
  db = openAt(dir);
  t.equal(db.recovery.records, 5, 'two DDL calls and three inserts replayed');
  t.same(snapshot(db), before);
  await db.close();
});

t.test('closeCheckpointBytes: 0 checkpoints whenever anything was logged, Infinity never', async (t) => {
  const dir = tempDir(t);
  let db = openAt(dir, { closeCheckpointBytes: 0 });
  await createSchema(db);
  insertCalls(db, 0, 1);
  await db.close();
  t.equal(checkpointDirs(dir).length, 1, '0: one small call is enough');
  db = openAt(dir, { closeCheckpointBytes: 0 });
  t.equal(db.recovery.records, 0);
  await db.close();
  t.equal(checkpointDirs(dir).length, 1, 'nothing logged since: no new checkpoint');
  t.equal(readManifest(dir)!.epoch, 1);

  const other = tempDir(t);
  db = openAt(other, { closeCheckpointBytes: Infinity });
  await createSchema(db);
  insertCalls(db, 0, 120);
  await db.close();
  t.equal(checkpointDirs(other).length, 0, 'Infinity: never');
});

t.test('records replayed at open count toward the threshold', async (t) => {
  const dir2 = tempDir(t);
  let db = openAt(dir2, { closeCheckpointBytes: Infinity });
  await createSchema(db);
  insertCalls(db, 0, 8); // over 64 KiB
  const before = snapshot(db);
  const logged = db.logBytesSinceCheckpoint;
  t.ok(logged > 64 * 1024);
  await db.close();
  t.equal(checkpointDirs(dir2).length, 0);
  db = openAt(dir2, { closeCheckpointBytes: 64 * 1024 });
  t.equal(db.recovery.records, 10);
  t.equal(db.logBytesSinceCheckpoint, logged, 'the replayed tail, as the MANIFEST recorded it');
  t.same(snapshot(db), before);
  await db.close(); // nothing new logged, but the replayed tail is over the threshold
  t.equal(checkpointDirs(dir2).length, 1, 'checkpointed at the clean close after replay');
  db = openAt(dir2);
  t.equal(db.recovery.records, 0);
  t.same(snapshot(db), before);
  await db.close();
});

t.test('CHECKPOINT resets the tail; invalid closeCheckpointBytes is refused', async (t) => {
  const dir = tempDir(t);
  const db = openAt(dir);
  await createSchema(db);
  insertCalls(db, 0, 2);
  t.ok(db.logBytesSinceCheckpoint > 0);
  await db.execute('CHECKPOINT');
  t.equal(db.logBytesSinceCheckpoint, 0);
  insertCalls(db, 0, 1, 1);
  t.ok(db.logBytesSinceCheckpoint > 0);
  await db.close();
  for (const bad of [-1, 1.5, '1', NaN, null]) {
    t.throws(() => openAt(tempDir(t), { closeCheckpointBytes: bad as number }), { code: 'INVALID_ARGUMENT', message: /closeCheckpointBytes/ }, String(bad));
  }
});
