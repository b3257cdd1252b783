// Whether a windowed aggregate right above HOP(...) can assign the windows itself
// (lib/exec/stream/hop-assign.ts) instead of reading HOP's expanded output: one input row per
// source row instead of size / slide copies, and (count(*)-style aggregates) one group update
// per (pane, key) instead of one per copy.

import type { DataflowNode } from '../exec/runtime/dataflow.js';
import type { HopAssignment } from '../exec/stream/hop-assign.js';
import { WindowAssignOperator } from '../exec/stream/window-tvf.js';
import type { AggregateNode } from './logical.js';

/**
 * The HOP assignment for an aggregate over `input` (the built node of `plan.input`), or
 * undefined when the aggregate must read HOP's output. Fused when: the aggregate's input is the
 * HOP itself (no projection or filter between), the size is a multiple of the slide, every group
 * expression and aggregate argument / FILTER is a plain column, the group key proper reads only
 * source columns, and window_start / window_end appear only where the window determines them.
 * `endIndex` is the window_end group index (plan.groupBy.length for a hidden end computed from
 * window_start); `dependent` the window_start group indexes.
 */
export function hopAssignmentFor(plan: AggregateNode, input: DataflowNode, endIndex: number, dependent: readonly number[]): { assignment: HopAssignment; source: DataflowNode } | undefined {
  const tvf = plan.input;
  if (tvf.kind !== 'window-tvf' || tvf.tvf !== 'hop' || tvf.slideMs === undefined) return undefined;
  if (tvf.sizeMs % tvf.slideMs !== 0) return undefined;
  if (!(input.op instanceof WindowAssignOperator) || input.inputs.length !== 1) return undefined;
  const w0 = tvf.input.schema.length;
  const windowGroups: ('start' | 'end' | null)[] = [];
  for (let i = 0; i < plan.groupBy.length; i++) {
    const g = plan.groupBy[i]!;
    if (g.kind !== 'column') return undefined;
    const role = g.index === w0 ? 'start' : g.index === w0 + 1 ? 'end' : null;
    // the group key proper (not window_end, not a window_start it determines) reads the row
    const inKey = i !== endIndex && !dependent.includes(i);
    if (inKey && role !== null) return undefined;
    if (i === endIndex && role !== 'end') return undefined;
    windowGroups.push(role);
  }
  if (endIndex === plan.groupBy.length) windowGroups.push('end');
  for (const a of plan.aggregates) {
    for (const e of [...a.args, ...(a.filter ? [a.filter] : [])]) {
      if (e.kind !== 'column' || e.index >= w0) return undefined;
    }
  }
  const assignment: HopAssignment = { timeColumn: tvf.timeColumn, sizeMs: tvf.sizeMs, slideMs: tvf.slideMs, offsetMs: tvf.offsetMs, windowGroups };
  // the HOP node stays in the graph for any other consumer a shared subplan gives it; with
  // none (known once the view's subgraph is wired, before back-fill) it does no work
  input.op.setConsumerProbe(() => input.downstream.length > 0);
  return { assignment, source: input.inputs[0]! };
}
