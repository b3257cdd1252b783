// Durable sharded databases (open({ path, threads: 2 })), recovery and refusals: a damaged
// shard checkpoint makes every shard fall back to the previous common one, a failed checkpoint
// stops the database, the thread count and the lock are enforced, shards that missed DDL
// statements of the catalog log get them, damaged directories are refused.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open } from '../../lib/api/open.js';
import { LaminarError } from '../../lib/errors.js';
import { CatalogLog, readShardsFile, shardDir } from '../../lib/shard/shard-files.js';
import { readManifest } from '../../lib/storage/manifest.js';
import { SCHEMA, feed, openDurableSharded, reference, tempDir, viewContents } from './durable-helpers.js';

t.test("a damaged shard checkpoint makes every shard fall back to the previous common checkpoint", async (t) => {
  const dir = tempDir(t);
  let { db, engine, warnings } = await openDurableSharded(dir);
  for (const s of SCHEMA) await db.execute(s);
  feed(db, 0, 4);
  await engine.checkpoint();
  feed(db, 4, 8);
  const latest = await engine.checkpoint();
  feed(db, 8, 11);
  await db.flush();
  await db.close();

  // flip bytes in the middle of shard 1's newest checkpoint
  const file = path.join(shardDir(dir, 1), 'checkpoints', String(latest.shards[1]), 'state.ckpt');
  const bytes = fs.readFileSync(file);
  for (let i = 0; i < 16; i++) bytes[Math.floor(bytes.length / 2) + i] ^= 0xff;
  fs.writeFileSync(file, bytes);

  ({ db, engine, warnings } = await openDurableSharded(dir));
  t.equal(engine.checkpoints()!.recovered.epoch, 1, 'both shards started from checkpoint 1');
  t.match(warnings.join('\n'), /checkpoint 2 of .* cannot be used \(shard 1: .*falling back/, 'the warning names the checkpoint and the shard');
  t.same(await viewContents(db), await reference(11), 'the logs after checkpoint 1 rebuild everything');
  // the next checkpoint does not reuse a local epoch number of the abandoned cut
  const next = await engine.checkpoint();
  t.equal(next.epoch, 3);
  await db.close();
  t.same(readShardsFile(dir)!.cuts.map((c) => c.epoch), [1, 3], 'the abandoned cut is no fallback: the one recovery used is');
  ({ db, engine } = await openDurableSharded(dir));
  t.equal(engine.checkpoints()!.recovered.epoch, 3);
  t.same(await viewContents(db), await reference(11));
  await db.close();

  // the newest cut damaged in turn: recovery falls back to checkpoint 1, which every shard still has
  const third = path.join(shardDir(dir, 0), 'checkpoints', String(next.shards[0]), 'state.ckpt');
  fs.writeFileSync(third, 'garbage');
  ({ db, engine, warnings } = await openDurableSharded(dir));
  t.equal(engine.checkpoints()!.recovered.epoch, 1, 'both shards started from checkpoint 1 again');
  t.same(await viewContents(db), await reference(11));
  await db.close();
});

t.test('when no checkpoint is intact on every shard, open fails naming the checkpoints tried', async (t) => {
  const dir = tempDir(t);
  let { db, engine } = await openDurableSharded(dir);
  for (const s of SCHEMA) await db.execute(s);
  feed(db, 0, 2);
  const only = await engine.checkpoint();
  await db.close();
  fs.writeFileSync(path.join(shardDir(dir, 0), 'checkpoints', String(only.shards[0]), 'state.ckpt'), 'garbage');
  await t.rejects(openDurableSharded(dir), { code: 'CORRUPTION', message: /no checkpoint is intact on every shard \(tried 1\)/ });
  // the failed open releases the directory (asynchronously, as the workers stop): a retry in this
  // process meets the same damage, not a lock
  let retry: unknown;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    retry = await openDurableSharded(dir).then(
      async (o) => o.db.close(),
      (error: unknown) => error,
    );
    if ((retry as LaminarError | undefined)?.code !== 'DATABASE_LOCKED') break;
  }
  t.match(retry, { code: 'CORRUPTION' }, 'the lock was released');
});

t.test('the thread count is recorded: another count is refused naming both values', async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurableSharded(dir);
  await db.execute('CREATE TABLE t (a INT)');
  await db.close();
  await t.rejects(open({ path: dir, threads: 3 }), { code: 'INVALID_ARGUMENT', message: /created with threads: 2 and cannot be opened with threads: 3/ });
  await t.rejects(open({ path: dir }), { code: 'INVALID_ARGUMENT', message: /created with threads: 2 and cannot be opened with threads: 1/ });
  await t.rejects(open(dir), LaminarError);

  const single = tempDir(t);
  const one = await open({ path: single });
  await one.execute('CREATE TABLE t (a INT)');
  await one.close();
  await t.rejects(open({ path: single, threads: 2 }), { code: 'INVALID_ARGUMENT', message: /created with threads: 1 and cannot be opened with threads: 2/ });
});

t.test('one process per directory: a second open is refused while the first is open', async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurableSharded(dir);
  await t.rejects(openDurableSharded(dir), { code: 'DATABASE_LOCKED' });
  await db.close();
  const again = await openDurableSharded(dir);
  await again.db.close();
});

t.test('shards that missed the last DDL statements of the catalog log get them at recovery', async (t) => {
  const dir = tempDir(t);
  let { db, engine } = await openDurableSharded(dir);
  await db.execute('CREATE TABLE a (k INT, v INT)');
  await db.execute('CREATE MATERIALIZED VIEW per_k AS SELECT k, sum(v) AS s FROM a GROUP BY k');
  db.insert('a', [{ k: 1, v: 10 }, { k: 2, v: 20 }, { k: 3, v: 30 }]);
  await db.close();
  // a crash after the catalog log took a statement and before any shard logged it
  const { log } = CatalogLog.open(dir);
  log.append({ ddl: 'CREATE TABLE late (k INT, note VARCHAR)', params: [] });
  log.append({ ddl: 'CREATE MATERIALIZED VIEW late_n AS SELECT k, count(*) AS n FROM late GROUP BY k', params: [] });
  log.close();
  // and a torn append after them
  fs.appendFileSync(path.join(dir, 'catalog.log'), '0123abcd {"ddl":"CREATE TA');

  ({ db, engine } = await openDurableSharded(dir));
  t.ok(db.relations().some((r) => r.name === 'late_n'), 'the catalog has the logged statements');
  db.insert('late', [1, 2, 3, 4, 5, 6].map((k) => ({ k, note: 'x' })));
  await db.flush();
  t.same(engine.contentsByShard('late').map((rows) => rows.length).reduce((a, b) => a + b), 6, 'every shard has the table');
  t.ok(engine.contentsByShard('late').every((rows) => rows.length > 0), 'rows went to both shards');
  t.same((await db.query('SELECT k, n FROM late_n ORDER BY k')).length, 6);
  t.same(await db.query('SELECT * FROM per_k ORDER BY k'), [{ k: 1, s: 10 }, { k: 2, s: 20 }, { k: 3, s: 30 }]);
  await db.close();
  t.notMatch(fs.readFileSync(path.join(dir, 'catalog.log'), 'utf8'), /CREATE TA$/, 'the torn line was cut off');
});

t.test('SQL DML pins its relations to shard 0, and that survives a reopen', async (t) => {
  const dir = tempDir(t);
  let { db, engine } = await openDurableSharded(dir);
  await db.execute('CREATE TABLE d (k INT, v INT)');
  await db.execute('CREATE MATERIALIZED VIEW per_d AS SELECT k, count(*) AS n FROM d GROUP BY k');
  await db.execute('INSERT INTO d VALUES (1, 1), (2, 2)');
  t.notOk(engine.isPartitioned('d'));
  await db.close();
  ({ db, engine } = await openDurableSharded(dir));
  t.notOk(engine.isPartitioned('d'), 'still on shard 0 after the reopen');
  db.insert('d', [{ k: 3, v: 3 }]);
  await db.execute('INSERT INTO d VALUES (4, 4)');
  t.same(await db.query('SELECT k, n FROM per_d ORDER BY k'), [1, 2, 3, 4].map((k) => ({ k, n: 1 })));
  t.same(engine.contentsByShard('d')[1], [], 'nothing on shard 1');
  await db.close();
});

t.test('a failing DDL statement on a durable sharded database is refused before it is logged', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurableSharded(dir);
  await db.execute('CREATE TABLE a (k INT)');
  await t.rejects(db.execute('CREATE TABLE a (k INT)'), { code: 'DUPLICATE_OBJECT' });
  await t.rejects(db.execute('CREATE MATERIALIZED VIEW bad AS SELECT nope FROM a'), { code: 'UNKNOWN_COLUMN' });
  await db.close();
  t.equal(fs.readFileSync(path.join(dir, 'catalog.log'), 'utf8').trim().split('\n').length, 1, 'only the statement that succeeded is in the catalog log');
  ({ db } = await openDurableSharded(dir));
  t.same(db.relations().map((r) => r.name), ['a']);
  await db.close();
});

t.test('a checkpoint failing on one shard stops the database; reopening recovers every flushed row', async (t) => {
  const dir = tempDir(t);
  let { db, engine } = await openDurableSharded(dir);
  for (const s of SCHEMA) await db.execute(s);
  feed(db, 0, 3);
  await engine.checkpoint();
  feed(db, 3, 6);
  await db.flush();
  // shard 1 cannot create its next checkpoint directory: a file is in the way
  const next = readManifest(shardDir(dir, 1))!.epoch + 1;
  const blocker = path.join(shardDir(dir, 1), 'checkpoints', String(next));
  fs.writeFileSync(blocker, 'in the way');
  await t.rejects(db.execute('CHECKPOINT'), { name: 'StorageError', code: 'IO_ERROR' });
  t.throws(() => feed(db, 6, 7), { name: 'StorageError', message: /stopped after a checkpoint failed on a shard/ }, 'writes are refused');
  await t.rejects(db.execute('CREATE TABLE more (a INT)'), { message: /stopped after a checkpoint failed/ });
  t.same(readShardsFile(dir)!.cuts.map((c) => c.epoch), [1], 'the failed checkpoint was not committed');
  await db.close();
  fs.rmSync(blocker);

  ({ db, engine } = await openDurableSharded(dir));
  t.equal(engine.checkpoints()!.recovered.epoch, 1);
  t.same(await viewContents(db), await reference(6), 'every flushed row, from checkpoint 1 and the logs after it');
  const cut = await engine.checkpoint();
  t.equal(cut.epoch, 2, 'the uncommitted number is free again');
  t.same(cut.shards, [3, 2], "shard 0 does not reuse the local number of its abandoned checkpoint");
  await db.close();
  ({ db, engine } = await openDurableSharded(dir));
  t.equal(engine.checkpoints()!.recovered.epoch, 2);
  t.same(await viewContents(db), await reference(6));
  await db.close();
});

t.test("a shard directory that lost its data is refused, not started empty", async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurableSharded(dir);
  await db.execute('CREATE TABLE a (k INT)');
  db.insert('a', [{ k: 1 }, { k: 2 }, { k: 3 }]);
  await db.close();
  fs.rmSync(shardDir(dir, 1), { recursive: true });
  await t.rejects(openDurableSharded(dir), { code: 'CORRUPTION', message: /shard-1 has no MANIFEST but the catalog log holds statements/ });
});
