import t from 'tap';
import fc from 'fast-check';
import { IntervalJoinOperator, type IntervalJoinConfig } from '../../lib/exec/stream/interval-join.js';
import { WatermarkAssignerOperator } from '../../lib/exec/stream/watermark.js';
import type { Row } from '../../lib/types/value.js';
import type { Batch } from '../../lib/exec/batch.js';
import { Oracle } from './oracle.js';
import { batch, col, Link, netRows, Recorder, sortRows } from './harness.js';

// left [k, ts, v], right [k, ts, w]; match when r.ts - l.ts ∈ [lower, upper]
function join(r: Recorder, extra: Partial<IntervalJoinConfig> = {}): IntervalJoinOperator {
  return new IntervalJoinOperator(r, {
    joinKind: 'inner',
    leftKeys: [col(0)],
    rightKeys: [col(0)],
    leftTimeColumn: 1,
    rightTimeColumn: 1,
    lowerMs: -5,
    upperMs: 10,
    leftWidth: 3,
    rightWidth: 3,
    ...extra,
  });
}

t.test('matches within the interval, both arrival orders, NULL keys never match', async (t) => {
  const r = new Recorder();
  const op = join(r);
  op.push(batch([['a', 100, 1], [null, 100, 2]]), 0);
  op.push(batch([['a', 95, 'x'], ['a', 94, 'y'], ['a', 110, 'z'], ['a', 111, 'q'], ['b', 100, 'b'], [null, 100, 'n']]), 1);
  op.push(batch([['a', 101, 3]]), 0);
  op.flush();
  t.same(r.net(), sortRows([
    ['a', 100, 1, 'a', 95, 'x'],
    ['a', 100, 1, 'a', 110, 'z'],
    ['a', 101, 3, 'a', 110, 'z'],
    ['a', 101, 3, 'a', 111, 'q'],
  ]));
});

t.test('watermarks clean state; LEFT join pads unmatched rows when they expire', async (t) => {
  const r = new Recorder();
  const op = join(r, { joinKind: 'left' });
  op.push(batch([['a', 100, 1], ['b', 100, 2], [null, 100, 3]]), 0);
  op.push(batch([['a', 105, 'x']]), 1);
  op.flush();
  t.same(r.net(), sortRows([['a', 100, 1, 'a', 105, 'x'], [null, 100, 3, null, null, null]]), 'a NULL key is padded at once');
  t.equal(op.stateSize(), 3);
  op.watermark(200, 0);
  t.equal(op.stateSize(), 2, 'right row 105 expires: no future left row (≥ 200) can reach it');
  op.watermark(110, 1);
  t.equal(op.stateSize(), 2, 'left rows at 100 can still match right rows at 110 (upper 10)');
  op.watermark(111, 1);
  t.equal(op.stateSize(), 0);
  t.same(r.net(), sortRows([['a', 100, 1, 'a', 105, 'x'], ['b', 100, 2, null, null, null], [null, 100, 3, null, null, null]]));
  t.same(r.watermarks, [100, 101], 'output watermark = min(left wm, right wm - upper)');
});

t.test('late rows are dropped and counted per side; side output', async (t) => {
  const r = new Recorder();
  const side: Batch[] = [];
  const op = join(r, { late: { right: { sideOutput: (b) => side.push(b) } } });
  op.watermark(100, 0);
  op.watermark(100, 1);
  op.push(batch([['a', 99, 1]]), 0);
  op.push(batch([['a', 99, 'x']]), 1);
  op.flush();
  t.equal(op.lateLeft.count, 1);
  t.equal(op.lateRight.count, 1);
  t.equal(side.length, 1);
  t.same(r.log, []);
});

t.test('retractions remove matches; residual filters pairs', async (t) => {
  const r = new Recorder();
  const op = join(r, { residual: (c, i) => (c[2]![i] as number) < (c[5]![i] as number) });
  op.push(batch([['a', 100, 1], ['a', 100, 50]]), 0);
  op.push(batch([['a', 101, 10]]), 1);
  op.flush();
  t.same(r.net(), [['a', 100, 1, 'a', 101, 10]]);
  op.push(batch([['a', 101, 10]], [-1]), 1);
  op.push(batch([['a', 1, 10]], [-1]), 1);
  op.flush();
  t.same(r.net(), []);
  t.equal(op.unmatchedRetractions, 1);
});

t.test('bad bounds are rejected', async (t) => {
  t.throws(() => join(new Recorder(), { lowerMs: 5, upperMs: 1 }), { code: 'INVALID_ARGUMENT', message: /bounds are empty/ });
});

const sideArb = (d: number) =>
  fc
    .array(fc.record({ step: fc.integer({ min: 0, max: 4 }), jitter: fc.integer({ min: 0, max: d }), k: fc.option(fc.constantFrom('a', 'b'), { freq: 8 }), v: fc.integer({ min: 0, max: 99 }) }), { maxLength: 60 })
    .map((items) => {
      let base = 1000;
      return items.map(({ step, jitter, k, v }): Row => {
        base += step;
        return [k, base - jitter, v];
      });
    });

t.test('interval join equals DuckDB after the final watermark (inner and left)', async (t) => {
  const oracle = await Oracle.open();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: -15, max: 15 }),
      fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: 0, max: 8 }).chain((d) => fc.tuple(fc.constant(d), sideArb(d), sideArb(d))),
      fc.constantFrom('inner' as const, 'left' as const),
      fc.integer({ min: 1, max: 15 }),
      async (lower, width, [delay, left, right], joinKind, chunk) => {
        const upper = lower + width;
        await oracle.load('l', 'k VARCHAR, ts BIGINT, v BIGINT', left);
        await oracle.load('r', 'k VARCHAR, ts BIGINT, v BIGINT', right);
        const expected = sortRows(
          await oracle.query(`SELECT l.k, l.ts, l.v, r.k, r.ts, r.v FROM l ${joinKind === 'left' ? 'LEFT' : ''} JOIN r ON l.k = r.k AND r.ts - l.ts BETWEEN ${lower} AND ${upper}`),
        );
        const out = new Recorder();
        const op = join(out, { joinKind, lowerMs: lower, upperMs: upper });
        const la = new WatermarkAssignerOperator(new Link(op, 0), 1, delay);
        const ra = new WatermarkAssignerOperator(new Link(op, 1), 1, delay);
        let maxState = 0;
        for (let at = 0; at < Math.max(left.length, right.length); at += chunk) {
          const l = left.slice(at, at + chunk);
          const r = right.slice(at, at + chunk);
          if (l.length) la.push(batch(l, undefined, 3), 0);
          if (r.length) ra.push(batch(r, undefined, 3), 0);
          la.flush();
          ra.flush();
          op.flush();
          maxState = Math.max(maxState, op.stateSize());
        }
        la.advanceTo(1e12);
        ra.advanceTo(1e12);
        la.flush();
        ra.flush();
        op.flush();
        if (op.lateLeft.count + op.lateRight.count !== 0) throw new Error('late rows under bounded disorder');
        if (op.stateSize() !== 0) throw new Error('state left after the final watermark');
        const got = netRows(out.log);
        if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`mismatch\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(expected)}`);
      },
    ),
    { numRuns: 80 },
  );
  t.pass('property held');
});
