// The recovery cut of a sharded database (lib/shard/call-cut.ts): which insert calls survive a
// crash so that each is wholly present or wholly absent across shards, as a prefix of the calls.
import t from 'tap';
import { computeCallCut, type ShardCallLog } from '../../lib/shard/call-cut.js';

/** A shard log from [seq, shards reached, first LSN] triples and an unfinished part's LSN. */
function log(marks: [number, number, number][], tailLsn = 0): ShardCallLog {
  const lastLsn = Math.max(tailLsn, ...marks.map((m) => m[2]));
  return { seqs: marks.map((m) => m[0]), shards: marks.map((m) => m[1]), firstLsn: marks.map((m) => m[2]), tailLsn, lastLsn };
}

t.test('every call whole on every shard it reached: nothing is cut', async (t) => {
  const cut = computeCallCut(1, [log([[1, 2, 1], [2, 1, 3], [3, 2, 5]]), log([[1, 2, 1], [3, 2, 3]])]);
  t.same(cut, { last: 3, truncateAt: [0, 0], dropped: 0, incomplete: undefined });
});

t.test('a call one shard did not finish logging is dropped everywhere, with every later call', async (t) => {
  // call 3 reached both shards; shard 1's log ends before its mark (its part was torn off)
  const a = log([[1, 2, 1], [2, 2, 3], [3, 2, 5], [4, 1, 8]]);
  const b = log([[1, 2, 1], [2, 2, 4]], 7);
  const cut = computeCallCut(1, [a, b]);
  t.equal(cut.last, 2, 'calls 1 and 2 are whole');
  t.same(cut.truncateAt, [5, 7], 'shard 0 drops from call 3 on (call 4 too, though whole); shard 1 drops its unfinished part');
  t.equal(cut.dropped, 2);
  t.same(cut.incomplete, { seq: 3, reached: 2, marked: 1 });
});

t.test('a gap: a call no shard kept a mark of stops the cut before it', async (t) => {
  // call 2 went to shard 1 only and was lost with shard 1's tail; call 3 is whole on shard 0
  const cut = computeCallCut(1, [log([[1, 2, 1], [3, 1, 6]]), log([[1, 2, 1]])]);
  t.equal(cut.last, 1);
  t.same(cut.truncateAt, [6, 0], 'shard 1 has nothing after call 1 to cut');
  t.same(cut.incomplete, { seq: 2, reached: 0, marked: 0 });
});

t.test('one shard far behind: every call after its last whole one goes, calls to other shards too', async (t) => {
  const ahead = log([[10, 2, 3], [11, 1, 5], [12, 2, 6], [13, 1, 9], [14, 2, 10]]);
  const behind = log([[10, 2, 2]], 4);
  const cut = computeCallCut(10, [ahead, behind]);
  t.equal(cut.last, 11, 'call 11 reached shard 0 only and is whole; 12 is not');
  t.same(cut.truncateAt, [6, 4]);
  t.equal(cut.dropped, 3);
});

t.test('an empty log on one shard', async (t) => {
  const t1 = computeCallCut(5, [log([[5, 1, 2], [6, 1, 4]]), log([])]);
  t.same(t1, { last: 6, truncateAt: [0, 0], dropped: 0, incomplete: undefined }, 'calls that reached only the other shard are whole');
  const t2 = computeCallCut(5, [log([[5, 2, 2]]), log([])]);
  t.same([t2.last, t2.truncateAt], [4, [2, 0]], 'a call that also reached the empty shard is dropped');
  const t3 = computeCallCut(5, [log([]), log([])]);
  t.same(t3, { last: 4, truncateAt: [0, 0], dropped: 0, incomplete: undefined }, 'no call after the checkpoint at all');
});

t.test('a torn part after the last mark is cut even when every marked call is whole', async (t) => {
  const cut = computeCallCut(1, [log([[1, 2, 1]], 3), log([[1, 2, 1]])]);
  t.same(cut.truncateAt, [3, 0]);
  t.equal(cut.last, 1);
  t.same(cut.incomplete, { seq: 2, reached: 0, marked: 0 });
});

t.test('a part whose first record comes before its mark is cut at that record', async (t) => {
  // shard 0: call 2's rows at LSN 4 and a watermark at 5, its mark at 6; shard 1 lost call 2
  const cut = computeCallCut(1, [log([[1, 2, 1], [2, 2, 4]]), log([[1, 2, 2]])]);
  t.same(cut.truncateAt, [4, 0]);
});

t.test('logs that contradict themselves are refused as corruption', async (t) => {
  t.throws(() => computeCallCut(1, [log([[2, 1, 1], [2, 1, 2]]), log([])]), { code: 'CORRUPTION', message: /out of order/ });
  t.throws(() => computeCallCut(5, [log([[4, 1, 1]]), log([])]), { code: 'CORRUPTION', message: /before the checkpoint's first call 5/ });
  t.throws(() => computeCallCut(1, [log([[1, 2, 1]]), log([[1, 1, 1]])]), { code: 'CORRUPTION', message: /reached 2 shards by one shard's log and 1/ });
  t.throws(() => computeCallCut(1, [log([[1, 3, 1]]), log([])]), { code: 'CORRUPTION', message: /reached 3 shards of 2/ });
});

t.test('the cut is stable: cutting the logs where it says and computing again gives the same cut', async (t) => {
  const a = log([[1, 2, 1], [2, 2, 3], [3, 1, 5], [4, 2, 6]]);
  const b = log([[1, 2, 1], [2, 2, 2]], 3);
  const first = computeCallCut(1, [a, b]);
  const cutLog = (l: ShardCallLog, at: number): ShardCallLog => {
    if (at === 0) return l;
    const keep = l.firstLsn.filter((lsn) => lsn < at).length;
    return { seqs: l.seqs.slice(0, keep), shards: l.shards.slice(0, keep), firstLsn: l.firstLsn.slice(0, keep), tailLsn: l.tailLsn >= at ? 0 : l.tailLsn, lastLsn: at - 1 };
  };
  const again = computeCallCut(1, [cutLog(a, first.truncateAt[0]!), cutLog(b, first.truncateAt[1]!)]);
  t.equal(again.last, first.last);
  t.same(again.truncateAt, [0, 0], 'nothing left to cut');
  t.equal(first.last, 3, 'call 3 reached shard 0 only and is whole');
});

t.test('a far-away call number is a gap like any other (no work or memory in proportion to it)', async (t) => {
  const cut = computeCallCut(1, [log([[1, 1, 1], [1e15, 1, 3]]), log([])]);
  t.same(cut, { last: 1, truncateAt: [3, 0], dropped: 1, incomplete: { seq: 2, reached: 0, marked: 0 } });
});

t.test('a number no shard has a mark of, below every shard\'s last mark, was never a call: it is skipped', async (t) => {
  // call 2 is missing everywhere, but shard 0 marked call 3 and shard 1 call 4 after it: had call
  // 2 reached either shard, its mark would come before those
  const cut = computeCallCut(1, [log([[1, 2, 1], [3, 1, 3]]), log([[1, 2, 1], [4, 1, 2]])]);
  t.same(cut, { last: 4, truncateAt: [0, 0], dropped: 0, incomplete: undefined });
  const wide = computeCallCut(1, [log([[1, 2, 1], [1e15, 2, 3]]), log([[1, 2, 1], [1e15, 2, 2]])]);
  t.equal(wide.last, 1e15, 'however wide the gap');
  // a missing number above some shard's last mark may be a call that shard lost
  const lost = computeCallCut(1, [log([[1, 2, 1], [3, 1, 3], [5, 1, 5]]), log([[1, 2, 1], [4, 1, 2]])]);
  t.equal(lost.last, 5, 'call 2 is skipped (below both shards\' last marks); calls 3, 4 and 5 are whole');
  const lost2 = computeCallCut(1, [log([[1, 2, 1], [3, 1, 3], [5, 1, 5]]), log([[1, 2, 1], [2, 2, 2]])]);
  t.same([lost2.last, lost2.truncateAt], [1, [3, 2]], 'call 2, marked on one of the two shards it reached, stops the cut whatever follows');
  const tail = computeCallCut(1, [log([[1, 2, 1], [4, 1, 3]]), log([[1, 2, 1], [2, 1, 2]])]);
  t.same([tail.last, tail.truncateAt], [2, [3, 0]], 'call 3 is missing above shard 1\'s last mark (2): it may be lost there, so call 4 goes');
});
