// A durable database as a user sees it: everything (catalog, inserts, DML, watermarks) survives
// close/reopen; failed calls stay failed; one process per directory; option errors; disk errors.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { StorageError } from '../../lib/errors.js';
import { WalWriter } from '../../lib/native/wal.js';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { RecordEncoder } from '../../lib/storage/record.js';
import { FORMAT_VERSION, writeManifest } from '../../lib/storage/manifest.js';
import { openDurable, tempDir } from './helpers.js';
import { TS_CHILD_ARGS, tsChildEnv } from '../helpers/ts-child.js';

t.test('catalog, inserts, DML and views survive close and reopen', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir);
  await db.execute('CREATE TABLE acct (id INT, owner VARCHAR, balance DECIMAL(12,2), opened TIMESTAMP, PRIMARY KEY (id))');
  await db.execute('CREATE MATERIALIZED VIEW totals AS SELECT owner, count(*) AS n, sum(balance) AS total FROM acct GROUP BY owner');
  db.insert('acct', [
    { id: 1, owner: 'ann', balance: '10.50', opened: new Date(Date.UTC(2024, 0, 1)) },
    { id: 2, owner: 'bob', balance: '-3.25', opened: '2024-02-01 12:00:00' },
    { id: 3, owner: null, balance: null, opened: null },
  ]);
  await db.execute('UPDATE acct SET balance = balance + $1 WHERE id = $2', ['1.00', 1]);
  await db.execute('DELETE FROM acct WHERE id = 2');
  await db.execute('INSERT INTO acct VALUES (4, $1, 7, $2)', ['ann', new Date(Date.UTC(2024, 5, 6, 7, 8, 9, 10))]);
  await db.flush();
  const before = { acct: await db.query('SELECT * FROM acct ORDER BY id'), totals: await db.query('SELECT * FROM totals ORDER BY owner') };
  await db.close();

  ({ db } = await openDurable(dir));
  t.same(db.relations().map((r) => r.name).sort(), ['acct', 'totals'], 'the catalog is durable');
  t.same(await db.query('SELECT * FROM acct ORDER BY id'), before.acct);
  t.same(await db.query('SELECT * FROM totals ORDER BY owner'), before.totals);
  t.same((await db.query('SELECT * FROM totals ORDER BY owner')).map((r) => r.total), ['18.50', null]);
  // and it keeps working after recovery
  db.insert('acct', { id: 5, owner: 'bob', balance: 1, opened: 0 });
  await db.close();
  ({ db } = await openDurable(dir));
  t.same(await db.query("SELECT n FROM totals WHERE owner = 'bob'"), [{ n: 1 }]);
  await db.close();
});

t.test('rows go to the schema version they were written for (DROP and re-CREATE)', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir);
  await db.execute('CREATE TABLE t (a INT, b VARCHAR)');
  db.insert('t', [{ a: 1, b: 'old' }]);
  await db.execute('DROP TABLE t');
  await db.execute('CREATE TABLE t (b VARCHAR, a INT, c BOOLEAN)');
  db.insert('t', [{ a: 2, b: 'new', c: true }]);
  await db.close();
  ({ db } = await openDurable(dir));
  t.same(await db.query('SELECT * FROM t'), [{ b: 'new', a: 2, c: true }]);
  await db.close();
});

t.test('a failed call is failed again after recovery, and partially applied multi-statements match', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir);
  await db.execute('CREATE TABLE k (id INT NOT NULL, v INT, PRIMARY KEY (id))');
  await t.rejects(db.execute('INSERT INTO k VALUES (1, 1); INSERT INTO k VALUES (1, 1/0); INSERT INTO k VALUES (3, 3)'));
  await t.rejects(db.execute('INSERT INTO nope VALUES (1)'), { code: 'UNKNOWN_OBJECT' });
  t.throws(() => db.insert('k', [{ id: 9, v: 9 }, { id: null, v: 1 }]));
  const before = await db.query('SELECT * FROM k ORDER BY id');
  await db.close();
  const reopened = await openDurable(dir);
  db = reopened.db;
  t.same(await db.query('SELECT * FROM k ORDER BY id'), before);
  t.same(reopened.warnings, [], 'a failure marked in the log is expected on replay: no warning');
  await db.close();
});

t.test('watermarks and windows: an explicit advanceWatermark is durable', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir);
  await db.execute("CREATE SOURCE ev (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
  await db.execute("CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end EMIT ON WINDOW CLOSE");
  db.insert('ev', [{ k: 1, ts: 1000 }, { k: 2, ts: 2000 }]);
  await db.flush();
  t.same(await db.query('SELECT * FROM w'), [], 'window still open');
  db.advanceWatermark('ev', 10_000);
  await db.flush();
  const closed = await db.query('SELECT * FROM w');
  t.equal(closed.length, 1);
  await db.close();
  ({ db } = await openDurable(dir));
  t.same(await db.query('SELECT * FROM w'), closed);
  await db.close();
});

t.test('durability modes', async (t) => {
  for (const durability of ['sync', 'group', 'none'] as const) {
    const dir = tempDir(t);
    let { db } = await openDurable(dir, { durability });
    await db.execute('CREATE TABLE m (x INT)');
    db.insert('m', [{ x: 1 }, { x: 2 }]);
    await db.flush();
    await db.close();
    ({ db } = await openDurable(dir, { durability }));
    t.same(await db.query('SELECT sum(x) AS s FROM m'), [{ s: 3 }], durability);
    await db.close();
  }
  const dir = tempDir(t);
  await t.rejects(openDurable(dir, { durability: 'always' as 'sync' }), { code: 'INVALID_ARGUMENT', message: /durability/ });
  t.notOk(fs.existsSync(path.join(dir, 'LOCK')), 'a refused open leaves no lock behind');
  await t.rejects(openDurable(dir, { onWarning: 'loud' as never }), { code: 'INVALID_ARGUMENT' });
});

t.test('one process per directory', async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurable(dir);
  await t.rejects(openDurable(dir), { code: 'DATABASE_LOCKED', message: /this process already has it open/ });
  const other = spawnSync(process.execPath, [...TS_CHILD_ARGS, '-e', `
    require('${path.resolve(__dirname, '../../lib/api/open.ts').replace(/\\/g, '/')}').open(${JSON.stringify(dir)})
      .then(() => process.exit(0), (e) => { console.log(e.code + ' ' + e.message); process.exit(3); });
  `], { encoding: 'utf8', env: tsChildEnv() });
  t.equal(other.status, 3, other.stderr);
  t.match(other.stdout, new RegExp(`DATABASE_LOCKED .*process ${process.pid} has it open`));
  await db.close();
  t.notOk(fs.existsSync(path.join(dir, 'LOCK')), 'close releases the lock');
  const again = await openDurable(dir);
  await again.db.close();
});

t.test('a lock left by a dead process is taken over', async (t) => {
  const dir = tempDir(t);
  await (await openDurable(dir)).db.close();
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(dir, 'LOCK'), dead.stdout);
  const { db } = await openDurable(dir);
  t.equal(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim(), String(process.pid));
  await db.close();
  fs.writeFileSync(path.join(dir, 'LOCK'), '');
  await (await openDurable(dir)).db.close();
  t.pass('an empty lock file (crash while creating it) is stale too');
  // a live owner (pid 1 always exists) keeps its lock
  fs.writeFileSync(path.join(dir, 'LOCK'), '1\n');
  await t.rejects(openDurable(dir), { code: 'DATABASE_LOCKED', message: /process 1 has it open/ });
  t.equal(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8'), '1\n', "another process's lock is left alone");
});

t.test('a full disk surfaces as errors and loses nothing acknowledged', async (t) => {
  const dir = tempDir(t);
  // the budget covers zero-filling the 1 MiB segment, then about 200 KB of records
  let { db } = await openDurable(dir, { walFaultInjection: { failAfterBytes: (1 << 20) + 200_000, errno: 'ENOSPC' } });
  await db.execute('CREATE TABLE f (i INT, pad VARCHAR)');
  const pad = 'x'.repeat(1000);
  let acked = 0;
  let sent = 0;
  let failure: unknown;
  try {
    for (let i = 0; i < 1000; i++) {
      db.insert('f', [{ i, pad }]);
      sent = i + 1;
      await db.flush();
      acked = i + 1;
    }
  } catch (error) {
    failure = error;
  }
  t.ok(failure instanceof StorageError, `a StorageError surfaced (${(failure as Error)?.message})`);
  t.equal((failure as StorageError).code, 'DISK_FULL');
  t.ok(acked > 10 && acked < 1000, `${acked} inserts acknowledged before the disk filled`);
  t.throws(() => db.insert('f', [{ i: -1, pad }]), { code: 'DISK_FULL', message: /cannot log changes any more/ });
  await t.rejects(db.flush(), StorageError);
  await db.close().catch(() => {});
  ({ db } = await openDurable(dir));
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*) AS n FROM f');
  t.ok(n >= acked && n <= sent, `recovered ${n} rows: every acknowledged one (${acked}), none never sent (${sent})`);
  const ids = (await db.query<{ i: number }>('SELECT i FROM f ORDER BY i')).map((r) => r.i);
  t.same(ids, Array.from({ length: n }, (_, i) => i), 'a prefix of the inserts, each once');
  await db.close();
});

t.test('views calling JavaScript functions: the functions option registers them before replay', async (t) => {
  const dir = tempDir(t);
  const twice = { fn: (x: number) => x * 2, signature: { args: ['INT'], returns: 'INT' } };
  let { db } = await openDurable(dir);
  db.registerFunction('twice', twice.fn, twice.signature);
  await db.execute('CREATE TABLE u (x INT)');
  await db.execute('CREATE MATERIALIZED VIEW uv AS SELECT twice(x) AS y FROM u');
  db.insert('u', [{ x: 21 }]);
  await db.close();
  await t.rejects(openDurable(dir), { code: 'RECOVERY_FAILED', message: /functions option/ });
  t.notOk(fs.existsSync(path.join(dir, 'LOCK')), 'the failed open released the lock');
  ({ db } = await openDurable(dir, { functions: { twice } }));
  t.same(await db.query('SELECT * FROM uv'), [{ y: 42 }]);
  await db.close();
  await t.rejects(openDurable(dir, { functions: { twice: 3 } as never }), { code: 'INVALID_ARGUMENT', message: /functions/ });
});

t.test('flush() with nothing new appends nothing to the log', async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurable(dir);
  await db.execute('CREATE TABLE e (i INT)');
  db.insert('e', { i: 1 });
  await db.flush();
  const read = () => JSON.parse(fs.readFileSync(path.join(dir, 'MANIFEST'), 'utf8').split('\n')[0]!).durableLsn;
  for (let i = 0; i < 5; i++) await db.flush();
  await db.close();
  t.equal(read(), 3, 'CREATE, insert, one FLUSH record');
});

t.test('a crash between a failing call and its FAILED marker: ignored with a warning, then marked', async (t) => {
  const dir = tempDir(t);
  // build the log a crash would leave: the call's record is durable, its FAILED marker is not
  const enc = new RecordEncoder();
  const wal = WalWriter.open(path.join(dir, 'wal'), { segmentBytes: 1 << 20 });
  wal.append(enc.execute('CREATE TABLE z (i INT)', []).slice());
  wal.append(enc.execute('INSERT INTO z VALUES (1 / 0)', []).slice());
  await wal.close();
  writeManifest(dir, { format: FORMAT_VERSION, walDir: 'wal', durableLsn: 0, epoch: 0, reason: 'test', writtenAt: '' });
  let { db, warnings } = await openDurable(dir);
  t.equal(warnings.length, 1);
  t.match(warnings[0], /record 2\) failed on replay/);
  db.insert('z', { i: 7 });
  await db.close();
  ({ db, warnings } = await openDurable(dir));
  t.same(warnings, [], 'the failure is marked in the log now');
  t.same(await db.query('SELECT * FROM z'), [{ i: 7 }]);
  await db.close();
});

t.test('engine-level inserts into an unknown relation are refused before logging', async (t) => {
  const dir = tempDir(t);
  const engine = DurableEngine.open({ path: dir, walSegmentBytes: 1 << 20 }, new Engine({}));
  t.throws(() => engine.insertColumns('ghost', [[1]], 1), { code: 'UNKNOWN_OBJECT' });
  t.throws(() => engine.insertRows('ghost', [[1]]), { code: 'UNKNOWN_OBJECT' });
  t.equal(engine.lastLsn, 0, 'nothing logged');
  await engine.close();
  const again = DurableEngine.open({ path: dir, walSegmentBytes: 1 << 20 }, new Engine({}));
  t.equal(again.recovery.records, 0);
  await again.close();
});
