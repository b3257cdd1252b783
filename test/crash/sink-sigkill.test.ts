// Crash test of the exactly-once file sink: a child ingests into a view with a file sink,
// checkpointing all the time, and is killed with SIGKILL at random moments (before, during and
// after checkpoints, between a MANIFEST rename and the sink's commit). After each kill the
// parent recovers the database and checks the sink file: what is committed is a prefix of the
// view's change stream of an uninterrupted run (never a repeat, never a gap), and once the
// recovered tail is committed (close() checkpoints) the file equals that stream exactly.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { open } from '../../lib/index.js';
import { SINK_FILE, referenceLines } from './sink-stream.js';
import { CRASH_ITERATIONS, CRASH_SEED, xorshift32 } from './random.js';
import { TS_CHILD_ARGS, tsChildEnv } from '../helpers/ts-child.js';

const CHILD = path.join(__dirname, 'sink-child.ts');

function runChild(dir: string): { kill: () => void; ready: Promise<number>; acked: () => number; exited: Promise<{ signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [...TS_CHILD_ARGS, CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'], env: tsChildEnv() });
  let acked = -1;
  let out = '';
  let stderr = '';
  let onReady: (n: number) => void = () => {};
  const ready = new Promise<number>((r) => (onReady = r));
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const [word, arg] = out.slice(0, nl).split(' ');
      out = out.slice(nl + 1);
      if (word === 'ACK') acked = Math.max(acked, Number(arg));
      if (word === 'READY') onReady(Number(arg));
    }
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<{ signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (_code, signal) => {
      onReady(-1);
      resolve({ signal, stderr });
    }),
  );
  return { kill: () => child.kill('SIGKILL'), ready, acked: () => acked, exited };
}

function fileLines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) return [...text.split('\n'), '<torn line>'];
  return text.split('\n').slice(0, -1);
}

/**
 * Recovers the database in this process and checks the sink file: the committed part is a prefix
 * of the uninterrupted change stream; after close() (which commits the recovered tail) it is all of it.
 */
async function verify(t: Test, dir: string, what: string, acked: number, lastBatch: number): Promise<{ batches: number; recommitted: boolean }> {
  const file = path.join(dir, SINK_FILE);
  const staged = fs.readdirSync(dir).filter((f) => f.endsWith('.staging'));
  const before = fileLines(file).length;
  const db = await open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 256 * 1024 });
  const schemaThere = db.relations().length > 0;
  const [{ last }] = schemaThere ? await db.query<{ last: number | null }>('SELECT max(batch) AS last FROM src') : [{ last: null }];
  const batches = last ?? -1;
  t.ok(batches >= acked, `${what}: every acknowledged batch is in the database (${batches} >= ${acked})`);
  t.ok(batches >= lastBatch, `${what}: recovered batches never shrink`);
  const reference = schemaThere ? await referenceLines(batches) : [];
  // recovery committed the MANIFEST's handle (a kill between the rename and the commit): a prefix
  const committed = fileLines(file);
  t.same(committed, reference.slice(0, committed.length), `${what}: the committed output (${committed.length} lines, ${staged.length} staged files at the kill) is a prefix of the change stream`);
  await db.close();
  t.same(fileLines(file), reference, `${what}: after the recovered tail is committed the file is the whole change stream of batches 0..${batches} (${reference.length} changes)`);
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.staging')), [], `${what}: no staging file is left`);
  return { batches, recommitted: committed.length > before };
}

t.test(`SIGKILL at random moments: the file sink holds every committed change exactly once (seed ${CRASH_SEED})`, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-sink-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const random = xorshift32(CRASH_SEED);
  let acked = -1;
  let kills = 0;
  let lastBatch = -1;
  let sawRecommit = false;
  for (let i = 0; i < CRASH_ITERATIONS; i++) {
    const run = runChild(dir);
    const start = await run.ready;
    if (start < 0) {
      t.fail(`iteration ${i}: child ended before it was ready: ${(await run.exited).stderr}`);
      return;
    }
    t.ok(start > acked, `iteration ${i}: the child resumes after every acknowledged batch (at ${start}, acked ${acked})`);
    await new Promise((r) => setTimeout(r, 30 + Math.floor(random() * 500)));
    run.kill();
    const exit = await run.exited;
    if (exit.signal === 'SIGKILL') kills++;
    else t.fail(`iteration ${i}: child exited by itself: ${exit.stderr}`);
    acked = Math.max(acked, run.acked());
    const v = await verify(t, dir, `iteration ${i}`, acked, lastBatch);
    lastBatch = v.batches;
    sawRecommit ||= v.recommitted;
  }
  t.equal(kills, CRASH_ITERATIONS, 'every iteration ended in a SIGKILL');
  t.ok(lastBatch > 0, `batches were ingested (${lastBatch + 1})`);
  t.comment(`a kill between a MANIFEST rename and the sink commit was repaired by recovery: ${sawRecommit}`);
});

t.test(`kills during start-up, schema creation, recovery and the sink's recovery commit (seed ${CRASH_SEED})`, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-sink-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const random = xorshift32(CRASH_SEED + 1);
  let acked = -1;
  let lastBatch = -1;
  for (let i = 0; i < Math.max(3, CRASH_ITERATIONS >> 1); i++) {
    const run = runChild(dir);
    // any moment from process start on: module loading, open(), recovery, CREATE, ingest
    await new Promise((r) => setTimeout(r, Math.floor(random() * 2500)));
    run.kill();
    await run.exited;
    acked = Math.max(acked, run.acked());
    lastBatch = (await verify(t, dir, `iteration ${i}`, acked, lastBatch)).batches;
  }
});
