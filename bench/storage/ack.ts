// Durable-insert acknowledgement latency (PRODUCT.md §4: p99 < 2 ms at 100 K events/s): 100-row
// insertColumns calls paced one per millisecond, each followed by `await db.flush()` (or a spin
// on the shared durable LSN), with each ack split at the writer's published commit timestamps.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import type { StorageOptions } from '../../lib/storage/durable-options.js';
import type { WalWriter } from '../../lib/native/wal.js';

export type AckWait = 'await flush()' | 'spin on durableLsn';

/** Sorted latencies in ms: the whole ack and its parts (see ackLatency). */
export interface AckRun {
  total: Float64Array;
  /** insert call start -> the writer took the group's first record off the ring */
  toWriter: Float64Array;
  /** taken -> write + sync started (the writer was busy with an earlier group, or batching) */
  queued: Float64Array;
  /** write + sync started -> durability published (the disk) */
  disk: Float64Array;
  /** published -> the awaiting code resumed (the hop back to the JS thread) */
  resume: Float64Array;
  /** 1-minute load average at the end of the run */
  load: number;
}

function columns(n: number): [number[], number[], number[]] {
  const k = new Array<number>(n);
  const v = new Array<number>(n);
  const ts = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    k[i] = i;
    v[i] = i % 97;
    ts[i] = 1_700_000_000_000 + i;
  }
  return [k, v, ts];
}

const sorted = (a: number[]): Float64Array => Float64Array.from(a).sort();

/**
 * `acks` paced acks (one 100-row call per ms = 100 K events/s) against a fresh durable database
 * with `storage` options (a source and an aggregate view over it, as a user would have).
 */
export async function ackLatency(storage: StorageOptions, how: AckWait, acks = 2000): Promise<AckRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-ack-'));
  try {
    const db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, durability: 'group', ...storage }, new Engine({}));
    await db.execute('CREATE SOURCE ev (k BIGINT, v INT, ts TIMESTAMP)');
    await db.execute('CREATE MATERIALIZED VIEW agg AS SELECT v, count(*) AS n, sum(k) AS s FROM ev GROUP BY v');
    const cols = columns(100);
    const wal = (db as unknown as { wal: WalWriter }).wal;
    const total: number[] = [];
    const toWriter: number[] = [];
    const queued: number[] = [];
    const disk: number[] = [];
    const resume: number[] = [];
    const ms = (from: bigint, to: bigint): number => Number(to - from) / 1e6;
    const t0 = performance.now();
    for (let i = 0; i < acks; i++) {
      while (performance.now() < t0 + i) await new Promise((r) => setImmediate(r));
      const s = process.hrtime.bigint();
      db.insertColumns('ev', cols, 100);
      const acked = db.flush();
      if (how === 'spin on durableLsn') while (db.durableLsn < db.lastLsn);
      else await acked;
      const e = process.hrtime.bigint();
      total.push(ms(s, e));
      const c = wal.lastCommitTimes;
      // a group taken before this call started holds only earlier records: this call's record
      // then rode a later sync of records already written (rare); count it as reaching the writer
      // at once
      const taken = c.takenAtNs > s ? c.takenAtNs : s;
      toWriter.push(ms(s, taken));
      queued.push(Math.max(0, ms(taken, c.syncStartAtNs)));
      disk.push(ms(c.syncStartAtNs > taken ? c.syncStartAtNs : taken, c.durableAtNs));
      resume.push(ms(c.durableAtNs, e));
      await acked;
    }
    await db.close();
    return { total: sorted(total), toWriter: sorted(toWriter), queued: sorted(queued), disk: sorted(disk), resume: sorted(resume), load: os.loadavg()[0]! };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function pct(s: Float64Array, p: number): number {
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

/** "p50 0.123 p99 1.234 p999 2.345" in ms */
export function quantiles(s: Float64Array): string {
  return `p50 ${pct(s, 0.5).toFixed(3)} p99 ${pct(s, 0.99).toFixed(3)} p999 ${pct(s, 0.999).toFixed(3)}`;
}

export function describe(run: AckRun): string {
  return (
    `total ${quantiles(run.total)} ms (load ${run.load.toFixed(2)})\n` +
    `    insert -> writer took it ${quantiles(run.toWriter)}; waited for an earlier sync ${quantiles(run.queued)}; ` +
    `write + sync ${quantiles(run.disk)}; published -> resumed ${quantiles(run.resume)}`
  );
}
