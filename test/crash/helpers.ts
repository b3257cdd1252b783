// Parent side of the crash tests: run the ingest child, kill it, verify the recovered database.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { open } from '../../lib/index.js';
import { BATCH_ROWS, VIEWS, batchRows } from './stream.js';
import { TS_CHILD_ARGS, tsChildEnv } from '../helpers/ts-child.js';

const CHILD = path.join(__dirname, 'ingest-child.ts');

export interface ChildRun {
  child: ChildProcess;
  /** highest batch acknowledged (flush resolved) so far, -1 before any */
  acked: () => number;
  ready: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function startChild(dir: string, maxBatches = 1e9, env: Record<string, string> = {}): ChildRun {
  const child = spawn(process.execPath, [...TS_CHILD_ARGS, CHILD, dir, String(maxBatches)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: tsChildEnv(env),
  });
  let acked = -1;
  let buffered = '';
  let stderr = '';
  let onReady: (n: number) => void = () => {};
  const ready = new Promise<number>((resolve) => (onReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const [word, arg] = line.split(' ');
      if (word === 'ACK') acked = Math.max(acked, Number(arg));
      if (word === 'READY') onReady(Number(arg));
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => {
      onReady(-1);
      resolve({ code, signal, stderr });
    }),
  );
  return { child, acked: () => acked, ready, exited };
}

/** Sorted JSON lines of rows, to compare multisets of rows. */
export function canon(rows: readonly object[]): string[] {
  return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();
}

export interface Verified {
  batches: number;
  problems: string[];
}

/**
 * Opens the recovered database and checks: every acknowledged batch present exactly once, no
 * batch partially present, rows equal to what was sent, every view equal to its SELECT run over
 * the recovered inputs.
 */
export async function verifyRecovered(dir: string, acked: number): Promise<Verified> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const db = await open({ path: dir, walSegmentBytes: 256 * 1024, onWarning: (m: string) => warnings.push(m) });
  try {
    const counts = await db.query<{ batch: number; n: number }>('SELECT batch, count(*) AS n FROM bids GROUP BY batch');
    const byBatch = new Map(counts.map((r) => [r.batch, r.n]));
    const top = counts.reduce((m, r) => Math.max(m, r.batch), -1);
    for (let b = 0; b <= Math.max(acked, top); b++) {
      const n = byBatch.get(b) ?? 0;
      if (b <= acked && n !== BATCH_ROWS) problems.push(`acknowledged batch ${b} has ${n} rows, expected ${BATCH_ROWS}`);
      if (b > acked && n !== 0 && n !== BATCH_ROWS) problems.push(`unacknowledged batch ${b} is partly present (${n} rows)`);
      if (b <= top && n === 0) problems.push(`batch ${b} is missing below batch ${top}`);
    }
    if (top >= 0) {
      const sample = [0, top >> 1, top];
      for (const b of sample) {
        const got = await db.query('SELECT batch, seq, auction, price, note, ts FROM bids WHERE batch = $1', [b]);
        const want = batchRows(b).map((r) => ({ ...r, ts: new Date(r.ts as number) }));
        if (JSON.stringify(canon(got)) !== JSON.stringify(canon(want))) problems.push(`batch ${b}: rows differ from what was sent`);
      }
    }
    // an oracle independent of the engine: per-auction aggregates recomputed from what was sent
    const expected = new Map<number, { n: number; total: number; top: number }>();
    for (let b = 0; b <= top; b++) {
      for (const r of batchRows(b)) {
        const a = r.auction as number;
        const e = expected.get(a) ?? { n: 0, total: 0, top: -Infinity };
        e.n++;
        e.total += r.price as number;
        e.top = Math.max(e.top, r.price as number);
        expected.set(a, e);
      }
    }
    // sum(BIGINT) may come back as a number or an exact string: compare the values
    const perAuction = (await db.query<{ auction: number; n: number; total: number | string; top: number }>('SELECT * FROM per_auction')).map((r) => ({ ...r, total: Number(r.total) }));
    const want = canon([...expected].map(([auction, e]) => ({ auction, n: e.n, total: e.total, top: e.top })));
    if (JSON.stringify(canon(perAuction)) !== JSON.stringify(want)) problems.push('view per_auction differs from the aggregates of the batches sent');
    for (const [name, sql] of Object.entries(VIEWS)) {
      const view = canon(await db.query(`SELECT * FROM ${name}`));
      const reference = canon(await db.query(sql));
      if (JSON.stringify(view) !== JSON.stringify(reference)) {
        problems.push(`view ${name} (${view.length} rows) differs from its SELECT over the recovered tables (${reference.length} rows)`);
      }
    }
    return { batches: top + 1, problems };
  } finally {
    await db.close();
  }
}
