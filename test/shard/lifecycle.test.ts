// Opening, closing and failing with threads > 1.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as os from 'node:os';
import * as fs from 'node:fs';
import { open } from '../../lib/api/open.js';
import { ClosedError, LaminarError, UnsupportedError } from '../../lib/errors.js';
import { openSharded, openSingle } from './helpers.js';

const fixture = path.join(__dirname, 'fixtures', 'open-close.ts');

for (const mode of ['--close', '--no-close']) {
  t.test(`the process exits by itself after ${mode === '--close' ? 'close()' : 'forgetting close()'}`, async (t) => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [...process.execArgv, fixture, mode], { encoding: 'utf8', timeout: 60_000 });
    t.equal(r.signal, null, 'not killed by the timeout');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /sum=4950/);
    if (mode === '--close') t.match(r.stdout, /closed/);
    t.ok(Date.now() - started < 60_000);
  });
}

t.test('close() terminates every worker and later calls throw ClosedError', async (t) => {
  const { db, engine } = await openSharded(3);
  await db.execute('CREATE TABLE t (a INT)');
  const shards = (engine as unknown as { pool: { shards: { worker: { threadId: number }; exited: boolean }[] } }).pool.shards;
  t.equal(shards.length, 3);
  await db.close();
  t.ok(shards.every((s) => s.exited), 'every shard worker has exited');
  await t.rejects(db.query('SELECT * FROM t'), ClosedError);
  t.throws(() => engine.flush(), ClosedError);
});

t.test('open() options', async (t) => {
  await t.rejects(open({ threads: 0 }), /threads must be an integer from 1 to 64/);
  await t.rejects(open({ threads: 1.5 }), /threads must be an integer/);
  const dir = path.join(os.tmpdir(), `laminar-shard-${process.pid}`);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // options that would need state shared by all shards are refused by name
  await t.rejects(open({ threads: 2, path: dir, changelog: { views: '*' } }), /changelog option is not supported with threads > 1/);
  await t.rejects(open({ threads: 2, path: dir, functions: {} }), /functions option\) is not supported with threads > 1/);
  const one = await open({ threads: 1 });
  await one.execute('CREATE TABLE t (a INT)');
  await one.close();
});

t.test("a shard's error reaches the caller with the shard's class, code and message", async (t) => {
  const { db } = await openSharded(2);
  const single = await openSingle();
  t.teardown(async () => {
    await db.close();
    await single.close();
  });
  for (const d of [db, single]) {
    await d.execute('CREATE TABLE t (a INT, b INT)');
    // SQL DML keeps t on shard 0: the query below runs there, not on the main thread
    await d.execute('INSERT INTO t VALUES (1, 0), (2, 1)');
  }
  const want = await single.query('SELECT a / b FROM t').then(
    () => undefined,
    (e: unknown) => e as LaminarError,
  );
  t.ok(want instanceof LaminarError, 'the single engine fails the query');
  const got = await db.query('SELECT a / b FROM t').then(
    () => undefined,
    (e: unknown) => e as LaminarError,
  );
  t.ok(got instanceof (want!.constructor as typeof LaminarError), `same class ${want!.constructor.name}`);
  t.equal(got?.code, want!.code);
  t.equal(got?.message, want!.message);
  t.equal((got as unknown as { shard: number }).shard, 0, 'the error names its shard');
  // the database keeps working after a failed call
  t.strictSame(await db.query('SELECT a FROM t ORDER BY a'), [{ a: 1 }, { a: 2 }]);
  // errors the single engine raises while planning surface the same way
  await t.rejects(db.execute('CREATE MATERIALIZED VIEW bad AS SELECT nope FROM t'), /nope/);
  await t.rejects(db.query('SELECT * FROM missing'), /missing/);
});
