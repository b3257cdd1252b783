// Storage benchmarks (npm run bench:storage): durable ingest events/s and ack latency per
// durability mode against the in-memory engine, CHECKPOINT time, and recovery time to ready for
// a log of N events building N keys of view state, and what a checkpoint costs the hot path (full,
// then incremental with 1 % of the keys changed). Sizes scale with LAMINAR_BENCH_EVENTS.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from '../../lib/index.js';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { ackLatency, describe } from './ack.js';

const EVENTS = Number(process.env.LAMINAR_BENCH_EVENTS ?? 1_000_000);
const BATCH = 1000;

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-bench-'));
}

function columnsBatch(start: number, n: number): Array<{ k: number; v: number; ts: number }> {
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = { k: start + i, v: (start + i) % 97, ts: 1_700_000_000_000 + start + i };
  return rows;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function ingest(mode: 'memory' | 'none' | 'group' | 'sync', warmup = false): Promise<void> {
  const dir = tmp();
  const db = await open(mode === 'memory' ? {} : { path: dir, durability: mode });
  await db.execute('CREATE SOURCE ev (k BIGINT, v INT, ts TIMESTAMP)');
  await db.execute('CREATE MATERIALIZED VIEW agg AS SELECT v, count(*) AS n, sum(k) AS s FROM ev GROUP BY v');
  const n = Math.min(EVENTS, 500_000);
  const batches: Array<ReturnType<typeof columnsBatch>> = [];
  for (let b = 0; b < n / BATCH; b++) batches.push(columnsBatch(b * BATCH, BATCH));
  // throughput: insert calls of 1000 rows, one flush (ack) at the end
  let t0 = performance.now();
  for (const rows of batches) db.insert('ev', rows);
  await db.flush();
  const secs = (performance.now() - t0) / 1000;
  // ack latency: 100-row insert then await flush, at a paced 100 K events/s
  const lat: number[] = [];
  const small = columnsBatch(0, 100);
  t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const due = t0 + i; // one 100-row call per millisecond = 100 K events/s
    while (performance.now() < due) await new Promise((r) => setImmediate(r));
    const s = performance.now();
    db.insert('ev', small);
    await db.flush();
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  if (!warmup) console.log(
    `ingest ${mode.padEnd(6)} ${(n / secs / 1e6).toFixed(2)} M events/s (${n} events, 1000-row calls, view updated)   ` +
      `ack (insert 100 rows + flush) p50 ${pct(lat, 0.5).toFixed(3)} ms p99 ${pct(lat, 0.99).toFixed(3)} ms`,
  );
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** times the recovery rows open the same directory (the median is reported) */
const RECOVERY_RUNS = 3;

/**
 * Recovery to ready for EVENTS keys of state + EVENTS more WAL events (updates of the same keys),
 * with an operator-state checkpoint between the two halves, and without one (whole-log replay).
 * The directory is opened RECOVERY_RUNS times (nothing is logged in between, and close() is told
 * not to checkpoint, so every open does the same work); each run prints where its time went:
 * reading the checkpoint chain, rebuilding the catalog and restoring operator state, replaying
 * the log. Opened through DurableEngine directly (what open({ path }) wraps) to read that split.
 */
async function recovery(withCheckpoint: boolean): Promise<void> {
  const dir = tmp();
  // closeCheckpointBytes: Infinity, or close() would checkpoint the tail this measures replaying
  const settings = { path: dir, checkpointIntervalMs: 0, closeCheckpointBytes: Infinity };
  let db = DurableEngine.open(settings, new Engine({}));
  await db.execute('CREATE TABLE kv (k BIGINT, v INT, ts TIMESTAMP, PRIMARY KEY (k))');
  await db.execute('CREATE MATERIALIZED VIEW per_v AS SELECT v, count(*) AS n FROM kv GROUP BY v');
  for (let b = 0; b < EVENTS / BATCH; b++) db.insertColumns('kv', kvColumns(b * BATCH, BATCH, 0), BATCH);
  await db.flush();
  let checkpoint = '';
  if (withCheckpoint) {
    global.gc?.();
    const t0 = performance.now();
    await db.execute('CHECKPOINT');
    const ms = performance.now() - t0;
    const file = path.join(dir, 'checkpoints', fs.readdirSync(path.join(dir, 'checkpoints'))[0]!, 'state.ckpt');
    const bytes = fs.statSync(file).size;
    checkpoint = `; CHECKPOINT of ${EVENTS} keys: ${ms.toFixed(0)} ms, ${(bytes / 2 ** 20).toFixed(1)} MiB (${(bytes / EVENTS).toFixed(0)} B/key)`;
  }
  // the second half: every key updated once more (the state stays EVENTS keys)
  for (let b = 0; b < EVENTS / BATCH; b++) db.insertColumns('kv', kvColumns(b * BATCH, BATCH, 1), BATCH);
  await db.flush();
  await db.close();
  const label = withCheckpoint ? 'from a checkpoint' : 'without a checkpoint';
  const readies: number[] = [];
  for (let run = 0; run < RECOVERY_RUNS; run++) {
    global.gc?.();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    db = DurableEngine.open(settings, new Engine({}));
    const readyMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const r = db.recovery;
    const n = db.query('SELECT count(*) AS n FROM kv').rows[0]![0];
    await db.close();
    readies.push(readyMs);
    console.log(
      `recovery ${label} run ${run + 1}: ${n} keys of table state, ${r.records} records (${EVENTS} events) replayed: ready in ${readyMs.toFixed(0)} ms = ` +
        `checkpoint read ${(r.checkpointReadMs ?? 0).toFixed(0)} + restore ${(r.checkpointRestoreMs ?? 0).toFixed(0)} + replay ${r.elapsedMs.toFixed(0)} ms (+ opening); CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (load ${os.loadavg()[0]!.toFixed(2)})`,
    );
  }
  readies.sort((a, b) => a - b);
  console.log(
    `recovery ${label}: ${EVENTS} keys of table state, ${EVENTS} events logged after ` +
      `${withCheckpoint ? 'the checkpoint' : `${EVENTS} earlier ones (whole log replayed)`}: median ready ${readies[RECOVERY_RUNS >> 1]!.toFixed(0)} ms of ${RECOVERY_RUNS}${checkpoint}`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Columns of `n` kv rows from `start` (values shifted by `shift`): k BIGINT, v INT, ts TIMESTAMP. */
function kvColumns(start: number, n: number, shift: number): [number[], number[], number[]] {
  const k = new Array<number>(n);
  const v = new Array<number>(n);
  const ts = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    k[i] = start + i;
    v[i] = (start + i + shift) % 97;
    ts[i] = 1_700_000_000_000 + start + i;
  }
  return [k, v, ts];
}

/**
 * Checkpoint cost with EVENTS keys of table state: a full checkpoint, then one after 1 % of the
 * keys changed (incremental). The pause is the longest gap the hot path sees: 1000-row inserts
 * keep running (one per event-loop turn) while the checkpoint is encoded and written. Then
 * recovery from that chain (full + delta) with EVENTS more events in the log.
 */
async function checkpointCost(): Promise<void> {
  const dir = tmp();
  // closeCheckpointBytes: Infinity, or close() would checkpoint the tail the last row replays
  let db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, closeCheckpointBytes: Infinity }, new Engine({}));
  await db.execute('CREATE TABLE kv (k BIGINT, v INT, ts TIMESTAMP, PRIMARY KEY (k))');
  await db.execute('CREATE MATERIALIZED VIEW per_v AS SELECT v, count(*) AS n FROM kv GROUP BY v');
  for (let b = 0; b < EVENTS / BATCH; b++) db.insertColumns('kv', kvColumns(b * BATCH, BATCH, 0), BATCH);
  await db.flush();
  const changedKeys = Math.floor(EVENTS / 100);
  const report = async (label: string): Promise<void> => {
    global.gc?.();
    let maxGap = 0;
    let turns = 0;
    let done = false;
    const t0 = performance.now();
    const running = Promise.resolve(db.execute('CHECKPOINT')).then(() => (done = true));
    // the cut itself is taken on a microtask after the call: the first gap includes it
    let last = performance.now();
    while (!done) {
      await new Promise((r) => setImmediate(r));
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      // keep the hot path busy with the same rows (no state change: the next checkpoint's delta stays 1 %)
      if (!done) db.insertColumns('kv', kvColumns((turns++ * BATCH) % EVENTS, BATCH, 0), BATCH);
      last = performance.now();
    }
    await running;
    const total = performance.now() - t0;
    const c = db.lastCheckpoint!;
    console.log(
      `checkpoint ${label}: ${EVENTS} keys, ${c.incremental ? `incremental (${c.changedElements} changed rows)` : 'full'}, ${(c.bytes / 2 ** 20).toFixed(2)} MiB, ` +
        `cut ${c.captureMs.toFixed(1)} ms + encoding slices ≤ ${c.maxSliceMs.toFixed(1)} ms; longest hot-path gap ${maxGap.toFixed(1)} ms ` +
        `(${turns} inserts of ${BATCH} rows ran during it); done in ${total.toFixed(0)} ms`,
    );
  };
  // the same insert loop without a checkpoint: the gaps GC and the machine cause anyway
  {
    global.gc?.();
    let maxGap = 0;
    let turns = 0;
    const until = performance.now() + 300;
    let last = performance.now();
    while (performance.now() < until) {
      await new Promise((r) => setImmediate(r));
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      db.insertColumns('kv', kvColumns((turns++ * BATCH) % EVENTS, BATCH, 0), BATCH);
      last = performance.now();
    }
    console.log(`no checkpoint: longest hot-path gap ${maxGap.toFixed(1)} ms over 300 ms (${turns} inserts of ${BATCH} rows)`);
  }
  await report('1');
  // 1 % of the keys get a new value
  for (let b = 0; b < changedKeys / BATCH; b++) db.insertColumns('kv', kvColumns(b * 100 * BATCH, BATCH, 1), BATCH);
  await db.flush();
  await report('2');
  for (let b = 0; b < EVENTS / BATCH; b++) db.insertColumns('kv', kvColumns(b * BATCH, BATCH, 2), BATCH);
  await db.flush();
  await db.close();
  global.gc?.();
  const t0 = performance.now();
  db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0 }, new Engine({}));
  const readyMs = performance.now() - t0;
  const n = db.query('SELECT count(*) AS n FROM kv').rows[0]![0];
  console.log(
    `recovery from a full + incremental checkpoint chain: ${n} keys, ${db.recovery.records} records (${EVENTS} events) replayed in ${db.recovery.elapsedMs.toFixed(0)} ms; ready in ${readyMs.toFixed(0)} ms`,
  );
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Where a group-commit ack's time goes: paced 100-row inserts + flush (100 K events/s), once
 * awaiting flush() (the writer's callback resolves it) and once spinning on the shared durable-LSN
 * counter (the earliest moment the JS thread can know), each ack split at the writer's commit
 * timestamps (bench/storage/ack.ts). `bench/storage/ack-variants.ts` compares WAL backends.
 */
async function ackBreakdown(): Promise<void> {
  for (const how of ['await flush()', 'spin on durableLsn'] as const) {
    console.log(`ack group, ${how.padEnd(18)} (2000 acks at 100 K events/s): ${describe(await ackLatency({}, how))}`);
  }
}

async function main(): Promise<void> {
  const only = process.env.LAMINAR_BENCH_ONLY; // 'ingest', 'ack', 'recovery' or 'checkpoint'
  if (only === 'checkpoint') return checkpointCost();
  if (only === 'ack') return ackBreakdown();
  if (only !== 'recovery') {
    await ingest('memory', true); // JIT warm-up, not reported
    for (const mode of ['memory', 'none', 'group', 'sync'] as const) await ingest(mode);
    await ackBreakdown();
  }
  if (only !== 'ingest') {
    // first one warms the JIT (reported too: the order changes the numbers under load)
    await recovery(false);
    await recovery(true);
    await recovery(false);
    await checkpointCost();
  }
}

void main();
