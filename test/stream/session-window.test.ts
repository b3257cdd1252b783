import t from 'tap';
import fc from 'fast-check';
import { SessionWindowOperator } from '../../lib/exec/stream/session-window.js';
import { WindowAggregateOperator } from '../../lib/exec/stream/window-aggregate.js';
import { WatermarkAssignerOperator } from '../../lib/exec/stream/watermark.js';
import { aggregateSql, Oracle } from './oracle.js';
import { batch, col, Link, netRows, Recorder, sortRows } from './harness.js';
import { drive, finish, oracleAggregates, streamArb } from './streams.js';

// input layout [k, ts, v]; output [k, ts, v, window_start, window_end]
const sessionOp = (r: Recorder, gap = 10) => new SessionWindowOperator(r, { timeColumn: 1, gapMs: gap, partitionBy: [col(0)], inputWidth: 3 });

t.test('events of a key merge into sessions; bounds changes retract and re-emit', async (t) => {
  const r = new Recorder();
  const op = sessionOp(r);
  op.push(batch([['a', 100, 1], ['b', 100, 2]]), 0);
  op.flush();
  t.same(r.net(), [['a', 100, 1, 100, 110], ['b', 100, 2, 100, 110]]);
  r.clear();
  op.push(batch([['a', 105, 3]]), 0);
  op.flush();
  t.same(r.log, [
    { row: ['a', 100, 1, 100, 110], weight: -1 },
    { row: ['a', 100, 1, 100, 115], weight: 1 },
    { row: ['a', 105, 3, 100, 115], weight: 1 },
  ], 'extending the session re-emits its rows with the new end');
  r.clear();
  op.push(batch([['a', 102, 4]]), 0);
  op.flush();
  t.same(r.log, [{ row: ['a', 102, 4, 100, 115], weight: 1 }], 'an event inside the span changes no bounds');
});

t.test('touching sessions merge; separate ones do not', async (t) => {
  const r = new Recorder();
  const op = sessionOp(r);
  op.push(batch([['a', 100, 1], ['a', 120, 2]]), 0);
  op.flush();
  t.same(r.net(), [['a', 100, 1, 100, 110], ['a', 120, 2, 120, 130]]);
  op.push(batch([['a', 110, 3]]), 0);
  op.flush();
  t.same(r.net(), [['a', 100, 1, 100, 130], ['a', 110, 3, 100, 130], ['a', 120, 2, 100, 130]], 'ts == end touches, and its own end touches the next start');
  t.equal(op.stateSize(), 3);
});

t.test('watermark closes sessions strictly after their end and frees them; late events counted', async (t) => {
  const r = new Recorder();
  const op = sessionOp(r);
  op.push(batch([['a', 100, 1]]), 0);
  op.watermark(110, 0);
  t.equal(op.stateSize(), 1, 'end == watermark: still open');
  op.push(batch([['a', 110, 2]]), 0);
  op.watermark(121, 0);
  t.equal(op.stateSize(), 0);
  t.same(r.net(), [['a', 100, 1, 100, 120], ['a', 110, 2, 100, 120]]);
  const before = r.log.length;
  op.push(batch([['a', 105, 9]]), 0);
  op.flush();
  t.equal(op.late.count, 1, 'touches only a closed session and ends before the watermark');
  t.equal(r.log.length, before, 'emitted results unchanged');
  op.push(batch([['a', 115, 9]]), 0);
  op.flush();
  t.equal(op.late.count, 1, 'an event behind the watermark whose own session is still open is accepted');
  t.same(r.log.slice(before), [{ row: ['a', 115, 9, 115, 125], weight: 1 }]);
});

t.test('retraction splits a session', async (t) => {
  const r = new Recorder();
  const op = sessionOp(r);
  op.push(batch([['a', 100, 1], ['a', 108, 2], ['a', 116, 3]]), 0);
  op.flush();
  t.same(r.net().map((x) => x.slice(3)), [[100, 126], [100, 126], [100, 126]]);
  op.push(batch([['a', 108, 2]], [-1]), 0);
  op.push(batch([['a', 999, 2]], [-1]), 0);
  op.flush();
  t.same(r.net(), [['a', 100, 1, 100, 110], ['a', 116, 3, 116, 126]]);
  t.equal(op.unmatchedRetractions, 1);
});

t.test('a row with weight 2 is two events: both copies move with the bounds, a retraction takes one', async (t) => {
  const r = new Recorder();
  const op = sessionOp(r);
  op.push(batch([['a', 100, 1]], [2]), 0);
  op.flush();
  t.same(r.net(), [['a', 100, 1, 100, 110], ['a', 100, 1, 100, 110]]);
  t.equal(op.stateSize(), 2);
  op.push(batch([['a', 104, 2]]), 0);
  op.flush();
  t.same(r.net(), [['a', 100, 1, 100, 114], ['a', 100, 1, 100, 114], ['a', 104, 2, 100, 114]], 'both copies re-emitted with the new end');
  op.push(batch([['a', 100, 1]], [-1]), 0);
  op.flush();
  t.same(r.net(), [['a', 100, 1, 100, 114], ['a', 104, 2, 100, 114]], 'one copy left');
  t.equal(op.stateSize(), 2);
  t.equal(op.unmatchedRetractions, 0);
});

t.test('emit-on-close mode: each session emitted once with its final bounds', async (t) => {
  const r = new Recorder();
  const op = sessionOp(r);
  op.setEmitOnClose();
  op.push(batch([['a', 100, 1], ['a', 105, 2], ['b', 100, 3]]), 0);
  op.push(batch([['a', 105, 2]], [-1]), 0);
  op.push(batch([['a', 108, 4]]), 0);
  op.flush();
  t.same(r.log, [], 'nothing before the watermark passes the end');
  op.watermark(111, 0);
  t.same(r.log, [{ row: ['b', 100, 3, 100, 110], weight: 1 }]);
  op.watermark(119, 0);
  t.same(r.log.slice(1), [
    { row: ['a', 100, 1, 100, 118], weight: 1 },
    { row: ['a', 108, 4, 100, 118], weight: 1 },
  ], 'the retracted row is gone, the session grew to 118');
  t.equal(op.stateSize(), 0);
  const busy = sessionOp(new Recorder());
  busy.push(batch([['a', 1, 1]]), 0);
  t.throws(() => busy.setEmitOnClose(), { message: /before rows arrive/ });
});

t.test('NULL partition keys form their own sessions; NULL times are skipped', async (t) => {
  const r = new Recorder();
  const op = sessionOp(r);
  op.push(batch([[null, 100, 1], [null, 104, 2], ['a', null, 3]]), 0);
  op.flush();
  t.same(r.net(), [[null, 100, 1, 100, 114], [null, 104, 2, 100, 114]]);
});

t.test('snapshot/restore', async (t) => {
  const r = new Recorder();
  const op = sessionOp(r);
  op.push(batch([['a', 100, 1]]), 0);
  op.flush();
  const r2 = new Recorder();
  const op2 = sessionOp(r2);
  op2.restore(JSON.parse(JSON.stringify(op.snapshot())));
  op2.push(batch([['a', 105, 2]]), 0);
  op2.flush();
  t.same(r2.log.map((e) => e.weight), [-1, 1, 1], 'the restored session retracts what it had emitted');
});

t.test('SESSION → windowed aggregate equals DuckDB sessions (both emit modes)', async (t) => {
  const oracle = await Oracle.open();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 15 }),
      fc.integer({ min: 0, max: 10 }).chain((d) => fc.tuple(fc.integer({ min: d, max: d + 4 }), streamArb(d))),
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      async (gap, [delay, events], chunks, emitOnClose) => {
        await oracle.load('events', 'k VARCHAR, ts BIGINT, v BIGINT', events);
        const expected = sortRows(await oracle.query(aggregateSql({ kind: 'session', gap })));
        for (const emit of ['window-close', 'changes'] as const) {
          const out = new Recorder();
          const agg = new WindowAggregateOperator(out, {
            groupBy: [col(0), col(3), col(4)],
            windowEndGroupIndex: 2,
            aggregates: oracleAggregates(),
            emit,
            closeWhen: 'after-end',
            inputWidth: 5,
          });
          const sess = new SessionWindowOperator(new Link(agg), { timeColumn: 1, gapMs: gap, partitionBy: [col(0)], inputWidth: 3 });
          if (emitOnClose && emit === 'window-close') sess.setEmitOnClose();
          const assigner = new WatermarkAssignerOperator(new Link(sess), 1, delay);
          const p = { ops: [assigner, sess, agg], assigner };
          drive(p, events, chunks);
          finish(p);
          const got = emit === 'window-close' ? sortRows(out.inserts()) : netRows(out.log);
          if (emit === 'window-close' && out.log.some((e) => e.weight !== 1)) throw new Error('EOWC retracted');
          if (sess.late.count !== 0 || agg.lateRows !== 0) throw new Error('late rows under bounded disorder');
          if (sess.stateSize() !== 0 || (emit === 'window-close' && agg.stateSize() !== 0)) throw new Error('state left after the final watermark');
          if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${emit} mismatch\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(expected)}`);
        }
      },
    ),
    { numRuns: 50 },
  );
  t.pass('property held');
});

t.test('two retractions into one session in one step: the first split is not emitted again', async (t) => {
  const r = new Recorder();
  const op = new SessionWindowOperator(r, { timeColumn: 1, gapMs: 5, partitionBy: [col(0)], inputWidth: 2 });
  op.push(batch([['a', 0], ['a', 0], ['a', 0]]), 0);
  op.flush();
  t.equal(r.net().length, 3);
  op.push(batch([['a', 0], ['a', 0]], [-1, -1]), 0);
  op.flush();
  t.same(r.net(), [['a', 0, 0, 5]], 'one row left, emitted once');
});
