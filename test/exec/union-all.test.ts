// UNION ALL operators: the relational UnionAll and its event-time form (idle inputs skipped).
import t from 'tap';
import { UnionAll } from '../../lib/exec/operators/union-all.js';
import { EventTimeUnionOperator } from '../../lib/exec/stream/event-time-union.js';
import type { Output } from '../../lib/exec/operator.js';
import { deletes, inserts, make } from './helpers.js';

const unions: [string, (out: Output, inputs: number) => UnionAll][] = [
  ['UnionAll', (out, inputs) => new UnionAll(out, inputs)],
  ['EventTimeUnionOperator', (out, inputs) => new EventTimeUnionOperator(out, inputs)],
];

for (const [name, create] of unions) {
  t.test(`${name}: every input passes through with its weights; watermark is the minimum, monotonic`, async (t) => {
    const { op, out } = make((o) => create(o, 2));
    const a = inserts([1], [null]);
    op.push(a, 0);
    op.push(deletes([1]), 1);
    t.equal(out.batches[0], a, 'batches pass through unchanged');
    t.same(out.changes(), [[[1], 1], [[null], 1], [[1], -1]]);
    op.watermark(100, 0);
    t.same(out.watermarks, [], 'the other input has no watermark yet');
    op.watermark(50, 1);
    op.watermark(70, 1);
    op.watermark(60, 1);
    t.same(out.watermarks, [50, 70], 'min of inputs; an older watermark on a port does not move it back');
    op.watermark(100, 1);
    op.watermark(120, 1);
    t.same(out.watermarks, [50, 70, 100], 'held by input 0 at 100');
    t.throws(() => op.watermark(10, 2), { code: 'INVALID_ARGUMENT', message: /no input port 2/ });
    t.equal(op.stateSize(), 0);
    t.equal(op.snapshot(), null, 'stateless');
  });

  t.test(`${name}: needs at least one input`, async (t) => {
    for (const n of [0, -1, 1.5, NaN]) t.throws(() => make((o) => create(o, n)), { code: 'INVALID_ARGUMENT', message: /UNION ALL needs at least one input/ });
    const { op, out } = make((o) => create(o, 1));
    op.watermark(5, 0);
    t.same(out.watermarks, [5], 'a single input forwards its own watermark');
  });
}

t.test('only the event-time union is idle-aware (the engine finds idle-aware operators by setInputIdle)', async (t) => {
  t.notOk('setInputIdle' in make((o) => new UnionAll(o, 2)).op, 'the relational union keeps waiting for every input');
  const { op, out } = make((o) => new EventTimeUnionOperator(o, 3));
  op.watermark(10, 0);
  op.watermark(30, 1);
  t.same(out.watermarks, [], 'input 2 has no watermark');
  op.setInputIdle(2, true);
  t.same(out.watermarks, [10], 'idle input 2 no longer holds it back');
  op.setInputIdle(0, true);
  t.same(out.watermarks, [10, 30], 'input 0 idle too: input 1 (30) decides');
  op.watermark(20, 0);
  t.same(out.watermarks, [10, 30], 'rows on input 0 (at 20) make it active again; the watermark never moves back');
  op.watermark(40, 0);
  op.watermark(45, 1);
  t.same(out.watermarks, [10, 30, 40], 'minimum of the active inputs 0 and 1');
  op.setInputIdle(0, true);
  op.setInputIdle(1, true);
  t.same(out.watermarks, [10, 30, 40, 45], 'every input idle: held by the most advanced one');
  t.throws(() => op.setInputIdle(3, true), { code: 'INVALID_ARGUMENT', message: /no input port 3/ });
});
