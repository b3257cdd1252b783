// Durable sharded databases (open({ path, threads: 2 })), normal operation: views after a
// reopen equal a run that was never closed, checkpoints are committed across shards with each
// shard's cut exactly at the barrier, close() and periodic checkpoints, durability modes.
import t from 'tap';
import { readShardsFile, shardDir } from '../../lib/shard/shard-files.js';
import { readManifest } from '../../lib/storage/manifest.js';
import { SCHEMA, feed, openDurableSharded, reference, tempDir, viewContents } from './durable-helpers.js';

t.test('views after a reopen equal a never-closed run (keyed aggregate, join, window)', async (t) => {
  const dir = tempDir(t);
  let { db, engine } = await openDurableSharded(dir);
  for (const s of SCHEMA) await db.execute(s);
  t.ok(engine.isPartitioned('bids') && engine.isPartitioned('clicks'), 'the relations are split across the shards');
  feed(db, 0, 6);
  await db.execute('CHECKPOINT');
  feed(db, 6, 10);
  await db.flush();
  const expected = await reference(10);
  t.same(await viewContents(db), expected, 'before closing');
  await db.close();

  ({ db, engine } = await openDurableSharded(dir));
  t.same(engine.checkpoints()!.recovered.epoch, 1, 'recovered from the committed checkpoint');
  t.same(await viewContents(db), expected, 'after reopening: checkpoint + each shard replaying its log after it');
  t.ok(engine.isPartitioned('bids'), 'placements survive the reopen');
  const split = engine.contentsByShard('bids');
  t.ok(split[0]!.length > 0 && split[1]!.length > 0, 'rows stay on both shards');
  // the database goes on: routes, placements and watermarks continue where they were
  feed(db, 10, 14);
  await db.flush();
  t.same(await viewContents(db), await reference(14), 'rows inserted after the reopen');
  await db.close();

  // reopened without any checkpoint since: the whole logs after checkpoint 1 replay
  ({ db } = await openDurableSharded(dir));
  t.same(await viewContents(db), await reference(14), 'second reopen');
  await db.close();
});

t.test('a checkpoint is committed only when every shard completed it; files on disk', async (t) => {
  const dir = tempDir(t);
  const { db, engine } = await openDurableSharded(dir);
  for (const s of SCHEMA) await db.execute(s);
  feed(db, 0, 3);
  const r = await db.execute('CHECKPOINT');
  t.equal(r.statements[0]!.command, 'CHECKPOINT');
  feed(db, 3, 5);
  const second = await engine.checkpoint();
  t.same(second.epoch, 2);
  const shards = readShardsFile(dir)!;
  t.equal(shards.threads, 2);
  t.same(shards.cuts.map((c) => c.epoch), [1, 2], 'the newest cut and one fallback');
  for (let i = 0; i < 2; i++) {
    const m = readManifest(shardDir(dir, i))!;
    t.same(m.checkpoints!.map((c) => c.epoch), shards.cuts.map((c) => c.shards[i]), `shard ${i} holds the checkpoints the cuts name`);
  }
  await db.close();
});

t.test('periodic checkpoints run across shards when something changed', async (t) => {
  const dir = tempDir(t);
  const { db, engine } = await openDurableSharded(dir, { checkpointIntervalMs: 50 });
  for (const s of SCHEMA) await db.execute(s);
  feed(db, 0, 3);
  await db.flush();
  const deadline = Date.now() + 20_000;
  while ((engine.checkpoints()!.committed.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const cuts = engine.checkpoints()!.committed;
  t.ok(cuts.length > 0, 'a periodic checkpoint was committed');
  const epoch = cuts[cuts.length - 1]!.epoch;
  await new Promise((r) => setTimeout(r, 400));
  t.equal(engine.checkpoints()!.committed.at(-1)!.epoch, epoch, 'nothing changed since: no new checkpoint');
  await db.close();
});

t.test('every shard takes its cut at the barrier, before the rows written behind it', async (t) => {
  const dir = tempDir(t);
  const { db, engine } = await openDurableSharded(dir);
  await db.execute('CREATE TABLE a (k INT, v INT)');
  await db.execute('CREATE MATERIALIZED VIEW s AS SELECT k, sum(v) AS s FROM a GROUP BY k');
  const rows = Array.from({ length: 64 }, (_, k) => ({ k, v: 1 }));
  for (let b = 0; b < 5; b++) db.insert('a', rows);
  const cut = engine.checkpoint();
  // in every ring right behind the barrier, before any shard has seen it
  for (let b = 0; b < 30; b++) db.insert('a', rows);
  const done = await cut;
  for (let i = 0; i < 2; i++) {
    const entry = readManifest(shardDir(dir, i))!.checkpoints!.find((c) => c.epoch === done.shards[i])!;
    // the shard's log: 2 DDL records, then per batch it received its rows and the end-of-call mark
    t.equal(entry.lsn, 2 + 5 * 2, `shard ${i}'s checkpoint covers exactly the records before the barrier`);
  }
  await db.flush();
  await db.close();
  const again = await openDurableSharded(dir);
  t.same(await again.db.query('SELECT sum(s) AS total FROM s'), [{ total: 64 * 35 }], 'checkpoint + the log after it: every batch once');
  await again.db.close();
});

t.test('close() takes a checkpoint common to all shards after more than closeCheckpointBytes', async (t) => {
  const rows = Array.from({ length: 4000 }, (_, i) => ({ k: i, v: i * 3 }));
  for (const [option, expectCut] of [[undefined, true], [Infinity, false], [0, true]] as const) {
    const dir = tempDir(t);
    const { db } = await openDurableSharded(dir, option === undefined ? {} : { closeCheckpointBytes: option });
    await db.execute('CREATE TABLE a (k INT, v INT)');
    await db.execute('CREATE MATERIALIZED VIEW s AS SELECT k, sum(v) AS s FROM a GROUP BY k');
    // about 2 MiB through the rings with the default; 0 and Infinity do not depend on the amount
    for (let b = 0; b < (option === 0 ? 1 : 40); b++) db.insert('a', rows);
    await db.close();
    const cuts = readShardsFile(dir)!.cuts;
    t.equal(cuts.length > 0, expectCut, `closeCheckpointBytes ${String(option)}: ${expectCut ? 'a' : 'no'} checkpoint at close`);
    for (let i = 0; i < 2; i++) {
      const local = readManifest(shardDir(dir, i))!.checkpoints ?? [];
      t.same(local.map((c) => c.epoch), cuts.map((c) => c.shards[i]), `shard ${i} took no checkpoint of its own at close`);
    }
    const again = await openDurableSharded(dir);
    t.same(await again.db.query('SELECT count(*) AS n FROM s'), [{ n: 4000 }]);
    await again.db.close();
  }
});

t.test("durability 'sync' and 'none' work across shards", async (t) => {
  for (const durability of ['sync', 'none'] as const) {
    const dir = tempDir(t);
    let { db } = await openDurableSharded(dir, { durability });
    await db.execute('CREATE TABLE a (k INT, v INT)');
    await db.execute('CREATE MATERIALIZED VIEW s AS SELECT k, sum(v) AS s FROM a GROUP BY k');
    db.insert('a', Array.from({ length: 50 }, (_, k) => ({ k, v: k })));
    await db.execute('FLUSH');
    await db.close();
    ({ db } = await openDurableSharded(dir, { durability }));
    t.same(await db.query('SELECT count(*) AS n, sum(s) AS total FROM s'), [{ n: 50, total: 1225 }], `durability ${durability}`);
    await db.close();
  }
});
