// "The rows whose value equals their window's MAX (or MIN)": an interval join of an append-only
// stream S with the per-TUMBLE-window MAX/MIN of S itself, on value = extremum, with the time
// band tying each row to windows (Nexmark q7:
//   bid B JOIN (SELECT MAX(price) maxprice, window_end date_time FROM TUMBLE(bid, date_time, 10 s)
//   GROUP BY window_end) B1 ON B.price = B1.maxprice
//   WHERE B.date_time BETWEEN B1.date_time - 10 s AND B1.date_time)
// is marked (IntervalJoinNode.extremumRows) so the physical planner builds one operator over S
// (lib/exec/stream/window-extremum-rows.ts) that keeps per open window only the extremum and the
// rows tied at it, instead of the aggregate plus a join holding every row of every open window.
//
// Applied only when all of these hold (anything else is left alone):
// - INNER interval join with one equi key: a plain left column = the extremum column;
// - the left input is append-only and reads relation R as it is: a scan, or column-only
//   projections of it (no filter), and its time column is its watermark column;
// - the right input is (column-only projections of) a changelog aggregate grouped by exactly the
//   window_end of a TUMBLE over R read as it is, with one aggregate max(c) or min(c) (no FILTER,
//   no ORDER BY), where c is the very base column of R the left key reads, and the TUMBLE's time
//   column the very base column of R the left time reads: both sides see the same rows;
// - c is SMALLINT / INT / BIGINT (integral numbers: equality and order are plain `===` / `<`, no
//   NaN, no Decimal objects);
// - every residual conjunct is an inclusive bound (>=, <=, BETWEEN) between the two time columns
//   and the band is [lower, upper] with lower >= 0 (every window a row is tied to ends at or
//   after the row's time, so an on-time row always finds its windows still open), spanning at
//   most MAX_WINDOWS_PER_ROW window sizes (every row visits each window of its band).
// Under these the operator reproduces the join's changelog, late rows included (its file comment
// says how); docs/ARCHITECTURE.md repeats the conditions.

import type { DataType } from '../../types/datatype.js';
import type { BoundExpr } from '../bound.js';
import type { AggregateNode, ExtremumRowsSpec, IntervalJoinNode, LogicalPlan, WindowTvfNode } from '../logical.js';
import { planInputs, withPlanInputs } from '../logical.js';
import { conjuncts } from './expr-utils.js';
import { timeBoundOf } from './interval-join.js';

/** Tests switch the rule off to compare against the unrewritten plan. */
export const windowExtremumRowsRule = { enabled: true };

/** Marks every interval join of the shape above (a node reached twice is rewritten once). */
export function markWindowExtremumRows(plan: LogicalPlan): LogicalPlan {
  if (!windowExtremumRowsRule.enabled) return plan;
  const done = new Map<LogicalPlan, LogicalPlan>();
  const visit = (p: LogicalPlan): LogicalPlan => {
    const seen = done.get(p);
    if (seen !== undefined) return seen;
    const inputs = planInputs(p);
    const next = inputs.map(visit);
    let out = next.every((c, i) => c === inputs[i]) ? p : withPlanInputs(p, next);
    if (out.kind === 'interval-join') {
      const spec = extremumRowsOf(out);
      if (spec !== undefined || out.extremumRows !== undefined) out = { ...out, extremumRows: spec };
    }
    done.set(p, out);
    return out;
  };
  return visit(plan);
}

interface BaseColumn {
  relation: string;
  column: number;
}

/** The relation column that output column `col` of `p` is, when `p` is a scan or column-only
 *  projections of one (every row of the relation, unchanged). */
function baseColumn(p: LogicalPlan, col: number): BaseColumn | undefined {
  if (p.kind === 'scan') return col < p.schema.length ? { relation: p.relation, column: col } : undefined;
  if (p.kind === 'project') {
    const e = p.exprs[col];
    return e?.kind === 'column' ? baseColumn(p.input, e.index) : undefined;
  }
  return undefined;
}

const sameBase = (a: BaseColumn | undefined, b: BaseColumn | undefined): boolean => a !== undefined && b !== undefined && a.relation === b.relation && a.column === b.column;

/** bands spanning more windows than this stay an interval join */
const MAX_WINDOWS_PER_ROW = 16;

const INTEGRAL = new Set<DataType['id']>(['smallint', 'int', 'bigint']);

/** Peels column-only projections above an aggregate: the aggregate and, per output column of
 *  `p`, the aggregate column it is. */
function aggregateBelow(p: LogicalPlan): { agg: AggregateNode; columns: number[] } | undefined {
  let columns = p.schema.map((_, i) => i);
  let node = p;
  while (node.kind === 'project') {
    const exprs = node.exprs;
    const mapped: number[] = [];
    for (const c of columns) {
      const e = exprs[c];
      if (e?.kind !== 'column') return undefined;
      mapped.push(e.index);
    }
    columns = mapped;
    node = node.input;
  }
  return node.kind === 'aggregate' ? { agg: node, columns } : undefined;
}

function plainColumn(e: BoundExpr | undefined): number | undefined {
  return e?.kind === 'column' ? e.index : undefined;
}

/** The fused operator's spec for `j`, or undefined when the shape or a precondition fails. */
export function extremumRowsOf(j: IntervalJoinNode): ExtremumRowsSpec | undefined {
  if (j.joinKind !== 'inner' || j.leftKeys.length !== 1 || j.rightKeys.length !== 1) return undefined;
  if (!(j.lowerMs >= 0 && j.lowerMs <= j.upperMs)) return undefined;
  const left = j.left;
  if (!left.props.appendOnly || left.props.watermarkColumn !== j.leftTimeColumn) return undefined;
  const leftKey = plainColumn(j.leftKeys[0]);
  const rightKey = plainColumn(j.rightKeys[0]);
  if (leftKey === undefined || rightKey === undefined) return undefined;
  // right: projections of a changelog aggregate [window_end, max(c)] over TUMBLE(R)
  const below = aggregateBelow(j.right);
  if (below === undefined) return undefined;
  const { agg, columns } = below;
  if (agg.emit !== 'changes' || agg.groupBy.length !== 1 || agg.aggregates.length !== 1 || agg.windowStartGroupIndex !== undefined) return undefined;
  const call = agg.aggregates[0]!;
  if ((call.fn !== 'max' && call.fn !== 'min') || call.args.length !== 1 || call.filter !== undefined || (call.orderBy?.length ?? 0) > 0) return undefined;
  const tvf = agg.input;
  if (tvf.kind !== 'window-tvf' || tvf.tvf !== 'tumble' || !tvf.input.props.appendOnly) return undefined;
  const w0 = tvf.input.schema.length;
  if (plainColumn(agg.groupBy[0]) !== w0 + 1) return undefined;
  const arg = plainColumn(call.args[0]);
  if (arg === undefined || arg >= w0) return undefined;
  // the same rows on both sides: the key and the aggregated column, the two time columns
  if (!sameBase(baseColumn(left, leftKey), baseColumn(tvf.input, arg))) return undefined;
  if (!sameBase(baseColumn(left, j.leftTimeColumn), baseColumn(tvf.input, (tvf as WindowTvfNode).timeColumn))) return undefined;
  if (!INTEGRAL.has(left.schema[leftKey]!.type.id)) return undefined;
  // the right key is the extremum, the right time the window end
  if (columns[rightKey] !== 1 || columns[j.rightTimeColumn] !== 0) return undefined;
  // the residual is exactly the inclusive band [lower, upper]
  const rightTime = left.schema.length + j.rightTimeColumn;
  let lower = -Infinity;
  let upper = Infinity;
  for (const c of conjuncts(j.residual)) {
    const b = timeBoundOf(c, j.leftTimeColumn, rightTime);
    if (b === undefined || b.op === '<' || b.op === '>') return undefined;
    if (b.op === '>=') lower = Math.max(lower, b.d);
    else upper = Math.min(upper, b.d);
  }
  if (lower !== j.lowerMs || upper !== j.upperMs) return undefined;
  // each row visits every window of its band: keep that a handful (q7's is two)
  if ((upper - lower) / tvf.sizeMs > MAX_WINDOWS_PER_ROW) return undefined;
  return {
    kind: call.fn,
    valueColumn: leftKey,
    timeColumn: j.leftTimeColumn,
    sizeMs: tvf.sizeMs,
    offsetMs: tvf.offsetMs,
    rightColumns: columns.map((c) => (c === 0 ? 'window_end' : 'extremum')),
  };
}
