// Child process of the crash tests: opens a durable database, creates the schema on first run,
// then ingests a deterministic stream (batch after batch, continuing after the last batch found
// in the database) and prints `ACK <n>` once flush() resolved for every batch up to n. The
// parent kills it with SIGKILL at a random moment. Checkpoints run all the time (the timer every
// LAMINAR_CHECKPOINT_MS, default 40, plus an un-awaited CHECKPOINT every 13 batches) with small
// WAL segments, so kills land before, during and after checkpoints and WAL retirement.
import { open } from '../../lib/index.js';
import { BATCH_ROWS, SCHEMA, batchRows, auctionUpdate } from './stream.js';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (dir === undefined) {
    process.stdout.write('usage: ingest-child <dir> [max batches] (started by sigkill.test.ts)\n');
    return;
  }
  const maxBatches = Number(process.argv[3] ?? 1e9);
  const db = await open({
    path: dir,
    durability: (process.env.LAMINAR_DURABILITY ?? 'group') as 'group',
    checkpointIntervalMs: Number(process.env.LAMINAR_CHECKPOINT_MS ?? 40),
    walSegmentBytes: 256 * 1024,
  });
  if (db.relations().length === 0) {
    // one execute call = one log record: after a crash the whole schema exists or none of it
    await db.execute(SCHEMA.join(';\n'));
    await db.flush();
  }
  const [{ next }] = await db.query<{ next: number | null }>('SELECT max(batch) AS next FROM bids');
  let batch = next === null ? 0 : next + 1;
  process.stdout.write(`READY ${batch}\n`);
  for (; batch < maxBatches; batch++) {
    db.insert('bids', batchRows(batch));
    if (batch % 7 === 3) {
      const u = auctionUpdate(batch);
      await db.execute('UPDATE auctions SET category = $1 WHERE id = $2', [u.category, u.id]);
    }
    if (batch % 13 === 6) {
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
  await db.flush();
  process.stdout.write(`ACK ${batch - 1}\nDONE ${BATCH_ROWS}\n`);
  await db.close();
}

main().catch((error) => {
  process.stderr.write(`child failed: ${(error as Error).stack}\n`);
  process.exit(2);
});
