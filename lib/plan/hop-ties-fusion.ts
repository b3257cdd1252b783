// Whether a per-window "ties at the top count" Top-N can run fused with the HOP count below it
// (lib/exec/stream/hop-count-ties.ts): TopN(RANK() / DENSE_RANK() <= 1, PARTITION BY the
// window, ORDER BY count DESC) over a changelog `count(*) GROUP BY window, key` right above
// HOP(...) or TUMBLE(...). This is the shape the max-ties rewrite (optimizer/max-ties.ts) gives
// Nexmark q5. The fused operator reads the window TVF's input; the aggregate built for the
// Top-N's input stays in the graph for any other consumer and otherwise does no work.
//
// Preconditions (anything else keeps the windowed aggregate + windowed Top-N):
// - Top-N: limit 1, offset 0, rank or dense_rank (both keep every row tied at the top), one
//   ORDER BY key, DESC, the aggregate's count column; partitioned by window_start and/or
//   window_end only (each determines the window);
// - aggregate: optimizer/hop-count-shape.ts — changelog, exactly one aggregate, count(*) without
//   FILTER, grouped by plain columns (window_start / window_end of the HOP or TUMBLE right below
//   it, size a multiple of the slide, and columns of the TVF's input: the key).

import type { DataflowNode } from '../exec/runtime/dataflow.js';
import { Project } from '../exec/operators/project.js';
import { HopCountTiesOperator, type TiesOutputColumn } from '../exec/stream/hop-count-ties.js';
import { WindowAggregateOperator } from '../exec/stream/window-aggregate.js';
import type { TopNNode } from './logical.js';
import { hopCountShape, partitionsByWindow } from './optimizer/hop-count-shape.js';
import { buildPhysical, type PhysicalContext } from './physical.js';
import type { StreamBuildOptions } from './physical-stream.js';

/** The fused operator's node for `plan`, or undefined when the preconditions do not hold.
 *  `input` is the node already built for the Top-N's input (the aggregate). */
export function buildHopCountTies(plan: TopNNode, ctx: PhysicalContext, input: DataflowNode, options: StreamBuildOptions = {}): DataflowNode | undefined {
  if (plan.limit !== 1 || plan.offset !== 0) return undefined;
  const fn = plan.rankOutput?.fn;
  if (fn !== 'rank' && fn !== 'dense_rank') return undefined;
  const agg = plan.input;
  if (agg.kind !== 'aggregate') return undefined;
  const shape = hopCountShape(agg);
  if (shape === undefined) return undefined;
  const countCol = agg.groupBy.length;
  const order = plan.order;
  if (order.length !== 1 || !order[0]!.desc || order[0]!.expr.kind !== 'column' || order[0]!.expr.index !== countCol) return undefined;
  const partition: number[] = [];
  for (const p of plan.partitionBy) {
    if (p.kind !== 'column') return undefined;
    partition.push(p.index);
  }
  if (!partitionsByWindow(shape, partition)) return undefined;
  const keyColumns: number[] = [];
  const output: TiesOutputColumn[] = shape.roles.map((r) => {
    if (r.kind !== 'key') return r;
    keyColumns.push(r.column);
    return { kind: 'key', index: keyColumns.length - 1 };
  });
  output.push({ kind: 'count' }, { kind: 'rank' });
  const { tvf, slideMs } = shape;
  markInert(input);
  const source = buildPhysical(tvf.input, ctx);
  return ctx.builder.add(
    (out) =>
      new HopCountTiesOperator(out, {
        timeColumn: tvf.timeColumn,
        sizeMs: tvf.sizeMs,
        slideMs,
        offsetMs: tvf.offsetMs,
        keyColumns,
        output,
        allowedLatenessMs: options.allowedLatenessMs,
        lateWidth: tvf.schema.length,
        late: options.late ?? options.lateFor?.(tvf.schema),
      }),
    [source],
    'hop-count-ties',
  );
}

/** The aggregate built below the Top-N (maybe behind the Project dropping a computed
 *  window_end) works only while something besides the Top-N reads it. */
function markInert(input: DataflowNode): void {
  const project = input.op instanceof Project ? input : undefined;
  const aggNode = project !== undefined ? input.inputs[0] : input;
  if (aggNode === undefined || !(aggNode.op instanceof WindowAggregateOperator)) return;
  aggNode.op.setConsumerProbe(() => aggNode.downstream.some((e) => e.node !== project) || (project !== undefined && project.downstream.length > 0));
}
