// Child of fraud-sigkill.test.ts: opens a durable database, declares the fraud pipeline (a named
// `to('alerts')` stream), and ingests the generated transactions from where the database ends,
// slowly, with periodic and explicit checkpoints, until the parent kills it with SIGKILL. With
// `finish` it ingests the rest, advances the watermark to the end and exits.
import { open } from '../../lib/index.js';
import { FraudDetector, generate, type Alert, type Tx } from './fraud-fixture.js';

export const CRASH_TXS = generate(2400, 11);
export const CRASH_END = Date.UTC(2030, 0, 1);
const BATCH = 16;

async function main(): Promise<void> {
  const [dir, mode] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: fraud-crash-child <dir> [finish]');
  const db = await open({ path: dir, checkpointIntervalMs: 30, walSegmentBytes: 256 * 1024 });
  const fresh = db.relations().length === 0;
  if (fresh) await db.execute(`CREATE SOURCE tx (card VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`);
  const pipeline = db
    .stream<Tx>('tx')
    .keyBy((tx) => tx.card)
    .process(new FraudDetector())
    .map((a: Alert) => ({ card: a.card, small_at: a.smallAt, large_at: a.largeAt, amount: a.amount }))
    .to('alerts', 'card VARCHAR, small_at BIGINT, large_at BIGINT, amount DOUBLE');
  // exactly-once starts at the first checkpoint that holds the pipeline
  if (fresh) await db.execute('CHECKPOINT');
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*) AS n FROM tx');
  process.stdout.write(`READY ${n}\n`);
  for (let i = Number(n), k = 0; i < CRASH_TXS.length; i += BATCH, k++) {
    db.insert('tx', CRASH_TXS.slice(i, i + BATCH));
    if (k % 9 === 4) void db.execute('CHECKPOINT');
    if (mode !== 'finish' && k % 3 === 2) {
      await db.flush();
      await new Promise((r) => setTimeout(r, 4));
    }
  }
  if (pipeline.failed) throw pipeline.error;
  if (mode === 'finish') {
    db.advanceWatermark('tx', CRASH_END);
    await db.flush();
    process.stdout.write('DONE\n');
    await db.close();
    return;
  }
  await db.flush();
  process.stdout.write('IDLE\n'); // the parent kills it here at the latest
  await new Promise((r) => setTimeout(r, 60_000));
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`child failed: ${(error as Error).stack}\n`);
    process.exit(2);
  });
}
