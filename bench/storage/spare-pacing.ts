// Group-commit latency while the WAL prepares fresh spare segments (a new log: no retired files
// to recycle), with the spare zeroed paced (256 KiB written back at a time, with pauses) or all
// at once: 10 records of 100 bytes every 100 µs (100 K records/s) for 1 s per run onto 8 MiB
// segments (~12 MiB of frames: two spare preparations and a roll per run), append -> durable
// observed by polling the shared durable LSN. Rounds alternate the order.
//   npx tsx bench/storage/spare-pacing.ts [rounds=4] [backend=pwrite] [ticks=10000]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalWriter, type WalBackend } from '../../lib/native/wal.js';
import { quantiles } from './ack.js';

const RECORD = new Uint8Array(100).fill(7);

async function run(paceSpare: boolean, backend: WalBackend, ticks = 10_000, tickUs = 100): Promise<Float64Array> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-spare-'));
  try {
    const wal = WalWriter.open(dir, { backend, segmentBytes: 8 << 20, paceSpare });
    const batch = new Array<Uint8Array>(10).fill(RECORD);
    const sentAt = new Float64Array(ticks);
    const lsnOf = new Float64Array(ticks);
    const lat = new Float64Array(ticks);
    let acked = 0;
    const t0 = process.hrtime.bigint();
    const now = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const observe = (upTo: number) => {
      const d = wal.durableLsn;
      while (acked < upTo && lsnOf[acked]! <= d) lat[acked] = now() - sentAt[acked++]!;
    };
    for (let i = 0; i < ticks; i++) {
      while (now() < (i * tickUs) / 1000) observe(i);
      sentAt[i] = now();
      lsnOf[i] = wal.append(batch);
    }
    while (acked < ticks) observe(ticks);
    await wal.close();
    return lat.sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 4);
  const backend = (process.argv[3] ?? 'pwrite') as WalBackend;
  const ticks = Number(process.argv[4] ?? 10_000);
  const all = new Map<string, number[]>([['paced', []], ['at once', []]]);
  for (let r = 0; r < rounds; r++) {
    for (const paced of r % 2 === 0 ? [true, false] : [false, true]) {
      const lat = await run(paced, backend, ticks);
      const name = paced ? 'paced' : 'at once';
      all.get(name)!.push(...lat);
      console.log(`round ${r + 1} spare zeroed ${name.padEnd(7)} commit ${quantiles(lat)} ms (load ${os.loadavg()[0]!.toFixed(2)})`);
      await new Promise((res) => setTimeout(res, 500));
    }
  }
  for (const [name, lat] of all) console.log(`merged spare zeroed ${name.padEnd(7)} commit ${quantiles(Float64Array.from(lat).sort())} ms (${backend})`);
}

void main();
