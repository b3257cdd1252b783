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
// - aggregate: changelog (not EMIT ON WINDOW CLOSE), exactly one aggregate, count(*) without
//   FILTER; grouped by plain columns: window_start / window_end of the TVF right below it and
//   columns of the TVF's input (the key);
// - TVF: HOP with a size that is a multiple of the slide, or TUMBLE.

import type { DataflowNode } from '../exec/runtime/dataflow.js';
import { Project } from '../exec/operators/project.js';
import { HopCountTiesOperator, type TiesOutputColumn } from '../exec/stream/hop-count-ties.js';
import { WindowAggregateOperator } from '../exec/stream/window-aggregate.js';
import type { TopNNode } from './logical.js';
import { buildPhysical, type PhysicalContext } from './physical.js';
import type { StreamBuildOptions } from './physical-stream.js';

/** The fused operator's node for `plan`, or undefined when the preconditions do not hold.
 *  `input` is the node already built for the Top-N's input (the aggregate). */
export function buildHopCountTies(plan: TopNNode, ctx: PhysicalContext, input: DataflowNode, options: StreamBuildOptions = {}): DataflowNode | undefined {
  if (plan.limit !== 1 || plan.offset !== 0) return undefined;
  const fn = plan.rankOutput?.fn;
  if (fn !== 'rank' && fn !== 'dense_rank') return undefined;
  const agg = plan.input;
  if (agg.kind !== 'aggregate' || agg.emit !== 'changes' || agg.aggregates.length !== 1) return undefined;
  const count = agg.aggregates[0]!;
  if (count.fn !== 'count_star' || count.filter !== undefined || count.distinct) return undefined;
  const tvf = agg.input;
  if (tvf.kind !== 'window-tvf') return undefined;
  const slideMs = tvf.tvf === 'hop' ? tvf.slideMs : tvf.tvf === 'tumble' ? tvf.sizeMs : undefined;
  if (slideMs === undefined || slideMs <= 0 || tvf.sizeMs % slideMs !== 0) return undefined;
  const w0 = tvf.input.schema.length;
  const countCol = agg.groupBy.length;
  const order = plan.order;
  if (order.length !== 1 || !order[0]!.desc || order[0]!.expr.kind !== 'column' || order[0]!.expr.index !== countCol) return undefined;
  const output: TiesOutputColumn[] = [];
  const keyColumns: number[] = [];
  const windowCols = new Set<number>();
  for (let i = 0; i < agg.groupBy.length; i++) {
    const g = agg.groupBy[i]!;
    if (g.kind !== 'column') return undefined;
    if (g.index === w0) {
      output.push({ kind: 'start' });
      windowCols.add(i);
    } else if (g.index === w0 + 1) {
      output.push({ kind: 'end' });
      windowCols.add(i);
    } else if (g.index < w0) {
      output.push({ kind: 'key', index: keyColumns.length });
      keyColumns.push(g.index);
    } else return undefined;
  }
  if (windowCols.size === 0 || plan.partitionBy.length === 0) return undefined;
  for (const p of plan.partitionBy) if (p.kind !== 'column' || !windowCols.has(p.index)) return undefined;
  output.push({ kind: 'count' }, { kind: 'rank' });
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
