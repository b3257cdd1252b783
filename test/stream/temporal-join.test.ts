import t from 'tap';
import { TemporalJoinOperator } from '../../lib/exec/stream/temporal-join.js';
import { batch, col, Recorder, sortRows } from './harness.js';

// left (probe) [order_id, currency, amount]; right (table) [currency, rate]
const make = (r: Recorder, joinKind: 'inner' | 'left' = 'inner') =>
  new TemporalJoinOperator(r, { joinKind, leftKeys: [col(1)], rightKeys: [col(0)], leftWidth: 3, rightWidth: 2 });

t.test('probes see the table as of their arrival; later table changes retract nothing', async (t) => {
  const r = new Recorder();
  const op = make(r);
  op.push(batch([['EUR', 1.1], ['GBP', 1.3]]), 1);
  op.flush();
  op.push(batch([[1, 'EUR', 10], [2, 'JPY', 5], [3, null, 1]]), 0);
  op.flush();
  t.same(r.net(), [[1, 'EUR', 10, 'EUR', 1.1]]);
  op.push(batch([['EUR', 1.1], ['EUR', 1.2]], [-1, 1]), 1);
  op.flush();
  t.same(r.net(), [[1, 'EUR', 10, 'EUR', 1.1]], 'the table update did not touch the emitted row');
  op.push(batch([[4, 'EUR', 7]]), 0);
  op.flush();
  t.same(r.net(), sortRows([[1, 'EUR', 10, 'EUR', 1.1], [4, 'EUR', 7, 'EUR', 1.2]]));
  t.equal(op.stateSize(), 2);
});

t.test('LEFT pads misses; a probe sees table changes of its own step (back-fill order)', async (t) => {
  const r = new Recorder();
  const op = make(r, 'left');
  op.push(batch([[1, 'EUR', 10], [2, null, 3]]), 0);
  op.push(batch([['EUR', 1.1]]), 1);
  op.watermark(100, 0);
  t.same(r.log, [], 'nothing before the end of the step');
  op.flush();
  t.same(r.net(), sortRows([[1, 'EUR', 10, 'EUR', 1.1], [2, null, 3, null, null]]));
  t.same(r.watermarks, [100], 'the probe watermark follows the step output');
  op.push(batch([['XXX', 1]], [-1]), 1);
  t.equal(op.unmatchedDeletes, 1);
});

t.test('residual and probe retraction', async (t) => {
  const r = new Recorder();
  const op = new TemporalJoinOperator(r, { joinKind: 'inner', leftKeys: [col(1)], rightKeys: [col(0)], leftWidth: 3, rightWidth: 2, residual: (c, i) => (c[4]![i] as number) > 1 });
  op.push(batch([['EUR', 1.1], ['EUR', 0.5]]), 1);
  op.push(batch([[1, 'EUR', 10]]), 0);
  op.flush();
  t.same(r.net(), [[1, 'EUR', 10, 'EUR', 1.1]]);
  op.push(batch([[1, 'EUR', 10]], [-1]), 0);
  op.flush();
  t.same(r.net(), []);
  t.throws(() => new TemporalJoinOperator(r, { joinKind: 'inner', leftKeys: [], rightKeys: [], leftWidth: 1, rightWidth: 1 }), { message: /equality conditions/ });
});
