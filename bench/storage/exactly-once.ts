// Cost of exactly-once output on the durable ingest path: the same ingest (1000-row insert calls
// into a table with an aggregate view, durability 'none' to keep the disk out of the ratio) with
// nothing attached, with a subscriber (positions stamped), with the view's changelog kept, and
// with a file sink on the view; a CHECKPOINT at the end (segment / sink commit included).
// Run: npx tsx bench/storage/exactly-once.ts [rows]  (LAMINAR_BENCH_GROUPS, LAMINAR_BENCH_ROUNDS)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from '../../lib/index.js';

const ROWS = Number(process.argv[2] ?? 300_000);
const BATCH = 1000;
// distinct keys: 1000 = every input row changes a group (one change per row, the worst case)
const GROUPS = Number(process.env.LAMINAR_BENCH_GROUPS ?? 1000);
type Variant = 'plain' | 'subscriber' | 'changelog' | 'sink';

async function run(variant: Variant): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-eo-bench-'));
  try {
    const db = await open({ path: dir, durability: 'none', checkpointIntervalMs: 0, ...(variant === 'changelog' ? { changelog: { views: ['totals'] } } : {}) });
    await db.execute('CREATE TABLE ev (k INT, v DOUBLE)');
    await db.execute('CREATE MATERIALIZED VIEW totals AS SELECT k, count(*) AS n, sum(v) AS s FROM ev GROUP BY k');
    if (variant === 'sink') await db.execute("CREATE SINK out FROM totals WITH (connector = 'file', path = 'out.jsonl')");
    let changes = 0;
    if (variant === 'subscriber' || variant === 'changelog') db.subscribe('totals', { onChange: () => void changes++ });
    const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: BATCH }, (_, i) => ({ k: (b * BATCH + i * 7919) % GROUPS, v: i })));
    const t0 = performance.now();
    for (let done = 0, b = 0; done < ROWS; done += BATCH, b++) db.insert('ev', batches[b % batches.length]!);
    await db.flush();
    await db.execute('CHECKPOINT');
    const ms = performance.now() - t0;
    await db.close();
    return (ROWS / ms) * 1000;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const variants: Variant[] = ['plain', 'subscriber', 'changelog', 'sink'];
  const ROUNDS = Number(process.env.LAMINAR_BENCH_ROUNDS ?? 5);
  const best = new Map<Variant, number>();
  const load = os.loadavg()[0]!;
  // interleaved rounds, best of each: the machine is shared, so compare ratios within one run
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) best.set(v, Math.max(best.get(v) ?? 0, await run(v)));
  }
  console.log(`load average ${load.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)}; ${ROWS} rows in ${BATCH}-row calls into ${GROUPS} groups, best of ${ROUNDS}`);
  for (const v of variants) {
    const r = best.get(v)!;
    console.log(`${v.padEnd(11)} ${(r / 1e6).toFixed(2)} M rows/s  (${((r / best.get('plain')!) * 100).toFixed(0)} % of plain)`);
  }
}

void main();
