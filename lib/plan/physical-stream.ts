// Physical planning of the streaming logical nodes: window TVFs, EMIT ON WINDOW CLOSE
// aggregates, interval / ASOF / temporal joins, dedup and windowed Top-N, mapped to the
// operators of lib/exec/stream. lib/plan/physical.ts delegates to `buildStreamOperator` (as its
// PhysicalContext.stream) after building the node's inputs.
//
// Expressions the operators need as values (keys, aggregate arguments) are computed as extra
// columns by a Project below the operator (as physical.ts does for joins), so the operators only
// read columns; those extra columns are dropped again above it.

import { ExecutionError, UnsupportedError } from '../errors.js';
import type { Batch } from '../exec/batch.js';
import type { DataflowNode } from '../exec/runtime/dataflow.js';
import { Project, columnProjection } from '../exec/operators/project.js';
import type { PredicateFn } from '../exec/operators/filter.js';
import { accumulatorForCall } from '../functions/aggregates/index.js';
import type { Accumulator } from '../functions/aggregates/index.js';
import type { AccumulatorFactory, StreamAccumulator } from '../exec/stream/accumulators.js';
import type { Value } from '../types/value.js';
import { AsofJoinOperator, type AsofMatch } from '../exec/stream/asof-join.js';
import { DedupOperator } from '../exec/stream/dedup.js';
import { EventTimeUnionOperator } from '../exec/stream/event-time-union.js';
import { FirstRowDedupOperator } from '../exec/stream/first-row-dedup.js';
import { IntervalJoinOperator } from '../exec/stream/interval-join.js';
import type { LatePolicy } from '../exec/stream/late.js';
import { buildExtremumRows } from './physical-extremum-rows.js';
import { columnFn, type RowFn } from '../exec/stream/rows.js';
import { SessionWindowOperator } from '../exec/stream/session-window.js';
import { TemporalJoinOperator } from '../exec/stream/temporal-join.js';
import { TtlJoinOperator } from '../exec/stream/ttl-join.js';
import { WindowAggregateOperator, type WindowAggregateSpec } from '../exec/stream/window-aggregate.js';
import { WindowTopNOperator } from '../exec/stream/window-topn.js';
import { WindowAssignOperator } from '../exec/stream/window-tvf.js';
import { hopAssignmentFor } from './hop-fusion.js';
import { buildHopCountTies } from './hop-ties-fusion.js';
import { sessionAggregateFor } from './session-fusion.js';
import { SessionAggregateOperator } from '../exec/stream/session-aggregate.js';
import type { BoundExpr } from './bound.js';
import { T, type Field } from '../types/datatype.js';
import type { AggregateNode, JoinNode, LogicalPlan, TopNNode, WindowTvfNode } from './logical.js';
import { withComputedColumns, type PhysicalContext, type StreamNodeBuilder } from './physical.js';
import { mapColumns } from './optimizer/expr-utils.js';

export { partitionSessionWindows } from './session-partition.js';

/** Tuning that comes from WITH options / SET, not from the plan. */
export interface StreamBuildOptions {
  /** changelog windowed aggregates / Top-N: keep a window's state this long after it closes */
  allowedLatenessMs?: number;
  /** dedup and regular joins over sources: forget state this long (event time) behind the
   *  watermark (needs event-time columns) */
  stateTtlMs?: number;
  /** where late rows go; default: dropped and counted in the operator's metric */
  late?: LatePolicy;
  /** per operator, given the leading columns of its input (windowed aggregates / Top-N): where
   *  its late rows go (the side output slices them to those columns); `late` takes precedence */
  lateFor?: (columns: readonly Field[]) => LatePolicy;
}

/** A StreamNodeBuilder with the given options (for PhysicalContext.stream). */
export function streamNodeBuilder(options: StreamBuildOptions = {}): StreamNodeBuilder {
  return (plan, ctx, inputs) => buildStreamOperator(plan, ctx, inputs, options);
}

/**
 * Builds the operator(s) of a streaming plan node whose inputs are already built (`inputs` in
 * port order). Returns undefined for nodes that are not streaming (or a Top-N that is not per
 * window), so the caller falls back to the relational operators.
 */
export function buildStreamOperator(
  plan: LogicalPlan,
  ctx: PhysicalContext,
  inputs: DataflowNode[],
  options: StreamBuildOptions = {},
): DataflowNode | undefined {
  switch (plan.kind) {
    case 'window-tvf':
      return buildWindowTvf(plan, ctx, one(inputs));
    case 'aggregate': {
      if (windowEndIndex(plan) !== undefined || plan.emit === 'window-close') return buildWindowAggregate(plan, ctx, one(inputs), options);
      // changelog grouped by window_start alone: windowed too, so allowed_lateness bounds its state
      const start = changelogWindowStartIndex(plan);
      return start === undefined ? undefined : buildWindowAggregate({ ...plan, windowStartGroupIndex: start }, ctx, one(inputs), options);
    }
    case 'top-n':
      return buildFirstRowDedup(plan, ctx, one(inputs), options) ?? buildHopCountTies(plan, ctx, one(inputs), options) ?? buildWindowTopN(plan, ctx, one(inputs), options) ?? buildDedupTopN(plan, ctx, one(inputs), options);
    case 'dedup': {
      const w0 = plan.input.schema.length;
      const c = withComputedColumns(one(inputs), w0, types(plan.input), plan.keys, ctx);
      const ttl = options.stateTtlMs;
      const node = ctx.builder.add(
        (out) => new DedupOperator(out, { keys: c.indices.map(columnFn), keep: plan.keep, timeColumn: plan.timeColumn, ttlMs: plan.timeColumn === undefined ? undefined : ttl, inputWidth: c.width }),
        [c.node],
        `dedup-${plan.keep}`,
      );
      return keepColumns(node, c.width, range(w0), ctx);
    }
    case 'interval-join':
    case 'asof-join':
    case 'temporal-join':
      return buildStreamJoin(plan, ctx, inputs, options);
    case 'join':
      return buildTtlJoin(plan, ctx, inputs, options);
    case 'union-all':
      // append-only inputs (sources): the same union, but idle inputs stop holding time back
      return plan.props.appendOnly && inputs.length >= 2 ? ctx.builder.add((out) => new EventTimeUnionOperator(out, inputs.length), inputs, 'union-all-event-time') : undefined;
    default:
      return undefined;
  }
}

function one(inputs: DataflowNode[]): DataflowNode {
  const n = inputs[0];
  if (n === undefined || inputs.length !== 1) throw new ExecutionError('INVALID_ARGUMENT', `expected one input, got ${inputs.length}`);
  return n;
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const types = (p: LogicalPlan) => p.schema.map((f) => f.type);

/** Keeps `keep` of a node's `width` columns (no-op when that is all of them in order). */
function keepColumns(node: DataflowNode, width: number, keep: number[], ctx: PhysicalContext): DataflowNode {
  if (keep.length === width && keep.every((c, i) => c === i)) return node;
  const fn = columnProjection(keep);
  return ctx.builder.add((out) => new Project(out, fn), [node], 'project');
}

function buildWindowTvf(plan: WindowTvfNode, ctx: PhysicalContext, input: DataflowNode): DataflowNode {
  const t = plan.timeColumn;
  const offsetMs = plan.offsetMs;
  switch (plan.tvf) {
    case 'tumble':
      return ctx.builder.add((out) => new WindowAssignOperator(out, { kind: 'tumble', timeColumn: t, sizeMs: plan.sizeMs, offsetMs }), [input], 'tumble');
    case 'hop':
      return ctx.builder.add((out) => new WindowAssignOperator(out, { kind: 'hop', timeColumn: t, sizeMs: plan.sizeMs, slideMs: required(plan.slideMs, 'HOP slide'), offsetMs }), [input], 'hop');
    case 'cumulate':
      return ctx.builder.add((out) => new WindowAssignOperator(out, { kind: 'cumulate', timeColumn: t, sizeMs: plan.sizeMs, stepMs: required(plan.stepMs, 'CUMULATE step'), offsetMs }), [input], 'cumulate');
    case 'session': {
      const w0 = plan.input.schema.length;
      const c = withComputedColumns(input, w0, types(plan.input), plan.partitionBy ?? [], ctx);
      const gapMs = required(plan.gapMs, 'SESSION gap');
      const node = ctx.builder.add(
        (out) => new SessionWindowOperator(out, { timeColumn: t, gapMs, partitionBy: c.indices.map(columnFn), inputWidth: c.width }),
        [c.node],
        'session',
      );
      return keepColumns(node, c.width + 2, [...range(w0), c.width, c.width + 1], ctx);
    }
  }
}

function required(v: number | undefined, what: string): number {
  if (v === undefined) throw new ExecutionError('INVALID_ARGUMENT', `${what} interval is missing`);
  return v;
}

/** The window TVF feeding a plan through row-preserving nodes, if any. */
function windowTvfBelow(plan: LogicalPlan): WindowTvfNode | undefined {
  let p: LogicalPlan = plan;
  for (;;) {
    if (p.kind === 'window-tvf') return p;
    if (p.kind === 'project' || p.kind === 'filter') p = p.input;
    else return undefined;
  }
}

/** Index (in GROUP BY) of the window_end group expression. */
function windowEndIndex(plan: AggregateNode): number | undefined {
  if (plan.windowEndGroupIndex !== undefined) return plan.windowEndGroupIndex;
  const names = plan.input.schema;
  const i = plan.groupBy.findIndex((g) => g.kind === 'column' && names[g.index]?.name === 'window_end');
  return i < 0 ? undefined : i;
}

/** The SESSION operator feeding `node` through this subgraph's column projections, if any. */
function sessionOperatorBelow(node: DataflowNode): SessionWindowOperator | undefined {
  let n: DataflowNode | undefined = node;
  while (n !== undefined) {
    if (n.op instanceof SessionWindowOperator) return n.op;
    if (!(n.op instanceof Project) || n.inputs.length !== 1) return undefined;
    n = n.inputs[0];
  }
  return undefined;
}

/** Adapts a SQL-typed accumulator of lib/functions to the event-time operators (one per group:
 *  a class, so creating one allocates a single object). */
class SqlAccumulatorState implements StreamAccumulator {
  private state: unknown;
  constructor(private readonly acc: Accumulator) {
    this.state = acc.create();
  }
  add(v: Value, w: number): void {
    this.acc.add(this.state, v, w);
  }
  result(): Value {
    return this.acc.result(this.state);
  }
  /** JSON-safe when the accumulator provides a codec (lib/functions/aggregates) */
  save(): unknown {
    return this.acc.save ? this.acc.save(this.state) : this.state;
  }
  load(s: unknown): void {
    this.state = this.acc.load ? this.acc.load(s) : s;
  }
}

/** count(*) (or count() with no argument) without DISTINCT or FILTER: a plain row count. */
function isCountStar(a: AggregateNode['aggregates'][number]): boolean {
  const fn = a.fn.toLowerCase();
  return (fn === 'count_star' || (fn === 'count' && a.args.length === 0)) && !a.distinct && a.filter === undefined;
}

function sqlAccumulator(acc: Accumulator): AccumulatorFactory {
  return () => new SqlAccumulatorState(acc);
}

/** The window TVF output column that column `index` of `plan` is, through projections and
 *  filters; undefined when it is computed or there is no TVF below. */
function traceTvfColumn(plan: LogicalPlan, index: number): { tvf: WindowTvfNode; column: number } | undefined {
  let p: LogicalPlan = plan;
  let i = index;
  for (;;) {
    if (p.kind === 'window-tvf') return { tvf: p, column: i };
    if (p.kind === 'filter') p = p.input;
    else if (p.kind === 'project') {
      const e = p.exprs[i];
      if (e?.kind !== 'column') return undefined;
      i = e.index;
      p = p.input;
    } else return undefined;
  }
}

/**
 * An EMIT ON WINDOW CLOSE aggregate grouped by window_start but not window_end: the window end as
 * a function of the input row, when window_start determines it — start + size for TUMBLE / HOP /
 * CUMULATE (a CUMULATE group then spans the windows sharing that start and closes with the
 * largest), and the row's window_end for SESSION when the sessions' partition keys are all group
 * keys (one key's sessions never share a start). Throws otherwise.
 */
function windowEndFromStart(plan: AggregateNode, startGroupIndex: number): RowFn {
  const refuse = (why: string) => new UnsupportedError(`EMIT ON WINDOW CLOSE grouped by window_start without window_end: ${why}; add window_end to GROUP BY`);
  const g = plan.groupBy[startGroupIndex];
  const traced = g?.kind === 'column' ? traceTvfColumn(plan.input, g.index) : undefined;
  if (traced === undefined || traced.column !== traced.tvf.input.schema.length) throw refuse('window_start is not the window_start column of a window function');
  const { tvf } = traced;
  if (tvf.tvf !== 'session') {
    const startCol = g!.kind === 'column' ? g!.index : -1;
    const size = tvf.sizeMs;
    return (cols, r) => {
      const start = cols[startCol]![r];
      return typeof start === 'number' ? start + size : null;
    };
  }
  const groupCols = new Set<number>();
  for (const k of plan.groupBy) {
    const t = k.kind === 'column' ? traceTvfColumn(plan.input, k.index) : undefined;
    if (t !== undefined && t.tvf === tvf) groupCols.add(t.column);
  }
  for (const p of tvf.partitionBy ?? []) {
    if (p.kind !== 'column' || !groupCols.has(p.index)) throw refuse('the SESSION partition keys are not all in GROUP BY, so sessions of several keys can share a start');
  }
  const endCol = plan.input.schema.findIndex((_, i) => {
    const t = traceTvfColumn(plan.input, i);
    return t !== undefined && t.tvf === tvf && t.column === tvf.input.schema.length + 1;
  });
  if (endCol < 0) throw refuse('the SESSION window_end column is not available to the aggregate');
  return columnFn(endCol);
}

/** A changelog aggregate's group key that is window_start of a TUMBLE / HOP / CUMULATE (SESSION
 *  rows move between sessions as they merge: left to the relational aggregate). */
function changelogWindowStartIndex(plan: AggregateNode): number | undefined {
  // aggregates the windowed operator does not take stay on the relational one
  if (plan.aggregates.some((a) => a.args.length > 1 || (a.orderBy !== undefined && a.orderBy.length > 0))) return undefined;
  const i = plan.groupBy.findIndex((g) => {
    const t = g.kind === 'column' ? traceTvfColumn(plan.input, g.index) : undefined;
    return t !== undefined && t.tvf.tvf !== 'session' && t.column === t.tvf.input.schema.length;
  });
  return i < 0 ? undefined : i;
}

function buildWindowAggregate(plan: AggregateNode, ctx: PhysicalContext, input: DataflowNode, options: StreamBuildOptions): DataflowNode {
  const groupedEnd = windowEndIndex(plan);
  const hiddenEnd = groupedEnd === undefined && plan.windowStartGroupIndex !== undefined ? windowEndFromStart(plan, plan.windowStartGroupIndex) : undefined;
  if (groupedEnd === undefined && hiddenEnd === undefined) {
    throw new UnsupportedError('EMIT ON WINDOW CLOSE needs the window_end (or window_start) column of a window function (TUMBLE/HOP/CUMULATE/SESSION) in GROUP BY');
  }
  // without window_end in GROUP BY, the end computed from window_start is an extra, last group
  // key (dropped from the output again): it does not split groups, as the start determines it
  const endIndex = groupedEnd ?? plan.groupBy.length;
  const exprs: BoundExpr[] = [...plan.groupBy];
  for (const a of plan.aggregates) {
    if (a.args.length > 1) throw new UnsupportedError(`aggregate ${a.fn} with ${a.args.length} arguments is not supported in windowed aggregation`);
    if (a.orderBy && a.orderBy.length > 0) throw new UnsupportedError(`ORDER BY inside ${a.fn}(…) is not supported in windowed aggregation`);
    if (a.args.length > 0) exprs.push(a.args[0]!);
    if (a.filter) exprs.push(a.filter);
  }
  // group keys, then each aggregate's argument and FILTER, become columns of the input
  const c = withComputedColumns(input, plan.input.schema.length, types(plan.input), exprs, ctx);
  // SESSION rows are re-assigned (retracted) when sessions merge: accumulators must retract
  const tvfBelow = windowTvfBelow(plan.input);
  const session = tvfBelow?.tvf === 'session';
  // window_start is determined by window_end (and the other keys): keep it out of the group key —
  // except for SESSION, where a merge keeps window_end but moves window_start
  const inputNames = plan.input.schema;
  const dependentGroupIndexes = tvfBelow === undefined || session ? [] : plan.groupBy.flatMap((g, i) => (g.kind === 'column' && inputNames[g.index]?.name === 'window_start' && i !== endIndex ? [i] : []));
  const appendOnly = plan.input.props.appendOnly && !session;
  // an EOWC aggregate only needs each session's final rows: have the SESSION operator below emit
  // them once at close instead of retracting and re-emitting a growing session at every step
  if (session && plan.emit === 'window-close') sessionOperatorBelow(input)?.setEmitOnClose();
  const groupBy = plan.groupBy.map((_, i) => columnFn(c.indices[i]!));
  if (hiddenEnd !== undefined) groupBy.push(hiddenEnd);
  let next = plan.groupBy.length;
  const aggregates: WindowAggregateSpec[] = plan.aggregates.map((a) => {
    const spec: WindowAggregateSpec = { create: sqlAccumulator(accumulatorForCall(a, { appendOnly })), countRows: isCountStar(a) };
    if (a.args.length > 0) spec.arg = columnFn(c.indices[next++]!);
    if (a.filter) spec.filter = columnFn(c.indices[next++]!);
    return spec;
  });
  // right above HOP: the aggregate assigns windows itself, reading HOP's input (hop-fusion.ts)
  const fused = c.node === input ? hopAssignmentFor(plan, input, endIndex, dependentGroupIndexes) : undefined;
  // right above SESSION, changelog: sessions with their accumulators (session-fusion.ts)
  const sessionFused = session && c.node === input ? sessionAggregateFor(plan, input, endIndex, aggregates.map((a) => a.create)) : undefined;
  const node = sessionFused !== undefined
    ? ctx.builder.add((out) => new SessionAggregateOperator(out, sessionFused.config), [sessionFused.source], 'session-aggregate')
    : ctx.builder.add(
    (out) =>
      new WindowAggregateOperator(out, {
        groupBy,
        windowEndGroupIndex: endIndex,
        dependentGroupIndexes,
        aggregates,
        emit: plan.emit,
        closeWhen: session ? 'after-end' : 'at-end',
        allowedLatenessMs: options.allowedLatenessMs,
        inputWidth: c.width,
        late: options.late ?? options.lateFor?.(plan.input.schema),
        hop: fused?.assignment,
      }),
    [fused?.source ?? c.node],
    plan.emit === 'window-close' ? 'window-aggregate-eowc' : 'window-aggregate',
  );
  if (hiddenEnd === undefined) return node;
  const g = plan.groupBy.length;
  return keepColumns(node, g + 1 + aggregates.length, [...range(g), ...range(aggregates.length, g + 1)], ctx);
}

/**
 * Top-N per window: a TopN whose PARTITION BY includes window_start or window_end of a window
 * TVF. Returns undefined otherwise (the relational Top-N applies).
 */
/** The window end of a Top-N's rows when it partitions by window_start / window_end of a window
 *  TVF; undefined otherwise. */
function partitionWindowEnd(plan: TopNNode): RowFn | undefined {
  const schema = plan.input.schema;
  const named = (name: string) => plan.partitionBy.some((p) => p.kind === 'column' && schema[p.index]?.name === name);
  const endCol = schema.findIndex((f) => f.name === 'window_end');
  const startCol = schema.findIndex((f) => f.name === 'window_start');
  if ((named('window_end') || named('window_start')) && endCol >= 0) return columnFn(endCol);
  if (named('window_start') && startCol >= 0) {
    const tvf = windowTvfBelow(plan.input);
    if (tvf === undefined || (tvf.tvf !== 'tumble' && tvf.tvf !== 'hop')) return undefined;
    const size = tvf.sizeMs;
    return (cols, r) => (cols[startCol]![r] as number) + size;
  }
  return undefined;
}

export function buildWindowTopN(plan: TopNNode, ctx: PhysicalContext, input: DataflowNode, options: StreamBuildOptions = {}): DataflowNode | undefined {
  const schema = plan.input.schema;
  const windowEnd = partitionWindowEnd(plan);
  if (windowEnd === undefined) return undefined;
  const w0 = schema.length;
  const c = withComputedColumns(input, w0, types(plan.input), [...plan.partitionBy, ...plan.order.map((o) => o.expr)], ctx);
  const np = plan.partitionBy.length;
  const order = plan.order.map((o, i) => ({ column: c.indices[np + i]!, desc: o.desc, nullsFirst: o.nullsFirst }));
  // a view's Top-N is maintained as a changelog (snapshot semantics); windows are dropped only
  // past the allowed lateness
  const emit = 'changes';
  const end = windowEnd;
  const node = ctx.builder.add(
    (out) =>
      new WindowTopNOperator(out, {
        partitionBy: c.indices.slice(0, np).map(columnFn),
        windowEnd: end,
        order,
        limit: plan.limit,
        offset: plan.offset,
        rankOutput: plan.rankOutput?.fn,
        emit,
        appendOnly: plan.input.props.appendOnly,
        allowedLatenessMs: options.allowedLatenessMs,
        inputWidth: c.width,
        late: options.late ?? options.lateFor?.(plan.input.schema),
      }),
    [c.node],
    'window-top-n',
  );
  const outWidth = c.width + (plan.rankOutput ? 1 : 0);
  return keepColumns(node, outWidth, plan.rankOutput ? [...range(w0), c.width] : range(w0), ctx);
}

/** A residual predicate over left ++ right as a per-row function (used on one-row scratch columns). */
function residualFn(pred: PredicateFn | undefined): RowFn | undefined {
  if (pred === undefined) return undefined;
  return (cols, r) => {
    const batch: Batch = { length: cols[0]?.length ?? 1, columns: cols, weights: null };
    const keep = pred(batch)[r];
    return keep === true || keep === 1;
  };
}

function buildStreamJoin(
  plan: LogicalPlan & { kind: 'interval-join' | 'asof-join' | 'temporal-join' },
  ctx: PhysicalContext,
  inputs: DataflowNode[],
  options: StreamBuildOptions,
): DataflowNode {
  if (inputs.length !== 2) throw new ExecutionError('INVALID_ARGUMENT', `a join needs two inputs, got ${inputs.length}`);
  if (plan.kind === 'interval-join' && plan.extremumRows !== undefined) {
    return buildExtremumRows(plan, plan.extremumRows, ctx, inputs, { allowedLatenessMs: options.allowedLatenessMs, late: options.late ?? options.lateFor?.(plan.left.schema) });
  }
  const lw0 = plan.left.schema.length;
  const rw0 = plan.right.schema.length;
  const left = withComputedColumns(inputs[0]!, lw0, types(plan.left), plan.leftKeys, ctx);
  const right = withComputedColumns(inputs[1]!, rw0, types(plan.right), plan.rightKeys, ctx);
  const residualExpr = plan.residual && (left.width !== lw0 ? mapColumns(plan.residual, (i, c) => (i >= lw0 ? { ...c, index: i - lw0 + left.width } : c)) : plan.residual);
  const residual = residualFn(residualExpr ? ctx.compiler.predicate(residualExpr) : undefined);
  const common = {
    leftKeys: left.indices.map(columnFn),
    rightKeys: right.indices.map(columnFn),
    residual,
    leftWidth: left.width,
    rightWidth: right.width,
  };
  // late rows of each side go to the side output in that side's own columns
  const lateOf = (schema: readonly Field[]) => options.late ?? options.lateFor?.(schema);
  const late = { left: lateOf(plan.left.schema), right: lateOf(plan.right.schema) };
  let node: DataflowNode;
  switch (plan.kind) {
    case 'interval-join':
      node = ctx.builder.add(
        (out) => new IntervalJoinOperator(out, { ...common, joinKind: plan.joinKind, leftTimeColumn: plan.leftTimeColumn, rightTimeColumn: plan.rightTimeColumn, lowerMs: plan.lowerMs, upperMs: plan.upperMs, late, leftRetracts: !plan.left.props.appendOnly, rightRetracts: !plan.right.props.appendOnly }),
        [left.node, right.node],
        `interval-${plan.joinKind}-join`,
      );
      break;
    case 'asof-join': {
      const match: AsofMatch = plan.nearest ? 'nearest' : plan.op;
      node = ctx.builder.add(
        (out) => new AsofJoinOperator(out, { ...common, joinKind: plan.joinKind, leftTimeColumn: plan.leftTimeColumn, rightTimeColumn: plan.rightTimeColumn, match, toleranceMs: plan.toleranceMs, late }),
        [left.node, right.node],
        `asof-${plan.joinKind}-join`,
      );
      break;
    }
    case 'temporal-join':
      node = ctx.builder.add((out) => new TemporalJoinOperator(out, { ...common, joinKind: plan.joinKind }), [left.node, right.node], `temporal-${plan.joinKind}-join`);
      break;
  }
  return keepColumns(node, left.width + right.width, [...range(lw0), ...range(rw0, left.width)], ctx);
}

/**
 * A regular equi-join with a state TTL (StreamBuildOptions.stateTtlMs) when both inputs carry an
 * event-time watermark column; undefined otherwise (the relational join applies).
 */
export function buildTtlJoin(plan: JoinNode, ctx: PhysicalContext, inputs: DataflowNode[], options: StreamBuildOptions = {}): DataflowNode | undefined {
  const ttlMs = options.stateTtlMs;
  const lt = plan.left.props.watermarkColumn;
  const rt = plan.right.props.watermarkColumn;
  if (ttlMs === undefined || lt === undefined || rt === undefined) return undefined;
  if (plan.joinKind !== 'inner' && plan.joinKind !== 'left' && plan.joinKind !== 'right' && plan.joinKind !== 'full') return undefined;
  if (inputs.length !== 2) throw new ExecutionError('INVALID_ARGUMENT', `a join needs two inputs, got ${inputs.length}`);
  const joinKind = plan.joinKind;
  const lw0 = plan.left.schema.length;
  const rw0 = plan.right.schema.length;
  const left = withComputedColumns(inputs[0]!, lw0, types(plan.left), plan.leftKeys, ctx);
  const right = withComputedColumns(inputs[1]!, rw0, types(plan.right), plan.rightKeys, ctx);
  const residualExpr = plan.residual && (left.width !== lw0 ? mapColumns(plan.residual, (i, c) => (i >= lw0 ? { ...c, index: i - lw0 + left.width } : c)) : plan.residual);
  const residual = residualFn(residualExpr ? ctx.compiler.predicate(residualExpr) : undefined);
  const node = ctx.builder.add(
    (out) =>
      new TtlJoinOperator(out, {
        joinKind,
        leftKeys: left.indices.map(columnFn),
        rightKeys: right.indices.map(columnFn),
        residual,
        leftWidth: left.width,
        rightWidth: right.width,
        leftTimeColumn: lt,
        rightTimeColumn: rt,
        ttlMs,
      }),
    [left.node, right.node],
    `${joinKind}-join-ttl`,
  );
  return keepColumns(node, left.width + right.width, [...range(lw0), ...range(rw0, left.width)], ctx);
}

/** `ROW_NUMBER() … ORDER BY <event time> [ASC|DESC] = 1` over an append-only input with a
 *  watermark, partitioned: the event-time column, or undefined for other Top-N shapes. */
function dedupTimeColumn(plan: TopNNode): number | undefined {
  const wmCol = plan.input.props.watermarkColumn;
  const order = plan.order[0];
  if (plan.limit !== 1 || plan.offset !== 0 || plan.partitionBy.length === 0 || !plan.input.props.appendOnly) return undefined;
  if (plan.rankOutput !== undefined && plan.rankOutput.fn !== 'row_number') return undefined;
  if (wmCol === undefined || plan.order.length !== 1 || order === undefined || order.expr.kind !== 'column' || order.expr.index !== wmCol) return undefined;
  return wmCol;
}

/** Appends the constant row number 1 when the Top-N outputs it (every kept row is number 1). */
function withRowNumberOne(plan: TopNNode, node: DataflowNode, width: number, ctx: PhysicalContext): DataflowNode {
  const w0 = plan.input.schema.length;
  if (plan.rankOutput === undefined) return keepColumns(node, width, range(w0), ctx);
  const exprs: BoundExpr[] = [...types(plan.input).map((type, index): BoundExpr => ({ kind: 'column', index, type })), { kind: 'literal', value: 1, type: T.bigint }];
  const fn = ctx.compiler.projection(exprs);
  return ctx.builder.add((out) => new Project(out, fn), [node], 'project');
}

/**
 * `ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts [ASC]) = 1` ("first row wins") over an
 * append-only input whose event-time column is `ts`: FirstRowDedupOperator, which holds a row
 * only until the watermark (+ allowed_lateness) makes it final and then only its key. When the
 * partition includes window_start / window_end, a key is forgotten once its window closes (+
 * allowed_lateness); otherwise after state_ttl, when set. Undefined for other shapes.
 */
export function buildFirstRowDedup(plan: TopNNode, ctx: PhysicalContext, input: DataflowNode, options: StreamBuildOptions = {}): DataflowNode | undefined {
  const timeColumn = dedupTimeColumn(plan);
  if (timeColumn === undefined || plan.order[0]!.desc) return undefined;
  const windowEnd = partitionWindowEnd(plan);
  const lateness = options.allowedLatenessMs ?? 0;
  const expireAt: RowFn | undefined = windowEnd && ((cols, r) => {
    const end = windowEnd(cols, r);
    return typeof end === 'number' ? end + lateness : null;
  });
  const w0 = plan.input.schema.length;
  const c = withComputedColumns(input, w0, types(plan.input), plan.partitionBy, ctx);
  const node = ctx.builder.add(
    (out) =>
      new FirstRowDedupOperator(out, {
        keys: c.indices.map(columnFn),
        timeColumn,
        nullsFirst: plan.order[0]!.nullsFirst,
        allowedLatenessMs: options.allowedLatenessMs,
        ttlMs: options.stateTtlMs,
        expireAt,
        inputWidth: c.width,
        late: options.late ?? options.lateFor?.(plan.input.schema),
      }),
    [c.node],
    windowEnd ? 'dedup-first-row-per-window' : 'dedup-first-row',
  );
  return withRowNumberOne(plan, node, c.width, ctx);
}

/**
 * `ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts [ASC|DESC]) = 1` over an append-only input
 * whose event-time column is `ts`: per-key dedup keeping the earliest / latest row by event time
 * (one row per key, forgotten after StreamBuildOptions.stateTtlMs behind the watermark, when
 * set). Undefined for any other Top-N (the relational Top-N applies).
 */
export function buildDedupTopN(plan: TopNNode, ctx: PhysicalContext, input: DataflowNode, options: StreamBuildOptions = {}): DataflowNode | undefined {
  const wmCol = dedupTimeColumn(plan);
  if (wmCol === undefined) return undefined;
  const order = plan.order[0]!;
  const w0 = plan.input.schema.length;
  const c = withComputedColumns(input, w0, types(plan.input), plan.partitionBy, ctx);
  const earliest = !order.desc;
  const node = ctx.builder.add(
    (out) =>
      new DedupOperator(out, { keys: c.indices.map(columnFn), keep: 'last', timeColumn: wmCol, earliest, nullsFirst: order.nullsFirst, ttlMs: options.stateTtlMs, inputWidth: c.width }),
    [c.node],
    earliest ? 'dedup-earliest' : 'dedup-latest',
  );
  return withRowNumberOne(plan, node, c.width, ctx);
}
