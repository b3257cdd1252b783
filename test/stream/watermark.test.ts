import t from 'tap';
import { WatermarkAssignerOperator, WatermarkGenerator, NO_WATERMARK } from '../../lib/exec/stream/watermark.js';
import { IntervalJoinOperator } from '../../lib/exec/stream/interval-join.js';
import { TtlJoinOperator } from '../../lib/exec/stream/ttl-join.js';
import { batch, col, Recorder } from './harness.js';

t.test('generator: max event time minus delay, monotonic, NULL times ignored', async (t) => {
  const g = new WatermarkGenerator(1, 5);
  t.equal(g.current(), NO_WATERMARK);
  t.equal(g.pending(), undefined, 'nothing to forward before any row');
  g.observeBatch(batch([['a', 10], ['b', 30], ['c', null], ['d', 20]]));
  t.equal(g.current(), 25);
  t.equal(g.pending(), 25);
  t.equal(g.pending(), undefined, 'forwarded once');
  g.observeBatch(batch([['e', 12]]));
  t.equal(g.current(), 25, 'an older event does not move it back');
  g.advanceTo(100);
  t.equal(g.current(), 100, 'explicit advance');
  g.observeBatch(batch([['f', 50]]));
  t.equal(g.current(), 100, 'rows behind an explicit advance do not pull it back');
  g.advanceTo(90);
  t.equal(g.current(), 100, 'explicit advance never moves backwards');
  g.observeBatch(batch([['g', 200]]));
  t.equal(g.pending(), 195);
  t.throws(() => new WatermarkGenerator(0, -1), { code: 'INVALID_ARGUMENT', message: /delay/ });
  t.throws(() => g.advanceTo(NaN), { code: 'INVALID_ARGUMENT' });
  t.throws(() => g.observeBatch(batch([['x']])), { message: /column 1 is not in the batch/ });
});

t.test('generator: idle flag clears when rows arrive; snapshot/restore', async (t) => {
  const g = new WatermarkGenerator(0, 0);
  g.setIdle(true);
  t.equal(g.idle, true);
  g.observeBatch(batch([[5]]));
  t.equal(g.idle, false);
  const g2 = new WatermarkGenerator(0, 0);
  g2.restore(JSON.parse(JSON.stringify(g.snapshot())));
  t.equal(g2.current(), 5);
  t.equal(g2.pending(), 5);
});

t.test('assigner operator: batch first, watermark at the end of the step', async (t) => {
  const r = new Recorder();
  const op = new WatermarkAssignerOperator(r, 0, 10);
  const b = batch([[100], [50]]);
  op.push(b, 0);
  t.equal(r.batches[0], b, 'batches pass through unchanged');
  t.same(r.watermarks, []);
  op.flush();
  t.same(r.watermarks, [90]);
  op.flush();
  t.same(r.watermarks, [90], 'no repeat without progress');
  op.advanceTo(500);
  op.flush();
  op.watermark(600, 0);
  op.flush();
  t.same(r.watermarks, [90, 500, 600]);
  t.equal(op.stateSize(), 0);
});

t.test('an idle join input does not hold back the output watermark', async (t) => {
  const r = new Recorder();
  const ij = new IntervalJoinOperator(r, { joinKind: 'inner', leftKeys: [col(0)], rightKeys: [col(0)], leftTimeColumn: 1, rightTimeColumn: 1, lowerMs: 0, upperMs: 10, leftWidth: 2, rightWidth: 2 });
  ij.watermark(100, 0);
  t.same(r.watermarks, [], 'the right input has no watermark');
  ij.setInputIdle(1, true);
  t.same(r.watermarks, [100], 'right idle: the left watermark goes through');
  ij.push(batch([[1, 105]]), 0);
  ij.watermark(50, 1);
  t.equal(ij.stateSize(), 1, 'state is still only dropped by real watermarks (left row can match right rows ≥ 50)');

  const r2 = new Recorder();
  const tj = new TtlJoinOperator(r2, { joinKind: 'inner', leftKeys: [col(0)], rightKeys: [col(0)], leftWidth: 2, rightWidth: 2, leftTimeColumn: 1, rightTimeColumn: 1, ttlMs: 10 });
  tj.push(batch([[1, 0]]), 0);
  tj.watermark(100, 0);
  t.equal(tj.stateSize(), 1);
  tj.setInputIdle(1, true);
  t.equal(tj.stateSize(), 0, 'idle right input: the TTL clock follows the left watermark');
  t.same(r2.watermarks, [100]);
});
