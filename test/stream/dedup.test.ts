import t from 'tap';
import { DedupOperator } from '../../lib/exec/stream/dedup.js';
import { batch, col, Recorder } from './harness.js';

t.test('keep first: first row per key wins, only keys are held', async (t) => {
  const r = new Recorder();
  const op = new DedupOperator(r, { keys: [col(0)], keep: 'first', inputWidth: 2 });
  const b = batch([['a', 1], ['b', 2]]);
  op.push(b, 0);
  t.equal(r.batches[0], b, 'a batch of first occurrences is forwarded without copying');
  op.push(batch([['a', 3], ['c', 4], ['c', 5], [null, 6], [null, 7]]), 0);
  op.flush();
  t.same(r.net(), [['a', 1], ['b', 2], ['c', 4], [null, 6]], 'NULL is one key, as in PARTITION BY');
  t.equal(op.stateSize(), 4);
  t.throws(() => op.push(batch([['a', 1]], [-1]), 0), { code: 'INVALID_ARGUMENT', message: /append-only/ });
});

t.test('keep first with composite keys', async (t) => {
  const r = new Recorder();
  const op = new DedupOperator(r, { keys: [col(0), col(1)], keep: 'first', inputWidth: 3 });
  op.push(batch([['a', 1, 'x'], ['a', 2, 'y'], ['a', 1, 'z'], ['a|1', null, 'w'], ['a', '1', 'v']]), 0);
  t.same(r.net().map((x) => x[2]).sort(), ['v', 'w', 'x', 'y'], 'keys of different types or with separators do not collide');
});

t.test('keep last by time: newer rows replace, older ones are ignored', async (t) => {
  const r = new Recorder();
  const op = new DedupOperator(r, { keys: [col(0)], keep: 'last', timeColumn: 1, inputWidth: 3 });
  op.push(batch([['a', 10, 'x'], ['a', 5, 'old'], ['a', 12, 'y'], ['b', 1, 'z']]), 0);
  op.flush();
  t.same(r.net(), [['a', 12, 'y'], ['b', 1, 'z']]);
  t.equal(op.stateSize(), 2);
});

t.test('state TTL forgets keys once the watermark passes time + ttl', async (t) => {
  const r = new Recorder();
  const op = new DedupOperator(r, { keys: [col(0)], keep: 'first', timeColumn: 1, ttlMs: 100, inputWidth: 2 });
  op.push(batch([['a', 10], ['b', 50]]), 0);
  op.watermark(110, 0);
  t.equal(op.stateSize(), 2, 'time + ttl == watermark: still held');
  op.watermark(111, 0);
  t.equal(op.stateSize(), 1, 'a expired (10 < 111 - 100), b kept');
  op.push(batch([['a', 120], ['b', 120]]), 0);
  op.flush();
  t.same(r.net(), [['a', 10], ['a', 120], ['b', 50]], 'after its TTL a key passes again');
  t.same(r.watermarks, [110, 111]);
  t.throws(() => new DedupOperator(r, { keys: [col(0)], keep: 'first', ttlMs: 5, inputWidth: 2 }), { message: /TTL needs an event-time column/ });
});

t.test('state stays flat with a moving watermark and TTL', async (t) => {
  const r = new Recorder();
  const op = new DedupOperator(r, { keys: [col(0)], keep: 'first', timeColumn: 1, ttlMs: 1000, inputWidth: 2 });
  let max = 0;
  for (let step = 0; step < 200; step++) {
    const keys = new Float64Array(1000);
    const times = new Float64Array(1000);
    for (let i = 0; i < 1000; i++) {
      keys[i] = step * 1000 + i;
      times[i] = step * 100 + i / 10;
    }
    op.push({ length: 1000, columns: [keys, times], weights: null }, 0);
    op.watermark(step * 100, 0);
    max = Math.max(max, op.stateSize());
  }
  t.ok(max <= 12000, `state bounded by the TTL horizon (max ${max})`);
});

t.test('snapshot/restore', async (t) => {
  const op = new DedupOperator(new Recorder(), { keys: [col(0)], keep: 'last', inputWidth: 2 });
  op.push(batch([['a', 1]]), 0);
  const r2 = new Recorder();
  const op2 = new DedupOperator(r2, { keys: [col(0)], keep: 'last', inputWidth: 2 });
  op2.restore(JSON.parse(JSON.stringify(op.snapshot())));
  op2.push(batch([['a', 2]]), 0);
  op2.flush();
  t.same(r2.log, [{ row: ['a', 1], weight: -1 }, { row: ['a', 2], weight: 1 }]);
});
