// Compares ack-latency variants of the WAL (PRODUCT.md §4: durable insert acknowledged p99 < 2 ms
// at 100 K events/s) run for run: `rounds` rounds, each running every variant once in a rotated
// order (so none always follows another), then every variant's runs merged.
//   npx tsx bench/storage/ack-variants.ts [rounds=4] [variant ...]
// A variant is a WAL backend ('io_uring', 'pwrite', 'pwrite-dsync', 'auto'), optionally with
// '+spin' (spin on the durable LSN instead of awaiting flush()).
import * as os from 'node:os';
import type { WalBackend } from '../../lib/native/wal.js';
import { ackLatency, describe, quantiles, type AckRun } from './ack.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = args.length > 0 && /^\d+$/.test(args[0]!) ? Number(args.shift()) : 4;
  const variants = args.length > 0 ? args : ['io_uring', 'pwrite', 'pwrite-dsync'];
  const runs = new Map<string, AckRun[]>(variants.map((v) => [v, []]));
  await ackLatency({}, 'await flush()', 300); // JIT warm-up
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length]!;
      const [backend, mode] = v.split('+');
      const run = await ackLatency({ walBackend: backend as WalBackend }, mode === 'spin' ? 'spin on durableLsn' : 'await flush()');
      runs.get(v)!.push(run);
      // let the previous run's segment deletion (the disk is mounted with online discard) and
      // writeback settle: it would otherwise land in the next run's fdatasyncs
      await new Promise((r) => setTimeout(r, 500));
      console.log(`round ${r + 1} ${v.padEnd(18)} ${describe(run)}`);
    }
  }
  console.log(`\nmerged over ${rounds} runs of 2000 acks (load now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}):`);
  for (const [v, list] of runs) {
    const all = Float64Array.from(list.flatMap((r) => [...r.total])).sort();
    const p99s = list.map((r) => r.total[Math.floor(r.total.length * 0.99)]!.toFixed(2)).join(', ');
    console.log(`  ${v.padEnd(18)} ${quantiles(all)} ms; per-run p99 ${p99s}`);
  }
}

void main();
