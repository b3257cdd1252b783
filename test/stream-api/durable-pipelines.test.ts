// Named pipelines in a durable database's checkpoints: the fraud detector (keyed state in the
// native store, event-time timers) writes alerts into a `to()` stream; a CHECKPOINT is taken in
// the middle of an out-of-order stream, more is ingested after it (the WAL tail), the database is
// closed and reopened, the pipeline is declared again by the same code, and the rest of the
// stream is ingested. The alerts SQL reads must equal the hand computation exactly: the
// checkpointed state and the replayed tail together, no alert twice, none missing.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open, type Pipeline } from '../../lib/index.js';
import { FraudDetector, expected, generate, sortAlerts, type Alert, type Tx } from './fraud-fixture.js';

type Db = Awaited<ReturnType<typeof open>>;

const txs = generate(3000, 7);
const want = expected(txs);
const END = Date.UTC(2030, 0, 1);

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-durable-pipeline-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openDb(dir: string, fresh: boolean): Promise<Db> {
  // no periodic checkpoints: the test decides where the cut is
  const db = await open({ path: dir, checkpointIntervalMs: 0 } as Parameters<typeof open>[0]);
  if (fresh) await db.execute(`CREATE SOURCE tx (card VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`);
  return db;
}

function detector(db: Db): Pipeline {
  return db
    .stream<Tx>('tx')
    .keyBy((tx) => tx.card)
    .process(new FraudDetector())
    .map((a: Alert) => ({ card: a.card, small_at: a.smallAt, large_at: a.largeAt, amount: a.amount }))
    .to('alerts', 'card VARCHAR, small_at BIGINT, large_at BIGINT, amount DOUBLE');
}

function ingest(db: Db, from: number, to: number, batch = 41): void {
  for (let i = from; i < to; i += batch) db.insert('tx', txs.slice(i, Math.min(i + batch, to)));
}

async function alertsOf(db: Db): Promise<Alert[]> {
  const rows = await db.query<{ card: string; small_at: number; large_at: number; amount: number }>('SELECT card, small_at, large_at, amount FROM alerts');
  return sortAlerts(rows.map((r) => ({ card: r.card, smallAt: Number(r.small_at), largeAt: Number(r.large_at), amount: r.amount })));
}

t.test('the stream and its expectation exercise the rule', async (t) => {
  t.ok(want.length > 15, `${want.length} expected alerts`);
});

t.test('CHECKPOINT in the middle, more after it, close, reopen, declare again, the rest: exact alerts', async (t) => {
  const dir = tempDir(t);
  const cut = 1200;
  const tail = 1900;
  {
    const db = await openDb(dir, true);
    const p = detector(db);
    ingest(db, 0, cut);
    await db.execute('CHECKPOINT');
    t.ok(p.stateSize() > 0, 'buffered transactions and timers were in flight at the checkpoint');
    ingest(db, cut, tail); // in the log only: replayed into the pipeline after the restart
    t.ok((await alertsOf(db)).length > 0, 'alerts were produced before the restart');
    await db.close();
  }
  const db = await openDb(dir, false);
  const before = await alertsOf(db);
  t.ok(before.length > 0, 'the alerts written before the restart are back (from the log)');
  const p = detector(db);
  t.same(await alertsOf(db), before, 'declaring the pipeline again inserts nothing that was already there');
  ingest(db, tail, txs.length);
  db.advanceWatermark('tx', END);
  await db.flush();
  t.equal(p.failed, false);
  const got = await alertsOf(db);
  t.same(got, want, 'alerts equal the hand computation');
  t.equal(new Set(got.map((a) => `${a.card}@${a.largeAt}`)).size, got.length, 'no alert twice');
  t.equal(p.stateSize(), 0, 'every buffered event handled, every timer fired');
  await db.close();
});

t.test('a checkpoint taken before the pipeline is declared again carries its state and log forward', async (t) => {
  const dir = tempDir(t);
  {
    const db = await openDb(dir, true);
    detector(db);
    ingest(db, 0, 1000);
    await db.execute('CHECKPOINT');
    ingest(db, 1000, 1500);
    await db.close();
  }
  {
    // user code is slow to declare it: a checkpoint and more input happen first
    const db = await openDb(dir, false);
    ingest(db, 1500, 1800);
    await db.execute('CHECKPOINT');
    ingest(db, 1800, 2100);
    await db.close();
  }
  const db = await openDb(dir, false);
  const p = detector(db);
  ingest(db, 2100, txs.length);
  db.advanceWatermark('tx', END);
  await db.flush();
  t.equal(p.failed, false);
  t.same(await alertsOf(db), want, 'alerts equal the hand computation');
  await db.close();
});

t.test('a checkpoint with nothing after it, and a restart with the whole stream before it', async (t) => {
  const dir = tempDir(t);
  {
    const db = await openDb(dir, true);
    detector(db);
    ingest(db, 0, txs.length);
    db.advanceWatermark('tx', END);
    await db.execute('CHECKPOINT');
    await db.close();
  }
  const db = await openDb(dir, false);
  const p = detector(db);
  await db.flush();
  t.same(await alertsOf(db), want);
  t.equal(p.stateSize(), 0);
  await db.close();
});

t.test('binding rules: a changed pipeline shape is refused, names are unique, stop() leaves the checkpoints', async (t) => {
  const dir = tempDir(t);
  {
    const db = await openDb(dir, true);
    await db.execute('CREATE TABLE other (card VARCHAR, amount DOUBLE, ts TIMESTAMP) APPEND ONLY');
    detector(db);
    t.throws(() => detector(db), { code: 'DUPLICATE_OBJECT' }, 'a second pipeline under the same name');
    const side = db.stream<Tx>('tx').map((x) => x.amount).forEach(() => undefined, { name: 'side' });
    ingest(db, 0, 300);
    side.stop();
    await db.execute('CHECKPOINT');
    await db.close();
  }
  const db = await openDb(dir, false);
  t.throws(
    () => db.stream<Tx>('other').keyBy((tx) => tx.card).process(new FraudDetector()).forEach(() => undefined, { name: 'alerts' }),
    { code: 'INVALID_ARGUMENT', message: /pipeline "alerts" was checkpointed reading tx but is now declared reading other/ },
  );
  // a stopped pipeline is not in the checkpoint: the same name starts from nothing
  const seen: number[] = [];
  db.stream<Tx>('tx').map((x) => x.amount).forEach((a) => seen.push(...a), { name: 'side' });
  t.equal(seen.length, 300, 'it reads the stored rows like any new pipeline');
  await db.close();
});

t.test('a forEach pipeline named with { name } resumes too; its callback sees the replayed steps again', async (t) => {
  const dir = tempDir(t);
  const counter = (db: Db, out: string[]): Pipeline =>
    db
      .stream<Tx>('tx')
      .keyBy((tx) => tx.card)
      .process<string>({
        process(tx, ctx) {
          const n = ctx.state.value<number>('n');
          n.update((n.value() ?? 0) + 1);
          ctx.emit(`${ctx.key}:${n.value()}`);
        },
      })
      .forEach((e) => out.push(...e), { name: 'per-card counts' });
  const t0 = Date.UTC(2024, 0, 1);
  const tx = (card: string, i: number): Tx => ({ card, amount: 1, ts: new Date(t0 + i) });
  const before: string[] = [];
  {
    const db = await openDb(dir, true);
    counter(db, before);
    db.insert('tx', [tx('a', 1), tx('b', 2), tx('a', 3)]);
    await db.execute('CHECKPOINT');
    db.insert('tx', [tx('a', 4)]);
    await db.close();
  }
  t.same(before, ['a:1', 'b:1', 'a:2', 'a:3']);
  const db = await openDb(dir, false);
  const after: string[] = [];
  const p = counter(db, after);
  t.same(after, ['a:3'], 'the step after the checkpoint is replayed (at-least-once for callbacks)');
  db.insert('tx', [tx('b', 5), tx('a', 6)]);
  t.same(after, ['a:3', 'b:2', 'a:4'], 'counts go on from the checkpointed state plus the replayed step');
  t.same(
    p.inspectState().map((e) => `${e.state}(${String(e.key)})=${String(e.value)}`).sort(),
    ['n(a)=4', 'n(b)=2'],
    'the state in the native store',
  );
  await db.close();
});

t.test('a large keyed state (its native image in the checkpoint) comes back after a restart', async (t) => {
  const dir = tempDir(t);
  const KEYS = 70_000; // above the size from which a snapshot is the store's native image
  const declare = (db: Db): Pipeline =>
    db
      .stream<{ id: number; v: number }>('nums')
      .keyBy((e) => e.id)
      .process<number>({
        process(e, ctx) {
          const sum = ctx.state.value<{ total: number }>('sum');
          const now = (sum.value()?.total ?? 0) + e.v;
          sum.update({ total: now });
          if (e.id === 7) ctx.emit(now);
        },
      })
      .forEach(() => undefined, { name: 'sums' });
  const rows = (v: number) => Array.from({ length: KEYS }, (_, id) => ({ id, v }));
  {
    const db = await openDb(dir, false);
    await db.execute('CREATE TABLE nums (id INT, v INT) APPEND ONLY');
    declare(db);
    db.insert('nums', rows(1));
    await db.execute('CHECKPOINT');
    await db.close();
  }
  const db = await openDb(dir, false);
  const p = declare(db);
  db.insert('nums', rows(10));
  const state = p.inspectState();
  t.equal(state.length, KEYS);
  t.equal(state.filter((e) => (e.value as { total: number }).total !== 11).length, 0, 'every key: 1 before the restart + 10 after');
  await db.close();
});
