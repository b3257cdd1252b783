// The durable insert acknowledgement path: which WAL backend a database uses, and that flush()
// resolves only once the group commit covering every earlier call is on disk.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import type { WalWriter } from '../../lib/native/wal.js';

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-ack-path-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const walOf = (db: DurableEngine): WalWriter => (db as unknown as { wal: WalWriter }).wal;

t.test('a database logs through pwrite unless walBackend says otherwise', async (t) => {
  for (const [asked, used] of [[undefined, 'pwrite'], ['pwrite-dsync', 'pwrite-dsync'], ['io_uring', 'io_uring'], ['pwrite', 'pwrite']] as const) {
    const db = DurableEngine.open({ path: tempDir(t), checkpointIntervalMs: 0, walSegmentBytes: 1 << 20, ...(asked ? { walBackend: asked } : {}) }, new Engine({}));
    t.equal(walOf(db).backend, used, `walBackend ${String(asked)} -> ${used}`);
    await db.close();
  }
  t.throws(() => DurableEngine.open({ path: tempDir(t), walBackend: 'aio' }, new Engine({})), /WAL backend must be/);
});

for (const backend of ['pwrite', 'pwrite-dsync', 'io_uring'] as const) {
  t.test(`flush() resolves once every earlier call is durable, call after call (${backend})`, async (t) => {
    const dir = tempDir(t);
    const db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20, walBackend: backend }, new Engine({}));
    await db.execute('CREATE SOURCE ev (k BIGINT, v INT)');
    await db.execute('CREATE MATERIALIZED VIEW agg AS SELECT v, count(*) AS n FROM ev GROUP BY v');
    const wal = walOf(db);
    let early = 0;
    for (let i = 0; i < 200; i++) {
      db.insertColumns('ev', [[i, i + 1000], [i % 7, (i + 1) % 7]], 2);
      const logged = wal.lastLsn;
      const acked = db.flush();
      await acked;
      const resumedAt = process.hrtime.bigint();
      // durable and published before the awaiting code resumed
      if (wal.durableLsn < logged || wal.lastCommitTimes.durableAtNs > resumedAt) early++;
    }
    t.equal(early, 0, 'no flush resolved before its records were durable');
    const rows = db.query('SELECT sum(n) AS n FROM agg').rows;
    t.equal(Number(rows[0]![0]), 400);
    await db.close();
    // and what was acknowledged is there after a reopen
    const again = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20, walBackend: backend }, new Engine({}));
    t.equal(Number(again.query('SELECT sum(n) AS n FROM agg').rows[0]![0]), 400);
    await again.close();
  });
}
