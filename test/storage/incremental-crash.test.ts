// SIGKILL during incremental checkpoints: a child upserts into a table large enough for delta
// checkpoints while checkpointing every 25 ms and every 9 batches; it is killed at random
// moments (before, during and after encoding, writing, MANIFEST replacement and chain
// compaction). After every kill the reopened database holds a prefix of the stream that
// includes every acknowledged batch, and every view equals the same prefix applied to an
// in-memory engine.
import t from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { readManifest } from '../../lib/storage/manifest.js';
import { SCHEMA, batchColumns, batchLength } from './incremental-crash-stream.js';
import { tempDir } from './helpers.js';
import { TS_CHILD_ARGS, tsChildEnv } from '../helpers/ts-child.js';

const CHILD = path.join(__dirname, 'incremental-crash-child.ts');
const KILLS = Number(process.env.LAMINAR_CRASH_KILLS ?? 6);

function results(db: Engine | DurableEngine): unknown[] {
  return [
    db.query('SELECT * FROM kv ORDER BY k').rows,
    db.query('SELECT * FROM per_v ORDER BY g').rows,
    db.query('SELECT count(*), sum(k), sum(v) FROM evens').rows,
  ];
}

function reference(lastBatch: number): unknown[] {
  const db = new Engine({});
  db.execute(SCHEMA);
  for (let b = 0; b <= lastBatch; b++) db.insertColumns('kv', batchColumns(b), batchLength(b));
  db.flush();
  const out = results(db);
  db.close();
  return out;
}

/** Runs the child until it acknowledged past `minAck`, then kills it after a random delay. */
async function runAndKill(dir: string, minAck: number, seed: number): Promise<number> {
  const child = spawn(process.execPath, [...TS_CHILD_ARGS, CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'], env: tsChildEnv() });
  let acked = -1;
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
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
      if (acked > minAck) resolve();
    });
    child.on('exit', () => resolve());
  });
  await new Promise((r) => setTimeout(r, 5 + (seed % 120)));
  child.kill('SIGKILL');
  await exited;
  if (stderr !== '') throw new Error(`child failed: ${stderr}`);
  return acked;
}

t.test('SIGKILL at random moments during incremental checkpoints loses nothing acknowledged', async (t) => {
  const dir = tempDir(t);
  let acked = -1;
  let incrementalSeen = false;
  for (let kill = 0; kill < KILLS; kill++) {
    acked = Math.max(acked, await runAndKill(dir, acked + 20, kill * 7919));
    incrementalSeen ||= (readManifest(dir)?.checkpoints ?? []).some((c) => (c.chain ?? []).length > 0);
    const db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 256 * 1024, onWarning: () => {} }, new Engine({}));
    const last = Number(db.query('SELECT v FROM kv WHERE k = -1').rows[0]![0]);
    t.ok(last >= acked, `kill ${kill}: recovered up to batch ${last}, acknowledged ${acked}`);
    t.same(results(db), reference(last), `kill ${kill}: table and views equal the stream's first ${last + 1} batches`);
    await db.close();
  }
  t.ok(incrementalSeen, 'the MANIFEST named incremental checkpoints during the run');
  t.ok(fs.readdirSync(path.join(dir, 'checkpoints')).length >= 1);
});
