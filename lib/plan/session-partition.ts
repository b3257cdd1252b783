// SESSION windows are per grouping key (PRODUCT.md §3): a logical rewrite that partitions a
// SESSION TVF by the group keys of the aggregate above it, applied by the optimizer before
// physical planning (lib/plan/physical-stream.ts re-exports it).

import type { BoundExpr } from './bound.js';
import type { AggregateNode, LogicalPlan } from './logical.js';

/**
 * SESSION windows are per grouping key: for an aggregate over a SESSION TVF that has no
 * partition, partition the sessions by the aggregate's group keys other than window_start /
 * window_end (mapped through projections and filters). A logical rewrite for the optimizer to
 * apply before physical planning; plans it cannot map are returned unchanged.
 */
export function partitionSessionWindows(plan: LogicalPlan): LogicalPlan {
  const visit = (p: LogicalPlan): LogicalPlan => {
    let next: LogicalPlan;
    switch (p.kind) {
      case 'scan':
      case 'values':
        return p;
      case 'union-all':
        next = { ...p, inputs: p.inputs.map(visit) };
        break;
      case 'join':
      case 'interval-join':
      case 'asof-join':
      case 'temporal-join':
        next = { ...p, left: visit(p.left), right: visit(p.right) } as LogicalPlan;
        break;
      default:
        next = { ...p, input: visit(p.input) } as LogicalPlan;
    }
    return next.kind === 'aggregate' ? partitionUnder(next) : next;
  };
  return visit(plan);
}

function partitionUnder(agg: AggregateNode): LogicalPlan {
  // follow the group keys' columns down to the TVF through row-preserving nodes
  const path: LogicalPlan[] = [];
  let p: LogicalPlan = agg.input;
  let indices: (number | undefined)[] = agg.groupBy.map((g) => (g.kind === 'column' ? g.index : undefined));
  while (p.kind === 'project' || p.kind === 'filter') {
    if (p.kind === 'project') {
      const exprs = p.exprs;
      indices = indices.map((i) => (i === undefined ? undefined : exprs[i]?.kind === 'column' ? (exprs[i] as { index: number }).index : undefined));
    }
    path.push(p);
    p = p.input;
  }
  if (p.kind !== 'window-tvf' || p.tvf !== 'session' || (p.partitionBy && p.partitionBy.length > 0)) return agg;
  const tvf = p;
  const inputWidth = tvf.input.schema.length;
  const keys: BoundExpr[] = [];
  for (const i of indices) {
    if (i === undefined) return agg; // a computed group key: cannot partition by it here
    if (i >= inputWidth) continue; // window_start / window_end
    keys.push({ kind: 'column', index: i, type: tvf.input.schema[i]!.type, name: tvf.input.schema[i]!.name });
  }
  let rebuilt: LogicalPlan = { ...tvf, partitionBy: keys };
  for (let k = path.length - 1; k >= 0; k--) rebuilt = { ...path[k]!, input: rebuilt } as LogicalPlan;
  return { ...agg, input: rebuilt };
}
