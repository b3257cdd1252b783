// SIGKILL of a process running a durable 2-shard database at random moments (while rows flow,
// flushes wait for the disks and checkpoints run across shards). After every kill the reopened
// database holds every acknowledged row exactly once, no row twice, and every view equals the
// same views computed by a single in-memory engine over the rows it holds. Which batches count as
// acknowledged is kept run by run (crash-ledger.ts): a batch inserted after a run's last ACK was
// never acknowledged, even when a later run acknowledges higher batches.
import t from 'tap';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { open } from '../../lib/api/open.js';
import type { Database } from '../../lib/api/database.js';
import { readShardsFile } from '../../lib/shard/shard-files.js';
import { canonical } from './helpers.js';
import { CrashLedger, type ChildRun } from './crash-ledger.js';
import { SCHEMA, SIZE, dimRows } from './fixtures/durable-crash-stream.js';
import { openDurableSharded, tempDir } from './durable-helpers.js';

const CHILD = path.join(__dirname, 'fixtures', 'durable-crash-child.ts');
const KILLS = Number(process.env.LAMINAR_CRASH_KILLS ?? 4);

/** Runs the child until it acknowledged past `minAck`, then kills it after a random delay. */
async function runAndKill(dir: string, minAck: number, delayMs: number): Promise<ChildRun> {
  const child = spawn(process.execPath, [...process.execArgv, CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let acked = -1;
  let ready = -1;
  let stderr = '';
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      for (const line of buffered.split('\n').slice(0, -1)) {
        const [word, n] = line.split(' ');
        if (word === 'ACK') acked = Math.max(acked, Number(n));
        else if (word === 'READY') ready = Number(n);
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
      if (acked > minAck) resolve();
    });
    child.on('exit', () => resolve());
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
  if (stderr.includes('child failed')) throw new Error(stderr);
  return { ready, acked };
}

async function viewsOf(db: Database): Promise<string[][]> {
  return [canonical(await db.query('SELECT * FROM per_k')), canonical(await db.query('SELECT * FROM weighted'))];
}

t.test('SIGKILL at random moments loses no acknowledged row and duplicates none; views match their rows', async (t) => {
  const dir = tempDir(t);
  const ledger = new CrashLedger();
  let seed = 12345;
  for (let kill = 0; kill < KILLS; kill++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const before = ledger.highestAcknowledged();
    const run = await runAndKill(dir, before + 6, seed % 150);
    ledger.record(run);
    t.ok(run.ready >= 0 && run.acked > before + 6, `kill ${kill}: the child acknowledged batches ${run.ready}…${run.acked} before it was killed`);
    const { db } = await openDurableSharded(dir);
    t.equal((await db.query('SELECT * FROM dim')).length, dimRows().length, `kill ${kill}: the acknowledged dim rows are there`);
    const ids = (await db.query<{ id: number }>('SELECT id FROM ev')).map((r) => Number(r.id));
    const seen = new Set(ids);
    t.equal(seen.size, ids.length, `kill ${kill}: no row twice (${ids.length} rows)`);
    const batches = new Map<number, number>();
    for (const id of ids) batches.set(Math.floor(id / SIZE), (batches.get(Math.floor(id / SIZE)) ?? 0) + 1);
    const partial = [...batches].filter(([, n]) => n !== SIZE).map(([b, n]) => `batch ${b}: ${n} rows`);
    t.same(partial, [], `kill ${kill}: every insert call (batch) is wholly present or wholly absent`);
    const last = Math.max(-1, ...batches.keys());
    t.equal(batches.size, last + 1, `kill ${kill}: the batches present are a prefix 0…${last}`);
    const missing = ledger.missingAcknowledged(seen, SIZE);
    t.same(missing, [], `kill ${kill}: every row of the ${ledger.acknowledgedCount()} acknowledged batches is there`);

    const ref = await open();
    for (const s of SCHEMA) await ref.execute(s);
    ref.insert('dim', await db.query('SELECT * FROM dim'));
    ref.insert('ev', await db.query('SELECT * FROM ev'));
    await ref.flush();
    t.same(await viewsOf(db), await viewsOf(ref), `kill ${kill}: the views equal a single engine over the recovered rows`);
    await ref.close();
    await db.close();
  }
  t.ok((readShardsFile(dir)?.cuts.length ?? 0) > 0, 'checkpoints across shards were committed during the run');
});
