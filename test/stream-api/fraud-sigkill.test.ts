// The fraud pipeline survives SIGKILL: a child process ingests an out-of-order transaction
// stream into a durable database (named pipeline `to('alerts')`, checkpoints every 30 ms and in
// between) and is killed at random moments; each restart declares the pipeline again and goes
// on from what the database holds. After a final run to the end of the stream, the alerts SQL
// reads equal the hand computation: none twice, none missing.
import t from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from '../../lib/index.js';
import { CRASH_TXS } from './fraud-crash-child.js';
import { expected, sortAlerts } from './fraud-fixture.js';
import { TS_CHILD_ARGS, tsChildEnv } from '../helpers/ts-child.js';

const CHILD = path.join(__dirname, 'fraud-crash-child.ts');
const SEED = Number(process.env.LAMINAR_CRASH_SEED ?? Date.now() % 100000);

function run(dir: string, mode: string, killAfterMs?: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...TS_CHILD_ARGS, CHILD, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'], env: tsChildEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    if (killAfterMs !== undefined && stdout.includes('READY') && !child.killed) {
      setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      killAfterMs = undefined;
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

t.test(`SIGKILL during ingestion, restarts, then the rest: alerts exactly as computed (seed ${SEED})`, { timeout: 240_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-fraud-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  let s = SEED >>> 0 || 1;
  const random = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const starts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await run(dir, 'crash', 60 + Math.floor(random() * 250));
    t.equal(r.signal, 'SIGKILL', `run ${i} was killed (${r.stderr.trim()})`);
    starts.push(Number(/READY (\d+)/.exec(r.stdout)?.[1] ?? -1));
  }
  t.ok(starts.every((n) => n >= 0), `every run started (at ${starts.join(', ')} transactions)`);
  const last = await run(dir, 'finish');
  t.equal(last.code, 0, last.stderr);
  t.match(last.stdout, /DONE/);

  const db = await open({ path: dir, checkpointIntervalMs: 0 });
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*) AS n FROM tx');
  t.equal(Number(n), CRASH_TXS.length, 'every transaction ingested once');
  const rows = await db.query<{ card: string; small_at: number; large_at: number; amount: number }>('SELECT card, small_at, large_at, amount FROM alerts');
  const got = sortAlerts(rows.map((r) => ({ card: r.card, smallAt: Number(r.small_at), largeAt: Number(r.large_at), amount: r.amount })));
  t.same(got, expected(CRASH_TXS), 'alerts equal the hand computation');
  await db.close();
});
