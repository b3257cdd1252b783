// The value of a scalar subquery per correlation group: NULL over no rows, the row's value over
// one row, and PostgreSQL's "more than one row returned by a subquery used as an expression"
// error over several (a plain LEFT join would silently duplicate the outer rows instead).
// Retractable: it keeps the multiset of values, so a group going back to one row recovers.
// Inside a materialized view the error is a reported NULL instead (docs/expression-errors.md).

import { ExecutionError } from '../../errors.js';
import type { Value } from '../../types/value.js';
import { keyOfValue, type Key } from '../runtime/values.js';
import type { StateAccumulator } from './aggregate-kernels.js';

interface SingleValueState {
  rows: number;
  values: Map<Key, { value: Value; count: number }>;
}

export const SINGLE_VALUE_AGGREGATE = 'single_value';

/** `onError` given (inside a materialized view): several rows give NULL and are reported instead. */
export function singleValueAccumulator(onError?: (error: ExecutionError) => void): StateAccumulator<SingleValueState> {
  return {
    create: () => ({ rows: 0, values: new Map() }),
    add(s, value, weight) {
      s.rows += weight;
      const k = keyOfValue(value);
      const e = s.values.get(k);
      const count = (e?.count ?? 0) + weight;
      if (count === 0) s.values.delete(k);
      else if (e) e.count = count;
      else s.values.set(k, { value, count });
    },
    result(s) {
      if (s.rows <= 0) return null;
      if (s.rows > 1) {
        const error = new ExecutionError('CARDINALITY_VIOLATION', 'more than one row returned by a subquery used as an expression');
        if (!onError) throw error;
        onError(error);
        return null;
      }
      for (const e of s.values.values()) if (e.count > 0) return e.value;
      return null;
    },
  };
}
