import t from 'tap';
import { WindowAggregateOperator, type WindowAggregateConfig } from '../../lib/exec/stream/window-aggregate.js';
import { streamAccumulator } from '../../lib/exec/stream/accumulators.js';
import type { Batch } from '../../lib/exec/batch.js';
import { batch, col, Recorder } from './harness.js';

// input layout: [key, ts, v, window_start, window_end]; output: key, window_end, count(*), sum(v), max(v)
function config(emit: 'window-close' | 'changes', extra: Partial<WindowAggregateConfig> = {}): WindowAggregateConfig {
  return {
    groupBy: [col(0), col(4)],
    windowEndGroupIndex: 1,
    aggregates: [
      { create: streamAccumulator('count_star') },
      { create: streamAccumulator('sum'), arg: col(2) },
      { create: streamAccumulator('max'), arg: col(2) },
    ],
    emit,
    inputWidth: 5,
    ...extra,
  };
}

t.test('EOWC: each window emitted once when the watermark reaches its end, state freed', async (t) => {
  const r = new Recorder();
  const op = new WindowAggregateOperator(r, config('window-close'));
  op.push(batch([['a', 1, 5, 0, 10], ['a', 2, 7, 0, 10], ['b', 3, null, 0, 10], ['a', 12, 1, 10, 20]]), 0);
  op.flush();
  t.same(r.log, [], 'nothing before the window closes');
  t.equal(op.stateSize(), 3);
  op.watermark(9.999, 0);
  t.same(r.log, []);
  op.watermark(10, 0);
  t.same(r.net(), [['a', 10, 2, 12, 7], ['b', 10, 1, null, null]], 'window [0,10) closes at watermark 10; NULL-only sum/max are NULL');
  t.equal(op.stateSize(), 1, 'closed window state is freed');
  t.same(r.watermarks, [9.999, 10]);
  r.clear();
  op.watermark(10, 0);
  t.same(r.log, [], 'a repeated watermark emits nothing');
  op.watermark(25, 0);
  t.same(r.log, [{ row: ['a', 20, 1, 1, 1], weight: 1 }]);
  t.equal(op.stateSize(), 0);
});

t.test('EOWC: late rows are dropped and counted, or routed to a side output', async (t) => {
  const r = new Recorder();
  const side: Batch[] = [];
  const op = new WindowAggregateOperator(r, config('window-close', { late: { sideOutput: (b) => side.push(b) } }));
  op.push(batch([['a', 1, 5, 0, 10]]), 0);
  op.watermark(10, 0);
  const emitted = r.log.slice();
  op.push(batch([['a', 9, 100, 0, 10], ['a', 11, 3, 10, 20]]), 0);
  op.flush();
  t.equal(op.lateRows, 1);
  t.equal(side.length, 1);
  t.same(side[0]!.columns.map((c) => c[0]), ['a', 9, 100, 0, 10], 'side output carries the late input row');
  op.watermark(20, 0);
  t.same(r.log.slice(0, emitted.length), emitted, 'the late row did not change the emitted result');
  t.same(r.log.slice(emitted.length), [{ row: ['a', 20, 1, 3, 3], weight: 1 }]);
});

t.test('EOWC: retractions before the window closes are applied; empty groups are not emitted', async (t) => {
  const r = new Recorder();
  const op = new WindowAggregateOperator(r, config('window-close'));
  op.push(batch([['a', 1, 5, 0, 10], ['a', 2, 9, 0, 10], ['b', 1, 1, 0, 10]]), 0);
  op.push(batch([['a', 2, 9, 0, 10], ['b', 1, 1, 0, 10]], [-1, -1]), 0);
  op.watermark(10, 0);
  t.same(r.net(), [['a', 10, 1, 5, 5]], 'max recomputed after retracting the maximum');
});

t.test('changelog: updates as retract/insert pairs, no state drop by default', async (t) => {
  const r = new Recorder();
  const op = new WindowAggregateOperator(r, config('changes'));
  op.push(batch([['a', 1, 5, 0, 10]]), 0);
  op.flush();
  t.same(r.log, [{ row: ['a', 10, 1, 5, 5], weight: 1 }]);
  r.clear();
  op.push(batch([['a', 2, 6, 0, 10]]), 0);
  op.flush();
  t.same(r.log, [
    { row: ['a', 10, 1, 5, 5], weight: -1 },
    { row: ['a', 10, 2, 11, 6], weight: 1 },
  ]);
  r.clear();
  op.watermark(100, 0);
  op.push(batch([['a', 3, 1, 0, 10]]), 0);
  op.flush();
  t.same(r.log, [
    { row: ['a', 10, 2, 11, 6], weight: -1 },
    { row: ['a', 10, 3, 12, 6], weight: 1 },
  ], 'without allowed lateness the old window still updates (view = SELECT over all data)');
  t.equal(op.lateRows, 0);
  r.clear();
  op.push(batch([['a', 3, 1, 0, 10], ['a', 2, 6, 0, 10], ['a', 1, 5, 0, 10]], [-1, -1, -1]), 0);
  op.flush();
  t.same(r.log, [{ row: ['a', 10, 3, 12, 6], weight: -1 }], 'a group whose rows are all retracted disappears');
  t.equal(op.stateSize(), 0);
});

t.test('changelog with allowed lateness: state dropped past it, later rows late, nothing retracted', async (t) => {
  const r = new Recorder();
  const op = new WindowAggregateOperator(r, config('changes', { allowedLatenessMs: 5 }));
  op.push(batch([['a', 1, 5, 0, 10]]), 0);
  op.watermark(12, 0);
  op.push(batch([['a', 2, 1, 0, 10]]), 0);
  op.flush();
  t.equal(op.lateRows, 0, 'within allowed lateness');
  t.same(r.net(), [['a', 10, 2, 6, 5]]);
  op.watermark(15, 0);
  t.equal(op.stateSize(), 0);
  op.push(batch([['a', 3, 1, 0, 10]]), 0);
  op.flush();
  t.equal(op.lateRows, 1);
  t.same(r.net(), [['a', 10, 2, 6, 5]], 'dropping state did not retract the result');
});

t.test('session close rule: after-end waits for the watermark to pass window_end', async (t) => {
  const r = new Recorder();
  const op = new WindowAggregateOperator(r, config('window-close', { closeWhen: 'after-end' }));
  op.push(batch([['a', 1, 5, 1, 10]]), 0);
  op.watermark(10, 0);
  t.same(r.log, []);
  op.push(batch([['a', 1, 5, 1, 10]]), 0);
  t.equal(op.lateRows, 0, 'a row at watermark == end is still on time for a session');
  op.watermark(10.5, 0);
  t.same(r.net(), [['a', 10, 2, 10, 5]]);
});

t.test('snapshot/restore round-trips state', async (t) => {
  const r = new Recorder();
  const op = new WindowAggregateOperator(r, config('window-close'));
  op.push(batch([['a', 1, 5, 0, 10], ['a', 2, 7, 0, 10], ['b', 13, 1, 10, 20]]), 0);
  const snap = JSON.parse(JSON.stringify(op.snapshot())) as unknown;
  const r2 = new Recorder();
  const op2 = new WindowAggregateOperator(r2, config('window-close'));
  op2.restore(snap);
  t.equal(op2.stateSize(), 2);
  op2.push(batch([['a', 3, 9, 0, 10]]), 0);
  op2.watermark(30, 0);
  t.same(r2.net(), [['a', 10, 3, 21, 9], ['b', 20, 1, 1, 1]]);
});

t.test('unsupported aggregates and bad configs are clear errors', async (t) => {
  t.throws(() => streamAccumulator('percentile_cont'), { code: 'UNSUPPORTED', message: /percentile_cont/ });
  const max = streamAccumulator('max', false, true)();
  max.add(3, 1);
  max.add(null, 1);
  max.add(7, 1);
  max.add(5, 1);
  t.equal(max.result(), 7, 'append-only max');
  t.throws(() => max.add(7, -1), { code: 'INVALID_ARGUMENT', message: /retraction/ });
  const min = streamAccumulator('min', false, true)();
  t.equal(min.result(), null, 'min of nothing is NULL');
  min.add('b', 1);
  min.add('a', 1);
  t.equal(min.result(), 'a');
  const d = streamAccumulator('count', true)();
  d.add(1, 1);
  d.add(1, 1);
  d.add(2, 1);
  d.add(1, -1);
  t.equal(d.result(), 2, 'count(DISTINCT) counts a value while any copy remains');
  d.add(1, -1);
  t.equal(d.result(), 1);
  t.throws(() => new WindowAggregateOperator(new Recorder(), { ...config('changes'), windowEndGroupIndex: 5 }), { code: 'INVALID_ARGUMENT' });
  const op = new WindowAggregateOperator(new Recorder(), config('changes'));
  t.throws(() => op.push(batch([['a', 1, 5, 0, null]]), 0), { message: /window_end is NULL/ });
});

t.test('accumulators: avg, sum, min/max over strings, NULL handling, save/load round trips', async (t) => {
  const feed = (fn: string, values: [unknown, number][], distinct = false) => {
    const acc = streamAccumulator(fn, distinct)();
    for (const [v, w] of values) acc.add(v as never, w);
    const copy = streamAccumulator(fn, distinct)();
    copy.load(JSON.parse(JSON.stringify(acc.save())));
    return [acc.result(), copy.result()];
  };
  t.same(feed('avg', [[1, 1], [2, 1], [null, 1], [6, 1]]), [3, 3]);
  t.same(feed('avg', [[null, 1]]), [null, null], 'avg of only NULLs is NULL');
  t.same(feed('sum', [[5, 2], [1, 1], [5, -1]]), [6, 6], 'weights multiply');
  t.same(feed('count', [[null, 1], ['x', 1]]), [1, 1]);
  t.same(feed('count_star', [[null, 1], ['x', 1]]), [2, 2]);
  t.same(feed('min', [['b', 1], ['a', 1], ['a', -1]]), ['b', 'b'], 'min recomputed after retracting it, also after load');
  t.same(feed('max', [[true, 1], [false, 1]]), [true, true]);
  t.same(feed('sum', [[1, 1], [1, 1], [2, 1]], true), [3, 3], 'sum(DISTINCT)');
  t.throws(() => feed('sum', [['x', 1]]), { code: 'UNSUPPORTED', message: /sum\(\) over string/ });
  t.throws(() => feed('max', [[[1], 1]]), { code: 'UNSUPPORTED' });
});

t.test('count(*) kept as a number per group (countRows): same results and checkpoint format as its accumulator', async (t) => {
  for (const create of [streamAccumulator('count_star')]) {
    const make = (countRows: boolean, r: Recorder) =>
      new WindowAggregateOperator(r, { ...config('changes'), aggregates: [{ create, countRows }, { create: streamAccumulator('sum'), arg: col(2) }] });
    const ra = new Recorder();
    const rb = new Recorder();
    const a = make(false, ra);
    const b = make(true, rb);
    const steps = [
      batch([['a', 1, 5, 0, 10], ['a', 2, 7, 0, 10], ['b', 3, null, 0, 10]]),
      batch([['a', 1, 5, 0, 10], ['a', 12, 1, 10, 20]], [-1, 2]),
    ];
    for (const s of steps) {
      a.push(s, 0);
      b.push(s, 0);
      a.flush();
      b.flush();
      t.same(rb.net(), ra.net());
    }
    t.same(rb.net(), [['a', 10, 1, 7], ['a', 20, 2, 2], ['b', 10, 1, null]]);
    t.same(JSON.parse(JSON.stringify(b.snapshot())), JSON.parse(JSON.stringify(a.snapshot())), 'identical snapshots');
    // restore across the two representations, then go on
    const rc = new Recorder();
    const c = make(true, rc);
    c.restore(JSON.parse(JSON.stringify(a.snapshot())));
    const rd = new Recorder();
    const d = make(false, rd);
    d.restore(JSON.parse(JSON.stringify(b.snapshot())));
    const next = batch([['a', 3, 4, 0, 10], ['b', 4, 2, 0, 10]], [-1, 1]);
    c.push(next, 0);
    d.push(next, 0);
    c.flush();
    d.flush();
    t.same(rc.log, rd.log, 'restored operators continue alike');
    // a: 1 + (-1) rows in [0,10) → gone; b: 1 + 1 → count 2, sum 2
    t.same(rc.log.filter((e) => e.weight > 0).map((e) => e.row), [['b', 10, 2, 2]]);
    t.same(rc.log.filter((e) => e.weight < 0).map((e) => e.row).sort(), [['a', 10, 1, 7], ['b', 10, 1, null]].sort());
  }
});
