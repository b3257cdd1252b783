// Interval joins: an inner/left join of two event-time inputs whose condition bounds the right
// row's event time around the left row's (`b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' HOUR`, or
// any pair of >=/<= conjuncts over the two time columns) becomes an IntervalJoin, whose state
// the watermarks clean. The bounding conjuncts stay in the residual, so strict comparisons
// remain exact; the operator only needs the inclusive window.
//
// An input's time column is its watermark column when it is append-only, or the window_end
// group key of a changelog aggregate over a TUMBLE/HOP/CUMULATE window (Nexmark q7's
// `MAX(price) … GROUP BY window_end`): such a row changes only while rows of its window arrive
// on time, so a window's row is never updated behind the watermark except by late rows, which
// the interval join treats as late like any other.

import type { Interval } from '../../types/interval.js';
import type { BoundExpr } from '../bound.js';
import type { IntervalJoinNode, JoinNode, LogicalPlan } from '../logical.js';
import { conjuncts } from './expr-utils.js';

interface TimeTerm {
  column: number;
  offsetMs: number;
}

function intervalMsOf(v: unknown): number | undefined {
  const iv = v as Interval | null;
  if (!iv || typeof iv !== 'object' || !('months' in iv) || iv.months !== 0) return undefined;
  return iv.days * 86_400_000 + iv.micros / 1000;
}

/** `col`, `col + INTERVAL c`, `col - INTERVAL c` (casts between timestamp types ignored). */
function timeTerm(e: BoundExpr): TimeTerm | undefined {
  if (e.kind === 'cast') return timeTerm(e.expr);
  if (e.kind === 'column') return { column: e.index, offsetMs: 0 };
  if (e.kind === 'call' && (e.name === '+' || e.name === '-') && e.args.length === 2) {
    const [a, b] = e.args as [BoundExpr, BoundExpr];
    const base = timeTerm(a);
    if (!base || b.kind !== 'literal') return undefined;
    const ms = intervalMsOf(b.value);
    if (ms === undefined) return undefined;
    return { column: base.column, offsetMs: base.offsetMs + (e.name === '+' ? ms : -ms) };
  }
  return undefined;
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** A conjunct comparing the two time columns (indices over left ++ right), normalised to
 *  `rightTime - leftTime  op  d`; undefined for any other conjunct. */
export function timeBoundOf(c: BoundExpr, leftTime: number, rightTime: number): { op: '<' | '<=' | '>' | '>='; d: number } | undefined {
  if (c.kind !== 'call' || !(c.name in FLIP) || c.args.length !== 2) return undefined;
  const x = timeTerm(c.args[0]!);
  const y = timeTerm(c.args[1]!);
  if (!x || !y) return undefined;
  if (x.column === rightTime && y.column === leftTime) return { op: c.name as '<', d: y.offsetMs - x.offsetMs };
  if (x.column === leftTime && y.column === rightTime) return { op: FLIP[c.name] as '<', d: x.offsetMs - y.offsetMs };
  return undefined;
}

/** The column of `plan` whose values watermarks bound (see the file comment), if any. */
export function eventTimeColumn(plan: LogicalPlan): number | undefined {
  if (plan.props.appendOnly && plan.props.watermarkColumn !== undefined) return plan.props.watermarkColumn;
  switch (plan.kind) {
    case 'filter':
      return eventTimeColumn(plan.input);
    case 'project': {
      const below = eventTimeColumn(plan.input);
      if (below === undefined) return undefined;
      const at = plan.exprs.findIndex((e) => e.kind === 'column' && e.index === below);
      return at < 0 ? undefined : at;
    }
    case 'aggregate': {
      const tvf = plan.input;
      if (plan.emit !== 'changes' || tvf.kind !== 'window-tvf' || tvf.tvf === 'session') return undefined;
      if (!tvf.props.appendOnly || tvf.props.watermarkColumn === undefined) return undefined;
      // window_end is the TVF's last column; group keys are the aggregate's first columns
      const windowEnd = tvf.schema.length - 1;
      const at = plan.groupBy.findIndex((g) => g.kind === 'column' && g.index === windowEnd);
      return at < 0 ? undefined : at;
    }
    default:
      return undefined;
  }
}

export function toIntervalJoin(j: JoinNode): LogicalPlan {
  if (j.joinKind !== 'inner' && j.joinKind !== 'left') return j;
  if (!j.residual) return j;
  const wl = eventTimeColumn(j.left);
  const wr = eventTimeColumn(j.right);
  if (wl === undefined || wr === undefined) return j;
  const lw = j.left.schema.length;
  const rightTime = lw + wr;
  let lower = -Infinity;
  let upper = Infinity;
  for (const c of conjuncts(j.residual)) {
    const b = timeBoundOf(c, wl, rightTime);
    if (b === undefined) continue;
    if (b.op === '>=' || b.op === '>') lower = Math.max(lower, b.d);
    else upper = Math.min(upper, b.d);
  }
  if (!Number.isFinite(lower) || !Number.isFinite(upper) || lower > upper) return j;
  const appendOnly = j.left.props.appendOnly && j.right.props.appendOnly;
  const node: IntervalJoinNode = {
    kind: 'interval-join',
    joinKind: j.joinKind,
    left: j.left,
    right: j.right,
    leftKeys: j.leftKeys,
    rightKeys: j.rightKeys,
    leftTimeColumn: wl,
    rightTimeColumn: wr,
    lowerMs: lower,
    upperMs: upper,
    residual: j.residual,
    schema: j.schema,
    // a changelog input (a windowed aggregate) makes the output a changelog too
    props: appendOnly ? { appendOnly, watermarkColumn: wl } : { appendOnly },
  };
  return node;
}
