// Smoke runs of the ack-latency benches (tiny counts) so they never rot: every ack is measured
// and split into parts that add up, and the spare-pacing bench runs both variants to the end.
import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ackInterleaved, describe } from '../../bench/storage/ack.js';

t.test('ackInterleaved measures every ack of every variant and splits it', async (t) => {
  const runs = await ackInterleaved([{ walBackend: 'pwrite', walSegmentBytes: 1 << 20 }, { walBackend: 'io_uring', walSegmentBytes: 1 << 20 }], 'await flush()', 40);
  t.equal(runs.length, 2);
  for (const run of runs) {
    for (const part of [run.total, run.toWriter, run.queued, run.disk, run.resume]) {
      t.equal(part.length, 40, 'one value per ack');
      t.ok(part.every((x, i) => x >= 0 && (i === 0 || x >= part[i - 1]!)), 'non-negative, sorted');
    }
    // each part is an interval inside its ack, so (sorted) the k-th smallest part is at most the
    // k-th smallest ack
    for (const [name, part] of [['toWriter', run.toWriter], ['disk', run.disk], ['resume', run.resume]] as const) {
      t.ok(part.every((x, k) => x <= run.total[k]! + 1e-6), `${name} fits inside the acks`);
    }
    t.match(describe(run), /^total p50 [0-9.]+ p99 [0-9.]+ p999 [0-9.]+ ms \(load [0-9.]+\)\n {4}insert -> writer took it /);
  }
});

t.test('bench/storage/spare-pacing.ts runs both variants', async (t) => {
  const bench = path.join(__dirname, '..', '..', 'bench', 'storage', 'spare-pacing.ts');
  const r = spawnSync(process.execPath, [...process.execArgv, bench, '1', 'pwrite', '300'], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /merged spare zeroed paced {3}commit p50 [0-9.]+ p99 [0-9.]+ p999 [0-9.]+ ms \(pwrite\)/);
  t.match(r.stdout, /merged spare zeroed at once commit p50 [0-9.]+ p99 [0-9.]+ p999 [0-9.]+ ms \(pwrite\)/);
});
