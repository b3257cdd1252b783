// Projection pruning: columns nobody above reads are dropped right above the scans (and unused
// projection outputs are not computed), so joins and aggregates keep smaller rows in state.
// Every node reports where each still-needed column of its old output now lives; nodes this
// pass does not understand keep all their columns (their inputs are still pruned below them
// when that leaves the input's layout unchanged).

import type { BoundExpr } from '../bound.js';
import * as B from '../builders.js';
import type { LogicalPlan } from '../logical.js';
import { planInputs, withPlanInputs } from '../logical.js';
import { columnsOf, mapColumns } from './expr-utils.js';
import { withRowNumberKey } from './top-n-key.js';

interface Pruned {
  plan: LogicalPlan;
  /** old output column → new output column (defined for every required column) */
  map: Map<number, number>;
}

const all = (n: number): Set<number> => new Set([...Array(n).keys()]);
const identity = (n: number): Map<number, number> => new Map([...Array(n).keys()].map((i) => [i, i]));

function remap(e: BoundExpr, map: Map<number, number>): BoundExpr {
  return mapColumns(e, (i, c) => ({ ...c, index: map.get(i)! }));
}

function collect(exprs: (BoundExpr | undefined)[], into: Set<number>, shift = 0, lo = 0, hi = Infinity): Set<number> {
  for (const e of exprs) {
    if (!e) continue;
    for (const c of columnsOf(e)) if (c >= lo && c < hi) into.add(c - shift);
  }
  return into;
}

export function pruneColumns(plan: LogicalPlan): LogicalPlan {
  const r = prune(plan, all(plan.schema.length));
  const n = plan.schema.length;
  // the statement's output layout never changes
  if (r.plan.schema.length === n && [...Array(n).keys()].every((i) => r.map.get(i) === i)) return r.plan;
  return plan;
}

function prune(plan: LogicalPlan, required: Set<number>): Pruned {
  switch (plan.kind) {
    case 'scan': {
      const width = plan.schema.length;
      if (required.size === width) return { plan, map: identity(width) };
      const keep = [...required].sort((a, b) => a - b);
      return { plan: B.projectColumns(plan, keep), map: new Map(keep.map((c, i) => [c, i])) };
    }
    case 'project': {
      const keep = [...required].sort((a, b) => a - b);
      const exprs = keep.map((i) => plan.exprs[i]!);
      const child = prune(plan.input, collect(exprs, new Set()));
      const node = B.project(child.plan, exprs.map((e) => remap(e, child.map)), keep.map((i) => plan.schema[i]!.name));
      return { plan: node, map: new Map(keep.map((c, i) => [c, i])) };
    }
    case 'filter': {
      const child = prune(plan.input, collect([plan.predicate], new Set(required)));
      return { plan: B.filter(child.plan, remap(plan.predicate, child.map)), map: child.map };
    }
    case 'aggregate': {
      const needs = collect([...plan.groupBy, ...plan.aggregates.flatMap((a) => [...a.args, a.filter, ...(a.orderBy ?? []).map((o) => o.expr)])], new Set());
      const child = prune(plan.input, needs);
      const node = {
        ...plan,
        input: child.plan,
        groupBy: plan.groupBy.map((g) => remap(g, child.map)),
        aggregates: plan.aggregates.map((a) => ({
          ...a,
          args: a.args.map((x) => remap(x, child.map)),
          filter: a.filter && remap(a.filter, child.map),
          orderBy: a.orderBy?.map((o) => ({ ...o, expr: remap(o.expr, child.map) })),
        })),
      };
      return { plan: node, map: identity(plan.schema.length) };
    }
    case 'join': {
      const lw = plan.left.schema.length;
      const semi = plan.joinKind === 'semi' || plan.joinKind === 'anti' || plan.joinKind === 'anti-null-aware';
      const leftNeed = collect([...plan.leftKeys, plan.residual], new Set([...required].filter((i) => i < lw)), 0, 0, lw);
      const rightNeed = collect(plan.rightKeys, new Set(semi ? [] : [...required].filter((i) => i >= lw).map((i) => i - lw)));
      collect([plan.residual], rightNeed, lw, lw);
      // a regular join of two watermarked inputs keeps their event-time columns: a state TTL
      // (physical-stream buildTtlJoin) expires rows by them
      const lwm = plan.left.props.watermarkColumn;
      const rwm = plan.right.props.watermarkColumn;
      if (!semi && lwm !== undefined && rwm !== undefined) {
        leftNeed.add(lwm);
        rightNeed.add(rwm);
      }
      const l = prune(plan.left, leftNeed);
      const r = prune(plan.right, rightNeed);
      const nlw = l.plan.schema.length;
      const combined = new Map<number, number>();
      for (const [o, n] of l.map) combined.set(o, n);
      for (const [o, n] of r.map) combined.set(o + lw, nlw + n);
      const node = B.join(
        plan.joinKind,
        l.plan,
        r.plan,
        plan.leftKeys.map((k) => remap(k, l.map)),
        plan.rightKeys.map((k) => remap(k, r.map)),
        plan.residual && remap(plan.residual, combined),
      );
      return { plan: node, map: semi ? l.map : combined };
    }
    case 'interval-join': {
      // like an inner/left join, plus the two time columns the operator reads
      const lw = plan.left.schema.length;
      const leftNeed = collect([...plan.leftKeys, plan.residual], new Set([...required].filter((i) => i < lw)), 0, 0, lw);
      const rightNeed = collect(plan.rightKeys, new Set([...required].filter((i) => i >= lw).map((i) => i - lw)));
      collect([plan.residual], rightNeed, lw, lw);
      leftNeed.add(plan.leftTimeColumn);
      rightNeed.add(plan.rightTimeColumn);
      const l = prune(plan.left, leftNeed);
      const r = prune(plan.right, rightNeed);
      const nlw = l.plan.schema.length;
      const combined = new Map<number, number>();
      for (const [o, n] of l.map) combined.set(o, n);
      for (const [o, n] of r.map) combined.set(o + lw, nlw + n);
      const wm = plan.props.watermarkColumn;
      const node: LogicalPlan = {
        ...plan,
        left: l.plan,
        right: r.plan,
        leftKeys: plan.leftKeys.map((k) => remap(k, l.map)),
        rightKeys: plan.rightKeys.map((k) => remap(k, r.map)),
        leftTimeColumn: l.map.get(plan.leftTimeColumn)!,
        rightTimeColumn: r.map.get(plan.rightTimeColumn)!,
        residual: plan.residual && remap(plan.residual, combined),
        schema: [...l.plan.schema, ...r.plan.schema],
        props: { ...plan.props, watermarkColumn: wm === undefined ? undefined : combined.get(wm) },
      };
      return { plan: node, map: combined };
    }
    case 'top-n': {
      if (plan.offset !== 0 && !plan.rankOutput && plan.partitionBy.length === 0) break;
      const w = plan.input.schema.length;
      const needs = collect([...plan.partitionBy, ...plan.order.map((o) => o.expr)], new Set([...required].filter((i) => i < w)));
      const child = prune(plan.input, needs);
      const node = B.topN(
        child.plan,
        plan.partitionBy.map((p) => remap(p, child.map)),
        plan.order.map((o) => ({ ...o, expr: remap(o.expr, child.map) })),
        plan.limit,
        plan.offset,
        plan.rankOutput,
        plan.schema[w]?.name,
      );
      const map = new Map(child.map);
      if (plan.rankOutput) map.set(w, child.plan.schema.length);
      return { plan: withRowNumberKey(node), map };
    }
    default:
      break;
  }
  // keep this node's layout; prune inside inputs whose layout survives unchanged
  const inputs = planInputs(plan);
  if (inputs.length === 0) return { plan, map: identity(plan.schema.length) };
  const replaced = inputs.map((child) => {
    const n = child.schema.length;
    const r = prune(child, all(n));
    const same = r.plan.schema.length === n && [...Array(n).keys()].every((i) => r.map.get(i) === i);
    return same ? r.plan : child;
  });
  return { plan: withPlanInputs(plan, replaced), map: identity(plan.schema.length) };
}
