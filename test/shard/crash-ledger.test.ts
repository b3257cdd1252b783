// The bookkeeping of the sharded crash test: a row counts as acknowledged only when a flush() of
// the run that inserted it resolved — never because a later run acknowledged a higher batch.
import t from 'tap';
import { CrashLedger } from './crash-ledger.js';

const SIZE = 4;
const ids = (...batches: number[]): Set<number> => new Set(batches.flatMap((b) => [0, 1, 2, 3].map((i) => b * SIZE + i)));

t.test('batches inserted after a run\'s last ACK are not acknowledged by a later run', async (t) => {
  const ledger = new CrashLedger();
  ledger.record({ ready: 0, acked: 5 });
  // the crash left batch 7 on one shard only: the next run starts at 8
  ledger.record({ ready: 8, acked: 11 });
  t.same([5, 6, 7, 8].map((b) => ledger.isAcknowledged(b)), [true, false, false, true]);
  t.equal(ledger.highestAcknowledged(), 11);
  t.equal(ledger.acknowledgedCount(), 10);
  const present = ids(0, 1, 2, 3, 4, 5, 8, 9, 10, 11);
  present.add(7 * SIZE); // part of the never-acknowledged batch 7
  t.same(ledger.missingAcknowledged(present, SIZE), [], 'gaps of never-acknowledged batches are not losses');
});

t.test('a missing or partial acknowledged batch is reported with its missing row count', async (t) => {
  const ledger = new CrashLedger();
  ledger.record({ ready: 0, acked: 3 });
  ledger.record({ ready: 5, acked: 6 });
  const present = ids(0, 2, 3, 5, 6);
  present.delete(6 * SIZE + 2);
  t.same(ledger.missingAcknowledged(present, SIZE), [
    { batch: 1, rows: 4 },
    { batch: 6, rows: 1 },
  ]);
});

t.test('runs that never acknowledged anything, or never started, acknowledge nothing', async (t) => {
  const ledger = new CrashLedger();
  ledger.record({ ready: -1, acked: -1 });
  ledger.record({ ready: 4, acked: -1 });
  ledger.record({ ready: 4, acked: 3 });
  t.equal(ledger.highestAcknowledged(), -1);
  t.equal(ledger.acknowledgedCount(), 0);
  t.same(ledger.missingAcknowledged(new Set(), SIZE), []);
  t.notOk(ledger.isAcknowledged(4));
});
