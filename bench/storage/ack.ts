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
  return (await ackInterleaved([storage], how, acks))[0]!;
}

/**
 * As ackLatency, for several databases at once (one per entry of `storages`, each in its own
 * directory with its own WAL writer): the paced acks go to them in turn, so every variant sees
 * the same moments of a shared machine's load (variants run one after the other can see a
 * different disk). `acks` per database.
 */
export async function ackInterleaved(storages: readonly StorageOptions[], how: AckWait, acks = 2000): Promise<AckRun[]> {
  const dirs = storages.map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-ack-')));
  try {
    const dbs: DurableEngine[] = [];
    for (let v = 0; v < storages.length; v++) {
      const db = DurableEngine.open({ path: dirs[v]!, checkpointIntervalMs: 0, durability: 'group', ...storages[v] }, new Engine({}));
      await db.execute('CREATE SOURCE ev (k BIGINT, v INT, ts TIMESTAMP)');
      await db.execute('CREATE MATERIALIZED VIEW agg AS SELECT v, count(*) AS n, sum(k) AS s FROM ev GROUP BY v');
      dbs.push(db);
    }
    const cols = columns(100);
    const parts = dbs.map(() => ({ total: [] as number[], toWriter: [] as number[], queued: [] as number[], disk: [] as number[], resume: [] as number[] }));
    const ms = (from: bigint, to: bigint): number => Number(to - from) / 1e6;
    const t0 = performance.now();
    for (let i = 0; i < acks * dbs.length; i++) {
      const db = dbs[i % dbs.length]!;
      const out = parts[i % dbs.length]!;
      const wal = (db as unknown as { wal: WalWriter }).wal;
      while (performance.now() < t0 + i) await new Promise((r) => setImmediate(r));
      const s = process.hrtime.bigint();
      db.insertColumns('ev', cols, 100);
      const acked = db.flush();
      if (how === 'spin on durableLsn') while (db.durableLsn < db.lastLsn);
      else await acked;
      const e = process.hrtime.bigint();
      out.total.push(ms(s, e));
      const c = wal.lastCommitTimes;
      // a group taken before this call started holds only earlier records: this call's record
      // then rode a later sync of records already written (rare); count it as reaching the writer
      // at once
      const taken = c.takenAtNs > s ? c.takenAtNs : s;
      out.toWriter.push(ms(s, taken));
      out.queued.push(Math.max(0, ms(taken, c.syncStartAtNs)));
      out.disk.push(ms(c.syncStartAtNs > taken ? c.syncStartAtNs : taken, c.durableAtNs));
      out.resume.push(ms(c.durableAtNs, e));
      await acked;
    }
    for (const db of dbs) await db.close();
    const load = os.loadavg()[0]!;
    return parts.map((p) => ({ total: sorted(p.total), toWriter: sorted(p.toWriter), queued: sorted(p.queued), disk: sorted(p.disk), resume: sorted(p.resume), load }));
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
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
