// Interval joins: an inner/left join of two append-only inputs with watermarks whose condition
// bounds the right row's event time around the left row's (`b.ts BETWEEN a.ts AND a.ts +
// INTERVAL '1' HOUR`, or any pair of >=/<= conjuncts over the two watermark columns) becomes an
// IntervalJoin, whose state the watermarks clean. The bounding conjuncts stay in the residual,
// so strict comparisons remain exact; the operator only needs the inclusive window.

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

export function toIntervalJoin(j: JoinNode): LogicalPlan {
  if (j.joinKind !== 'inner' && j.joinKind !== 'left') return j;
  const wl = j.left.props.watermarkColumn;
  const wr = j.right.props.watermarkColumn;
  if (!j.left.props.appendOnly || !j.right.props.appendOnly || wl === undefined || wr === undefined || !j.residual) return j;
  const lw = j.left.schema.length;
  const rightTime = lw + wr;
  let lower = -Infinity;
  let upper = Infinity;
  for (const c of conjuncts(j.residual)) {
    if (c.kind !== 'call' || !(c.name in FLIP) || c.args.length !== 2) continue;
    const x = timeTerm(c.args[0]!);
    const y = timeTerm(c.args[1]!);
    if (!x || !y) continue;
    // normalise to: R - L  op  d
    let op: string;
    let d: number;
    if (x.column === rightTime && y.column === wl) {
      op = c.name;
      d = y.offsetMs - x.offsetMs;
    } else if (x.column === wl && y.column === rightTime) {
      op = FLIP[c.name]!;
      d = x.offsetMs - y.offsetMs;
    } else continue;
    if (op === '>=' || op === '>') lower = Math.max(lower, d);
    else upper = Math.min(upper, d);
  }
  if (!Number.isFinite(lower) || !Number.isFinite(upper) || lower > upper) return j;
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
    props: { appendOnly: true, watermarkColumn: wl },
  };
  return node;
}
