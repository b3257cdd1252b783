// The accumulator interface every aggregate implements. Views are maintained under deletes, so
// every accumulator is retractable: `add` takes a Z-set weight (+n inserts, -n retracts) and the
// result after any add/retract sequence equals the aggregate over the remaining multiset.
// States are mutable objects owned by the caller (one per group); accumulators are stateless
// and shared.
import type { Value } from '../../types/value.js';

export interface Accumulator<S = unknown> {
  /** A fresh state for an empty group. */
  create(): S;
  /**
   * Add `value` with multiplicity `weight` (negative retracts). SQL aggregates skip NULL values
   * (the call still counts as a row for isEmpty). `extra` is the second argument (string_agg's
   * delimiter); `order` the ORDER BY key(s) of ordered aggregates (first_value, string_agg …).
   */
  add(state: S, value: Value, weight: number, extra?: Value, order?: Value[]): void;
  /** The aggregate's value (NULL for an empty input where SQL says so; count gives 0). */
  result(state: S): Value;
  /** True when the net number of rows added is zero (the group can be dropped). */
  isEmpty(state: S): boolean;
  /** JSON-safe copy of a state for checkpoints (set by createAccumulator on every accumulator) */
  save?(state: S): unknown;
  /** a state from `save`'s output */
  load?(data: unknown): S;
}

/**
 * A fixed-width numeric variant: the state lives in `slots` consecutive Float64Array entries
 * starting at `offset`, so an operator can keep all groups' states in one flat buffer.
 */
export interface SlotAccumulator {
  readonly slots: number;
  /** zero the state (a new Float64Array is already zeroed) */
  init(buf: Float64Array, offset: number): void;
  /** `value` is a JS number or null */
  add(buf: Float64Array, offset: number, value: number | null, weight: number): void;
  result(buf: Float64Array, offset: number): Value;
  isEmpty(buf: Float64Array, offset: number): boolean;
}

/** Options shared by the accumulator factories. */
export interface AccumulatorOptions {
  /** DISTINCT: each distinct non-NULL value counts once */
  distinct?: boolean;
  /**
   * The input never retracts (append-only source): min/max keep only the current extreme
   * instead of a multiset. A negative weight then raises an error.
   */
  appendOnly?: boolean;
  /** ORDER BY inside the call: one entry per key of the `order` array passed to add */
  orderBy?: { type: import('../../types/datatype.js').DataType; desc: boolean; nullsFirst: boolean }[];
}
