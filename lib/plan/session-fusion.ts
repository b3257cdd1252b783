// Whether a changelog aggregate right above SESSION(...) can assign sessions itself
// (lib/exec/stream/session-aggregate.ts) instead of reading SESSION's output, which re-emits
// every row of a session each time the session's bounds move.

import type { DataflowNode } from '../exec/runtime/dataflow.js';
import type { AccumulatorFactory } from '../exec/stream/accumulators.js';
import type { SessionAggregateConfig } from '../exec/stream/session-aggregate.js';
import { SessionWindowOperator } from '../exec/stream/session-window.js';
import type { AggregateNode } from './logical.js';

/**
 * The fused configuration for a changelog aggregate over `input` (the built node of
 * `plan.input`), or undefined. Fused when: the aggregate's input is the SESSION itself, whose
 * partition keys are plain columns; the group expressions are exactly those partition columns
 * (each at least once, nothing else) plus window_start / window_end; aggregate arguments and
 * FILTERs are plain source columns. `endIndex` is the window_end group index
 * (plan.groupBy.length for a hidden end); `factories` the aggregates' accumulators.
 */
export function sessionAggregateFor(plan: AggregateNode, input: DataflowNode, endIndex: number, factories: readonly AccumulatorFactory[]): { config: SessionAggregateConfig; source: DataflowNode } | undefined {
  const tvf = plan.input;
  if (plan.emit !== 'changes' || tvf.kind !== 'window-tvf' || tvf.tvf !== 'session' || tvf.gapMs === undefined) return undefined;
  if (!(input.op instanceof SessionWindowOperator) || input.inputs.length !== 1) return undefined;
  const partition = tvf.partitionBy ?? [];
  if (!partition.every((p) => p.kind === 'column')) return undefined;
  const partitionColumns = partition.map((p) => (p as { index: number }).index);
  const w0 = tvf.input.schema.length;
  const groups: (number | 'start' | 'end')[] = [];
  for (let i = 0; i < plan.groupBy.length; i++) {
    const g = plan.groupBy[i]!;
    if (g.kind !== 'column') return undefined;
    if (g.index === w0) groups.push('start');
    else if (g.index === w0 + 1) groups.push('end');
    else if (partitionColumns.includes(g.index)) groups.push(g.index);
    else return undefined; // a non-key column would split a session's rows into several groups
  }
  if (endIndex === plan.groupBy.length) groups.push('end');
  if (!partitionColumns.every((p) => groups.includes(p))) return undefined;
  const aggregates: SessionAggregateConfig['aggregates'] = [];
  for (let a = 0; a < plan.aggregates.length; a++) {
    const call = plan.aggregates[a]!;
    const arg = call.args[0];
    if (call.args.length > 1 || (arg !== undefined && (arg.kind !== 'column' || arg.index >= w0))) return undefined;
    if (call.filter !== undefined && (call.filter.kind !== 'column' || call.filter.index >= w0)) return undefined;
    aggregates.push({
      create: factories[a]!,
      argColumn: arg === undefined ? undefined : (arg as { index: number }).index,
      filterColumn: call.filter === undefined ? undefined : (call.filter as { index: number }).index,
    });
  }
  // SESSION stays in the graph for any other consumer of a shared subplan; with none it does no work
  input.op.setConsumerProbe(() => input.downstream.length > 0);
  return { config: { timeColumn: tvf.timeColumn, gapMs: tvf.gapMs, partitionColumns, groups, aggregates, inputWidth: w0 }, source: input.inputs[0]! };
}
