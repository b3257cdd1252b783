// Physical planning of Top-N and OVER window nodes: partition / order / argument expressions are
// computed as extra columns first, the operator works on column indices, and the extra columns
// are projected away afterwards.

import { UnsupportedError } from '../errors.js';
import type { DataflowNode } from '../exec/runtime/dataflow.js';
import { OverWindow } from '../exec/operators/over-window.js';
import type { WindowCallSpec } from '../exec/operators/over-window.js';
import { Project, columnProjection } from '../exec/operators/project.js';
import { TopN } from '../exec/operators/top-n.js';
import type { BoundExpr } from './bound.js';
import type { OverWindowNode, TopNNode } from './logical.js';
import { buildPhysical, withComputedColumns } from './physical.js';
import type { PhysicalContext } from './physical.js';

function dropTo(node: DataflowNode, keep: number[], ctx: PhysicalContext): DataflowNode {
  const fn = columnProjection(keep);
  return ctx.builder.add((out) => new Project(out, fn), [node], 'project');
}

export function buildTopN(plan: TopNNode, ctx: PhysicalContext, built?: DataflowNode): DataflowNode {
  const w0 = plan.input.schema.length;
  const types = plan.input.schema.map((f) => f.type);
  const exprs = [...plan.partitionBy, ...plan.order.map((o) => o.expr)];
  const c = withComputedColumns(built ?? buildPhysical(plan.input, ctx), w0, types, exprs, ctx);
  const p = plan.partitionBy.length;
  const partitionBy = c.indices.slice(0, p);
  const order = plan.order.map((o, i) => ({ column: c.indices[p + i]!, desc: o.desc, nullsFirst: o.nullsFirst }));
  const width = c.width;
  const node = ctx.builder.add(
    (out) => new TopN(out, { width, partitionBy, order, limit: plan.limit, offset: plan.offset, rankOutput: plan.rankOutput?.fn, appendOnly: plan.input.props.appendOnly }),
    [c.node],
    'top-n',
  );
  if (width === w0) return node;
  const keep = [...Array(w0).keys()];
  if (plan.rankOutput) keep.push(width);
  return dropTo(node, keep, ctx);
}

export function buildOverWindow(plan: OverWindowNode, ctx: PhysicalContext): DataflowNode {
  const w0 = plan.input.schema.length;
  const types = plan.input.schema.map((f) => f.type);
  const argExprs: BoundExpr[] = [];
  const argSlot: (number | undefined)[] = plan.calls.map((call) => {
    if (call.args.length === 0) return undefined;
    argExprs.push(call.args[0]!);
    return argExprs.length - 1;
  });
  const exprs = [...plan.partitionBy, ...plan.order.map((o) => o.expr), ...argExprs];
  const c = withComputedColumns(buildPhysical(plan.input, ctx), w0, types, exprs, ctx);
  const p = plan.partitionBy.length;
  const k = plan.order.length;
  const calls: WindowCallSpec[] = plan.calls.map((call, i) => {
    if (call.distinct) throw new UnsupportedError(`${call.fn}(DISTINCT …) OVER (…) is not supported`);
    const spec: WindowCallSpec = { fn: call.fn, frame: call.frame };
    const slot = argSlot[i];
    if (slot !== undefined) spec.arg = c.indices[p + k + slot]!;
    if (call.fn === 'lag' || call.fn === 'lead') {
      const off = call.args[1];
      if (off) {
        if (off.kind !== 'literal' || typeof off.value !== 'number') throw new UnsupportedError(`${call.fn} offset must be an integer constant`);
        spec.offset = off.value;
      }
      if (call.args.length > 2) throw new UnsupportedError(`${call.fn} with a default value is not supported`);
    }
    return spec;
  });
  const width = c.width;
  const node = ctx.builder.add(
    (out) =>
      new OverWindow(out, {
        width,
        partitionBy: c.indices.slice(0, p),
        order: plan.order.map((o, i) => ({ column: c.indices[p + i]!, desc: o.desc, nullsFirst: o.nullsFirst })),
        calls,
      }),
    [c.node],
    'over-window',
  );
  if (width === w0) return node;
  return dropTo(node, [...[...Array(w0).keys()], ...plan.calls.map((_, i) => width + i)], ctx);
}
