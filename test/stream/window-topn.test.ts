import t from 'tap';
import fc from 'fast-check';
import { WindowTopNOperator, type WindowTopNConfig } from '../../lib/exec/stream/window-topn.js';
import { WindowAssignOperator } from '../../lib/exec/stream/window-tvf.js';
import { WatermarkAssignerOperator } from '../../lib/exec/stream/watermark.js';
import { Oracle, windowedSql } from './oracle.js';
import { batch, col, Link, netRows, Recorder, sortRows } from './harness.js';
import { drive, finish, streamArb } from './streams.js';

// input [k, ts, v, window_start, window_end]; top rows by v DESC, ts, k per (window_start)
function topn(r: Recorder, extra: Partial<WindowTopNConfig> = {}): WindowTopNOperator {
  return new WindowTopNOperator(r, {
    partitionBy: [col(3)],
    windowEnd: col(4),
    order: [
      { column: 2, desc: true },
      { column: 1, desc: false },
      { column: 0, desc: false },
    ],
    limit: 2,
    emit: 'window-close',
    appendOnly: true,
    inputWidth: 5,
    ...extra,
  });
}

t.test('EOWC: top rows of each window emitted at close, state bounded by N', async (t) => {
  const r = new Recorder();
  const op = topn(r, { rankOutput: 'row_number' });
  op.push(batch([['a', 1, 5, 0, 10], ['b', 2, 9, 0, 10], ['c', 3, 7, 0, 10], ['d', 4, 1, 0, 10], ['e', 12, 3, 10, 20]]), 0);
  op.flush();
  t.same(r.log, []);
  t.equal(op.stateSize(), 3, 'only the top 2 of window [0,10) are held');
  op.watermark(10, 0);
  t.same(r.net(), [['b', 2, 9, 0, 10, 1], ['c', 3, 7, 0, 10, 2]]);
  t.equal(op.stateSize(), 1);
  op.push(batch([['z', 5, 100, 0, 10]]), 0);
  op.flush();
  t.equal(op.late.count, 1, 'late for a closed window');
  op.watermark(20, 0);
  t.same(r.net(), [['b', 2, 9, 0, 10, 1], ['c', 3, 7, 0, 10, 2], ['e', 12, 3, 10, 20, 1]]);
});

t.test('changelog: changes in the top are retracted and replaced; offset and rank', async (t) => {
  const r = new Recorder();
  const op = topn(r, { emit: 'changes', appendOnly: false, offset: 1, limit: 2, rankOutput: 'rank', order: [{ column: 2, desc: true }] });
  op.push(batch([['a', 1, 5, 0, 10], ['b', 2, 9, 0, 10]]), 0);
  op.flush();
  t.same(r.net(), [['a', 1, 5, 0, 10, 2]]);
  op.push(batch([['c', 3, 5, 0, 10]]), 0);
  op.flush();
  t.same(r.net(), sortRows([['a', 1, 5, 0, 10, 2], ['c', 3, 5, 0, 10, 2]]), 'ties share a rank');
  op.push(batch([['b', 2, 9, 0, 10]], [-1]), 0);
  op.flush();
  t.same(r.net(), [['c', 3, 5, 0, 10, 1]], 'a delete inside the top is exact with a retracting input');
  op.watermark(100, 0);
  t.equal(op.stateSize(), 2, 'no state drop without allowed lateness');
});

t.test('changelog with allowed lateness drops closed windows without retracting', async (t) => {
  const r = new Recorder();
  const op = topn(r, { emit: 'changes', allowedLatenessMs: 0 });
  op.push(batch([['a', 1, 5, 0, 10]]), 0);
  op.watermark(10, 0);
  t.equal(op.stateSize(), 0);
  t.same(r.net(), [['a', 1, 5, 0, 10]]);
});

t.test('TUMBLE → Top-N (EOWC) equals DuckDB ROW_NUMBER over the same windows', async (t) => {
  const oracle = await Oracle.open();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 8 }).chain((d) => fc.tuple(fc.integer({ min: d, max: d + 3 }), streamArb(d))),
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 3 }),
      async (size, n, [delay, events], chunks) => {
        await oracle.load('events', 'k VARCHAR, ts BIGINT, v BIGINT', events);
        const expected = sortRows(
          await oracle.query(`SELECT k, ts, v, ws, we, rn FROM (SELECT *, row_number() OVER (PARTITION BY ws ORDER BY v DESC NULLS FIRST, ts, k) AS rn FROM (${windowedSql({ kind: 'tumble', size, offset: 0 })}) w) x WHERE rn <= ${n}`),
        );
        const out = new Recorder();
        const op = topn(out, { limit: n, rankOutput: 'row_number', order: [{ column: 2, desc: true }, { column: 1, desc: false }, { column: 0, desc: false }] });
        const tvf = new WindowAssignOperator(new Link(op), { kind: 'tumble', timeColumn: 1, sizeMs: size });
        const assigner = new WatermarkAssignerOperator(new Link(tvf), 1, delay);
        const p = { ops: [assigner, tvf, op], assigner };
        drive(p, events, chunks);
        finish(p);
        if (op.stateSize() !== 0) throw new Error('state left');
        const got = netRows(out.log);
        if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`mismatch\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(expected)}`);
      },
    ),
    { numRuns: 60 },
  );
  t.pass('property held');
});
