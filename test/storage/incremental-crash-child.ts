// Child of incremental-crash.test.ts: upserts a deterministic stream into a keyed table large
// enough for incremental checkpoints, checkpointing all the time (timer + un-awaited CHECKPOINT),
// and prints `ACK <batch>` once flush() resolved. The parent kills it with SIGKILL.
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { SCHEMA, batchColumns, batchLength } from './incremental-crash-stream.js';

async function main(): Promise<void> {
  const dir = process.argv[2]!;
  const db = DurableEngine.open({ path: dir, checkpointIntervalMs: 25, walSegmentBytes: 256 * 1024, onWarning: () => {} }, new Engine({}));
  if (db.relations().length === 0) {
    db.execute(SCHEMA);
    await db.flush();
  }
  const marker = db.query('SELECT v FROM kv WHERE k = -1').rows[0]?.[0];
  let batch = marker === undefined ? 0 : Number(marker) + 1;
  process.stdout.write(`READY ${batch}\n`);
  for (;; batch++) {
    db.insertColumns('kv', batchColumns(batch), batchLength(batch));
    if (batch % 9 === 4) {
      db.execute('CHECKPOINT');
    }
    if (batch % 3 === 2) {
      await db.flush();
      process.stdout.write(`ACK ${batch}\n`);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`child failed: ${(error as Error).stack}\n`);
  process.exit(2);
});
