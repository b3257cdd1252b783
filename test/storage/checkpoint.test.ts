// Operator-state checkpoints: recovery from checkpoint + WAL tail equals a run that never
// stopped; a damaged newest checkpoint falls back to the previous one; WAL segments below the
// fallback are retired; subscription taps are not part of the checkpointed graph.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import type { Database } from '../../lib/api/database.js';
import { open } from '../../lib/api/open.js';
import { openDurable, tempDir } from './helpers.js';

const SCHEMA = [
  'CREATE TABLE acct (id INT, owner VARCHAR, balance DECIMAL(12,2), PRIMARY KEY (id))',
  'CREATE MATERIALIZED VIEW totals AS SELECT owner, count(*) AS n, sum(balance) AS total FROM acct GROUP BY owner',
  'CREATE SOURCE ev (k INT, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL \'1\' SECOND)',
  'CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS c, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM ev GROUP BY k',
  "CREATE MATERIALIZED VIEW win AS SELECT window_start, k, count(*) AS c FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY window_start, k",
  'CREATE MATERIALIZED VIEW joined AS SELECT a.owner, e.k, e.v FROM acct a JOIN ev e ON a.id = e.k',
];

const QUERIES: Record<string, string> = {
  acct: 'SELECT * FROM acct ORDER BY id',
  totals: 'SELECT * FROM totals ORDER BY owner',
  per_k: 'SELECT * FROM per_k ORDER BY k',
  win: 'SELECT * FROM win ORDER BY window_start, k',
  joined: 'SELECT * FROM joined ORDER BY owner, k, v',
};

function events(from: number, n: number): { k: number; v: number; ts: number }[] {
  return Array.from({ length: n }, (_, i) => ({ k: (from + i) % 7, v: (from + i) * 3 - 50, ts: 1_700_000_000_000 + (from + i) * 700 }));
}

async function ingest(db: Database, step: number): Promise<void> {
  db.insert('acct', [
    { id: step % 5, owner: ['ann', 'bob', null][step % 3], balance: `${step}.25` },
    { id: 10 + step, owner: 'cy', balance: null },
  ]);
  if (step % 2 === 1) await db.execute('DELETE FROM acct WHERE id = $1', [10 + step - 1]);
  db.insert('ev', events(step * 20, 20));
  await db.flush();
}

async function snapshot(db: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(QUERIES)) out[name] = await db.query(sql);
  return out;
}

/** The same calls into an in-memory database: what a run that never stopped gives. */
async function reference(steps: number): Promise<Record<string, unknown[]>> {
  const db = await open();
  await db.execute(SCHEMA.join(';\n'));
  for (let s = 0; s < steps; s++) await ingest(db, s);
  const out = await snapshot(db);
  await db.close();
  return out;
}

t.test('recovery from a checkpoint plus the WAL tail equals a run that never stopped', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0 });
  await db.execute(SCHEMA.join(';\n'));
  for (let s = 0; s < 6; s++) await ingest(db, s);
  await db.execute('CHECKPOINT');
  for (let s = 6; s < 9; s++) await ingest(db, s);
  await db.close();
  t.ok(fs.existsSync(path.join(dir, 'checkpoints', '1', 'state.ckpt')), 'checkpoints/1 written');

  const engine = DurableEngine.open({ path: dir, walSegmentBytes: 1 << 20 }, new Engine({}));
  t.ok(engine.recovery.records > 0 && engine.recovery.records < 20, `only the tail is replayed (${engine.recovery.records} records)`);
  await engine.close();

  ({ db } = await openDurable(dir, { checkpointIntervalMs: 0 }));
  const ref = await reference(9);
  t.same(await snapshot(db), ref);
  t.equal((await db.query('SELECT count(*) AS c FROM win')).length, 1);
  // and it keeps going: more input, a checkpoint right after recovery, reopen again
  await ingest(db, 9);
  await db.execute('CHECKPOINT');
  await db.close();
  ({ db } = await openDurable(dir, { checkpointIntervalMs: 0 }));
  t.same(await snapshot(db), await reference(10));
  await db.close();
});

t.test('a checkpoint with no log after it recovers with nothing to replay', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0 });
  await db.execute(SCHEMA.join(';\n'));
  for (let s = 0; s < 3; s++) await ingest(db, s);
  await db.execute('CHECKPOINT');
  await db.close();
  const engine = DurableEngine.open({ path: dir, walSegmentBytes: 1 << 20 }, new Engine({}));
  t.equal(engine.recovery.records, 0);
  await engine.close();
  ({ db } = await openDurable(dir));
  t.same(await snapshot(db), await reference(3));
  await db.close();
});

t.test('DDL after data, DROP, failed DDL and SET are rebuilt exactly', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0 });
  await db.execute('CREATE TABLE t (a INT, b VARCHAR)');
  db.insert('t', [{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'y' }]);
  await db.execute('CREATE MATERIALIZED VIEW tv AS SELECT b, sum(a) AS s FROM t GROUP BY b');
  await db.execute('CREATE TABLE gone (i INT)');
  await db.execute('DROP TABLE gone');
  await t.rejects(Promise.resolve().then(() => db.execute('CREATE TABLE t2 (i INT); CREATE TABLE t (x INT)')), { code: 'DUPLICATE_OBJECT' });
  await db.execute('CREATE MATERIALIZED VIEW d AS SELECT DISTINCT b FROM t');
  await db.execute('CHECKPOINT');
  db.insert('t', [{ a: 5, b: 'z' }]);
  // a multi-statement call is all-or-nothing: the failed call created no t2
  t.throws(() => db.insert('t2', [{ i: 9 }]), { code: 'UNKNOWN_OBJECT' });
  await db.close();
  ({ db } = await openDurable(dir));
  t.same(db.relations().map((r) => r.name).sort(), ['d', 't', 'tv'], 'the failed call stays failed after recovery');
  t.same(await db.query('SELECT * FROM tv ORDER BY b'), [{ b: 'x', s: 1 }, { b: 'y', s: 4 }, { b: 'z', s: 5 }]);
  t.same(await db.query('SELECT * FROM d ORDER BY b'), [{ b: 'x' }, { b: 'y' }, { b: 'z' }]);
  t.throws(() => db.insert('t2', [{ i: 9 }]), { code: 'UNKNOWN_OBJECT' });
  await db.close();
});

t.test('a damaged newest checkpoint falls back to the previous one (with a warning)', async (t) => {
  for (const damage of ['flip', 'truncate', 'delete'] as const) {
    const dir = tempDir(t);
    let { db, warnings } = await openDurable(dir, { checkpointIntervalMs: 0 });
    await db.execute(SCHEMA.join(';\n'));
    for (let s = 0; s < 4; s++) await ingest(db, s);
    await db.execute('CHECKPOINT');
    for (let s = 4; s < 7; s++) await ingest(db, s);
    await db.execute('CHECKPOINT');
    await ingest(db, 7);
    await db.close();
    const file = path.join(dir, 'checkpoints', '2', 'state.ckpt');
    if (damage === 'flip') {
      const bytes = fs.readFileSync(file);
      bytes[bytes.length >> 1] ^= 0x10;
      fs.writeFileSync(file, bytes);
    } else if (damage === 'truncate') fs.truncateSync(file, 100);
    else fs.rmSync(file);
    ({ db, warnings } = await openDurable(dir));
    t.match(warnings.join('\n'), /checkpoint .*2.*falling back to checkpoint 1/, `${damage}: warned`);
    t.same(await snapshot(db), await reference(8), `${damage}: results equal a run that never stopped`);
    await db.close();
  }
});

t.test('WAL segments wholly below the previous checkpoint are retired; older checkpoints deleted', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0, walSegmentBytes: 4096 });
  await db.execute(SCHEMA.join(';\n'));
  const walFiles = (): string[] => fs.readdirSync(path.join(dir, 'wal')).filter((f) => /^\d+\.wal$/.test(f)).sort();
  const firstLsn = (f: string): number => Number(f.split('.')[0]);
  for (let s = 0; s < 20; s++) await ingest(db, s);
  const before = walFiles();
  t.ok(before.length > 3, `several segments (${before.length})`);
  await db.execute('CHECKPOINT');
  t.same(walFiles(), before, 'the first checkpoint keeps the whole log (no fallback yet)');
  for (let s = 20; s < 40; s++) await ingest(db, s);
  await db.execute('CHECKPOINT');
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'MANIFEST'), 'utf8').split('\n')[0]!);
  const fallbackLsn = manifest.checkpoints[0].lsn as number;
  const after = walFiles();
  t.ok(firstLsn(after[0]!) > 1, `the oldest segments are gone (now from ${after[0]})`);
  t.ok(firstLsn(after[0]!) <= fallbackLsn + 1, 'every record after the fallback checkpoint is kept');
  for (let s = 40; s < 42; s++) await ingest(db, s);
  await db.execute('CHECKPOINT');
  const kept = JSON.parse(fs.readFileSync(path.join(dir, 'MANIFEST'), 'utf8').split('\n')[0]!).checkpoints as { epoch: number; chain?: { epoch: number }[] }[];
  t.same(kept.map((c) => c.epoch), [2, 3], 'the newest checkpoint and one fallback are recovery points');
  const needed = new Set(kept.flatMap((c) => [c.epoch, ...(c.chain ?? []).map((l) => l.epoch)]));
  t.same(fs.readdirSync(path.join(dir, 'checkpoints')).map(Number).sort(), [...needed].sort(), 'they and the checkpoints they are deltas on are kept, nothing else');
  await db.close();
  ({ db } = await openDurable(dir, { walSegmentBytes: 4096 }));
  t.same(await snapshot(db), await reference(42));
  await db.close();
  // the newest damaged: the fallback plus the retained log still give everything
  fs.truncateSync(path.join(dir, 'checkpoints', '3', 'state.ckpt'), 20);
  ({ db } = await openDurable(dir, { walSegmentBytes: 4096 }));
  t.same(await snapshot(db), await reference(42));
  await db.close();
  // both damaged and the log retired: refuse rather than return a shorter history
  fs.truncateSync(path.join(dir, 'checkpoints', '2', 'state.ckpt'), 20);
  await t.rejects(openDurable(dir, { walSegmentBytes: 4096 }), { code: 'CORRUPTION' });
});

t.test('subscription taps and subscribers are not part of the checkpoint', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0 });
  await db.execute(SCHEMA.join(';\n'));
  const seen: unknown[] = [];
  const tableSub = db.subscribe('acct', { onChange: (c) => seen.push(c) });
  const viewSub = db.subscribe('per_k', { onChange: (c) => seen.push(c) });
  for (let s = 0; s < 3; s++) await ingest(db, s);
  await db.execute('CHECKPOINT');
  t.ok(seen.length > 0, 'subscribers got changes');
  await ingest(db, 3);
  tableSub.close();
  viewSub.close();
  await db.close();
  ({ db } = await openDurable(dir));
  t.same(await snapshot(db), await reference(4));
  await db.close();
});

t.test('CHECKPOINT from inside a subscriber callback takes its cut after the step', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0 });
  await db.execute('CREATE TABLE t (a INT); CREATE MATERIALIZED VIEW s AS SELECT sum(a) AS s FROM t');
  let done: Promise<unknown> | null = null;
  const sub = db.subscribe('s', {
    onChange: () => {
      done ??= db.execute('CHECKPOINT');
    },
  });
  db.insert('t', [{ a: 1 }, { a: 2 }]);
  t.ok(done !== null, 'the callback ran');
  db.insert('t', [{ a: 4 }]);
  await done;
  sub.close();
  await db.close();
  const engine = DurableEngine.open({ path: dir, walSegmentBytes: 1 << 20 }, new Engine({}));
  t.equal(engine.recovery.records, 0, 'the cut includes both inserts (taken when the step was over)');
  await engine.close();
  ({ db } = await openDurable(dir));
  t.same(await db.query('SELECT * FROM s'), [{ s: 7 }]);
  await db.close();
});
