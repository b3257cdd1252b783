import t from 'tap';
import { DedupOperator } from '../../lib/exec/stream/dedup.js';
import { batch, col, Recorder, sortRows } from './harness.js';

// two key columns, both numbers, go through the number-keyed index; anything else through the
// encoded key: both must behave as one keyed state
function lastByTime(r: Recorder, extra: { ttlMs?: number } = {}): DedupOperator {
  return new DedupOperator(r, { keys: [col(0), col(1)], keep: 'last', timeColumn: 2, inputWidth: 4, ...extra });
}

t.test('numeric pair keys: latest per (a, b), -0 equals 0, NaN equals NaN', async (t) => {
  const r = new Recorder();
  const op = lastByTime(r);
  op.push(batch([[1, 2, 10, 'x'], [1, 2, 12, 'y'], [2, 1, 5, 'swapped key'], [1, 2, 11, 'older']]), 0);
  op.push(batch([[0, 7, 1, 'zero'], [-0, 7, 2, 'minus zero'], [NaN, 3, 1, 'nan'], [NaN, 3, 4, 'nan again']]), 0);
  op.flush();
  t.same(sortRows(r.net()), sortRows([[1, 2, 12, 'y'], [2, 1, 5, 'swapped key'], [-0, 7, 2, 'minus zero'], [NaN, 3, 4, 'nan again']]));
  t.equal(op.stateSize(), 4);
});

t.test('mixed key types: numbers and non-numbers never collide and are counted', async (t) => {
  const r = new Recorder();
  const op = lastByTime(r);
  op.push(batch([[1, 2, 1, 'numbers'], ['1', 2, 1, 'string a'], [1, '2', 1, 'string b'], [null, 2, 1, 'null a'], [1, null, 1, 'null b']]), 0);
  op.push(batch([[1, 2, 3, 'numbers 2'], ['1', 2, 3, 'string a 2'], [null, 2, 0, 'older null']]), 0);
  op.flush();
  t.same(sortRows(r.net()), sortRows([[1, 2, 3, 'numbers 2'], ['1', 2, 3, 'string a 2'], [1, '2', 1, 'string b'], [null, 2, 1, 'null a'], [1, null, 1, 'null b']]));
  t.equal(op.stateSize(), 5);
});

t.test('a superseding row retracts exactly the previous output row', async (t) => {
  const r = new Recorder();
  const op = lastByTime(r);
  op.push(batch([[5, 6, 1, 'a']]), 0);
  op.push(batch([[5, 6, 2, 'b'], [5, 6, 3, 'c']]), 0);
  op.flush();
  t.same(r.log, [
    { row: [5, 6, 1, 'a'], weight: 1 },
    { row: [5, 6, 1, 'a'], weight: -1 },
    { row: [5, 6, 2, 'b'], weight: 1 },
    { row: [5, 6, 2, 'b'], weight: -1 },
    { row: [5, 6, 3, 'c'], weight: 1 },
  ]);
});

t.test('TTL expiry covers number-keyed entries', async (t) => {
  const r = new Recorder();
  const op = lastByTime(r, { ttlMs: 100 });
  op.push(batch([[1, 1, 10, 'old'], [1, 2, 150, 'fresh'], ['s', 1, 10, 'old string key']]), 0);
  op.watermark(200, 0);
  t.equal(op.stateSize(), 1, 'time 10 expired on both paths, 150 kept');
  op.push(batch([[1, 1, 5, 'passes again']]), 0);
  op.flush();
  t.equal(op.stateSize(), 2);
  t.same(r.net().filter((row) => row[3] === 'passes again').length, 1, 'an expired key is new again');
});

t.test('snapshot is a copy, restore re-derives keys on both paths', async (t) => {
  const op = lastByTime(new Recorder());
  op.push(batch([[1, 2, 10, 'n'], ['a', 2, 10, 's']]), 0);
  const snap = op.snapshot();
  op.push(batch([[1, 2, 20, 'later']]), 0); // replaces the held entry in place
  const r2 = new Recorder();
  const op2 = lastByTime(r2);
  op2.restore(structuredClone(snap));
  t.equal(op2.stateSize(), 2);
  op2.push(batch([[1, 2, 15, 'n2'], ['a', 2, 5, 'older s']]), 0);
  op2.flush();
  t.same(r2.log, [
    { row: [1, 2, 10, 'n'], weight: -1 },
    { row: [1, 2, 15, 'n2'], weight: 1 },
  ], 'the snapshot held the row as of snapshot time, not the later replacement');
});
