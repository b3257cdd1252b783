// Logical plan: what the binder produces, the optimizer rewrites, EXPLAIN prints and the
// physical builders (lib/plan/physical.ts, lib/plan/physical-stream.ts) turn into operators.
//
// Every node carries `schema` (its output columns, in order) and `props` (what is known about its
// output: unique key, append-only, watermark column). Expressions inside a node are
// lib/plan/bound.ts nodes whose column indices refer to the node's INPUT row: for single-input
// nodes that is the input's schema; for joins it is the concatenation left ++ right.

import type { AggregateCall, BoundExpr } from './bound.js';
import type { Field } from '../types/datatype.js';
import type { Row } from '../types/value.js';

/** Facts about a node's output, used by the optimizer and by operators choosing a strategy. */
export interface PlanProps {
  /** column indices forming a unique key of the output (undefined = unknown / none) */
  uniqueKey?: number[];
  /** the output only ever receives inserts (no retractions) */
  appendOnly: boolean;
  /** index of the event-time column carrying a watermark, if any */
  watermarkColumn?: number;
}

interface NodeBase {
  schema: Field[];
  props: PlanProps;
}

export type LogicalPlan =
  | ScanNode
  | ValuesNode
  | ProjectNode
  | FilterNode
  | AggregateNode
  | JoinNode
  | DistinctNode
  | UnionAllNode
  | TopNNode
  | OverWindowNode
  | SortNode
  | LimitNode
  | WindowTvfNode
  | IntervalJoinNode
  | AsofJoinNode
  | TemporalJoinNode
  | DedupNode;

/** What a Scan reads. Plain views are inlined by the binder, so a Scan of kind 'view' only
 *  appears for materialized views (whose stored contents are read). */
export type ScanSourceKind = 'table' | 'source' | 'materialized view';

/** Read a named relation's rows (current contents, then its changes). */
export interface ScanNode extends NodeBase {
  kind: 'scan';
  relation: string;
  relationKind: ScanSourceKind;
  /** the alias used in the query, for EXPLAIN */
  alias?: string;
}

/** Constant rows (`VALUES …`, or a FROM-less SELECT's single empty row). */
export interface ValuesNode extends NodeBase {
  kind: 'values';
  rows: Row[];
}

export interface ProjectNode extends NodeBase {
  kind: 'project';
  input: LogicalPlan;
  exprs: BoundExpr[];
}

export interface FilterNode extends NodeBase {
  kind: 'filter';
  input: LogicalPlan;
  predicate: BoundExpr;
}

/**
 * GROUP BY: output = group expressions (in order) ++ aggregate results (in order).
 * With no group expressions it is a scalar aggregate: exactly one output row, even over empty
 * input (count = 0, sum = NULL …).
 */
export interface AggregateNode extends NodeBase {
  kind: 'aggregate';
  input: LogicalPlan;
  groupBy: BoundExpr[];
  aggregates: AggregateCall[];
  /** streaming: 'window-close' emits a group only once the watermark passes its window end
   *  (EMIT ON WINDOW CLOSE); 'changes' (default) emits every change */
  emit: EmitMode;
  /** for emit 'window-close': index (in groupBy) of the window_end group expression */
  windowEndGroupIndex?: number;
  /** for emit 'window-close' without window_end in GROUP BY: index (in groupBy) of the
   *  window_start group expression, which determines the window's end */
  windowStartGroupIndex?: number;
}

export type EmitMode = 'changes' | 'window-close';

/**
 * 'semi' / 'anti' output only the left columns. 'anti-null-aware' is NOT IN semantics: a left
 * row is kept only if no right row matches AND (when the right side is non-empty) neither the
 * left key nor any right key is NULL.
 * 'mark-exists' / 'mark-in' output the left columns ++ one BOOLEAN "matched" column (subqueries
 * inside expressions): mark-exists is TRUE/FALSE; mark-in has IN's three-valued result (NULL when
 * nothing matches but the left key or some right key is NULL, over a non-empty right side).
 */
export type JoinKind = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'anti-null-aware' | 'mark-exists' | 'mark-in';

/** Joins whose output is the left row ++ a boolean mark column. */
export function isMarkJoin(kind: JoinKind): kind is 'mark-exists' | 'mark-in' {
  return kind === 'mark-exists' || kind === 'mark-in';
}

export interface JoinNode extends NodeBase {
  kind: 'join';
  joinKind: JoinKind;
  left: LogicalPlan;
  right: LogicalPlan;
  /** equi keys: leftKeys[i] (over the left row) = rightKeys[i] (over the right row) */
  leftKeys: BoundExpr[];
  rightKeys: BoundExpr[];
  /** remaining condition over the concatenated row left ++ right (undefined = true) */
  residual?: BoundExpr;
}

/** SELECT DISTINCT over all columns. */
export interface DistinctNode extends NodeBase {
  kind: 'distinct';
  input: LogicalPlan;
}

export interface UnionAllNode extends NodeBase {
  kind: 'union-all';
  inputs: LogicalPlan[];
}

export interface SortKey {
  expr: BoundExpr;
  desc: boolean;
  nullsFirst: boolean;
}

/**
 * Per partition, keep the first `offset + limit` rows by `order` and output those after
 * `offset`. ORDER BY … LIMIT in a view (no partition), `ROW_NUMBER() OVER (…) <= n` patterns,
 * and DISTINCT ON (limit 1). With `rankOutput`, a rank column is appended to the input columns.
 */
export interface TopNNode extends NodeBase {
  kind: 'top-n';
  input: LogicalPlan;
  partitionBy: BoundExpr[];
  order: SortKey[];
  limit: number;
  offset: number;
  rankOutput?: { fn: 'row_number' | 'rank' | 'dense_rank' };
}

/** A window frame: ROWS/RANGE between bounds; `undefined` offset = UNBOUNDED. */
export interface FrameSpec {
  mode: 'rows' | 'range';
  /** rows/range before the current row; undefined = unbounded preceding */
  preceding?: number;
  /** rows/range after the current row; undefined = unbounded following; 0 = current row */
  following?: number;
}

export interface OverWindowCall {
  /** row_number, rank, dense_rank, lag, lead, first_value, last_value, or an aggregate name */
  fn: string;
  args: BoundExpr[];
  frame: FrameSpec;
  distinct: boolean;
  type: Field['type'];
}

/** Window functions: input columns ++ one column per call, all calls sharing partition/order. */
export interface OverWindowNode extends NodeBase {
  kind: 'over-window';
  input: LogicalPlan;
  partitionBy: BoundExpr[];
  order: SortKey[];
  calls: OverWindowCall[];
}

/** Query-top ORDER BY (not incrementally maintained: one-shot SELECTs only). */
export interface SortNode extends NodeBase {
  kind: 'sort';
  input: LogicalPlan;
  keys: SortKey[];
}

/** Query-top LIMIT/OFFSET (one-shot SELECTs). */
export interface LimitNode extends NodeBase {
  kind: 'limit';
  input: LogicalPlan;
  limit?: number;
  offset: number;
}

// ------------------------------------------------------------------------------------------
// Streaming nodes (built by lib/plan/physical-stream.ts)

export type WindowTvfKind = 'tumble' | 'hop' | 'cumulate' | 'session';

/**
 * TUMBLE / HOP / CUMULATE / SESSION: input columns ++ window_start ++ window_end (timestamps).
 * HOP and CUMULATE emit one row per window the event falls into.
 */
export interface WindowTvfNode extends NodeBase {
  kind: 'window-tvf';
  input: LogicalPlan;
  tvf: WindowTvfKind;
  /** index of the event-time column in the input */
  timeColumn: number;
  /** window size (tumble, hop, cumulate max size) in ms */
  sizeMs: number;
  /** hop slide in ms */
  slideMs?: number;
  /** cumulate step in ms */
  stepMs?: number;
  /** session gap in ms */
  gapMs?: number;
  /** alignment offset in ms (default 0: aligned to the epoch) */
  offsetMs: number;
  /** session windows are per key: partition expressions over the input */
  partitionBy?: BoundExpr[];
}

/**
 * `b.ts BETWEEN a.ts - lower AND a.ts + upper` style joins: rows match when the equi keys match
 * and rightTime - leftTime ∈ [lowerMs, upperMs]; state older than the watermarks is dropped.
 */
export interface IntervalJoinNode extends NodeBase {
  kind: 'interval-join';
  joinKind: 'inner' | 'left';
  left: LogicalPlan;
  right: LogicalPlan;
  leftKeys: BoundExpr[];
  rightKeys: BoundExpr[];
  leftTimeColumn: number;
  /** index within the right input */
  rightTimeColumn: number;
  lowerMs: number;
  upperMs: number;
  residual?: BoundExpr;
  /** set by lib/plan/optimizer/window-extremum-rows.ts: the join pairs a stream's rows with
   *  its own TUMBLE window's MAX/MIN, and is built as one operator over the left input */
  extremumRows?: ExtremumRowsSpec;
}

/** The fused plan of an interval join of a stream with its own windowed MAX/MIN (see
 *  IntervalJoinNode.extremumRows); column indices are over the left input. */
export interface ExtremumRowsSpec {
  kind: 'max' | 'min';
  valueColumn: number;
  timeColumn: number;
  sizeMs: number;
  offsetMs: number;
  /** the right input's columns, in order */
  rightColumns: ('extremum' | 'window_end')[];
}

/** ASOF JOIN: for each left row, the right row with the same keys and the greatest time
 *  satisfying `right.time <op> left.time`. */
export interface AsofJoinNode extends NodeBase {
  kind: 'asof-join';
  joinKind: 'inner' | 'left';
  left: LogicalPlan;
  right: LogicalPlan;
  leftKeys: BoundExpr[];
  rightKeys: BoundExpr[];
  leftTimeColumn: number;
  rightTimeColumn: number;
  /** comparison of right time to left time: '<=' (default), '<', '>=', '>' */
  op: '<=' | '<' | '>=' | '>';
  /** nearest match in either direction (ties go backward); `op` is then ignored */
  nearest?: boolean;
  /** match only right rows within this distance (ms) of the left time */
  toleranceMs?: number;
  residual?: BoundExpr;
}

/** `JOIN t FOR SYSTEM_TIME AS OF s.ts`: looks the right (versioned table) up when the left
 *  row arrives; never retracts when the right side changes later. */
export interface TemporalJoinNode extends NodeBase {
  kind: 'temporal-join';
  joinKind: 'inner' | 'left';
  left: LogicalPlan;
  right: LogicalPlan;
  leftKeys: BoundExpr[];
  rightKeys: BoundExpr[];
  residual?: BoundExpr;
}

/** Keep the first (or last) row per key of an append-only input (ROW_NUMBER() … = 1 pattern
 *  over a stream). */
export interface DedupNode extends NodeBase {
  kind: 'dedup';
  input: LogicalPlan;
  keys: BoundExpr[];
  keep: 'first' | 'last';
  /** the time column ordering rows, when keep = 'last' or for TTL */
  timeColumn?: number;
}

/** Direct inputs of a plan node, in port order. */
export function planInputs(plan: LogicalPlan): LogicalPlan[] {
  switch (plan.kind) {
    case 'scan':
    case 'values':
      return [];
    case 'union-all':
      return plan.inputs;
    case 'join':
    case 'interval-join':
    case 'asof-join':
    case 'temporal-join':
      return [plan.left, plan.right];
    default:
      return [plan.input];
  }
}

/** `plan` with its inputs replaced, in planInputs order (a shallow copy). */
export function withPlanInputs(plan: LogicalPlan, inputs: LogicalPlan[]): LogicalPlan {
  switch (plan.kind) {
    case 'scan':
    case 'values':
      return plan;
    case 'union-all':
      return { ...plan, inputs };
    case 'join':
    case 'interval-join':
    case 'asof-join':
    case 'temporal-join':
      return { ...plan, left: inputs[0]!, right: inputs[1]! };
    default:
      return { ...plan, input: inputs[0]! } as LogicalPlan;
  }
}

/** Every relation name the plan scans (for catalog dependency tracking). */
export function scannedRelations(plan: LogicalPlan, into: Set<string> = new Set()): Set<string> {
  if (plan.kind === 'scan') into.add(plan.relation);
  for (const child of planInputs(plan)) scannedRelations(child, into);
  return into;
}
