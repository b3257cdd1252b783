// Recovery of whole insert calls across shards, with the crash simulated exactly: a shard's log
// loses its last records (as when it had not written them when the process died) and the other
// shard keeps its part. The reopened database drops the calls that are not whole, everywhere; the
// cut is physical (the dropped calls never come back) and the numbering continues after it.
import t from 'tap';
import * as path from 'node:path';
import { readManifest, writeManifest } from '../../lib/storage/manifest.js';
import { scanCallLog, truncateLog } from '../../lib/shard/shard-log.js';
import { computeCallCut } from '../../lib/shard/call-cut.js';
import { readShardsFile, shardDir, writeShardsFile } from '../../lib/shard/shard-files.js';
import type { Database } from '../../lib/api/database.js';
import { openDurableSharded, tempDir } from './durable-helpers.js';
import { shardOfRows } from '../../lib/shard/hash.js';

const KEYS = 40;

/** Insert call `call`: one row per key, so both shards get part of it. */
const callRows = (call: number): { k: number; call: number }[] => Array.from({ length: KEYS }, (_, k) => ({ k, call }));

async function callsIn(db: Database): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const r of await db.query<{ call: number; n: number | bigint }>('SELECT call, count(*) AS n FROM ev GROUP BY call')) out.set(Number(r.call), Number(r.n));
  return out;
}

async function setUp(dir: string): Promise<Database> {
  const { db } = await openDurableSharded(dir);
  await db.execute('CREATE TABLE ev (k INT, call INT)');
  await db.execute('CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS n, max(call) AS last FROM ev GROUP BY k');
  return db;
}

/**
 * What a crash leaves when shard `shard` had not written its part of its `fromEnd`-th last call
 * (counted from 1) nor anything after it: its log is cut there, and its MANIFEST is the one
 * before the clean close recorded the end.
 */
function loseTail(dir: string, shard: number, fromEnd: number): number {
  const sdir = shardDir(dir, shard);
  const manifest = readManifest(sdir)!;
  const wal = path.join(sdir, manifest.walDir);
  const log = scanCallLog(wal, 1);
  const at = log.firstLsn[log.firstLsn.length - fromEnd]!;
  writeManifest(sdir, { ...manifest, durableLsn: Math.min(manifest.durableLsn, at - 1) });
  truncateLog(wal, at);
  return at;
}

const viewOf = async (db: Database): Promise<number[][]> =>
  (await db.query<{ k: number; n: number | bigint; last: number }>('SELECT k, n, last FROM per_k ORDER BY k')).map((r) => [Number(r.k), Number(r.n), Number(r.last)]);
const expectedView = (calls: number[]): number[][] => Array.from({ length: KEYS }, (_, k) => [k, calls.length, Math.max(...calls)]);

t.test('a call one shard lost is dropped from the other shard too; later calls stay whole', async (t) => {
  const dir = tempDir(t);
  let db = await setUp(dir);
  for (let call = 1; call <= 5; call++) db.insert('ev', callRows(call));
  await db.close();
  loseTail(dir, 1, 1);

  let opened = await openDurableSharded(dir);
  db = opened.db;
  t.same([...(await callsIn(db))].sort((a, b) => a[0] - b[0]), [1, 2, 3, 4].map((c) => [c, KEYS]), 'calls 1…4 whole, call 5 gone from both shards');
  t.match(opened.warnings.join('\n'), /routed call \d+ \(an insert, a watermark or an SQL DML statement\) is not whole on disk \(1 of the 2 shards it reached logged their part\).*dropped from shard 0/, 'the warning says what was dropped and where');
  t.same(await viewOf(db), expectedView([1, 2, 3, 4]), 'the view holds calls 1…4');
  db.insert('ev', callRows(6));
  await db.close();

  opened = await openDurableSharded(dir);
  db = opened.db;
  t.same(opened.warnings, [], 'nothing to cut the second time: the cut was physical');
  t.same([...(await callsIn(db)).keys()].sort((a, b) => a - b), [1, 2, 3, 4, 6], 'call 5 never comes back; call 6 (made after the cut) is whole');
  await db.close();
});

t.test('DDL after the cut is given back to both shards from the catalog log, in order', async (t) => {
  const dir = tempDir(t);
  let db = await setUp(dir);
  for (let call = 1; call <= 4; call++) db.insert('ev', callRows(call));
  await db.execute('CREATE TABLE extra (a INT)');
  db.insert('ev', callRows(5));
  await db.close();
  // shard 1 lost calls 4 and 5 and the CREATE TABLE between them; shard 0 has all three
  loseTail(dir, 1, 2);

  const { db: again, warnings } = await openDurableSharded(dir);
  db = again;
  t.match(warnings.join('\n'), /not whole on disk/);
  t.same([...(await callsIn(db)).keys()].sort((a, b) => a - b), [1, 2, 3], 'calls 4 and 5 are gone from both shards');
  db.insert('extra', [{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }]);
  t.same((await db.query<{ a: number }>('SELECT a FROM extra ORDER BY a')).map((r) => r.a), [1, 2, 3, 4], 'the table created after the cut exists on every shard');
  await db.close();
});

t.test('after a checkpoint, the cut counts from the first call after its barrier', async (t) => {
  const dir = tempDir(t);
  let db = await setUp(dir);
  for (let call = 1; call <= 3; call++) db.insert('ev', callRows(call));
  await db.execute('CHECKPOINT');
  for (let call = 4; call <= 6; call++) db.insert('ev', callRows(call));
  await db.close();
  loseTail(dir, 0, 2);

  const { db: again, warnings } = await openDurableSharded(dir);
  db = again;
  t.match(warnings.join('\n'), /dropped from shard 1/);
  t.same([...(await callsIn(db)).keys()].sort((a, b) => a - b), [1, 2, 3, 4], 'the checkpoint\'s calls and call 4 remain; 5 and 6 are gone');
  await db.close();
});

t.test('a shard that lost every call after the checkpoint: all of them go', async (t) => {
  const dir = tempDir(t);
  let db = await setUp(dir);
  db.insert('ev', callRows(1));
  await db.execute('CHECKPOINT');
  for (let call = 2; call <= 4; call++) db.insert('ev', callRows(call));
  await db.close();
  loseTail(dir, 1, 3);

  const { db: again } = await openDurableSharded(dir);
  db = again;
  t.same([...(await callsIn(db)).keys()], [1]);
  db.insert('ev', callRows(7));
  await db.close();
  const { db: third, warnings } = await openDurableSharded(dir);
  t.same(warnings, []);
  t.same([...(await callsIn(third)).keys()].sort((a, b) => a - b), [1, 7]);
  await third.close();
});

t.test('a call that reached one shard only is whole on its own', async (t) => {
  const dir = tempDir(t);
  let db = await setUp(dir);
  db.insert('ev', callRows(1));
  // every row of call 2 has the same key: it reaches one shard
  db.insert('ev', [{ k: 3, call: 2 }, { k: 3, call: 2 }]);
  await db.close();
  const { db: again, warnings } = await openDurableSharded(dir);
  db = again;
  t.same(warnings, []);
  t.same([...(await callsIn(db))].sort((a, b) => a[0] - b[0]), [[1, KEYS], [2, 2]]);
  await db.close();
});

t.test('watermarks are calls too: an insert that advances one reaches every shard', async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurableSharded(dir);
  await db.execute(`CREATE SOURCE clicks (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`);
  await db.execute(`CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS n FROM clicks GROUP BY k`);
  // one key: the rows reach one shard, the watermark every shard
  db.insert('clicks', [{ k: 1, ts: new Date(10_000) }]);
  db.advanceWatermark('clicks', 20_000);
  await db.close();
  const logs = [0, 1].map((i) => scanCallLog(path.join(shardDir(dir, i), 'wal'), 1));
  t.same(logs.map((l) => l.seqs), [[1, 2], [1, 2]], 'both calls are marked on both shards');
  t.same(logs.map((l) => l.shards), [[2, 2], [2, 2]], 'each reached both shards');
});

t.test('a database whose SHARDS predates call numbering keeps each shard\'s whole log', async (t) => {
  const dir = tempDir(t);
  const db = await setUp(dir);
  for (let call = 1; call <= 3; call++) db.insert('ev', callRows(call));
  await db.close();
  const shards = readShardsFile(dir)!;
  t.equal(shards.firstSeq, 1, 'a new database numbers its calls from 1');
  writeShardsFile(dir, { format: shards.format, threads: shards.threads, cuts: shards.cuts });
  loseTail(dir, 1, 1);
  const { db: again, warnings } = await openDurableSharded(dir);
  t.same(warnings, [], 'no cut');
  const calls = await callsIn(again);
  t.same([calls.get(1), calls.get(2)], [KEYS, KEYS]);
  t.ok((calls.get(3) ?? 0) > 0 && calls.get(3)! < KEYS, 'call 3 is partly there: the old behaviour, as documented');
  await again.close();
});

t.test("durability 'sync': SQL DML is acknowledged once every earlier insert call is on every shard's disk", async (t) => {
  const dir = tempDir(t);
  const { db, engine } = await openDurableSharded(dir, { durability: 'sync' });
  await db.execute('CREATE TABLE ev (k INT, call INT)');
  await db.execute('CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS n FROM ev GROUP BY k');
  await db.execute('CREATE TABLE notes (txt VARCHAR)');
  db.insert('ev', callRows(1));
  // the shard calls the statement makes, in order (shard 0 runs it; the disk of each shard that
  // may hold part of call 1 must have it before the statement is acknowledged)
  const pool = (engine as unknown as { pool: { call: (request: unknown, shards?: readonly number[]) => unknown[] } }).pool;
  const calls: string[] = [];
  const call = pool.call.bind(pool);
  pool.call = (request, shards) => {
    calls.push(`${(request as { op: string }).op} on ${(shards ?? [0, 1]).join(',')}`);
    return call(request, shards);
  };
  await db.execute("INSERT INTO notes VALUES ('after call 1')");
  t.same(calls, ['execute on 0', 'sync on 0,1'], "every shard's log is on disk before the statement returns (shard 0's for the statement's own end mark)");
  pool.call = call;
  t.same(scanCallLog(path.join(shardDir(dir, 1), 'wal'), 1).seqs, [1], 'shard 1 holds its part of call 1');
  t.same(scanCallLog(path.join(shardDir(dir, 0), 'wal'), 1, true).seqs, [1, 2], 'shard 0 holds its part of call 1 and the statement, call 2');
  await db.close();
});

t.test('three shards: a call one of them lost is dropped from the other two', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurableSharded(dir, {}, 3);
  await db.execute('CREATE TABLE ev (k INT, call INT)');
  await db.execute('CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS n, max(call) AS last FROM ev GROUP BY k');
  for (let call = 1; call <= 4; call++) db.insert('ev', callRows(call));
  await db.close();
  loseTail(dir, 2, 1);
  const opened = await openDurableSharded(dir, {}, 3);
  db = opened.db;
  t.match(opened.warnings.join('\n'), /2 of the 3 shards it reached logged their part.*dropped from shards 0, 1/);
  t.same([...(await callsIn(db))].sort((a, b) => a[0] - b[0]), [1, 2, 3].map((c) => [c, KEYS]));
  t.same(await viewOf(db), expectedView([1, 2, 3]));
  await db.close();
});

/** A key of `ev` whose rows all go to `shard` (of 2). */
function keyOn(shard: number): number {
  const out = new Uint8Array(1);
  for (let k = 0; ; k++) {
    shardOfRows([k], 1, 2, out);
    if (out[0] === shard) return k;
  }
}

t.test('SQL DML is a call too: a statement made after a lost insert call is dropped with it', async (t) => {
  const dir = tempDir(t);
  let db = await setUp(dir);
  await db.execute('CREATE TABLE notes (txt VARCHAR)');
  db.insert('ev', callRows(1));
  await db.execute("INSERT INTO notes VALUES ('after call 1')");
  // call 2 reaches shard 1 only; the statement after it runs on shard 0
  db.insert('ev', [{ k: keyOn(1), call: 2 }]);
  await db.execute("INSERT INTO notes VALUES ('after call 2')");
  await db.close();
  // shard 1 had not written call 2 when the process died; shard 0 holds the later statement
  loseTail(dir, 1, 1);

  const opened = await openDurableSharded(dir);
  db = opened.db;
  t.match(opened.warnings.join('\n'), /not whole on disk.*dropped from shard 0/, 'shard 0 is cut too');
  t.same([...(await callsIn(db)).keys()], [1], 'call 2 is gone');
  t.same((await db.query<{ txt: string }>('SELECT txt FROM notes')).map((r) => r.txt), ['after call 1'], 'the statement made after call 2 is gone too: what survives is a prefix');
  await db.execute("INSERT INTO notes VALUES ('after recovery')");
  db.insert('ev', callRows(3));
  await db.close();
  const third = await openDurableSharded(dir);
  t.same(third.warnings, [], 'nothing more to cut');
  t.same((await third.db.query<{ txt: string }>('SELECT txt FROM notes ORDER BY txt')).map((r) => r.txt), ['after call 1', 'after recovery']);
  t.same([...(await callsIn(third.db)).keys()].sort((a, b) => a - b), [1, 3]);
  await third.db.close();
});

t.test('a crash during recovery\'s own cut (one shard cut, another not yet): the next open finishes the same cut', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurableSharded(dir, {}, 3);
  await db.execute('CREATE TABLE ev (k INT, call INT)');
  await db.execute('CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS n, max(call) AS last FROM ev GROUP BY k');
  for (let call = 1; call <= 5; call++) db.insert('ev', callRows(call));
  await db.close();
  loseTail(dir, 2, 2);
  // what recovery computes, applied to shard 0 only (the process died before it cut shard 1)
  const wals = [0, 1, 2].map((i) => path.join(shardDir(dir, i), readManifest(shardDir(dir, i))!.walDir));
  const cut = computeCallCut(1, wals.map((w) => scanCallLog(w, 1, true)));
  t.equal(cut.last, 3);
  t.ok(cut.truncateAt[0]! > 0 && cut.truncateAt[1]! > 0, 'shards 0 and 1 both hold calls 4 and 5');
  const manifest = readManifest(shardDir(dir, 0))!;
  writeManifest(shardDir(dir, 0), { ...manifest, durableLsn: Math.min(manifest.durableLsn, cut.truncateAt[0]! - 1) });
  truncateLog(wals[0]!, cut.truncateAt[0]!);

  const opened = await openDurableSharded(dir, {}, 3);
  db = opened.db;
  t.match(opened.warnings.join('\n'), /routed call 4 .*not whole on disk.*dropped from shard 1,/, 'the cut left to do is done: shard 1 only');
  t.same([...(await callsIn(db))].sort((a, b) => a[0] - b[0]), [1, 2, 3].map((c) => [c, KEYS]));
  t.same(await viewOf(db), expectedView([1, 2, 3]));
  db.insert('ev', callRows(6));
  await db.close();
  const again = await openDurableSharded(dir, {}, 3);
  t.same(again.warnings, []);
  t.same([...(await callsIn(again.db)).keys()].sort((a, b) => a - b), [1, 2, 3, 6], 'the call made after recovery is whole on every shard');
  await again.db.close();
});

t.test('a subscriber that inserts while an SQL DML statement runs: the calls stay in order on every shard', async (t) => {
  const dir = tempDir(t);
  let db = await setUp(dir);
  await db.execute('CREATE TABLE notes (txt VARCHAR)');
  await db.execute('CREATE MATERIALIZED VIEW note_count AS SELECT count(*) AS n FROM notes');
  db.insert('ev', callRows(1));
  // the statement's changes reach the main thread while it waits for shard 0's answer
  let nested = 0;
  const sub = db.subscribe('note_count', {
    onChange: () => {
      if (nested++ === 0) db.insert('ev', callRows(2));
    },
  });
  await db.execute("INSERT INTO notes VALUES ('x')");
  sub.close();
  // a statement that fails on shard 0 still ends its call: a number without a mark would read as
  // a lost call and drop every later one
  await t.rejects(db.execute('INSERT INTO notes VALUES (CAST(1 / 0 AS VARCHAR))'), { code: 'DIVISION_BY_ZERO' });
  db.insert('ev', callRows(3));
  await db.close();
  t.ok(nested > 0, 'the subscriber ran during the statement');
  const logs = [0, 1].map((i) => scanCallLog(path.join(shardDir(dir, i), 'wal'), 1, true));
  for (const [i, log] of logs.entries()) t.same(log.seqs, [...log.seqs].sort((a, b) => a - b), `shard ${i}'s call marks are in order`);

  const opened = await openDurableSharded(dir);
  db = opened.db;
  t.same(opened.warnings, []);
  t.same([...(await callsIn(db)).keys()].sort((a, b) => a - b), [1, 2, 3]);
  t.same((await db.query<{ txt: string }>('SELECT txt FROM notes')).map((r) => r.txt), ['x']);
  await db.close();
});

t.test('an SQL DML statement whose parameters cannot reach shard 0 gives its call number back', async (t) => {
  const dir = tempDir(t);
  let db = await setUp(dir);
  await db.execute('CREATE TABLE notes (txt VARCHAR)');
  db.insert('ev', callRows(1));
  // a function cannot be copied to the shard's thread: the statement never reaches it
  await t.rejects(async () => db.execute('INSERT INTO notes VALUES (?)', [() => 'x']), { code: 'INVALID_ARGUMENT', message: /parameters are copied to a shard thread/ });
  db.insert('ev', callRows(2));
  await db.flush();
  await db.close();
  const opened = await openDurableSharded(dir);
  db = opened.db;
  t.same(opened.warnings, [], 'no call number is missing: nothing is cut');
  t.same([...(await callsIn(db)).keys()].sort((a, b) => a - b), [1, 2], 'the call acknowledged after the failed statement is there');
  await db.close();
});
