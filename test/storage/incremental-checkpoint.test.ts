// Incremental, asynchronous checkpoints of large state: after a full checkpoint, the next ones
// hold only the rows changed since (a chain of deltas in the MANIFEST), the chain is compacted,
// the cut stays exactly the state at the CHECKPOINT call while later steps run during its
// encoding, and recovery from any checkpoint of a chain (or its fallback) equals a run that
// never stopped.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { MAX_CHAIN, readCheckpointChain } from '../../lib/storage/checkpoint-image.js';
import { serializeState } from '../../lib/storage/checkpoint-codec.js';
import { crc32c } from '../../lib/storage/fsync.js';
import { readManifest } from '../../lib/storage/manifest.js';
import type { Row } from '../../lib/types/value.js';
import { tempDir } from './helpers.js';
import type { RowChunk } from '../../lib/exec/runtime/keyed-rows.js';
import { rowsOfChunks } from '../../lib/exec/runtime/keyed-chunks-codec.js';
import { checkpointWhileStepping, newestCheckpointImage, referenceRun, snapshotsNow, upsertKv, type Db } from '../helpers/durable-history.js';

/** A decoded node state as its operator's snapshot() gives it: a keyed table's chunks as rows. */
function asSnapshot(op: string, state: unknown): unknown {
  const chunks = (state as { chunks?: RowChunk[] } | null)?.chunks;
  return op === 'TableStore' && Array.isArray(chunks) ? { rows: rowsOfChunks(chunks) } : state;
}

const KEYS = 12_000;
const SCHEMA = [
  'CREATE TABLE kv (k INT, v INT, note VARCHAR, PRIMARY KEY (k))',
  'CREATE MATERIALIZED VIEW per_v AS SELECT v, count(*) AS n, sum(k) AS s FROM kv GROUP BY v',
  'CREATE MATERIALIZED VIEW evens AS SELECT k, v FROM kv WHERE k % 2 = 0',
  'CREATE TABLE bag (a INT, b VARCHAR)',
  'CREATE MATERIALIZED VIEW bag_n AS SELECT b, count(*) AS n FROM bag GROUP BY b',
].join(';\n');

/** Opens without tolerating warnings: a delta that failed to load would fall back silently. */
function open(dir: string): DurableEngine {
  const fail = (m: string): never => {
    throw new Error(`unexpected recovery warning: ${m}`);
  };
  return DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20, onWarning: fail }, new Engine({}));
}

/** A deterministic history, step by step: the same calls go to the durable and the reference engine. */
function step(db: Db, s: number): void {
  if (s === 0) {
    upsertKv(db, 0, KEYS, 0);
    db.insertRows('bag', Array.from({ length: 5000 }, (_, i): Row => [i % 50, `b${i % 7}`]));
    return;
  }
  // about 1 % of the keys change, some are deleted, some are new
  upsertKv(db, (s * 977) % (KEYS - 100), 100, s, `s${s}`);
  void db.execute(`DELETE FROM kv WHERE k >= ${s * 31} AND k < ${s * 31 + 5}`);
  upsertKv(db, KEYS + s * 10, 10, s);
  db.insertRows('bag', [[s, `b${s % 7}`], [s, `b${s % 7}`]]);
  void db.execute(`DELETE FROM bag WHERE a = ${s + 20}`);
}

function results(db: Db): Record<string, unknown[]> {
  return {
    kv: db.query('SELECT * FROM kv ORDER BY k').rows,
    per_v: db.query('SELECT * FROM per_v ORDER BY v').rows,
    evens: db.query('SELECT count(*), sum(k), sum(v) FROM evens').rows,
    bag: db.query('SELECT a, b, count(*) FROM bag GROUP BY a, b ORDER BY a, b').rows,
    bag_n: db.query('SELECT * FROM bag_n ORDER BY b').rows,
  };
}

const reference = (steps: number): Record<string, unknown[]> => referenceRun(SCHEMA, steps, step, results);

const fileSize = (dir: string, epoch: number): number => fs.statSync(path.join(dir, 'checkpoints', String(epoch), 'state.ckpt')).size;

t.test('after a full checkpoint the next ones hold only the changes; recovery equals a run that never stopped', async (t) => {
  const dir = tempDir(t);
  let db = open(dir);
  db.execute(SCHEMA);
  step(db, 0);
  await db.execute('CHECKPOINT');
  t.equal(db.lastCheckpoint!.incremental, false, 'the first checkpoint is full');
  const full = db.lastCheckpoint!.bytes;
  for (let s = 1; s < 4; s++) {
    step(db, s);
    await db.flush();
    const [result] = (await db.execute('CHECKPOINT')) as { notice?: string }[];
    const c = db.lastCheckpoint!;
    t.match(result!.notice, new RegExp(`epoch ${c.epoch} .*incremental: the ${c.changedElements} rows changed since checkpoint ${c.epoch - 1}, ${c.bytes} bytes`), 'CHECKPOINT says what it wrote');
    t.equal(c.incremental, true, `checkpoint ${c.epoch} is incremental`);
    t.ok(c.bytes * 10 < full, `checkpoint ${c.epoch}: ${c.bytes} bytes vs ${full} for the full one`);
    t.ok(c.changedElements > 0 && c.changedElements < 500, `${c.changedElements} changed rows written`);
  }
  const m = readManifest(dir)!;
  t.same(m.checkpoints!.map((c) => [c.epoch, (c.chain ?? []).map((l) => l.epoch)]), [[3, [1, 2]], [4, [1, 2, 3]]], 'the MANIFEST chains each delta to its base');
  t.same(fs.readdirSync(path.join(dir, 'checkpoints')).sort(), ['1', '2', '3', '4'], 'the chain is kept');
  step(db, 4);
  await db.close();

  db = open(dir);
  t.ok(db.recovery.records > 0 && db.recovery.records < 10, `only the tail after checkpoint 4 replays (${db.recovery.records} records)`);
  t.same(results(db), reference(5));
  // the first checkpoint after recovery is a delta on the loaded chain
  step(db, 5);
  await db.execute('CHECKPOINT');
  t.equal(db.lastCheckpoint!.incremental, true, 'incremental right after recovery');
  await db.close();
  db = open(dir);
  t.equal(db.recovery.records, 0);
  t.same(results(db), reference(6));
  await db.close();
});

t.test('the cut is the state at the CHECKPOINT call, though later steps run while it is encoded', async (t) => {
  const dir = tempDir(t);
  let db = open(dir);
  db.execute(SCHEMA);
  step(db, 0);
  await db.execute('CHECKPOINT');
  step(db, 1);
  // steps run between the encoding's slices: they must not leak into the cut (the bag table
  // counts duplicates, so a row both in the cut and in the replayed tail would show twice)
  let s = 2;
  const stepsDuring = await checkpointWhileStepping(db, () => step(db, s++), false);
  t.ok(stepsDuring >= 1, `${stepsDuring} steps ran while the checkpoint was encoded and written`);
  const epoch = db.lastCheckpoint!.epoch;
  await db.close();
  db = open(dir);
  t.equal(readManifest(dir)!.checkpoints!.at(-1)!.epoch, epoch);
  t.same(results(db), reference(s));
  await db.close();
});

t.test('a cut taken by reference (stores, a large aggregate) holds exactly the state at the call', async (t) => {
  const dir = tempDir(t);
  const inner = new Engine({});
  const db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20 }, inner);
  db.execute(SCHEMA);
  db.execute('CREATE MATERIALIZED VIEW per_key AS SELECT k, count(*) AS n, sum(v) AS s, min(note) AS lo, max(v) AS hi, bool_or(v > 5) AS big FROM kv GROUP BY k');
  const state = inner.storageState();
  step(db, 0);
  for (let round = 1; round <= 2; round++) {
    step(db, round);
    await db.flush();
    // what every operator holds at the call (no step can run before the cut's microtask)
    const expected = snapshotsNow(state);
    let s = 10 * round;
    // the cut is taken on a microtask after the call, so the first step comes after a turn;
    // steps update, delete and add keys: the aggregate's groups and the stores change
    await checkpointWhileStepping(db, () => step(db, s++), true);
    t.ok(s > 10 * round, `${s - 10 * round} steps ran during checkpoint ${db.lastCheckpoint!.epoch}`);
    const image = newestCheckpointImage(dir);
    t.same(image.nodes.map((n) => asSnapshot(n.op, n.state)), expected, `checkpoint ${image.epoch} (${db.lastCheckpoint!.incremental ? 'incremental' : 'full'}) is the state at the call`);
  }
  await db.close();
});

t.test(`the chain is compacted: after ${MAX_CHAIN} deltas the next checkpoint is full and old files go`, async (t) => {
  const dir = tempDir(t);
  const db = open(dir);
  db.execute(SCHEMA);
  step(db, 0);
  const kinds: boolean[] = [];
  for (let s = 1; s <= MAX_CHAIN + 3; s++) {
    await db.execute('CHECKPOINT');
    kinds.push(db.lastCheckpoint!.incremental);
    step(db, s);
  }
  const expected = [false, ...Array(MAX_CHAIN).fill(true), false, true];
  t.same(kinds, expected, 'full, 8 deltas, full, delta');
  const m = readManifest(dir)!;
  const newest = m.checkpoints!.at(-1)!;
  t.same((newest.chain ?? []).map((l) => l.epoch), [MAX_CHAIN + 2], 'the newest is a delta on the new base');
  // the new base's fallback (the last delta of the old chain) keeps its chain; nothing else stays
  const kept = fs.readdirSync(path.join(dir, 'checkpoints')).map(Number).sort((a, b) => a - b);
  t.same(kept, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].filter((e) => e >= MAX_CHAIN + 2), 'only the base and its delta are kept once the fallback is in the new chain');
  t.ok(fileSize(dir, MAX_CHAIN + 3) * 10 < fileSize(dir, MAX_CHAIN + 2));
  await db.close();
  const again = open(dir);
  t.same(results(again), reference(MAX_CHAIN + 4));
  await again.close();
});

t.test('a damaged delta falls back to the previous checkpoint of its chain; a damaged base loses both', async (t) => {
  for (const damage of ['flip', 'truncate', 'delete'] as const) {
    const dir = tempDir(t);
    let db = open(dir);
    db.execute(SCHEMA);
    step(db, 0);
    await db.execute('CHECKPOINT');
    step(db, 1);
    await db.execute('CHECKPOINT');
    step(db, 2);
    await db.execute('CHECKPOINT');
    step(db, 3);
    await db.close();
    const file = path.join(dir, 'checkpoints', '3', 'state.ckpt');
    if (damage === 'flip') {
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 20] ^= 0x40;
      fs.writeFileSync(file, bytes);
    } else if (damage === 'truncate') fs.truncateSync(file, fs.statSync(file).size - 7);
    else fs.rmSync(file);
    const warnings: string[] = [];
    db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20, onWarning: (m: string) => warnings.push(m) }, new Engine({}));
    t.match(warnings.join('\n'), /checkpoint .*3.*falling back to checkpoint 2/, `${damage}: warned`);
    t.same(results(db), reference(4), `${damage}: recovered from checkpoint 2 + the log`);
    await db.close();
  }
  // the base of both: neither recovers; the log is still complete here, so it is replayed whole
  const dir = tempDir(t);
  let db = open(dir);
  db.execute(SCHEMA);
  step(db, 0);
  await db.execute('CHECKPOINT');
  step(db, 1);
  await db.execute('CHECKPOINT');
  await db.close();
  const base = path.join(dir, 'checkpoints', '1', 'state.ckpt');
  const bytes = fs.readFileSync(base);
  bytes[100] ^= 0x01;
  fs.writeFileSync(base, bytes);
  const warnings: string[] = [];
  db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20, onWarning: (m: string) => warnings.push(m) }, new Engine({}));
  t.match(warnings.join('\n'), /replaying the whole log/);
  t.same(results(db), reference(2));
  await db.close();
});

t.test('a source retaining many batches is checkpointed incrementally (new batches only)', async (t) => {
  const SOURCE = [
    "CREATE SOURCE ev (k INT, v BIGINT, note VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)",
    'CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS n, sum(v) AS s FROM ev GROUP BY k',
    "CREATE MATERIALIZED VIEW win AS SELECT window_start, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end",
    // append-only: kept as its batches, checkpointed like the source
    'CREATE MATERIALIZED VIEW tagged AS SELECT k, v, note FROM ev WHERE k < 9',
  ].join(';\n');
  const batch = (db: Db, b: number): void =>
    db.insertRows('ev', Array.from({ length: 50 }, (_, i): Row => [(b + i) % 11, b * 50 + i, i % 3 === 0 ? null : `n${b}`, 1_700_000_000_000 + (b * 50 + i) * 100]));
  const sourceResults = (db: Db): unknown[] => [
    db.query('SELECT count(*), sum(v), min(ts), max(ts), count(note) FROM ev').rows,
    db.query('SELECT * FROM per_k ORDER BY k').rows,
    db.query('SELECT * FROM win ORDER BY window_start').rows,
    db.query('SELECT * FROM tagged ORDER BY v').rows,
  ];
  const sourceReference = (batches: number): unknown[] => referenceRun(SOURCE, batches, batch, sourceResults);
  const dir = tempDir(t);
  let db = open(dir);
  db.execute(SOURCE);
  for (let b = 0; b < 400; b++) batch(db, b);
  await db.execute('CHECKPOINT');
  const full = db.lastCheckpoint!;
  t.equal(full.incremental, false);
  for (let b = 400; b < 410; b++) batch(db, b);
  await db.execute('CHECKPOINT');
  const delta = db.lastCheckpoint!;
  t.equal(delta.incremental, true, 'the second checkpoint holds only the new batches');
  t.ok(delta.bytes * 5 < full.bytes, `${delta.bytes} bytes vs ${full.bytes}`);
  for (let b = 410; b < 420; b++) batch(db, b);
  await db.close();
  db = open(dir);
  t.same(sourceResults(db), sourceReference(420), 'recovered from full + delta + log tail');
  for (let b = 420; b < 425; b++) batch(db, b);
  await db.execute('CHECKPOINT');
  t.equal(db.lastCheckpoint!.incremental, true, 'after recovery the next checkpoint is a delta on the loaded chain');
  for (let b = 425; b < 430; b++) batch(db, b);
  await db.close();
  db = open(dir);
  t.same(sourceResults(db), sourceReference(430));
  await db.close();
});

t.test('a format-1 checkpoint (LMCKPT01, written before incremental checkpoints) still recovers', async (t) => {
  const dir = tempDir(t);
  let db = open(dir);
  db.execute(SCHEMA);
  step(db, 0);
  step(db, 1);
  await db.execute('CHECKPOINT');
  step(db, 2);
  await db.close();
  // rewrite checkpoint 1 the way format 1 wrote it: one CRC-32C over one v8 body
  const entry = readManifest(dir)!.checkpoints!.at(-1)!;
  const image = readCheckpointChain(dir, entry).image;
  const body = serializeState(image);
  const header = Buffer.alloc(12);
  header.write('LMCKPT01', 0, 'latin1');
  header.writeUInt32LE(crc32c(body), 8);
  fs.writeFileSync(path.join(dir, 'checkpoints', String(entry.epoch), 'state.ckpt'), Buffer.concat([header, body]));
  db = open(dir);
  t.ok(db.recovery.records < 10, `restored from the format-1 file (${db.recovery.records} records replayed)`);
  t.same(results(db), reference(3));
  step(db, 3);
  await db.execute('CHECKPOINT');
  t.equal(db.lastCheckpoint!.incremental, true, 'the next checkpoint is a delta on it');
  await db.close();
  const warnings: string[] = [];
  db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20, onWarning: (m: string) => warnings.push(m) }, new Engine({}));
  t.same(warnings, [], 'the delta on the format-1 base loads (no fallback)');
  t.equal(db.recovery.records, 0);
  t.same(results(db), reference(4));
  await db.close();
  // and a damaged format-1 file is refused like any other
  fs.writeFileSync(path.join(dir, 'checkpoints', String(entry.epoch), 'state.ckpt'), Buffer.concat([header, body.subarray(0, 50)]));
  t.throws(() => readCheckpointChain(dir, entry), { code: 'CORRUPTION' });
});

t.test('what a checkpoint (full or a chain of deltas) restores is exactly every operator\'s snapshot()', async (t) => {
  // the deferred forms (rows by reference, a source's batches through contents()) must decode
  // to the format each operator's restore() reads: compare with snapshot() after a v8 round trip
  const dir = tempDir(t);
  const inner = new Engine({});
  const db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20 }, inner);
  db.execute(SCHEMA);
  db.execute("CREATE SOURCE ev (k INT, note VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
  db.execute('CREATE MATERIALIZED VIEW ev_n AS SELECT k, count(*) AS n FROM ev GROUP BY k');
  db.execute('CREATE MATERIALIZED VIEW ev_notes AS SELECT k, note, ts FROM ev WHERE k > 0');
  db.execute('CREATE MATERIALIZED VIEW per_key AS SELECT k, count(*) AS n, sum(v) AS s, min(note) AS lo, max(v) AS hi, bool_or(v > 5) AS big FROM kv GROUP BY k');
  const state = inner.storageState();
  const evBatch = (b: number): void => db.insertRows('ev', Array.from({ length: 40 }, (_, i): Row => [i % 5, i % 4 === 0 ? null : `e${b}`, 1_700_000_000_000 + b * 1000 + i]));
  step(db, 0);
  for (let b = 0; b < 30; b++) evBatch(b);
  for (let round = 0; round < 3; round++) {
    await db.flush();
    const expected = snapshotsNow(state);
    await db.execute('CHECKPOINT');
    const image = newestCheckpointImage(dir);
    t.equal(image.nodes.length, expected.length);
    image.nodes.forEach((n, i) => t.same(asSnapshot(n.op, n.state), expected[i], `checkpoint ${image.epoch} (${db.lastCheckpoint!.incremental ? 'incremental' : 'full'}): ${n.op} ${n.name ?? ''}`));
    step(db, round + 1);
    for (let b = 0; b < 3; b++) evBatch(30 + round * 3 + b);
  }
  await db.close();
});

t.test('an aggregate with many groups (built-in aggregates) is checkpointed incrementally', async (t) => {
  const AGG = `${SCHEMA};
CREATE MATERIALIZED VIEW per_key AS SELECT k, count(*) AS n, sum(v) AS s, min(note) AS lo, max(v) AS hi, bool_or(v > 5) AS big, sum(CAST(v AS DECIMAL(10,2))) AS d FROM kv GROUP BY k`;
  const aggResults = (db: Db): unknown[] => [results(db), db.query('SELECT * FROM per_key ORDER BY k').rows];
  const aggReference = (steps: number): unknown[] => referenceRun(AGG, steps, step, aggResults);
  const dir = tempDir(t);
  let db = open(dir);
  db.execute(AGG);
  step(db, 0);
  await db.execute('CHECKPOINT');
  const full = db.lastCheckpoint!.bytes;
  for (let s = 1; s < 4; s++) {
    step(db, s);
    await db.execute('CHECKPOINT');
    const c = db.lastCheckpoint!;
    t.ok(c.incremental && c.bytes * 5 < full, `checkpoint ${c.epoch}: incremental, ${c.bytes} bytes vs ${full}`);
  }
  step(db, 4);
  await db.close();
  db = open(dir);
  t.same(aggResults(db), aggReference(5), 'groups updated, deleted (keys deleted) and new all recover');
  await db.close();
});
