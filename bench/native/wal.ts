// WAL from JavaScript: durable appends/s and commit latency (append -> durable) for each sync
// policy and I/O backend, 100-byte records. Throughput appends in batches of 64 and waits for the
// last LSN; latency paces appends at a fixed rate (the product target: p99 < 2 ms at 100 K/s)
// and observes durability by polling the shared durable-LSN counter.
// Latency runs come before every throughput run: a throughput run writes and then deletes
// hundreds of MiB, and on a disk mounted with online discard the next fdatasyncs can queue behind
// that writeback and those discards, which would measure the previous run, not the commit path.
// (When each backend's latency ran after its own throughput runs, pwrite's came right after
// io_uring's deletes: one run measured group-commit p50 529 µs for io_uring, 11 ms for pwrite.)
// Latencies run in two rounds of opposite backend order and each row merges both. The
// group-commit latency runs use 8 MiB segments so that a spare-segment preparation and a
// roll-over fall inside each (~12 MiB of frames). The "recycled" rows first fill and retire a few
// segments (as checkpoints do in a running database), so the spare and the rolls reuse retired
// files instead of zeroing new ones; the other rows are a brand-new log. The disk-floor rows (ideal group commit: bare
// writes + fdatasyncs back to back, see fdatasyncFloor) say what the device allows.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchRow } from '../report.js';
import { WalWriter, type WalBackend, type WalSyncPolicy } from '../../lib/native/wal.js';

const RECORD = new Uint8Array(100).fill(7);

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-wal-bench-'));
}

async function throughput(sync: WalSyncPolicy, backend: WalBackend, count: number): Promise<number> {
  const dir = tempDir();
  try {
    const wal = WalWriter.open(dir, { sync, backend, segmentBytes: 256 << 20 });
    const batch = new Array<Uint8Array>(64).fill(RECORD);
    const start = process.hrtime.bigint();
    let last = 0;
    for (let i = 0; i < count; i += 64) last = wal.append(i + 64 <= count ? batch : batch.slice(0, count - i));
    await wal.waitDurable(last); // 'off' requests a sync here: the rows measure durable appends
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    await wal.close();
    return count / secs;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Appends `perTick` records every `tickUs` for `ticks` ticks; returns sorted latencies in µs.
// Time each thread doing the WAL's I/O has spent runnable without a CPU, in µs, by thread id,
// from /proc/self/task/<tid>/schedstat: the writer ("laminar-wal", which makes the pwrite and
// fdatasync calls itself) and io_uring's kernel workers ("iou-wrk-*", which run its fsyncs).
// Null until the writer thread exists and has named itself; empty off Linux.
function ioThreadRunDelays(): Map<string, number> | null {
  const out = new Map<string, number>();
  let writer = false;
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      if (comm !== 'laminar-wal' && !comm.startsWith('iou-wrk')) continue;
      writer ||= comm === 'laminar-wal';
      out.set(tid, Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1000);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return writer ? out : null;
}

// CPU wait between two readings: threads present in both count their growth, threads that
// started in between all of theirs (threads that exited in between are missed).
function runDelayBetween(from: Map<string, number>, to: Map<string, number>): number {
  let sum = 0;
  for (const [tid, v] of to) sum += v - (from.get(tid) ?? 0);
  return sum;
}

/** Filled by commitLatency: how long the WAL's I/O threads waited for a CPU while it measured. */
export interface WriterCpuWait {
  waitUs: number;
  spanUs: number;
}

export async function commitLatency(
  sync: WalSyncPolicy,
  backend: WalBackend,
  perTick: number,
  tickUs: number,
  ticks: number,
  segmentBytes = 8 << 20,
  cpuWait?: WriterCpuWait,
  recycled = false,
): Promise<Float64Array> {
  const dir = tempDir();
  try {
    const wal = WalWriter.open(dir, { sync, backend, segmentBytes });
    if (recycled) await retireSegments(wal, segmentBytes, 3);
    const batch = new Array<Uint8Array>(perTick).fill(RECORD);
    const sentAt = new Float64Array(ticks);
    const lsnOf = new Float64Array(ticks);
    const lat = new Float64Array(ticks);
    let acked = 0;
    const t0 = process.hrtime.bigint();
    const now = () => Number(process.hrtime.bigint() - t0) / 1000;
    // From the first tick at which the writer thread has named itself (it may start late).
    let waitFrom: Map<string, number> | null = null;
    let spanFrom = 0;
    for (let i = 0; i < ticks; i++) {
      if (cpuWait && waitFrom === null) {
        waitFrom = ioThreadRunDelays();
        spanFrom = now();
      }
      const due = i * tickUs;
      while (now() < due) {
        const d = wal.durableLsn;
        while (acked < i && lsnOf[acked] <= d) lat[acked] = now() - sentAt[acked++];
      }
      sentAt[i] = now();
      lsnOf[i] = wal.append(batch);
      if (sync === 'off') void wal.sync();
    }
    while (acked < ticks) {
      const d = wal.durableLsn;
      while (acked < ticks && lsnOf[acked] <= d) lat[acked] = now() - sentAt[acked++];
    }
    const waitTo = cpuWait && waitFrom ? ioThreadRunDelays() : null;
    if (cpuWait && waitFrom && waitTo) {
      cpuWait.waitUs += runDelayBetween(waitFrom, waitTo);
      cpuWait.spanUs += now() - spanFrom;
    }
    await wal.close();
    return lat.sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Writes `count` segments' worth of records and retires them (kept as free files for reuse).
async function retireSegments(wal: WalWriter, segmentBytes: number, count: number): Promise<void> {
  const batch = new Array<Uint8Array>(1024).fill(RECORD);
  const frames = Math.ceil((count * segmentBytes) / (16 + RECORD.length + 4)); // 120-byte frames
  let last = 0;
  for (let i = 0; i < frames; i += batch.length) last = wal.append(batch);
  await wal.waitDurable(last);
  wal.truncateBefore(last);
}

// The disk's floor for the same load: ideal group commit with no WAL. Write + fdatasync run back
// to back on a pre-zeroed file from this thread (each write carrying the 1.2 KB per 100 µs that
// arrived since the previous one) for as long as the WAL run would take; a record arriving at
// time t is durable when the first sync that starts after t ends. So this includes the wait for
// the sync in flight, as the WAL's group commit does, and a slow sync delays every arrival under it.
export function fdatasyncFloor(ticks: number, bytesPerTick = 1200, tickUs = 100): Float64Array {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'floor.dat');
    const fd = fs.openSync(file, 'w+');
    const zeros = new Uint8Array(1 << 20);
    const size = Math.max(zeros.length, 2 * ticks * bytesPerTick + 4096);
    for (let off = 0; off < size; off += zeros.length) fs.writeSync(fd, zeros, 0, Math.min(zeros.length, size - off), off);
    fs.fdatasyncSync(fd);
    const buf = new Uint8Array(64 * 1024).fill(7);
    const starts: number[] = [];
    const ends: number[] = [];
    const t0 = process.hrtime.bigint();
    const now = () => Number(process.hrtime.bigint() - t0) / 1000;
    let pos = 4096;
    let last = 0;
    for (let t = now(); t < ticks * tickUs; t = now()) {
      const arrived = Math.min(buf.length, Math.max(bytesPerTick, Math.round(((t - last) / tickUs) * bytesPerTick)));
      last = t;
      starts.push(t);
      fs.writeSync(fd, buf, 0, arrived, Math.min(pos, size - arrived));
      pos += arrived;
      fs.fdatasyncSync(fd);
      ends.push(now());
    }
    fs.closeSync(fd);
    const lat: number[] = [];
    for (let k = 0, j = 0; k < ticks; k++) {
      const arrival = k * tickUs;
      while (j < starts.length && starts[j] < arrival) j++;
      if (j === starts.length) break;
      lat.push(ends[j] - arrival);
    }
    return Float64Array.from(lat).sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (s: Float64Array, p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];

function merged(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}

export async function run(opts: { quick: boolean }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const backends: WalBackend[] = ['io_uring', 'pwrite'];
  const quantiles = [[0.5, 'p50'], [0.99, 'p99'], [0.999, 'p999']] as const;
  // Latencies first (see the file comment), in two rounds of opposite backend order so neither
  // backend always runs right after the other; each row merges both rounds.
  // 100 K records/s: 10 records every 100 µs (10 K ticks per round: 1 s, ~12 MiB of frames).
  const ticks = opts.quick ? 250 : 10_000;
  const floor: Float64Array[] = [];
  const group = new Map<WalBackend, Float64Array[]>(backends.map((b) => [b, []]));
  const recycledGroup = new Map<WalBackend, Float64Array[]>(backends.map((b) => [b, []]));
  const groupWait = new Map<WalBackend, WriterCpuWait>(backends.map((b) => [b, { waitUs: 0, spanUs: 0 }]));
  const every = new Map<WalBackend, Float64Array[]>(backends.map((b) => [b, []]));
  for (const order of [backends, [...backends].reverse()]) {
    floor.push(fdatasyncFloor(ticks));
    for (const backend of order) {
      group.get(backend)!.push(await commitLatency('group', backend, 10, 100, ticks, undefined, groupWait.get(backend)));
      recycledGroup.get(backend)!.push(await commitLatency('group', backend, 10, 100, ticks, undefined, undefined, true));
      // One fdatasync per record, offered at 200 records/s: within what an idle disk sustains.
      // When syncs take over 5 ms (a busy shared disk) records queue up and latency grows through
      // the run: compare with the sync=every throughput row.
      every.get(backend)!.push(await commitLatency('every', backend, 1, 5000, opts.quick ? 25 : 200));
    }
  }
  const floorAll = merged(floor);
  for (const [p, label] of quantiles) {
    rows.push({ name: `disk floor: ideal group commit (bare write + fdatasync) @100K rec/s, ${label}`, value: pct(floorAll, p), unit: 'µs' });
  }
  for (const backend of backends) {
    const lat = merged(group.get(backend)!);
    for (const [p, label] of quantiles) {
      rows.push({ name: `commit latency ${label} @100K rec/s, group, ${backend}`, value: pct(lat, p), unit: 'µs' });
    }
    const rec = merged(recycledGroup.get(backend)!);
    for (const [p, label] of quantiles) {
      rows.push({ name: `commit latency ${label} @100K rec/s, group, recycled segments, ${backend}`, value: pct(rec, p), unit: 'µs' });
    }
    // On a busy machine the I/O threads wait for a CPU around each sync: that wait is in every
    // commit (summed over threads, so it can pass 100 %).
    const wait = groupWait.get(backend)!;
    rows.push({ name: `WAL I/O threads runnable without a CPU, group @100K rec/s, ${backend}`, value: (100 * wait.waitUs) / wait.spanUs, unit: '% of the run' });
    const ev = merged(every.get(backend)!);
    rows.push({ name: `commit latency p50 @200 rec/s, every, ${backend}`, value: pct(ev, 0.5), unit: 'µs' });
    rows.push({ name: `commit latency p99 @200 rec/s, every, ${backend}`, value: pct(ev, 0.99), unit: 'µs' });
  }
  for (const backend of backends) {
    for (const sync of ['group', 'every', 'off'] as WalSyncPolicy[]) {
      const n = sync === 'every' ? (opts.quick ? 200 : 5_000) : opts.quick ? 20_000 : 2_000_000;
      rows.push({ name: `durable appends, sync=${sync}, ${backend}`, value: await throughput(sync, backend, n), unit: 'rec/s' });
    }
  }
  return rows;
}
