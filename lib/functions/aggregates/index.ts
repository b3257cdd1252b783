// Accumulator factories: pick the accumulator for an aggregate call. Operators call
// `createAccumulator(fn, argTypes, opts)` (or `accumulatorForCall(call)`) once per plan and
// `slotAccumulatorFor` when they want the flat Float64Array variant (count/sum/avg on numbers).
import { SqlTypeError } from '../../errors.js';
import type { AggregateCall } from '../../plan/bound.js';
import type { DataType } from '../../types/datatype.js';
import { T } from '../../types/datatype.js';
import type { Accumulator, AccumulatorOptions, SlotAccumulator } from './accumulator.js';
import { avgFor, countAcc, countStarAcc, sumFor } from './basic.js';
import { countDistinctValues, distinctAccumulator } from './distinct.js';
import { appendOnlyMinMax, minMaxAccumulator } from './minmax.js';
import { anyValueAccumulator, appendOnlyFirstLast, arrayAggAccumulator, firstLastAccumulator, stringAggAccumulator } from './ordered.js';
import { decodeState, encodeState, type Encoded } from './state-codec.js';
import { slotAvg, slotCount, slotSum } from './slots.js';
import { boolAccumulator, varianceAccumulator } from './stats.js';
import { aggregateReturnType } from './types.js';

export type { Accumulator, AccumulatorOptions, SlotAccumulator } from './accumulator.js';
export { AGGREGATE_NAMES, aggregateReturnType } from './types.js';
export { encodeState, decodeState } from './state-codec.js';

function baseAccumulator(fn: string, argTypes: readonly DataType[], opts: AccumulatorOptions): Accumulator {
  const t = argTypes[0] ?? T.null;
  switch (fn) {
    case 'count':
      return countAcc as Accumulator;
    case 'count_star':
      return countStarAcc as Accumulator;
    case 'sum':
      return sumFor(t);
    case 'avg':
      return avgFor(t);
    case 'min':
    case 'max': {
      const sign = fn === 'max' ? 1 : -1;
      return (opts.appendOnly ? appendOnlyMinMax(t, sign, fn) : minMaxAccumulator(t, sign)) as Accumulator;
    }
    case 'first_value':
    case 'last_value':
      return (opts.appendOnly ? appendOnlyFirstLast(fn === 'last_value', opts) : firstLastAccumulator(fn === 'last_value', opts)) as Accumulator;
    case 'any_value':
      return anyValueAccumulator() as Accumulator;
    case 'bool_and':
    case 'every':
      return boolAccumulator(true) as Accumulator;
    case 'bool_or':
      return boolAccumulator(false) as Accumulator;
    case 'string_agg':
      return stringAggAccumulator(opts) as Accumulator;
    case 'array_agg':
      return arrayAggAccumulator(opts) as Accumulator;
    case 'stddev':
    case 'stddev_samp':
      return varianceAccumulator('stddev_samp') as Accumulator;
    case 'stddev_pop':
      return varianceAccumulator('stddev_pop') as Accumulator;
    case 'variance':
    case 'var_samp':
      return varianceAccumulator('var_samp') as Accumulator;
    case 'var_pop':
      return varianceAccumulator('var_pop') as Accumulator;
    case 'approx_count_distinct':
      return countDistinctValues as Accumulator;
    default:
      throw new SqlTypeError('UNKNOWN_FUNCTION', `aggregate function ${fn} does not exist`);
  }
}

/**
 * The accumulator for aggregate `fn` over arguments of `argTypes` (checked like
 * resolveAggregate). DISTINCT wraps it in a value-count map.
 */
export function createAccumulator(fn: string, argTypes: readonly DataType[], opts: AccumulatorOptions = {}): Accumulator {
  // count() with no argument is count(*)
  const name = fn.toLowerCase() === 'count' && argTypes.length === 0 ? 'count_star' : fn.toLowerCase();
  aggregateReturnType(name, argTypes, opts.distinct ?? false);
  const acc = baseAccumulator(name, argTypes, opts);
  // min/max/bool/any_value are idempotent: DISTINCT changes nothing but costs a map.
  const idempotent = name === 'min' || name === 'max' || name === 'bool_and' || name === 'bool_or' || name === 'every' || name === 'any_value';
  const chosen = opts.distinct && name !== 'count_star' && !idempotent ? (distinctAccumulator(acc) as Accumulator) : acc;
  return withCheckpoint(chosen);
}

/** Every accumulator can save/load its states as JSON-safe data (see state-codec.ts). */
function withCheckpoint(acc: Accumulator): Accumulator {
  return { ...acc, save: (state) => encodeState(state), load: (data) => decodeState(data as Encoded) };
}

/** createAccumulator for a planned AggregateCall. */
export function accumulatorForCall(call: AggregateCall, opts: { appendOnly?: boolean } = {}): Accumulator {
  return createAccumulator(
    call.fn,
    call.args.map((a) => a.type),
    {
      distinct: call.distinct,
      appendOnly: opts.appendOnly,
      orderBy: call.orderBy?.map((o) => ({ type: o.expr.type, desc: o.desc, nullsFirst: o.nullsFirst })),
    },
  );
}

/** The flat Float64Array variant of count/count(*)/sum/avg over numbers, if one exists (never for DISTINCT). */
export function slotAccumulatorFor(fn: string, argTypes: readonly DataType[], distinct = false): SlotAccumulator | undefined {
  if (distinct) return undefined;
  const t = argTypes[0] ?? T.null;
  const name = fn.toLowerCase();
  if (name === 'count' && argTypes.length === 0) return slotCount(true);
  switch (name) {
    case 'count_star':
      return slotCount(true);
    case 'count':
      return slotCount(false);
    case 'sum':
      return slotSum(t);
    case 'avg':
      return slotAvg(t);
    default:
      return undefined;
  }
}
