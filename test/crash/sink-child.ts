// Child of the sink crash test: opens a durable database whose file sink writes a view's changes,
// ingests a deterministic stream continuing after the last batch in the database, checkpoints
// all the time (timer every 25 ms + an un-awaited CHECKPOINT every 11 batches) and prints
// `ACK <n>` once flush() resolved for every batch up to n. The parent kills it with SIGKILL.
import { open } from '../../lib/index.js';
import { SINK_SCHEMA, sinkBatch } from './sink-stream.js';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (dir === undefined) {
    process.stdout.write('usage: sink-child <dir> (started by sink-sigkill.test.ts)\n');
    return;
  }
  const db = await open({ path: dir, checkpointIntervalMs: 25, walSegmentBytes: 256 * 1024 });
  if (db.relations().length === 0) {
    await db.execute(SINK_SCHEMA);
    await db.flush();
  }
  const [{ last }] = await db.query<{ last: number | null }>('SELECT max(batch) AS last FROM src');
  let batch = last === null ? 0 : last + 1;
  process.stdout.write(`READY ${batch}\n`);
  for (;; batch++) {
    db.insert('src', sinkBatch(batch));
    if (batch % 11 === 6) {
      db.execute('CHECKPOINT').catch((error: unknown) => {
        process.stderr.write(`checkpoint failed: ${(error as Error).stack}\n`);
        process.exit(2);
      });
    }
    if (batch % 5 === 4) {
      await db.flush();
      process.stdout.write(`ACK ${batch}\n`);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`child failed: ${(error as Error).stack}\n`);
  process.exit(2);
});
