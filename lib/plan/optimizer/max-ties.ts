// "The rows tied at their group's maximum count": a join of an aggregate A with the per-group
// MAX of A's own count column on `count >= max` (Nexmark q5: hot items per HOP window) becomes a
// Top-N with RANK() <= 1 over A, partitioned by the group columns — no join, no arrangement of
// either side, and no second aggregate. The physical builder runs that Top-N fused with the HOP
// count below it (lib/plan/hop-ties-fusion.ts, lib/exec/stream/hop-count-ties.ts).
//
// Only applied where that fusion runs (A is a changelog count(*) over HOP / TUMBLE, partitioned
// by window: optimizer/hop-count-shape.ts). Elsewhere the windowed / relational Top-N would run
// it, and those hold every row of a partition in a sorted array (a retracting input): O(rows of
// the partition) per change, measured slower than the join (q5 with count(x): 0.73 vs 0.95 M
// events per CPU-second).
//
// Exact when (checked below; anything else is left alone):
// - the join is INNER; its equi keys pair, one for one, each group column of the MAX aggregate M
//   with the same column of A on the left (so a left row meets exactly its own group's max);
// - the only other condition is `count >= max` or `count = max` (either operand order, plain
//   columns), as the residual or (for `=`) as one more key pair; since count <= max always
//   holds within a group, both mean count = max;
// - M is a changelog aggregate with one aggregate, max(c), no FILTER, over columns of the very
//   same plan object A (after share-subplans.ts), through column-only projections;
// - c is A's count(*) or count(x): never NULL, so `count >= NULL` cannot silently drop rows that
//   RANK() would keep, and max() ignores nothing;
// - the partition columns are declared NOT NULL in A (an inner join drops NULL keys; Top-N would
//   keep a NULL partition), e.g. window_start / window_end of a window TVF.
// Then for every input, at every step: a left row joins iff its count equals its group's max,
// i.e. iff no row of its partition has a higher count, i.e. iff RANK() OVER (PARTITION BY group
// ORDER BY count DESC) = 1; and the right columns are determined by the left row (the group
// columns and max = count). Updates, retractions and windows closing change A's rows, which both
// plans read identically.

import type { BoundExpr } from '../bound.js';
import * as B from '../builders.js';
import type { AggregateNode, JoinNode, LogicalPlan } from '../logical.js';
import { planInputs, withPlanInputs } from '../logical.js';
import { conjuncts, isDeterministic, mapColumns } from './expr-utils.js';
import { hopCountShape, partitionsByWindow } from './hop-count-shape.js';

/** The plan with every matching join replaced (shared subplans stay shared). */
export function maxTiesToTopN(plan: LogicalPlan): LogicalPlan {
  const memo = new Map<LogicalPlan, LogicalPlan>();
  const made = new Set<LogicalPlan>();
  const visit = (p: LogicalPlan): LogicalPlan => {
    const done = memo.get(p);
    if (done) return done;
    const kids = planInputs(p);
    const next = kids.map(visit);
    let node = p;
    if (next.some((k, i) => k !== kids[i])) node = withPlanInputs(p, next);
    let out = node.kind === 'join' ? (rewriteJoin(node) ?? node) : node;
    // a projection right above a rewritten join reads the Top-N directly
    if (out.kind === 'project' && out.input.kind === 'project' && made.has(out.input) && out.exprs.every(isDeterministic)) {
      const inner = out.input;
      const composed = B.project(inner.input, out.exprs.map((e) => mapColumns(e, (i) => inner.exprs[i]!)), out.schema.map((f) => f.name));
      composed.schema = out.schema;
      composed.props = { ...out.props };
      out = composed;
    }
    if (out !== node && out.kind === 'project' && node.kind === 'join') made.add(out);
    memo.set(p, out);
    return out;
  };
  return visit(plan);
}

/** A plan seen through column-only projections: the node below and, per output column, the
 *  expression over that node's columns. */
interface Traced {
  base: LogicalPlan;
  exprs: BoundExpr[];
}

function traceProjects(p: LogicalPlan): Traced {
  let exprs: BoundExpr[] = p.schema.map((f, i) => ({ kind: 'column', index: i, type: f.type, name: f.name }));
  let base = p;
  while (base.kind === 'project') {
    const inner = base.exprs;
    exprs = exprs.map((e) => mapColumns(e, (i) => inner[i]!));
    base = base.input;
  }
  return { base, exprs };
}

/** The column index a traced expression reads when it is a plain column. */
function plainColumn(e: BoundExpr | undefined): number | undefined {
  return e !== undefined && e.kind === 'column' ? e.index : undefined;
}

function rewriteJoin(j: JoinNode): LogicalPlan | undefined {
  if (j.joinKind !== 'inner') return undefined;
  const left = traceProjects(j.left);
  if (left.base.kind !== 'aggregate') return undefined;
  const a: AggregateNode = left.base;
  if (a.emit !== 'changes' || a.groupBy.length === 0) return undefined;
  const right = traceProjects(j.right);
  if (right.base.kind !== 'aggregate') return undefined;
  const m: AggregateNode = right.base;
  if (m.emit !== 'changes' || m.groupBy.length === 0 || m.aggregates.length !== 1) return undefined;
  const maxCall = m.aggregates[0]!;
  if (maxCall.fn !== 'max' || maxCall.filter !== undefined || maxCall.args.length !== 1) return undefined;
  const below = traceProjects(m.input);
  if (below.base !== a) return undefined;
  // M's group columns and max argument, as columns of A
  const partition: number[] = [];
  for (const g of m.groupBy) {
    const c = plainColumn(g.kind === 'column' ? below.exprs[g.index] : undefined);
    if (c === undefined || c >= a.groupBy.length || partition.includes(c)) return undefined;
    if (a.schema[c]!.nullable) return undefined;
    partition.push(c);
  }
  // only what the fused HOP count + ties operator will run (see the header)
  const shape = hopCountShape(a);
  if (shape === undefined || !partitionsByWindow(shape, partition)) return undefined;
  const arg = maxCall.args[0]!;
  const countCol = plainColumn(arg.kind === 'column' ? below.exprs[arg.index] : undefined);
  if (countCol === undefined || countCol < a.groupBy.length) return undefined;
  const call = a.aggregates[countCol - a.groupBy.length]!;
  if (call.fn !== 'count' && call.fn !== 'count_star') return undefined;
  // right output column → A column (group columns of M map to A's partition columns; the max to
  // the count, which equals it on every joined row)
  const mGroups = m.groupBy.length;
  const rightToA = right.exprs.map((e) => {
    const c = plainColumn(e);
    if (c === undefined) return undefined;
    return c < mGroups ? partition[c] : countCol;
  });
  const leftToA = left.exprs.map(plainColumn);
  // the keys: each of M's group columns paired with the same column of A, and perhaps
  // `count = max` (an equality the optimizer made a key); nothing else
  const isMaxColumn = (r: number) => {
    const c = plainColumn(right.exprs[r]);
    return c !== undefined && c >= mGroups;
  };
  const covered = new Set<number>();
  let countAtMax = 0;
  for (let k = 0; k < j.leftKeys.length; k++) {
    const lk = plainColumn(j.leftKeys[k]);
    const rk = plainColumn(j.rightKeys[k]);
    if (lk === undefined || rk === undefined) return undefined;
    const la = leftToA[lk];
    if (la === countCol && isMaxColumn(rk)) {
      countAtMax++;
      continue;
    }
    const rc = plainColumn(right.exprs[rk]);
    if (la === undefined || rc === undefined || rc >= mGroups || partition[rc] !== la || covered.has(la)) return undefined;
    covered.add(la);
  }
  if (covered.size !== partition.length) return undefined;
  if (j.residual !== undefined) {
    if (!isCountAtMax(j.residual, j.left.schema.length, leftToA, rightToA, right.exprs, mGroups, countCol)) return undefined;
    countAtMax++;
  }
  if (countAtMax !== 1) return undefined;
  // the join's output columns over A's row: the left's expressions, and the right's as A columns
  const outputs: BoundExpr[] = [...left.exprs];
  for (let i = 0; i < rightToA.length; i++) {
    const c = rightToA[i];
    if (c === undefined) return undefined;
    outputs.push({ kind: 'column', index: c, type: j.right.schema[i]!.type, name: a.schema[c]!.name });
  }
  const partitionBy: BoundExpr[] = partition.map((c) => ({ kind: 'column', index: c, type: a.schema[c]!.type, name: a.schema[c]!.name }));
  const order = [{ expr: { kind: 'column', index: countCol, type: a.schema[countCol]!.type, name: a.schema[countCol]!.name } as BoundExpr, desc: true, nullsFirst: false }];
  const ties = B.topN(a, partitionBy, order, 1, 0, { fn: 'rank' }, 'rank');
  const project = B.project(ties, outputs, j.schema.map((f) => f.name));
  // the join's declared types and nullability stay what the query was bound with, and what it
  // knew of its output (the same rows: unique key, append-only, watermark column) still holds
  project.schema = j.schema;
  project.props = { ...j.props };
  return project;
}

/** `count >= max` / `count = max` (either side first), count read from the left's A count
 *  column and max from the right's max column. */
function isCountAtMax(
  residual: BoundExpr,
  leftWidth: number,
  leftToA: (number | undefined)[],
  rightToA: (number | undefined)[],
  rightExprs: BoundExpr[],
  mGroups: number,
  countCol: number,
): boolean {
  const parts = conjuncts(residual);
  if (parts.length !== 1) return false;
  const p = parts[0]!;
  if (p.kind !== 'call' || p.args.length !== 2) return false;
  let [x, y] = p.args as [BoundExpr, BoundExpr];
  let op = p.name;
  if (op === '<=') {
    [x, y] = [y, x];
    op = '>=';
  }
  if (op !== '>=' && op !== '=') return false;
  const isCount = (e: BoundExpr) => e.kind === 'column' && e.index < leftWidth && leftToA[e.index] === countCol;
  const isMax = (e: BoundExpr) => {
    if (e.kind !== 'column' || e.index < leftWidth) return false;
    const r = e.index - leftWidth;
    const c = plainColumn(rightExprs[r]);
    return c !== undefined && c >= mGroups && rightToA[r] === countCol;
  };
  if (isCount(x) && isMax(y)) return true;
  // `max = count` is the same equality
  return op === '=' && isMax(x) && isCount(y);
}
