// The windowed aggregate assigning HOP windows itself (hop-assign.ts) against the window TVF
// expanding rows into the same aggregate: equal changelogs step by step (net per step), equal
// late rows and late counts, for count(*)-only aggregates (consolidated per pane and key) and
// aggregates with arguments and FILTER (row by row), with weights, NULL times, offsets, late rows
// and window closing in both emit modes.

import t from 'tap';
import fc from 'fast-check';
import { WindowAggregateOperator, type WindowAggregateConfig, type WindowAggregateSpec } from '../../lib/exec/stream/window-aggregate.js';
import { WindowAssignOperator } from '../../lib/exec/stream/window-tvf.js';
import { HopAssigner } from '../../lib/exec/stream/hop-assign.js';
import { streamAccumulator } from '../../lib/exec/stream/accumulators.js';
import { col, netRows, Recorder } from './harness.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Row, Value } from '../../lib/types/value.js';

// source layout: [key, ts, v]; HOP output: [key, ts, v, window_start, window_end]
const W0 = 3;

interface Shape {
  aggregates: () => WindowAggregateSpec[];
  /** group expressions over HOP's output and which of them the window determines */
  groupBy: number[];
  endIndex: number;
  dependent: number[];
}

const COUNT_ONLY: Shape = { aggregates: () => [{ create: streamAccumulator('count_star') }, { create: streamAccumulator('count_star'), countRows: true }], groupBy: [W0, 0], endIndex: 2, dependent: [0] };
const WITH_ARGS: Shape = {
  aggregates: () => [
    { create: streamAccumulator('count_star') },
    { create: streamAccumulator('sum'), arg: col(2) },
    { create: streamAccumulator('max'), arg: col(2) },
    { create: streamAccumulator('count'), arg: col(2), filter: (c, r) => (c[2]![r] as number | null) !== null && (c[2]![r] as number) > 2 },
  ],
  groupBy: [0, W0 + 1, W0],
  endIndex: 1,
  dependent: [2],
};

function build(shape: Shape, fused: boolean, hop: { size: number; slide: number; offset: number }, emit: 'changes' | 'window-close', lateness: number | undefined) {
  const out = new Recorder();
  const late: { row: Row; weight: number }[] = [];
  const groupBy = shape.groupBy.map((c) => col(c));
  // a hidden end (grouped by window_start alone) is an extra, last group expression
  if (shape.endIndex === shape.groupBy.length) groupBy.push((c, r) => (c[W0]![r] as number) + hop.size);
  const cfg: WindowAggregateConfig = {
    groupBy,
    windowEndGroupIndex: shape.endIndex,
    dependentGroupIndexes: shape.dependent,
    aggregates: shape.aggregates(),
    emit,
    allowedLatenessMs: lateness,
    inputWidth: W0 + 2,
    late: { sideOutput: (b: Batch) => { for (let i = 0; i < b.length; i++) late.push({ row: b.columns.map((c) => c[i] as Value), weight: b.weights === null ? 1 : b.weights[i]! }); } },
  };
  if (fused) {
    const windowGroups = groupBy.map((_, i) => (i === shape.endIndex ? 'end' : shape.groupBy[i] === W0 ? 'start' : shape.groupBy[i] === W0 + 1 ? 'end' : null));
    const agg = new WindowAggregateOperator(out, { ...cfg, hop: { timeColumn: 1, sizeMs: hop.size, slideMs: hop.slide, offsetMs: hop.offset, windowGroups } });
    return { out, late, agg, push: (b: Batch) => agg.push(b, 0), watermark: (wm: number) => agg.watermark(wm, 0) };
  }
  const agg = new WindowAggregateOperator(out, cfg);
  const tvf = new WindowAssignOperator({ push: (b) => agg.push(b, 0), watermark: (wm) => agg.watermark(wm, 0) }, { kind: 'hop', timeColumn: 1, sizeMs: hop.size, slideMs: hop.slide, offsetMs: hop.offset });
  return { out, late, agg, push: (b: Batch) => tvf.push(b, 0), watermark: (wm: number) => tvf.watermark(wm, 0) };
}

type Step = { rows: [string, number | null, number | null, number][] } | { wm: number };

const stepArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ rows: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.option(fc.integer({ min: -20, max: 60 }), { freq: 12 }), fc.option(fc.integer({ min: 0, max: 5 }), { freq: 5 }), fc.constantFrom(1, 1, 1, -1, 2)), { maxLength: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ wm: fc.integer({ min: -10, max: 70 }) }) },
);

function runBoth(shape: Shape, steps: Step[], hop: { size: number; slide: number; offset: number }, emit: 'changes' | 'window-close', lateness: number | undefined): string | null {
  const a = build(shape, false, hop, emit, lateness);
  const b = build(shape, true, hop, emit, lateness);
  let wm = -Infinity;
  for (const [n, step] of steps.entries()) {
    if ('wm' in step) {
      // watermarks are monotonic
      wm = Math.max(wm, step.wm);
      a.watermark(wm);
      b.watermark(wm);
    } else {
      const batch: Batch = {
        length: step.rows.length,
        columns: [step.rows.map((r) => r[0]), step.rows.map((r) => r[1]), step.rows.map((r) => r[2])],
        weights: Int32Array.from(step.rows.map((r) => r[3])),
      };
      a.push(batch);
      b.push(batch);
    }
    a.agg.flush();
    b.agg.flush();
    const x = JSON.stringify(netRows(a.out.log));
    const y = JSON.stringify(netRows(b.out.log));
    if (x !== y) return `step ${n}: contents differ\nexpanded ${x}\nfused    ${y}`;
    if (a.agg.lateRows !== b.agg.lateRows) return `step ${n}: late counts ${a.agg.lateRows} vs ${b.agg.lateRows}`;
    // late rows may be retractions: compare them as sorted lists, not net contents
    const la = JSON.stringify(a.late.map((e) => JSON.stringify(e)).sort());
    const lb = JSON.stringify(b.late.map((e) => JSON.stringify(e)).sort());
    if (la !== lb) return `step ${n}: late rows differ\n${la}\n${lb}`;
    // rows netting out within a batch create no group when consolidated (EOWC keeps empty groups until close)
    if (b.agg.stateSize() > a.agg.stateSize()) return `step ${n}: fused holds more groups: ${b.agg.stateSize()} vs ${a.agg.stateSize()}`;
  }
  return null;
}

for (const [name, shape] of [['count(*) only, consolidated per pane', COUNT_ONLY], ['aggregates with arguments and FILTER, row by row', WITH_ARGS]] as const) {
  t.test(`fused HOP equals HOP TVF + aggregate: ${name}`, async (t) => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom({ size: 10, slide: 2, offset: 0 }, { size: 6, slide: 3, offset: 1 }, { size: 4, slide: 4, offset: 0 }),
        fc.constantFrom<'changes' | 'window-close'>('changes', 'window-close'),
        fc.constantFrom<number | undefined>(undefined, 0, 5),
        (steps, hop, emit, lateness) => {
          const problem = runBoth(shape, steps, hop, emit, emit === 'changes' ? lateness : undefined);
          if (problem !== null) throw new Error(problem);
          return true;
        },
      ),
      { numRuns: 250 },
    );
    t.pass('250 random runs agree');
  });
}

t.test('consolidation: one group update per (pane, key), however many rows', async (t) => {
  const out = new Recorder();
  const agg = new WindowAggregateOperator(out, {
    groupBy: [col(W0), col(0), (c, r) => (c[W0]![r] as number) + 10],
    windowEndGroupIndex: 2,
    dependentGroupIndexes: [0],
    aggregates: [{ create: streamAccumulator('count_star') }],
    emit: 'changes',
    inputWidth: W0 + 2,
    hop: { timeColumn: 1, sizeMs: 10, slideMs: 2, windowGroups: ['start', null, 'end'] },
  });
  let updates = 0;
  const addToSlot = agg.addToSlot.bind(agg);
  agg.addToSlot = (slot, w, cols, row) => {
    updates++;
    addToSlot(slot, w, cols, row);
  };
  // 1000 rows of one key in pane [4, 6), 10 of another, one insert-then-delete pair that nets out
  const keys: string[] = [];
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) {
    keys.push('hot');
    times.push(4 + (i % 2));
  }
  for (let i = 0; i < 10; i++) {
    keys.push('cold');
    times.push(5);
  }
  keys.push('gone', 'gone');
  times.push(4, 4);
  const weights = new Int32Array(keys.length).fill(1);
  weights[weights.length - 1] = -1;
  agg.push({ length: keys.length, columns: [keys, times, new Array(keys.length).fill(null)], weights }, 0);
  agg.flush();
  t.equal(updates, 10, 'two live (pane, key) pairs × five windows; the netted-out key updates nothing');
  t.same(out.net(), [
    [-4, 'cold', 6, 10], [-4, 'hot', 6, 1000],
    [-2, 'cold', 8, 10], [-2, 'hot', 8, 1000],
    [0, 'cold', 10, 10], [0, 'hot', 10, 1000],
    [2, 'cold', 12, 10], [2, 'hot', 12, 1000],
    [4, 'cold', 14, 10], [4, 'hot', 14, 1000],
  ].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))));
});

t.test('HOP assignment refuses a size that is not a multiple of the slide', async (t) => {
  t.throws(() => new HopAssigner({ timeColumn: 0, sizeMs: 10, slideMs: 4, windowGroups: ['end'] }, 1, true), { code: 'INVALID_ARGUMENT', message: /multiple of the slide/ });
  t.throws(() => new HopAssigner({ timeColumn: 0, sizeMs: 10, slideMs: 0, windowGroups: ['end'] }, 1, true), { code: 'INVALID_ARGUMENT', message: /slide/ });
});
