// count, count(*), sum and avg: generic (object state) accumulators. Integer sums are exact:
// they run in doubles while the total is a safe integer and switch to BigInt beyond, so the
// hot path never allocates. Float sums reset to exactly 0 when their last value is retracted
// (float addition is not associative, so a retracted float sum may otherwise differ in the
// last bits from a fresh one).
import { ExecutionError } from '../../errors.js';
import type { DataType } from '../../types/datatype.js';
import { Decimal } from '../../types/decimal.js';
import { Interval } from '../../types/interval.js';
import type { Value } from '../../types/value.js';
import type { Accumulator } from './accumulator.js';

export interface CountState {
  rows: number;
  n: number;
}

/** count(x): non-NULL values. */
export const countAcc: Accumulator<CountState> = {
  create: () => ({ rows: 0, n: 0 }),
  add(s, v, w) {
    s.rows += w;
    if (v !== null) s.n += w;
  },
  result: (s) => s.n,
  isEmpty: (s) => s.rows === 0,
};

/** count(*): rows. */
export const countStarAcc: Accumulator<CountState> = {
  create: () => ({ rows: 0, n: 0 }),
  add(s, _v, w) {
    s.rows += w;
    s.n += w;
  },
  result: (s) => s.n,
  isEmpty: (s) => s.rows === 0,
};

/** Exact integer sum: a double while safe, a bigint after. */
export interface IntSumState {
  rows: number;
  n: number;
  sum: number;
  big: bigint | null;
}

function addInt(s: IntSumState, x: number): void {
  if (s.big !== null) {
    s.big += BigInt(x);
    return;
  }
  const t = s.sum + x;
  if (Number.isSafeInteger(t)) s.sum = t;
  else s.big = BigInt(s.sum) + BigInt(x);
}

/** The exact integral total as a bigint. */
export function intSumBig(s: IntSumState): bigint {
  return s.big !== null ? s.big : BigInt(s.sum);
}

function normalizeIntSum(s: IntSumState): void {
  if (s.big !== null && s.big <= BigInt(Number.MAX_SAFE_INTEGER) && s.big >= BigInt(Number.MIN_SAFE_INTEGER)) {
    s.sum = Number(s.big);
    s.big = null;
  }
}

function intSumAdd(s: IntSumState, v: Value, w: number): void {
  s.rows += w;
  if (v === null) return;
  s.n += w;
  const x = (v as number) * w;
  if (Number.isSafeInteger(x)) addInt(s, x);
  else s.big = intSumBig(s) + BigInt(v as number) * BigInt(w);
  if (s.big !== null) normalizeIntSum(s);
}

const createIntSum = (): IntSumState => ({ rows: 0, n: 0, sum: 0, big: null });

/** sum(smallint|int) → bigint (a JS number; NUMERIC_OVERFLOW past ±2^53). */
export const sumIntToBigint: Accumulator<IntSumState> = {
  create: createIntSum,
  add: intSumAdd,
  result(s) {
    if (s.n === 0) return null;
    if (s.big !== null) throw new ExecutionError('NUMERIC_OVERFLOW', 'bigint out of range in sum()');
    return s.sum;
  },
  isEmpty: (s) => s.rows === 0,
};

export interface DecimalSumState {
  rows: number;
  n: number;
  sum: Decimal;
}

function decimalSumAdd(s: DecimalSumState, v: Value, w: number): void {
  s.rows += w;
  if (v === null) return;
  s.n += w;
  const d = v as Decimal;
  s.sum = s.sum.add(w === 1 ? d : w === -1 ? d.negate() : d.mul(new Decimal(BigInt(w), 0)));
}

export const sumDecimal: Accumulator<DecimalSumState> = {
  create: () => ({ rows: 0, n: 0, sum: Decimal.ZERO }),
  add: decimalSumAdd,
  result: (s) => (s.n === 0 ? null : s.sum),
  isEmpty: (s) => s.rows === 0,
};

export interface FloatSumState {
  rows: number;
  n: number;
  sum: number;
  /** NaN/±Infinity inputs are counted apart so they can be retracted exactly */
  nan: number;
  posInf: number;
  negInf: number;
}

function floatSumAdd(s: FloatSumState, v: Value, w: number): void {
  s.rows += w;
  if (v === null) return;
  s.n += w;
  const x = v as number;
  if (x !== x) s.nan += w;
  else if (x === Infinity) s.posInf += w;
  else if (x === -Infinity) s.negInf += w;
  else s.sum += x * w;
  if (s.n === 0) s.sum = 0;
}

function floatSumValue(s: FloatSumState): number {
  if (s.nan > 0 || (s.posInf > 0 && s.negInf > 0)) return NaN;
  if (s.posInf > 0) return Infinity;
  if (s.negInf > 0) return -Infinity;
  return s.sum;
}

const createFloatSum = (): FloatSumState => ({ rows: 0, n: 0, sum: 0, nan: 0, posInf: 0, negInf: 0 });

export function sumFloat(real: boolean): Accumulator<FloatSumState> {
  return {
    create: createFloatSum,
    add: floatSumAdd,
    result: (s) => (s.n === 0 ? null : real ? Math.fround(floatSumValue(s)) : floatSumValue(s)),
    isEmpty: (s) => s.rows === 0,
  };
}

export interface IntervalSumState {
  rows: number;
  n: number;
  sum: Interval;
}

export const sumInterval: Accumulator<IntervalSumState> = {
  create: () => ({ rows: 0, n: 0, sum: Interval.ZERO }),
  add(s, v, w) {
    s.rows += w;
    if (v === null) return;
    s.n += w;
    s.sum = s.sum.add((v as Interval).mul(w));
  },
  result: (s) => (s.n === 0 ? null : s.sum),
  isEmpty: (s) => s.rows === 0,
};

/** avg over integers → double (the sum itself stays exact). */
export const avgIntToDouble: Accumulator<IntSumState> = {
  create: createIntSum,
  add: intSumAdd,
  result: (s) => (s.n === 0 ? null : Number(intSumBig(s)) / s.n),
  isEmpty: (s) => s.rows === 0,
};

export const avgDecimal: Accumulator<DecimalSumState> = {
  create: () => ({ rows: 0, n: 0, sum: Decimal.ZERO }),
  add: decimalSumAdd,
  result: (s) => (s.n === 0 ? null : s.sum.div(new Decimal(BigInt(s.n), 0))),
  isEmpty: (s) => s.rows === 0,
};

export const avgFloat: Accumulator<FloatSumState> = {
  create: createFloatSum,
  add: floatSumAdd,
  result: (s) => (s.n === 0 ? null : floatSumValue(s) / s.n),
  isEmpty: (s) => s.rows === 0,
};

export const avgInterval: Accumulator<IntervalSumState> = {
  create: sumInterval.create,
  add: sumInterval.add,
  result: (s) => (s.n === 0 ? null : s.sum.div(s.n)),
  isEmpty: (s) => s.rows === 0,
};

export function sumFor(type: DataType): Accumulator {
  switch (type.id) {
    case 'smallint':
    case 'int':
    case 'bigint':
      return sumIntToBigint as Accumulator;
    case 'decimal':
    case 'null':
      return sumDecimal as Accumulator;
    case 'real':
    case 'double':
      return sumFloat(type.id === 'real') as Accumulator;
    case 'interval':
      return sumInterval as Accumulator;
    default:
      throw new ExecutionError('INVALID_ARGUMENT', `sum() does not accept ${type.id}`);
  }
}

export function avgFor(type: DataType): Accumulator {
  switch (type.id) {
    case 'smallint':
    case 'int':
    case 'bigint':
      return avgIntToDouble as Accumulator;
    case 'decimal':
    case 'null':
      return avgDecimal as Accumulator;
    case 'real':
    case 'double':
      return avgFloat as Accumulator;
    case 'interval':
      return avgInterval as Accumulator;
    default:
      throw new ExecutionError('INVALID_ARGUMENT', `avg() does not accept ${type.id}`);
  }
}
