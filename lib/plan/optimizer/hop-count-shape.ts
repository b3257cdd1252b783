// The one shape the fused HOP count + ties operator takes (lib/exec/stream/hop-count-ties.ts):
// a changelog `count(*)` (no FILTER, no DISTINCT) grouped by plain columns right above HOP (size
// a multiple of the slide) or TUMBLE, each group column either window_start / window_end of that
// TVF or a column of its input. Shared by the max-ties rewrite (optimizer/max-ties.ts), which
// only rewrites what the fused operator will run, and by the physical builder
// (lib/plan/hop-ties-fusion.ts).

import type { AggregateNode, WindowTvfNode } from '../logical.js';

/** What a group column of the aggregate is: the window's start / end, or input column `column`. */
export type GroupRole = { kind: 'start' } | { kind: 'end' } | { kind: 'key'; column: number };

export interface HopCountShape {
  tvf: WindowTvfNode;
  slideMs: number;
  /** per group column of the aggregate, in order */
  roles: GroupRole[];
}

/** The shape of `agg` when it is a fusable HOP / TUMBLE count(*), else undefined. */
export function hopCountShape(agg: AggregateNode): HopCountShape | undefined {
  if (agg.emit !== 'changes' || agg.aggregates.length !== 1) return undefined;
  const count = agg.aggregates[0]!;
  if (count.fn !== 'count_star' || count.filter !== undefined || count.distinct) return undefined;
  const tvf = agg.input;
  if (tvf.kind !== 'window-tvf') return undefined;
  const slideMs = tvf.tvf === 'hop' ? tvf.slideMs : tvf.tvf === 'tumble' ? tvf.sizeMs : undefined;
  if (slideMs === undefined || !(slideMs > 0) || tvf.sizeMs % slideMs !== 0) return undefined;
  const w0 = tvf.input.schema.length;
  const roles: GroupRole[] = [];
  for (const g of agg.groupBy) {
    if (g.kind !== 'column') return undefined;
    if (g.index === w0) roles.push({ kind: 'start' });
    else if (g.index === w0 + 1) roles.push({ kind: 'end' });
    else if (g.index < w0) roles.push({ kind: 'key', column: g.index });
    else return undefined;
  }
  return { tvf, slideMs, roles };
}

/** Whether partitioning `agg`'s rows by its group columns `partition` is partitioning by window:
 *  each is window_start or window_end (either determines the window). */
export function partitionsByWindow(shape: HopCountShape, partition: readonly number[]): boolean {
  return partition.length > 0 && partition.every((c) => shape.roles[c] !== undefined && shape.roles[c]!.kind !== 'key');
}
