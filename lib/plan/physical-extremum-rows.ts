// Physical planning of an interval join marked by lib/plan/optimizer/window-extremum-rows.ts:
// one WindowExtremumRowsOperator over the join's left input. The right input (TUMBLE + windowed
// aggregate) was already built by lib/plan/physical.ts; its TUMBLE is told it has no consumer,
// so the dead branch does no work per batch (unless a shared subplan gives it another reader).

import type { DataflowNode } from '../exec/runtime/dataflow.js';
import { WindowExtremumRowsOperator } from '../exec/stream/window-extremum-rows.js';
import { WindowAssignOperator } from '../exec/stream/window-tvf.js';
import type { LatePolicy } from '../exec/stream/late.js';
import type { ExtremumRowsSpec, IntervalJoinNode } from './logical.js';
import type { PhysicalContext } from './physical.js';

export function buildExtremumRows(
  plan: IntervalJoinNode,
  spec: ExtremumRowsSpec,
  ctx: PhysicalContext,
  inputs: DataflowNode[],
  options: { allowedLatenessMs?: number; late?: LatePolicy },
): DataflowNode {
  const left = inputs[0]!;
  silenceBranch(inputs[1]);
  return ctx.builder.add(
    (out) =>
      new WindowExtremumRowsOperator(out, {
        kind: spec.kind,
        valueColumn: spec.valueColumn,
        timeColumn: spec.timeColumn,
        sizeMs: spec.sizeMs,
        offsetMs: spec.offsetMs,
        lowerMs: plan.lowerMs,
        upperMs: plan.upperMs,
        width: plan.left.schema.length,
        rightColumns: spec.rightColumns,
        allowedLatenessMs: options.allowedLatenessMs,
        late: options.late,
      }),
    [left],
    `window-${spec.kind}-rows`,
  );
}

/** Walks down the single-input chain from `top` to its window TVF and makes the TVF idle while
 *  nothing but that chain (which ends unread at `top`) reads it. */
function silenceBranch(top: DataflowNode | undefined): void {
  const chain: DataflowNode[] = [];
  for (let n = top; n !== undefined && n.inputs.length === 1; n = n.inputs[0]) {
    chain.push(n);
    if (n.op instanceof WindowAssignOperator) {
      const tvf = n.op;
      const above = chain.slice(0, -1);
      // read at each push, once the view's subgraph is wired
      tvf.setConsumerProbe(() => top!.downstream.length > 0 || above.some((a, i) => i > 0 && a.downstream.length > 1) || n.downstream.length > 1);
      return;
    }
  }
}
