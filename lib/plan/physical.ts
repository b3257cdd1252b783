// Physical planning: a logical plan → operators attached to the dataflow through a
// SubgraphBuilder. Expressions are compiled to columnar functions; operators that take column
// indices (aggregate, join keys, sort) get a Project below them computing the expressions.
// Streaming nodes are delegated to lib/plan/physical-stream.ts.

import { UnsupportedError } from '../errors.js';
import type { DataflowNode, SubgraphBuilder } from '../exec/runtime/dataflow.js';
import { Distinct } from '../exec/operators/distinct.js';
import { Filter } from '../exec/operators/filter.js';
import type { PredicateFn, SelectIntoFn } from '../exec/operators/filter.js';
import { HashAggregate } from '../exec/operators/hash-aggregate.js';
import type { AggregateSpec } from '../exec/operators/hash-aggregate.js';
import { Join } from '../exec/operators/join.js';
import { Project, columnProjection } from '../exec/operators/project.js';
import type { ProjectionFn } from '../exec/operators/project.js';
import { SemiJoin } from '../exec/operators/semi-join.js';
import { SINGLE_VALUE_AGGREGATE, singleValueAccumulator } from '../exec/operators/single-value.js';
import { Sort } from '../exec/operators/sort.js';
import { UnionAll } from '../exec/operators/union-all.js';
import { Values } from '../exec/operators/values.js';
import type { SortKey as RuntimeSortKey } from '../exec/runtime/values.js';
import type { BoundExpr } from './bound.js';
import { isMarkJoin } from './logical.js';
import type { LogicalPlan, SortKey } from './logical.js';
import { mapColumns } from './optimizer/expr-utils.js';
import { accumulatorForCall } from '../functions/aggregates/index.js';
import { buildOverWindow, buildTopN } from './physical-window.js';

/** How expressions become functions (lib/exec/expr), injected so tests can count compiles. */
export interface ExprCompiler {
  projection(exprs: BoundExpr[]): ProjectionFn;
  predicate(expr: BoundExpr): PredicateFn;
  /** the predicate as a selection written into the filter's scratch buffer (preferred by
   *  Filter when present: no mask or index array per batch) */
  selection?(expr: BoundExpr): SelectIntoFn;
  /** present in lenient mode (materialized views): report a runtime error whose value became NULL */
  onExpressionError?(error: import('../errors.js').LaminarError): void;
}

/** Builds streaming nodes (window TVFs, interval/asof/temporal joins, dedup, EOWC aggregates). */
export type StreamNodeBuilder = (plan: LogicalPlan, ctx: PhysicalContext, inputs: DataflowNode[]) => DataflowNode | undefined;

export interface PhysicalContext {
  builder: SubgraphBuilder;
  compiler: ExprCompiler;
  /** the live store node of a table / source / materialized view */
  storeNode(relation: string): DataflowNode;
  /** streaming node builder (lib/plan/physical-stream.ts), if available */
  stream?: StreamNodeBuilder;
}

const STREAM_KINDS = new Set(['window-tvf', 'interval-join', 'asof-join', 'temporal-join', 'dedup']);

function isPlainColumns(exprs: BoundExpr[]): number[] | undefined {
  const out: number[] = [];
  for (const e of exprs) {
    if (e.kind !== 'column') return undefined;
    out.push(e.index);
  }
  return out;
}

function projectionOf(exprs: BoundExpr[], ctx: PhysicalContext): ProjectionFn {
  const cols = isPlainColumns(exprs);
  return cols ? columnProjection(cols) : ctx.compiler.projection(exprs);
}

function col(index: number, type: BoundExpr['type']): BoundExpr {
  return { kind: 'column', index, type };
}

/**
 * Make `exprs` available as columns of `input`: plain column refs map to their index; other
 * expressions are appended by a Project (input columns ++ computed).
 */
function withComputedColumns(
  input: DataflowNode,
  width: number,
  types: BoundExpr['type'][],
  exprs: BoundExpr[],
  ctx: PhysicalContext,
): { node: DataflowNode; indices: number[]; width: number } {
  if (exprs.every((e) => e.kind === 'column')) {
    return { node: input, indices: exprs.map((e) => (e as { index: number }).index), width };
  }
  const all: BoundExpr[] = types.map((t, i) => col(i, t));
  const indices = exprs.map((e) => {
    if (e.kind === 'column') return e.index;
    all.push(e);
    return all.length - 1;
  });
  const fn = projectionOf(all, ctx);
  const node = ctx.builder.add((out) => new Project(out, fn), [input], 'project');
  return { node, indices, width: all.length };
}

/** per build context: the node built for each plan object, so a shared subplan is built once */
const builtPlans = new WeakMap<PhysicalContext, WeakMap<LogicalPlan, DataflowNode>>();

/**
 * Attach `plan`'s operators. A plan object reached twice (a subplan shared by
 * lib/plan/optimizer/share-subplans.ts) is built once: its node fans out to both consumers.
 */
export function buildPhysical(plan: LogicalPlan, ctx: PhysicalContext): DataflowNode {
  let built = builtPlans.get(ctx);
  if (!built) builtPlans.set(ctx, (built = new WeakMap()));
  const existing = built.get(plan);
  if (existing && !existing.removed) return existing;
  const node = buildPlanNode(plan, ctx);
  built.set(plan, node);
  return node;
}

function buildPlanNode(plan: LogicalPlan, ctx: PhysicalContext): DataflowNode {
  const b = ctx.builder;
  if ((plan.kind === 'aggregate' || plan.kind === 'top-n') && ctx.stream) {
    // windowed aggregates / per-window Top-N have streaming operators; others fall back
    const input = buildPhysical(plan.input, ctx);
    const node = ctx.stream(plan, ctx, [input]);
    if (node) return node;
    if (plan.kind === 'aggregate' && plan.emit === 'window-close') {
      throw new UnsupportedError('EMIT ON WINDOW CLOSE needs an aggregate grouped by a window');
    }
    return plan.kind === 'aggregate' ? buildAggregate(plan, ctx, input) : buildTopN(plan, ctx, input);
  }
  if (STREAM_KINDS.has(plan.kind) || (plan.kind === 'aggregate' && plan.emit === 'window-close')) {
    const inputs = streamInputs(plan).map((p) => buildPhysical(p, ctx));
    const node = ctx.stream?.(plan, ctx, inputs);
    if (!node) throw new UnsupportedError(`${plan.kind}${plan.kind === 'aggregate' ? ' (EMIT ON WINDOW CLOSE)' : ''} is not supported yet`);
    return node;
  }
  switch (plan.kind) {
    case 'scan':
      return ctx.storeNode(plan.relation);
    case 'values': {
      const width = plan.schema.length;
      return b.add((out) => new Values(out, plan.rows, width), [], 'values');
    }
    case 'project': {
      const input = buildPhysical(plan.input, ctx);
      const fn = projectionOf(plan.exprs, ctx);
      return b.add((out) => new Project(out, fn), [input], 'project');
    }
    case 'filter': {
      const input = buildPhysical(plan.input, ctx);
      const select = ctx.compiler.selection?.(plan.predicate);
      if (select !== undefined) return b.add((out) => Filter.selectingInto(out, select), [input], 'filter');
      const fn = ctx.compiler.predicate(plan.predicate);
      return b.add((out) => new Filter(out, fn), [input], 'filter');
    }
    case 'aggregate':
      return buildAggregate(plan, ctx);
    case 'join': {
      if (!ctx.stream || plan.left.props.watermarkColumn === undefined || plan.right.props.watermarkColumn === undefined) return buildJoin(plan, ctx);
      // a regular join of two watermarked inputs: the TTL join when a state TTL is configured
      const inputs = [buildPhysical(plan.left, ctx), buildPhysical(plan.right, ctx)];
      return ctx.stream(plan, ctx, inputs) ?? buildJoin(plan, ctx, inputs);
    }
    case 'distinct': {
      const input = buildPhysical(plan.input, ctx);
      const width = plan.schema.length;
      return b.add((out) => new Distinct(out, width), [input], 'distinct');
    }
    case 'union-all': {
      const inputs = plan.inputs.map((p) => buildPhysical(p, ctx));
      // event-time inputs: a union that can stop waiting for an idle input (physical-stream.ts)
      const streamed = ctx.stream?.(plan, ctx, inputs);
      if (streamed) return streamed;
      return b.add((out) => new UnionAll(out, inputs.length), inputs, 'union-all');
    }
    case 'sort':
    case 'limit':
      return buildSort(plan, ctx);
    case 'top-n':
      return buildTopN(plan, ctx);
    case 'over-window':
      return buildOverWindow(plan, ctx);
    default:
      throw new UnsupportedError(`plan node ${plan.kind} is not supported`);
  }
}

function streamInputs(plan: LogicalPlan): LogicalPlan[] {
  switch (plan.kind) {
    case 'interval-join':
    case 'asof-join':
    case 'temporal-join':
      return [plan.left, plan.right];
    case 'window-tvf':
    case 'dedup':
    case 'aggregate':
      return [plan.input];
    default:
      return [];
  }
}

const BUILTIN_KERNELS = new Set(['count', 'count_star', 'min', 'max', 'bool_and', 'bool_or']);

function buildAggregate(plan: LogicalPlan & { kind: 'aggregate' }, ctx: PhysicalContext, built?: DataflowNode): DataflowNode {
  const input = built ?? buildPhysical(plan.input, ctx);
  // one Project computes group keys, aggregate arguments and FILTER conditions as columns
  const exprs: BoundExpr[] = [...plan.groupBy];
  const specs: AggregateSpec[] = plan.aggregates.map((a) => {
    if (a.args.length > 1 && a.fn !== 'string_agg') throw new UnsupportedError(`aggregate ${a.fn} with ${a.args.length} arguments is not supported`);
    const ordered = a.orderBy !== undefined && a.orderBy.length > 0;
    const spec: AggregateSpec = { fn: a.fn };
    if (a.fn === SINGLE_VALUE_AGGREGATE) {
      exprs.push(a.args[0]!);
      return { fn: a.fn, accumulator: singleValueAccumulator(ctx.compiler.onExpressionError?.bind(ctx.compiler)) as AggregateSpec['accumulator'], arg: exprs.length - 1 };
    }
    // the built-in kernels are exact for these; everything else (and any ordered call) uses the SQL-typed accumulators
    if (!BUILTIN_KERNELS.has(a.fn) || ordered || a.args.length > 1) spec.accumulator = accumulatorForCall({ ...a, distinct: false });
    if (a.args.length > 0) {
      exprs.push(a.args[0]!);
      spec.arg = exprs.length - 1;
    }
    if (a.args.length > 1) {
      exprs.push(a.args[1]!);
      spec.extraArg = exprs.length - 1;
    }
    if (ordered) {
      spec.orderArgs = a.orderBy!.map((o) => {
        exprs.push(o.expr);
        return exprs.length - 1;
      });
    }
    if (a.filter) {
      exprs.push(a.filter);
      spec.filter = exprs.length - 1;
    }
    if (a.distinct) spec.distinct = true;
    return spec;
  });
  const fn = projectionOf(exprs, ctx);
  const pre = ctx.builder.add((out) => new Project(out, fn), [input], 'project');
  const groupBy = plan.groupBy.map((_, i) => i);
  return ctx.builder.add((out) => new HashAggregate(out, { groupBy, aggregates: specs, appendOnly: plan.input.props.appendOnly }), [pre], 'aggregate');
}

/** Types whose values are JS numbers: a single join key of these is indexed in the native store. */
const NUMERIC_KEY_TYPES = new Set(['smallint', 'int', 'bigint', 'real', 'double', 'timestamp', 'timestamptz', 'date']);

function buildJoin(plan: LogicalPlan & { kind: 'join' }, ctx: PhysicalContext, built?: DataflowNode[]): DataflowNode {
  const lw0 = plan.left.schema.length;
  const rw0 = plan.right.schema.length;
  const left = withComputedColumns(built?.[0] ?? buildPhysical(plan.left, ctx), lw0, plan.left.schema.map((f) => f.type), plan.leftKeys, ctx);
  const right = withComputedColumns(built?.[1] ?? buildPhysical(plan.right, ctx), rw0, plan.right.schema.map((f) => f.type), plan.rightKeys, ctx);
  // the residual was written over left ++ right; computed key columns shift the right side
  const residualExpr = plan.residual && (left.width !== lw0 ? mapColumns(plan.residual, (i, c) => (i >= lw0 ? { ...c, index: i - lw0 + left.width } : c)) : plan.residual);
  const residual = residualExpr ? ctx.compiler.predicate(residualExpr) : undefined;
  let node: DataflowNode;
  const numericKeys = plan.leftKeys.length === 1 && NUMERIC_KEY_TYPES.has(plan.leftKeys[0]!.type.id) && NUMERIC_KEY_TYPES.has(plan.rightKeys[0]!.type.id);
  const semi = plan.joinKind === 'semi' || plan.joinKind === 'anti' || plan.joinKind === 'anti-null-aware';
  if (isMarkJoin(plan.joinKind)) {
    const type = plan.joinKind;
    node = ctx.builder.add(
      (out) => new SemiJoin(out, { type, leftWidth: left.width, rightWidth: right.width, leftKeys: left.indices, rightKeys: right.indices, residual, numericKeys }),
      [left.node, right.node],
      plan.joinKind,
    );
    // output: left columns ++ mark; computed key columns sit between them
    if (left.width !== lw0) node = dropColumns(node, [...[...Array(lw0).keys()], left.width], ctx);
    return node;
  }
  if (semi) {
    const type = plan.joinKind as 'semi' | 'anti' | 'anti-null-aware';
    node = ctx.builder.add(
      (out) => new SemiJoin(out, { type, leftWidth: left.width, rightWidth: right.width, leftKeys: left.indices, rightKeys: right.indices, residual, numericKeys }),
      [left.node, right.node],
      plan.joinKind,
    );
    if (left.width !== lw0) node = dropColumns(node, [...Array(lw0).keys()], ctx);
    return node;
  }
  const type = plan.joinKind as 'inner' | 'left' | 'right' | 'full';
  node = ctx.builder.add(
    (out) => new Join(out, { type, leftWidth: left.width, rightWidth: right.width, leftKeys: left.indices, rightKeys: right.indices, residual, numericKeys }),
    [left.node, right.node],
    `${plan.joinKind}-join`,
  );
  if (left.width !== lw0 || right.width !== rw0) {
    const keep = [...[...Array(lw0).keys()], ...[...Array(rw0).keys()].map((j) => left.width + j)];
    node = dropColumns(node, keep, ctx);
  }
  return node;
}

function dropColumns(node: DataflowNode, keep: number[], ctx: PhysicalContext): DataflowNode {
  const fn = columnProjection(keep);
  return ctx.builder.add((out) => new Project(out, fn), [node], 'project');
}

/** Sort keys as column indices (computing expression keys first). */
function sortColumns(input: DataflowNode, plan: LogicalPlan, keys: SortKey[], ctx: PhysicalContext) {
  const types = plan.schema.map((f) => f.type);
  const c = withComputedColumns(input, types.length, types, keys.map((k) => k.expr), ctx);
  const runtimeKeys: RuntimeSortKey[] = keys.map((k, i) => ({ column: c.indices[i]!, desc: k.desc, nullsFirst: k.nullsFirst }));
  return { node: c.node, width: c.width, keys: runtimeKeys };
}

function buildSort(plan: LogicalPlan & { kind: 'sort' | 'limit' }, ctx: PhysicalContext): DataflowNode {
  let keys: SortKey[] = [];
  let limit: number | undefined;
  let offset = 0;
  let inputPlan: LogicalPlan;
  if (plan.kind === 'limit') {
    limit = plan.limit;
    offset = plan.offset;
    if (plan.input.kind === 'sort') {
      keys = plan.input.keys;
      inputPlan = plan.input.input;
    } else inputPlan = plan.input;
  } else {
    keys = plan.keys;
    inputPlan = plan.input;
  }
  const input = buildPhysical(inputPlan, ctx);
  const s = sortColumns(input, inputPlan, keys, ctx);
  const width = s.width;
  let node = ctx.builder.add((out) => new Sort(out, width, { keys: s.keys, limit, offset }), [s.node], 'sort');
  if (width !== plan.schema.length) node = dropColumns(node, [...Array(plan.schema.length).keys()], ctx);
  return node;
}

export { withComputedColumns, sortColumns, projectionOf };
