// Shared stream-test fixtures: random event streams with bounded disorder, window shapes, and a
// driver that pushes events in insert-call-sized chunks through an operator chain.

import fc from 'fast-check';
import { WatermarkAssignerOperator } from '../../lib/exec/stream/watermark.js';
import { WindowAssignOperator, type WindowAssignSpec } from '../../lib/exec/stream/window-tvf.js';
import { WindowAggregateOperator } from '../../lib/exec/stream/window-aggregate.js';
import { streamAccumulator } from '../../lib/exec/stream/accumulators.js';
import type { Operator } from '../../lib/exec/operator.js';
import type { Row } from '../../lib/types/value.js';
import type { WindowShape } from './oracle.js';
import { batch, col, Link, Recorder } from './harness.js';

export interface Pipeline {
  ops: Operator[];
  assigner: WatermarkAssignerOperator;
  agg: WindowAggregateOperator;
  out: Recorder;
}

/** count(*), count, sum, min and max of column 2: the aggregates aggregateSql() asks the oracle for. */
export function oracleAggregates() {
  return [
    { create: streamAccumulator('count_star') },
    { create: streamAccumulator('count'), arg: col(2) },
    { create: streamAccumulator('sum'), arg: col(2) },
    { create: streamAccumulator('min'), arg: col(2) },
    { create: streamAccumulator('max'), arg: col(2) },
  ];
}

export function buildPipeline(shape: Exclude<WindowShape, { kind: 'session' }>, delay: number, emit: 'window-close' | 'changes'): Pipeline {
  const out = new Recorder();
  const agg = new WindowAggregateOperator(out, {
    groupBy: [col(0), col(3), col(4)],
    windowEndGroupIndex: 2,
    aggregates: oracleAggregates(),
    emit,
    inputWidth: 5,
  });
  const spec: WindowAssignSpec =
    shape.kind === 'tumble'
      ? { kind: 'tumble', timeColumn: 1, sizeMs: shape.size, offsetMs: shape.offset }
      : shape.kind === 'hop'
        ? { kind: 'hop', timeColumn: 1, sizeMs: shape.size, slideMs: shape.slide, offsetMs: shape.offset }
        : { kind: 'cumulate', timeColumn: 1, sizeMs: shape.size, stepMs: shape.step, offsetMs: shape.offset };
  const tvf = new WindowAssignOperator(new Link(agg), spec);
  const assigner = new WatermarkAssignerOperator(new Link(tvf), 1, delay);
  return { ops: [assigner, tvf, agg], assigner, agg, out };
}

/** Pushes events in chunks, flushing every operator (in order) after each chunk, like insert calls. */
export function drive(p: { ops: Operator[] }, events: Row[], chunks: number[]): void {
  let at = 0;
  let c = 0;
  while (at < events.length) {
    const n = Math.max(1, chunks[c++ % chunks.length] ?? 1);
    p.ops[0]!.push(batch(events.slice(at, at + n), undefined, 3), 0);
    at += n;
    for (const op of p.ops) op.flush();
  }
}

export function finish(p: { ops: Operator[]; assigner: WatermarkAssignerOperator }): void {
  p.assigner.advanceTo(1e12);
  for (const op of p.ops) op.flush();
}

export const shapeArb: fc.Arbitrary<Exclude<WindowShape, { kind: 'session' }>> = fc.oneof(
  fc.record({ kind: fc.constant('tumble' as const), size: fc.integer({ min: 1, max: 40 }), offset: fc.integer({ min: 0, max: 10 }) }),
  fc
    .record({ slide: fc.integer({ min: 1, max: 15 }), mult: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 0, max: 5 }), offset: fc.integer({ min: 0, max: 10 }) })
    .map(({ slide, mult, extra, offset }) => ({ kind: 'hop' as const, slide, size: slide * mult + extra, offset })),
  fc
    .record({ step: fc.integer({ min: 1, max: 10 }), mult: fc.integer({ min: 1, max: 5 }), offset: fc.integer({ min: 0, max: 10 }) })
    .map(({ step, mult, offset }) => ({ kind: 'cumulate' as const, step, size: step * mult, offset })),
);

/** Events (k, ts, v) whose disorder never exceeds `maxDisorder`. */
export const streamArb = (maxDisorder: number) =>
  fc
    .array(
      fc.record({
        step: fc.integer({ min: 0, max: 6 }),
        jitter: fc.integer({ min: 0, max: maxDisorder }),
        k: fc.constantFrom('a', 'b', 'c'),
        v: fc.option(fc.integer({ min: -50, max: 50 }), { freq: 6 }),
      }),
      { minLength: 1, maxLength: 120 },
    )
    .map((items) => {
      let base = 1000;
      return items.map(({ step, jitter, k, v }): Row => {
        base += step;
        return [k, base - jitter, v];
      });
    });

