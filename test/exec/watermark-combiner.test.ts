// Combining the watermarks of an operator's inputs (lib/exec/runtime/watermark.ts): one
// implementation for relational and event-time operators.
import t from 'tap';
import fc from 'fast-check';
import { NO_WATERMARK, WatermarkCombiner } from '../../lib/exec/runtime/watermark.js';
import { Join } from '../../lib/exec/operators/join.js';
import { SemiJoin } from '../../lib/exec/operators/semi-join.js';
import { make } from './helpers.js';
import * as stream from '../../lib/exec/stream/watermark.js';

t.test('combiner: minimum of inputs, idle inputs skipped, monotonic', async (t) => {
  const c = new WatermarkCombiner(2);
  t.equal(c.current(), NO_WATERMARK);
  t.equal(c.update(0, 10), undefined, 'the other input has no watermark yet');
  t.equal(c.update(1, 5), 5);
  t.equal(c.update(1, 20), 10);
  t.equal(c.update(0, 8), undefined, 'a port never moves backwards');
  t.equal(c.of(0), 10);
  t.equal(c.update(0, 15), 15);
  t.equal(c.setIdle(0, true), 20, 'idle input 0 no longer holds the minimum');
  t.equal(c.update(0, 16), undefined, 'input 0 active again (16): the combined watermark stays at 20');
  t.equal(c.current(), 20);
  t.equal(c.update(1, 25), undefined, 'input 0 (16) holds it again');
  t.equal(c.update(0, NaN), undefined, 'NaN is no watermark');
  t.equal(c.of(0), 16);
  const all = new WatermarkCombiner(2);
  all.update(0, 3);
  all.update(1, 7);
  all.setIdle(0, true);
  t.equal(all.setIdle(1, true), undefined, 'all idle: held at the most advanced (7), already reached');
  t.equal(all.current(), 7);
  t.equal(all.setIdle(1, false), undefined, 'input 1 active again: 7 still');
  t.throws(() => c.update(2, 1), { code: 'INVALID_ARGUMENT', message: /no input port 2/ });
  t.throws(() => c.setIdle(-1, true), { code: 'INVALID_ARGUMENT', message: /no input port -1/ });
  t.throws(() => new WatermarkCombiner(0), { code: 'INVALID_ARGUMENT', message: /at least one input, got 0/ });
});

t.test('combiner: every idle input before any watermark keeps NO_WATERMARK', async (t) => {
  const c = new WatermarkCombiner(2);
  t.equal(c.setIdle(0, true), undefined);
  t.equal(c.setIdle(1, true), undefined);
  t.equal(c.current(), NO_WATERMARK);
  t.equal(c.update(1, 4), 4, 'the only active input decides');
});

t.test('combiner equals a reference model on random update/idle sequences', async (t) => {
  const op = fc.oneof(
    fc.record({ port: fc.integer({ min: 0, max: 2 }), wm: fc.integer({ min: -5, max: 50 }) }),
    fc.record({ port: fc.integer({ min: 0, max: 2 }), idle: fc.boolean() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const c = new WatermarkCombiner(3);
      const marks = [-Infinity, -Infinity, -Infinity];
      const idle = [false, false, false];
      let combined = -Infinity;
      for (const o of ops) {
        if ('wm' in o) {
          marks[o.port] = Math.max(marks[o.port]!, o.wm);
          idle[o.port] = false;
        } else idle[o.port] = o.idle;
        const active = marks.filter((_, p) => !idle[p]);
        const candidate = active.length > 0 ? Math.min(...active) : Math.max(...marks);
        const expected = candidate > combined ? candidate : undefined;
        if (expected !== undefined) combined = expected;
        const got = 'wm' in o ? c.update(o.port, o.wm) : c.setIdle(o.port, o.idle);
        if (got !== expected || c.current() !== combined) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('held');
});

const joins = {
  join: () => make((o) => new Join(o, { type: 'inner', leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0] })),
  'numeric-key join': () =>
    make((o) => new Join(o, { type: 'left', leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0], numericKeys: true })),
  'semi join': () => make((o) => new SemiJoin(o, { type: 'anti', leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0] })),
};
for (const [name, build] of Object.entries(joins)) {
  t.test(`${name}: its watermark is the combiner's minimum of both inputs, monotonic`, async (t) => {
    const { op, out } = build();
    op.watermark(10, 0);
    t.same(out.watermarks, [], 'the other input has no watermark yet');
    op.watermark(5, 1);
    t.same(out.watermarks, [5]);
    op.watermark(20, 1);
    t.same(out.watermarks, [5, 10], 'held by the left input at 10');
    op.watermark(8, 0);
    t.same(out.watermarks, [5, 10], 'a port never moves backwards');
    op.watermark(30, 0);
    t.same(out.watermarks, [5, 10, 20]);
    op.watermark(20, 1);
    t.same(out.watermarks, [5, 10, 20], 'no repeated watermark');
    t.throws(() => op.watermark(40, 2), { code: 'INVALID_ARGUMENT', message: /no input port 2/ }, 'a join has two inputs');
  });
}

t.test('the stream layer re-exports the same combiner', async (t) => {
  t.equal(stream.WatermarkCombiner, WatermarkCombiner);
  t.equal(stream.NO_WATERMARK, NO_WATERMARK);
});
