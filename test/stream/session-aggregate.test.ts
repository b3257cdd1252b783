// The changelog aggregate assigning SESSION windows itself (session-aggregate.ts) against
// SESSION followed by the windowed aggregate: equal net contents after every step, equal late
// counts, under random inserts, retractions (which split sessions), merges, NULL times and
// watermarks; group values in any order, with and without a hidden window_end.

import t from 'tap';
import fc from 'fast-check';
import { SessionAggregateOperator } from '../../lib/exec/stream/session-aggregate.js';
import { SessionWindowOperator } from '../../lib/exec/stream/session-window.js';
import { WindowAggregateOperator, type WindowAggregateSpec } from '../../lib/exec/stream/window-aggregate.js';
import { streamAccumulator } from '../../lib/exec/stream/accumulators.js';
import { col, netRows, Recorder } from './harness.js';
import type { Batch } from '../../lib/exec/batch.js';

// source layout: [k, ts, v, pos]; SESSION output: [k, ts, v, pos, window_start, window_end]
const W0 = 4;
const GAP = 5;

interface Shape {
  groups: (number | 'start' | 'end')[];
  /** true: the last group is a hidden window_end (grouped by window_start alone) */
  hiddenEnd: boolean;
}

const SHAPES: Shape[] = [
  { groups: [0, 'start', 'end'], hiddenEnd: false },
  { groups: ['end', 0, 'start'], hiddenEnd: false },
  { groups: [0, 'start', 'end'], hiddenEnd: true },
];

const specs = (): { create: () => ReturnType<ReturnType<typeof streamAccumulator>>; arg?: number; filter?: number }[] => [
  { create: streamAccumulator('count_star') },
  { create: streamAccumulator('sum'), arg: 2 },
  { create: streamAccumulator('min'), arg: 2 },
  { create: streamAccumulator('count_star'), filter: 3 },
];

function expanded(shape: Shape) {
  const out = new Recorder();
  const ends = shape.groups.indexOf('end');
  const groupBy = shape.groups.map((g) => col(g === 'start' ? W0 : g === 'end' ? W0 + 1 : g));
  const aggregates: WindowAggregateSpec[] = specs().map((s) => ({ create: s.create, arg: s.arg === undefined ? undefined : col(s.arg), filter: s.filter === undefined ? undefined : col(s.filter) }));
  const agg = new WindowAggregateOperator(out, {
    groupBy,
    windowEndGroupIndex: ends,
    aggregates,
    emit: 'changes',
    closeWhen: 'after-end',
    inputWidth: W0 + 2,
  });
  const session = new SessionWindowOperator({ push: (b) => agg.push(b, 0), watermark: (wm) => agg.watermark(wm, 0) }, { timeColumn: 1, gapMs: GAP, partitionBy: [col(0)], inputWidth: W0 });
  return { out, lateRows: () => session.lateRows, push: (b: Batch) => session.push(b, 0), watermark: (wm: number) => session.watermark(wm, 0), flush: () => (session.flush(), agg.flush()) };
}

function fused(shape: Shape) {
  const out = new Recorder();
  const op = new SessionAggregateOperator(out, {
    timeColumn: 1,
    gapMs: GAP,
    partitionColumns: [0],
    groups: shape.groups,
    aggregates: specs().map((s) => ({ create: s.create, argColumn: s.arg, filterColumn: s.filter })),
    inputWidth: W0,
  });
  return { out, op, lateRows: () => op.lateRows, push: (b: Batch) => op.push(b, 0), watermark: (wm: number) => op.watermark(wm, 0), flush: () => op.flush() };
}

type Ev = [string | null, number | null, number | null, boolean];
type Step = { insert: Ev[] } | { retractOf: number[] } | { wm: number };

t.test('fused SESSION aggregate equals SESSION + windowed aggregate', async (t) => {
  const evArb = fc.tuple(fc.constantFrom('a', 'b', null), fc.option(fc.integer({ min: 0, max: 80 }), { freq: 12 }), fc.option(fc.integer({ min: -5, max: 9 }), { freq: 5 }), fc.boolean());
  const stepArb = fc.oneof(
    { weight: 5, arbitrary: fc.record({ insert: fc.array(evArb, { maxLength: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ retractOf: fc.array(fc.nat(200), { maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ wm: fc.integer({ min: 0, max: 90 }) }) },
  );
  fc.assert(
    fc.property(fc.constantFrom(...SHAPES), fc.array(stepArb, { minLength: 1, maxLength: 15 }), (shape, steps) => {
      const a = expanded(shape);
      const b = fused(shape);
      const live: Ev[] = [];
      let wm = -Infinity;
      for (const [n, step] of steps.entries()) {
        let batch: Batch | undefined;
        if ('insert' in step) {
          live.push(...step.insert);
          batch = { length: step.insert.length, columns: [0, 1, 2, 3].map((c) => step.insert.map((e) => e[c]!)) as Batch['columns'], weights: null };
        } else if ('retractOf' in step) {
          // retract rows inserted before (a retraction of a row never inserted is ignored by both)
          const picked = [...new Set(step.retractOf.map((i) => i % Math.max(1, live.length)))].filter((i) => i < live.length).map((i) => live[i]!);
          for (const p of picked) live.splice(live.indexOf(p), 1);
          batch = { length: picked.length, columns: [0, 1, 2, 3].map((c) => picked.map((e) => e[c]!)) as Batch['columns'], weights: new Int32Array(picked.length).fill(-1) };
        }
        if (batch !== undefined) {
          a.push(batch);
          b.push(batch);
        } else if ('wm' in step) {
          wm = Math.max(wm, step.wm);
          a.watermark(wm);
          b.watermark(wm);
        }
        a.flush();
        b.flush();
        const x = JSON.stringify(netRows(a.out.log).map((r) => (shape.hiddenEnd ? r.slice(0, -5).concat(r.slice(-4)) : r)));
        const y = JSON.stringify(netRows(b.out.log).map((r) => (shape.hiddenEnd ? r.slice(0, -5).concat(r.slice(-4)) : r)));
        if (x !== y) throw new Error(`step ${n}: contents differ\nexpanded ${x}\nfused    ${y}`);
        if (a.lateRows() !== b.lateRows()) throw new Error(`step ${n}: late ${a.lateRows()} vs ${b.lateRows()}`);
      }
      return true;
    }),
    { numRuns: 400 },
  );
  t.pass('400 random runs agree');
});

t.test('a growing session changes one result row per step, not one per event', async (t) => {
  const b = fused(SHAPES[0]!);
  let changes = 0;
  for (let i = 0; i < 50; i++) {
    b.push({ length: 1, columns: [['a'], [i], [1], [true]], weights: null });
    b.flush();
    if (b.out.log.length - changes !== (i === 0 ? 1 : 2)) t.fail(`event ${i}: ${b.out.log.length - changes} changes`);
    changes = b.out.log.length;
  }
  t.equal(changes, 99, 'one insert, then one retraction and one insert per event');
  t.same(b.out.net(), [['a', 0, 54, 50, 50, 1, 50]]);
  t.equal(b.op.stateSize(), 50);
  b.watermark(55);
  t.equal(b.op.stateSize(), 0, 'a closed session is freed');
  t.same(b.out.net(), [['a', 0, 54, 50, 50, 1, 50]], 'its result stays');
  b.push({ length: 1, columns: [['a'], [40], [1], [true]], weights: null });
  b.flush();
  t.equal(b.op.lateRows, 1, 'an event whose session would already be closed is late');
  const snap = b.op.snapshot();
  const c = fused(SHAPES[0]!);
  c.op.restore(JSON.parse(JSON.stringify(snap)));
  t.equal(c.op.lateRows, 1, 'restored from a snapshot');
});
