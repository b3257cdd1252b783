// Compares ack-latency variants of the WAL (PRODUCT.md §4: durable insert acknowledged p99 < 2 ms
// at 100 K events/s): `rounds` rounds, then every variant's runs merged. In a round the variants'
// databases are open together and the paced acks go to them in turn (ackInterleaved), so each
// sees the same moments of a shared machine; with --sequential each variant runs on its own
// instead, in a rotated order.
//   npx tsx bench/storage/ack-variants.ts [rounds=4] [--sequential] [--spin] [backend ...]
// The acks are paced at one 100-row call per ms in total (100 K events/s on the machine). A
// variant is a WAL backend ('pwrite', 'pwrite-dsync', 'io_uring', 'auto'); --spin spins on the
// durable LSN instead of awaiting flush().
import * as os from 'node:os';
import type { WalBackend } from '../../lib/native/wal.js';
import { ackInterleaved, ackLatency, describe, quantiles, type AckRun } from './ack.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): boolean => {
    const at = args.indexOf(name);
    if (at >= 0) args.splice(at, 1);
    return at >= 0;
  };
  const sequential = flag('--sequential');
  const how = flag('--spin') ? 'spin on durableLsn' : 'await flush()';
  const rounds = args.length > 0 && /^\d+$/.test(args[0]!) ? Number(args.shift()) : 4;
  const variants = args.length > 0 ? args : ['io_uring', 'pwrite', 'pwrite-dsync'];
  const runs = new Map<string, AckRun[]>(variants.map((v) => [v, []]));
  await ackLatency({}, how, 300); // JIT warm-up
  for (let r = 0; r < rounds; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
    const results = sequential ? [] : await ackInterleaved(order.map((v) => ({ walBackend: v as WalBackend })), how);
    for (let i = 0; i < order.length; i++) {
      const v = order[i]!;
      const run = sequential ? await ackLatency({ walBackend: v as WalBackend }, how) : results[i]!;
      runs.get(v)!.push(run);
      console.log(`round ${r + 1} ${v.padEnd(14)} ${describe(run)}`);
    }
    // let the deleted segments' discards (the disk is mounted with online discard) and writeback
    // settle: they would otherwise land in the next round's fdatasyncs
    await new Promise((res) => setTimeout(res, 500));
  }
  console.log(`\n${how}, merged over ${rounds} ${sequential ? 'runs' : 'interleaved runs'} of 2000 acks (load now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}):`);
  for (const [v, list] of runs) {
    const all = Float64Array.from(list.flatMap((r) => [...r.total])).sort();
    const p99s = list.map((r) => r.total[Math.floor(r.total.length * 0.99)]!.toFixed(2)).join(', ');
    console.log(`  ${v.padEnd(18)} ${quantiles(all)} ms; per-run p99 ${p99s}`);
  }
}

void main();
