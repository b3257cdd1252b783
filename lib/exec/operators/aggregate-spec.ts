// The aggregate operator's contracts: what one aggregate computes (AggregateSpec), the kernel
// that keeps its per-group state (kernelFor), and one group as a snapshot records it.

import type { Row } from '../../types/value.js';
import type { Key } from '../runtime/values.js';
import {
  AccumulatorKernel,
  FlatAccumulatorKernel,
  StateAccumulatorKernel,
  builtinKernel,
  type Accumulator,
  type AggregateKernel,
  type FlatAccumulator,
  type StateAccumulator,
} from './aggregate-kernels.js';

export interface AggregateSpec {
  /** aggregate name (count, count_star, sum, avg, min, max, bool_and, bool_or, …) */
  fn: string;
  /** input column of the argument (absent for count(*)) */
  arg?: number;
  /** input column holding the FILTER (WHERE …) condition: only rows where it is true count */
  filter?: number;
  /** input column of a second argument (string_agg's delimiter); needs a kernel with addWith */
  extraArg?: number;
  /** input columns of ORDER BY keys inside the call (first_value, string_agg, array_agg …) */
  orderArgs?: readonly number[];
  /** count(DISTINCT x): each distinct value counted once */
  distinct?: boolean;
  /** accumulator factory for aggregates without a built-in kernel */
  create?: () => Accumulator;
  /** a stateless accumulator (lib/functions/aggregates); preferred over the built-in kernel */
  accumulator?: StateAccumulator;
  /** a flat numeric accumulator (lib/functions' SlotAccumulator): state in one Float64Array */
  flatAccumulator?: FlatAccumulator;
}

/** The kernel for one aggregate spec: flat or stateless accumulator, factory, or built-in. */
export function kernelFor(
  s: {
    fn: string;
    create?: () => Accumulator;
    accumulator?: StateAccumulator;
    flatAccumulator?: FlatAccumulator;
  },
  appendOnly = false,
): AggregateKernel {
  if (s.flatAccumulator) return new FlatAccumulatorKernel(s.flatAccumulator);
  if (s.accumulator) return new StateAccumulatorKernel(s.accumulator);
  if (s.create) return new AccumulatorKernel(s.create);
  return builtinKernel(s.fn, appendOnly);
}

/** One group as snapshot() writes it (and a checkpoint capture encodes it). */
export interface GroupRecord {
  key: Row;
  count: number;
  emitted: Row | null;
  aggs: unknown[];
  distinct: ([Key, number][] | null)[];
}
