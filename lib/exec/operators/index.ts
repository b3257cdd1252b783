// Relational incremental operators of ring 0 (see each file for semantics).
export { Project, columnProjection, type ProjectionFn } from './project.js';
export { Filter, type PredicateFn, type SelectionFn } from './filter.js';
export { HashAggregate, kernelFor, type AggregateSpec, type HashAggregateOptions } from './hash-aggregate.js';
export {
  builtinKernel,
  AccumulatorKernel,
  CountKernel,
  SumKernel,
  ExtremeKernel,
  BoolKernel,
  StateAccumulatorKernel,
  FlatAccumulatorKernel,
  type FlatAccumulator,
  type StateAccumulator,
  type Accumulator,
  type AggregateKernel,
} from './aggregate-kernels.js';
export { Join, type JoinOptions, type JoinType } from './join.js';
export { SemiJoin, type SemiJoinOptions, type SemiJoinType } from './semi-join.js';
export { Distinct } from './distinct.js';
export { UnionAll } from './union-all.js';
export { TopN, type TopNOptions, type RankFunction } from './top-n.js';
export { OverWindow, type OverWindowOptions, type WindowCallSpec, type WindowFrame } from './over-window.js';
export { Values } from './values.js';
export { Sort, type SortOptions } from './sort.js';
