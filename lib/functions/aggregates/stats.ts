// bool_and / bool_or and the variance family. Variances use sums of shifted values (the shift is
// the first value seen) so adding and retracting stay O(1) and cancellation stays small; the
// sums reset to exactly 0 when the last value is retracted. Integer inputs are exact while the
// sums stay below 2^53; float inputs after retractions are accurate to about 1e-8 × the largest
// magnitude ever added (floating-point sums cannot be un-added exactly).
import type { Accumulator } from './accumulator.js';
import type { Decimal } from '../../types/decimal.js';

export interface BoolState {
  rows: number;
  trues: number;
  falses: number;
}

export function boolAccumulator(isAnd: boolean): Accumulator<BoolState> {
  return {
    create: () => ({ rows: 0, trues: 0, falses: 0 }),
    add(s, v, w) {
      s.rows += w;
      if (v === true) s.trues += w;
      else if (v === false) s.falses += w;
    },
    result(s) {
      if (s.trues + s.falses === 0) return null;
      return isAnd ? s.falses === 0 : s.trues > 0;
    },
    isEmpty: (s) => s.rows === 0,
  };
}

export interface VarianceState {
  rows: number;
  n: number;
  shift: number | null;
  sum: number;
  sumSq: number;
}

export type VarianceKind = 'var_samp' | 'var_pop' | 'stddev_samp' | 'stddev_pop';

export function varianceAccumulator(kind: VarianceKind): Accumulator<VarianceState> {
  const sample = kind === 'var_samp' || kind === 'stddev_samp';
  const root = kind.startsWith('stddev');
  return {
    create: () => ({ rows: 0, n: 0, shift: null, sum: 0, sumSq: 0 }),
    add(s, v, w) {
      s.rows += w;
      if (v === null) return;
      const x = typeof v === 'number' ? v : (v as Decimal).toNumber();
      if (s.shift === null) s.shift = x;
      const d = x - s.shift;
      s.n += w;
      s.sum += d * w;
      s.sumSq += d * d * w;
      if (s.n === 0) {
        s.sum = 0;
        s.sumSq = 0;
        s.shift = null;
      }
    },
    result(s) {
      if (s.n === 0 || (sample && s.n === 1)) return null;
      let m2 = s.sumSq - (s.sum * s.sum) / s.n;
      // below the rounding noise of sumSq the true spread is indistinguishable from zero
      if (m2 <= s.sumSq * s.n * 4 * Number.EPSILON) m2 = 0;
      const variance = m2 / (sample ? s.n - 1 : s.n);
      return root ? Math.sqrt(variance) : variance;
    },
    isEmpty: (s) => s.rows === 0,
  };
}
