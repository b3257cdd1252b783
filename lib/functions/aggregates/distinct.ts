// DISTINCT aggregates: a value → count map in front of any accumulator. A value reaches the
// inner accumulator once when its count becomes positive and leaves it when the count drops to
// zero, so count/sum/avg/string_agg (DISTINCT …) are retractable too.
import { keyOf } from '../../types/compare.js';
import type { Value } from '../../types/value.js';
import type { Accumulator } from './accumulator.js';

export interface DistinctState {
  rows: number;
  counts: Map<unknown, number>;
  inner: unknown;
}

export function distinctAccumulator(inner: Accumulator): Accumulator<DistinctState> {
  return {
    create: () => ({ rows: 0, counts: new Map(), inner: inner.create() }),
    add(s, v, w, extra, order) {
      s.rows += w;
      if (v === null) return;
      const k = keyOf(v);
      const before = s.counts.get(k) ?? 0;
      const after = before + w;
      if (after === 0) s.counts.delete(k);
      else s.counts.set(k, after);
      if (before <= 0 && after > 0) inner.add(s.inner, v, 1, extra, order);
      else if (before > 0 && after <= 0) inner.add(s.inner, v, -1, extra, order);
    },
    result: (s) => inner.result(s.inner),
    isEmpty: (s) => s.rows === 0,
  };
}

/** approx_count_distinct, computed exactly. */
export const countDistinctValues: Accumulator<DistinctState> = {
  create: () => ({ rows: 0, counts: new Map(), inner: null }),
  add(s, v: Value, w) {
    s.rows += w;
    if (v === null) return;
    const k = keyOf(v);
    const after = (s.counts.get(k) ?? 0) + w;
    if (after === 0) s.counts.delete(k);
    else s.counts.set(k, after);
  },
  result: (s) => s.counts.size,
  isEmpty: (s) => s.rows === 0,
};
