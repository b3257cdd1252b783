// Storage benchmarks (npm run bench:storage): durable ingest events/s and ack latency per
// durability mode against the in-memory engine, CHECKPOINT time, and recovery time to ready for
// a log of N events building N keys of view state. Sizes scale with LAMINAR_BENCH_EVENTS.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from '../../lib/index.js';

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

/**
 * Recovery to ready for EVENTS keys of state + EVENTS more WAL events (updates of the same keys),
 * with an operator-state checkpoint between the two halves, and without one (whole-log replay).
 */
async function recovery(withCheckpoint: boolean): Promise<void> {
  const dir = tmp();
  let db = await open({ path: dir, checkpointIntervalMs: 0 });
  await db.execute('CREATE TABLE kv (k BIGINT, v INT, ts TIMESTAMP, PRIMARY KEY (k))');
  await db.execute('CREATE MATERIALIZED VIEW per_v AS SELECT v, count(*) AS n FROM kv GROUP BY v');
  for (let b = 0; b < EVENTS / BATCH; b++) db.insert('kv', columnsBatch(b * BATCH, BATCH));
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
  for (let b = 0; b < EVENTS / BATCH; b++) {
    const rows = columnsBatch(b * BATCH, BATCH);
    for (const r of rows) r.v = (r.v + 1) % 97;
    db.insert('kv', rows);
  }
  await db.flush();
  await db.close();
  global.gc?.();
  const t0 = performance.now();
  db = await open({ path: dir, checkpointIntervalMs: 0 });
  const readyMs = performance.now() - t0;
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*) AS n FROM kv');
  await db.close();
  console.log(
    `recovery ${withCheckpoint ? 'from a checkpoint' : 'without a checkpoint'}: ${n} keys of table state, ${EVENTS} events logged after ` +
      `${withCheckpoint ? 'the checkpoint' : `${EVENTS} earlier ones (whole log replayed)`}: ready in ${readyMs.toFixed(0)} ms${checkpoint}`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const only = process.env.LAMINAR_BENCH_ONLY; // 'ingest' or 'recovery'
  if (only !== 'recovery') {
    await ingest('memory', true); // JIT warm-up, not reported
    for (const mode of ['memory', 'none', 'group', 'sync'] as const) await ingest(mode);
  }
  if (only !== 'ingest') {
    // first one warms the JIT (reported too: the order changes the numbers under load)
    await recovery(false);
    await recovery(true);
    await recovery(false);
  }
}

void main();
