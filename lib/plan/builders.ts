// Constructors for logical plan nodes that derive each node's output schema and properties
// (unique key, append-only, watermark column) from its inputs, so the binder and the optimizer
// never build a node with an inconsistent schema.

import { T } from '../types/datatype.js';
import type { Field } from '../types/datatype.js';
import type { Row } from '../types/value.js';
import type { AggregateCall, BoundExpr } from './bound.js';
import type {
  AggregateNode,
  DistinctNode,
  EmitMode,
  FilterNode,
  JoinKind,
  JoinNode,
  LimitNode,
  LogicalPlan,
  OverWindowCall,
  OverWindowNode,
  ProjectNode,
  SortKey,
  SortNode,
  TopNNode,
  UnionAllNode,
  ValuesNode,
  WindowTvfKind,
  WindowTvfNode,
} from './logical.js';

export function field(name: string, type: Field['type'], nullable = true): Field {
  return { name, type, nullable };
}

/** The position of a plain column reference among the exprs, mapping input index → output index. */
function passThrough(exprs: BoundExpr[]): Map<number, number> {
  const m = new Map<number, number>();
  exprs.forEach((e, i) => {
    if (e.kind === 'column' && !m.has(e.index)) m.set(e.index, i);
  });
  return m;
}

function mapIndices(indices: number[] | undefined, m: Map<number, number>): number[] | undefined {
  if (!indices) return undefined;
  const out: number[] = [];
  for (const i of indices) {
    const j = m.get(i);
    if (j === undefined) return undefined;
    out.push(j);
  }
  return out;
}

export function exprNullable(e: BoundExpr, input: Field[]): boolean {
  if (e.kind === 'column') return input[e.index]?.nullable ?? true;
  if (e.kind === 'literal') return e.value === null;
  return true;
}

export function project(input: LogicalPlan, exprs: BoundExpr[], names: string[]): ProjectNode {
  const m = passThrough(exprs);
  const wm = input.props.watermarkColumn;
  return {
    kind: 'project',
    input,
    exprs,
    schema: exprs.map((e, i) => field(names[i] ?? '?column?', e.type, exprNullable(e, input.schema))),
    props: {
      appendOnly: input.props.appendOnly,
      uniqueKey: mapIndices(input.props.uniqueKey, m),
      watermarkColumn: wm === undefined ? undefined : m.get(wm),
    },
  };
}

/** Project onto input columns by index, keeping their names. */
export function projectColumns(input: LogicalPlan, indices: number[], names?: string[]): ProjectNode {
  return project(
    input,
    indices.map((i) => ({ kind: 'column', index: i, type: input.schema[i]!.type, name: input.schema[i]!.name })),
    names ?? indices.map((i) => input.schema[i]!.name),
  );
}

export function filter(input: LogicalPlan, predicate: BoundExpr): FilterNode {
  return { kind: 'filter', input, predicate, schema: input.schema, props: { ...input.props } };
}

export function values(rows: Row[], schema: Field[]): ValuesNode {
  return { kind: 'values', rows, schema, props: { appendOnly: true, uniqueKey: rows.length <= 1 ? [] : undefined } };
}

export function aggregate(
  input: LogicalPlan,
  groupBy: BoundExpr[],
  groupNames: string[],
  aggregates: AggregateCall[],
  aggNames: string[],
  emit: EmitMode = 'changes',
): AggregateNode {
  const schema = [
    ...groupBy.map((g, i) => field(groupNames[i] ?? '?column?', g.type, exprNullable(g, input.schema))),
    ...aggregates.map((a, i) => field(aggNames[i] ?? a.fn, a.type, !(a.fn === 'count' || a.fn === 'count_star'))),
  ];
  return {
    kind: 'aggregate',
    input,
    groupBy,
    aggregates,
    emit,
    schema,
    props: { appendOnly: emit === 'window-close', uniqueKey: groupBy.map((_, i) => i) },
  };
}

export function join(
  joinKind: JoinKind,
  left: LogicalPlan,
  right: LogicalPlan,
  leftKeys: BoundExpr[],
  rightKeys: BoundExpr[],
  residual?: BoundExpr,
): JoinNode {
  const semi = joinKind === 'semi' || joinKind === 'anti' || joinKind === 'anti-null-aware';
  const leftNullable = joinKind === 'right' || joinKind === 'full';
  const rightNullable = joinKind === 'left' || joinKind === 'full';
  const mark = joinKind === 'mark-exists' || joinKind === 'mark-in';
  const schema = semi
    ? left.schema
    : mark
    ? [...left.schema, { name: 'mark', type: T.boolean, nullable: joinKind === 'mark-in' }]
    : [
        ...left.schema.map((f) => (leftNullable ? { ...f, nullable: true } : f)),
        ...right.schema.map((f) => (rightNullable ? { ...f, nullable: true } : f)),
      ];
  let uniqueKey: number[] | undefined;
  if (semi || mark) uniqueKey = left.props.uniqueKey;
  else if (joinKind === 'inner' && left.props.uniqueKey && right.props.uniqueKey) {
    uniqueKey = [...left.props.uniqueKey, ...right.props.uniqueKey.map((i) => i + left.schema.length)];
  }
  const appendOnly = (joinKind === 'inner' || joinKind === 'semi') && left.props.appendOnly && right.props.appendOnly;
  return {
    kind: 'join',
    joinKind,
    left,
    right,
    leftKeys,
    rightKeys,
    residual,
    schema,
    props: { appendOnly, uniqueKey, watermarkColumn: joinKind === 'inner' || semi || mark ? left.props.watermarkColumn : undefined },
  };
}

export function distinct(input: LogicalPlan): DistinctNode {
  return {
    kind: 'distinct',
    input,
    schema: input.schema,
    props: { appendOnly: false, uniqueKey: input.schema.map((_, i) => i) },
  };
}

export function unionAll(inputs: LogicalPlan[], schema: Field[]): UnionAllNode {
  return { kind: 'union-all', inputs, schema, props: { appendOnly: inputs.every((i) => i.props.appendOnly) } };
}

export function topN(
  input: LogicalPlan,
  partitionBy: BoundExpr[],
  order: SortKey[],
  limit: number,
  offset: number,
  rankOutput?: TopNNode['rankOutput'],
  rankName = 'rank',
): TopNNode {
  const schema = rankOutput ? [...input.schema, field(rankName, T.bigint, false)] : input.schema;
  return {
    kind: 'top-n',
    input,
    partitionBy,
    order,
    limit,
    offset,
    rankOutput,
    schema,
    props: { appendOnly: false, uniqueKey: input.props.uniqueKey },
  };
}

export function overWindow(input: LogicalPlan, partitionBy: BoundExpr[], order: SortKey[], calls: OverWindowCall[], names: string[]): OverWindowNode {
  return {
    kind: 'over-window',
    input,
    partitionBy,
    order,
    calls,
    schema: [...input.schema, ...calls.map((c, i) => field(names[i] ?? c.fn, c.type, !(c.fn === 'row_number' || c.fn === 'rank' || c.fn === 'dense_rank' || c.fn === 'count' || c.fn === 'count_star')))],
    props: { appendOnly: false, uniqueKey: input.props.uniqueKey },
  };
}

export function sort(input: LogicalPlan, keys: SortKey[]): SortNode {
  return { kind: 'sort', input, keys, schema: input.schema, props: { ...input.props } };
}

export function limit(input: LogicalPlan, count: number | undefined, offset: number): LimitNode {
  return { kind: 'limit', input, limit: count, offset, schema: input.schema, props: { ...input.props } };
}

export function windowTvf(
  input: LogicalPlan,
  tvf: WindowTvfKind,
  timeColumn: number,
  spec: { sizeMs: number; slideMs?: number; stepMs?: number; gapMs?: number; offsetMs: number; partitionBy?: BoundExpr[] },
): WindowTvfNode {
  const timeType = input.schema[timeColumn]!.type;
  return {
    kind: 'window-tvf',
    input,
    tvf,
    timeColumn,
    ...spec,
    schema: [...input.schema, field('window_start', timeType, false), field('window_end', timeType, false)],
    props: { appendOnly: tvf !== 'session' && input.props.appendOnly, watermarkColumn: input.props.watermarkColumn },
  };
}
