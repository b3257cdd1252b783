// The rule-based optimizer: simplification of constant boolean logic, predicate push-down
// (through projections, aggregates' group keys, unions, into join inputs, turning comma joins'
// WHERE equalities into join keys) and merging of adjacent filters and projections.
// Every rule preserves the plan's output schema.

import { T } from '../../types/datatype.js';
import type { BoundExpr } from '../bound.js';
import * as B from '../builders.js';
import type { JoinNode, LogicalPlan, OverWindowNode } from '../logical.js';
import { columnsOf, conjoin, conjuncts, isDeterministic, mapColumns, shiftColumns } from './expr-utils.js';
import { splitJoinCondition } from './join-keys.js';
import { toIntervalJoin } from './interval-join.js';
import { pruneColumns } from './prune.js';
import { shareSubplans } from './share-subplans.js';
import { maxTiesToTopN } from './max-ties.js';
import { markWindowExtremumRows } from './window-extremum-rows.js';
import { withRowNumberKey } from './top-n-key.js';
import { partitionSessionWindows } from '../physical-stream.js';

export function optimize(plan: LogicalPlan): LogicalPlan {
  // SESSION windows are per grouping key (PRODUCT.md §3): partition them before pruning
  return markWindowExtremumRows(maxTiesToTopN(shareSubplans(pruneColumns(partitionSessionWindows(rewrite(plan))))));
}

function rewrite(plan: LogicalPlan): LogicalPlan {
  const p = withInputs(plan, (c) => rewrite(c));
  switch (p.kind) {
    case 'filter': {
      const pred = simplify(p.predicate);
      if (pred.kind === 'literal' && pred.value === true) return p.input;
      return pushFilter(p.input, conjuncts(pred));
    }
    case 'join': {
      const j = pushJoinCondition(p);
      return j.kind === 'join' ? toIntervalJoin(j) : j;
    }
    case 'project': {
      // Project(Project(x)) → one projection when the outer only reads deterministic columns
      const inner = p.input;
      if (inner.kind === 'project' && inner.exprs.every(isDeterministic)) {
        const exprs = p.exprs.map((e) => mapColumns(e, (i) => inner.exprs[i]!));
        return keepProps(B.project(inner.input, exprs, p.schema.map((f) => f.name)), p);
      }
      if (p.exprs.length === p.input.schema.length && p.exprs.every((e, i) => e.kind === 'column' && e.index === i)
        && p.schema.every((f, i) => f.name === p.input.schema[i]!.name)) {
        return p.input;
      }
      return p;
    }
    default:
      return p;
  }
}

/** A rewritten node keeps the props the original knew (they can only be lost by rebuilding). */
function keepProps<N extends LogicalPlan>(n: N, original: LogicalPlan): N {
  if (!n.props.uniqueKey && original.props.uniqueKey) n.props.uniqueKey = original.props.uniqueKey;
  return n;
}

function withInputs(plan: LogicalPlan, f: (c: LogicalPlan) => LogicalPlan): LogicalPlan {
  switch (plan.kind) {
    case 'scan':
    case 'values':
      return plan;
    case 'union-all':
      return { ...plan, inputs: plan.inputs.map(f) };
    case 'join':
    case 'interval-join':
    case 'asof-join':
    case 'temporal-join':
      return { ...plan, left: f(plan.left), right: f(plan.right) } as LogicalPlan;
    default:
      return { ...plan, input: f(plan.input) } as LogicalPlan;
  }
}

/** Remove constant TRUE conjuncts; a constant FALSE / NULL stays (the filter drops every row). */
export function simplify(e: BoundExpr): BoundExpr {
  if (e.kind === 'call' && e.name === 'and') {
    const parts = conjuncts(e).map(simplify).filter((c) => !(c.kind === 'literal' && c.value === true));
    return conjoin(parts) ?? { kind: 'literal', value: true, type: T.boolean };
  }
  return e;
}

/** Place conjuncts as deep as they can go above `input`; whatever cannot move stays in a Filter. */
function pushFilter(input: LogicalPlan, preds: BoundExpr[]): LogicalPlan {
  if (preds.length === 0) return input;
  switch (input.kind) {
    case 'filter':
      return pushFilter(input.input, [...conjuncts(input.predicate), ...preds]);
    case 'project': {
      if (!input.exprs.every(isDeterministic)) break;
      const below = preds.map((p) => mapColumns(p, (i) => input.exprs[i]!));
      return keepProps(B.project(pushFilter(input.input, below), input.exprs, input.schema.map((f) => f.name)), input);
    }
    case 'join': {
      const j = input;
      if (j.joinKind === 'semi' || j.joinKind === 'anti' || j.joinKind === 'anti-null-aware') {
        return rebuildJoin(j, pushFilter(j.left, preds), j.right, j.leftKeys, j.rightKeys, j.residual);
      }
      return pushIntoJoin(j, preds);
    }
    case 'aggregate': {
      if (input.emit !== 'changes') break;
      const g = input.groupBy.length;
      const down: BoundExpr[] = [];
      const stay: BoundExpr[] = [];
      for (const p of preds) {
        const cols = [...columnsOf(p)];
        if (g > 0 && cols.every((c) => c < g) && isDeterministic(p)) down.push(mapColumns(p, (i) => input.groupBy[i]!));
        else stay.push(p);
      }
      if (down.length === 0) break;
      const agg = { ...input, input: pushFilter(input.input, down) };
      return stay.length > 0 ? B.filter(agg, conjoin(stay)!) : agg;
    }
    case 'union-all':
      return { ...input, inputs: input.inputs.map((i) => pushFilter(i, preds)) };
    case 'over-window': {
      const topN = rankFilterToTopN(input, preds);
      if (topN) return topN;
      break;
    }
    default:
      break;
  }
  return B.filter(input, conjoin(preds)!);
}

function rebuildJoin(j: JoinNode, left: LogicalPlan, right: LogicalPlan, leftKeys: BoundExpr[], rightKeys: BoundExpr[], residual?: BoundExpr): JoinNode {
  return keepProps(B.join(j.joinKind, left, right, leftKeys, rightKeys, residual), j);
}

/** Filter above an inner/outer join: side-local conjuncts go into the inputs they may enter
 *  without changing outer-join padding; cross-side equalities of inner joins become keys. */
function pushIntoJoin(j: JoinNode, preds: BoundExpr[]): LogicalPlan {
  const lw = j.left.schema.length;
  const canLeft = j.joinKind === 'inner' || j.joinKind === 'left';
  const canRight = j.joinKind === 'inner' || j.joinKind === 'right';
  const toLeft: BoundExpr[] = [];
  const toRight: BoundExpr[] = [];
  const toJoin: BoundExpr[] = [];
  const stay: BoundExpr[] = [];
  for (const p of preds) {
    const cols = [...columnsOf(p)];
    const deterministic = isDeterministic(p);
    if (deterministic && cols.every((c) => c < lw) && canLeft) toLeft.push(p);
    else if (deterministic && cols.every((c) => c >= lw) && canRight) toRight.push(shiftColumns(p, -lw));
    else if (j.joinKind === 'inner' && deterministic) toJoin.push(p);
    else stay.push(p);
  }
  const left = pushFilter(j.left, toLeft);
  const right = pushFilter(j.right, toRight);
  let leftKeys = j.leftKeys;
  let rightKeys = j.rightKeys;
  let residual = j.residual;
  if (toJoin.length > 0) {
    const split = splitJoinCondition(conjoin(toJoin), lw);
    leftKeys = [...leftKeys, ...split.leftKeys];
    rightKeys = [...rightKeys, ...split.rightKeys];
    residual = conjoin([...conjuncts(residual), ...conjuncts(split.residual)]);
  }
  const joined = toIntervalJoin(rebuildJoin(j, left, right, leftKeys, rightKeys, residual));
  return stay.length > 0 ? B.filter(joined, conjoin(stay)!) : joined;
}

/** Join conditions that only read one input move into that input where the join kind allows. */
function pushJoinCondition(j: JoinNode): LogicalPlan {
  if (!j.residual || j.joinKind === 'full') return j;
  const lw = j.left.schema.length;
  const semi = j.joinKind === 'semi' || j.joinKind === 'anti' || j.joinKind === 'anti-null-aware';
  // ON conditions may filter the non-preserved side only
  const canLeft = j.joinKind === 'inner' || j.joinKind === 'right' || j.joinKind === 'semi';
  const canRight = j.joinKind === 'inner' || j.joinKind === 'left' || semi;
  const toLeft: BoundExpr[] = [];
  const toRight: BoundExpr[] = [];
  const rest: BoundExpr[] = [];
  for (const c of conjuncts(j.residual)) {
    const cols = [...columnsOf(c)];
    const det = isDeterministic(c);
    if (det && cols.length > 0 && cols.every((i) => i < lw) && canLeft) toLeft.push(c);
    else if (det && cols.length > 0 && cols.every((i) => i >= lw) && canRight) toRight.push(shiftColumns(c, -lw));
    else rest.push(c);
  }
  if (toLeft.length === 0 && toRight.length === 0) return j;
  const split = splitJoinCondition(conjoin(rest), lw);
  return rebuildJoin(
    j,
    pushFilter(j.left, toLeft),
    pushFilter(j.right, toRight),
    [...j.leftKeys, ...split.leftKeys],
    [...j.rightKeys, ...split.rightKeys],
    split.residual,
  );
}

/**
 * `ROW_NUMBER() / RANK() / DENSE_RANK() OVER (PARTITION BY … ORDER BY …) <= n` (also `< n`,
 * `= 1`) is a Top-N per partition that outputs the rank column: the OverWindow + Filter pair
 * becomes one TopN node (remaining conjuncts stay in a Filter above it).
 */
function rankFilterToTopN(w: OverWindowNode, preds: BoundExpr[]): LogicalPlan | undefined {
  if (w.calls.length !== 1 || w.order.length === 0) return undefined;
  const fn = w.calls[0]!.fn;
  if (fn !== 'row_number' && fn !== 'rank' && fn !== 'dense_rank') return undefined;
  const rankCol = w.input.schema.length;
  let limit: number | undefined;
  const rest: BoundExpr[] = [];
  for (const p of preds) {
    const n = limitOf(p, rankCol);
    if (n !== undefined && (limit === undefined || n < limit)) limit = n;
    else if (n === undefined) rest.push(p);
  }
  if (limit === undefined) return undefined;
  const node = B.topN(pushFilter(w.input, []), w.partitionBy, w.order, limit, 0, { fn }, w.schema[rankCol]!.name);
  withRowNumberKey(node);
  return rest.length > 0 ? B.filter(node, conjoin(rest)!) : node;
}


function limitOf(p: BoundExpr, col: number): number | undefined {
  if (p.kind !== 'call' || p.args.length !== 2) return undefined;
  const [a, b] = p.args as [BoundExpr, BoundExpr];
  const unwrap = (e: BoundExpr): BoundExpr => (e.kind === 'cast' ? e.expr : e);
  const x = unwrap(a);
  const y = unwrap(b);
  const isCol = (e: BoundExpr) => e.kind === 'column' && e.index === col;
  const num = (e: BoundExpr) => (e.kind === 'literal' && typeof e.value === 'number' && Number.isInteger(e.value) ? e.value : undefined);
  let op = p.name;
  let n: number | undefined;
  if (isCol(x)) n = num(y);
  else if (isCol(y)) {
    n = num(x);
    op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' } as Record<string, string>)[op] ?? '';
  }
  if (n === undefined) return undefined;
  if (op === '<=') return Math.max(n, 0);
  if (op === '<') return Math.max(n - 1, 0);
  if (op === '=' && n === 1) return 1;
  return undefined;
}
