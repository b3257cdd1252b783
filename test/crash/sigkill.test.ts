// Crash test: a child ingests a deterministic stream into a durable database with several views
// (aggregate, join, window) and is killed with SIGKILL at random moments; after each kill the
// recovered database must hold every acknowledged batch exactly once, no partial batch, and
// views equal to their SELECT over the recovered inputs. LAMINAR_CRASH_ITERATIONS runs more.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from '../../lib/index.js';
import { startChild, verifyRecovered } from './helpers.js';
import { CRASH_ITERATIONS, CRASH_SEED, xorshift32 } from './random.js';

t.test(`SIGKILL at random moments loses no acknowledged insert (seed ${CRASH_SEED})`, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const random = xorshift32(CRASH_SEED);
  let acked = -1;
  let kills = 0;
  for (let i = 0; i < CRASH_ITERATIONS; i++) {
    const run = startChild(dir);
    const start = await run.ready;
    t.ok(start >= acked + 1, `iteration ${i}: the child resumes after every acknowledged batch (at ${start}, acked ${acked})`);
    if (start < 0) {
      const { stderr } = await run.exited;
      t.fail(`child ended before it was ready: ${stderr}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 20 + Math.floor(random() * 400)));
    run.child.kill('SIGKILL');
    const exit = await run.exited;
    if (exit.signal !== 'SIGKILL') t.fail(`iteration ${i}: child exited by itself (${exit.code}): ${exit.stderr}`);
    else kills++;
    acked = Math.max(acked, run.acked());
    const verified = await verifyRecovered(dir, acked);
    t.same(verified.problems, [], `iteration ${i}: ${verified.batches} batches recovered, ${acked + 1} acknowledged`);
  }
  t.equal(kills, CRASH_ITERATIONS, 'every iteration ended in a SIGKILL');
  t.ok(fs.readdirSync(path.join(dir, 'checkpoints')).length > 0, 'recoveries started from operator-state checkpoints');
  t.ok(acked >= 0, 'some batches were acknowledged');
});

t.test(`durability 'sync', and kills during start-up, schema creation and recovery (seed ${CRASH_SEED})`, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const random = xorshift32(CRASH_SEED + 1);
  let acked = -1;
  for (let i = 0; i < Math.max(3, CRASH_ITERATIONS >> 1); i++) {
    const run = startChild(dir, 1e9, { LAMINAR_DURABILITY: 'sync' });
    // any moment from process start on: module loading, open(), replay, CREATE, ingest
    await new Promise((r) => setTimeout(r, Math.floor(random() * 2500)));
    run.child.kill('SIGKILL');
    await run.exited;
    acked = Math.max(acked, run.acked());
    const db = await open({ path: dir, walSegmentBytes: 256 * 1024 });
    const names = db.relations().map((r) => r.name).sort();
    await db.close();
    t.ok(names.length === 0 || names.length === 5, `iteration ${i}: the schema is all there or not at all (${names.join(', ')})`);
    if (names.length === 5) {
      const verified = await verifyRecovered(dir, acked);
      t.same(verified.problems, [], `iteration ${i}: ${verified.batches} batches recovered, ${acked + 1} acknowledged`);
    } else {
      t.equal(acked, -1, 'nothing was acknowledged before the schema existed');
    }
  }
});

t.test('a clean run to the end then reopen gives the same views', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = startChild(dir, 30);
  const exit = await run.exited;
  t.equal(exit.code, 0, exit.stderr);
  t.equal(run.acked(), 29);
  const verified = await verifyRecovered(dir, 29);
  t.same(verified.problems, []);
  t.equal(verified.batches, 30);
});
