// Slot-based count/sum/avg for the operators' fast path: each group's state is a few doubles in
// a shared Float64Array, so adding a row touches no objects. Integer sums are exact while the
// running total stays within ±2^53 (NUMERIC_OVERFLOW beyond: use the generic accumulators when
// that can happen). Layout per group: [rows, n, sum].
import { ExecutionError } from '../../errors.js';
import type { DataType } from '../../types/datatype.js';
import { Decimal } from '../../types/decimal.js';
import type { Value } from '../../types/value.js';
import type { SlotAccumulator } from './accumulator.js';

const ROWS = 0;
const N = 1;
const SUM = 2;

function checkExact(sum: number): number {
  if (!Number.isSafeInteger(sum)) throw new ExecutionError('NUMERIC_OVERFLOW', 'integer sum exceeds ±2^53 in a slot accumulator');
  return sum;
}

function base(result: (buf: Float64Array, o: number) => Value, integral: boolean): SlotAccumulator {
  return {
    slots: 3,
    init(buf, o) {
      buf[o + ROWS] = 0;
      buf[o + N] = 0;
      buf[o + SUM] = 0;
    },
    add(buf, o, v, w) {
      buf[o + ROWS] += w;
      if (v === null) return;
      buf[o + N] += w;
      buf[o + SUM] += v * w;
      if (buf[o + N] === 0) buf[o + SUM] = 0; // float residue of retracted values
      else if (integral) checkExact(buf[o + SUM]!);
    },
    result,
    isEmpty: (buf, o) => buf[o + ROWS] === 0,
  };
}

/** count(x) (countStar: count(*)) */
export function slotCount(countStar: boolean): SlotAccumulator {
  return {
    slots: 3,
    init(buf, o) {
      buf[o + ROWS] = 0;
      buf[o + N] = 0;
    },
    add(buf, o, v, w) {
      buf[o + ROWS] += w;
      if (countStar || v !== null) buf[o + N] += w;
    },
    result: (buf, o) => buf[o + N]!,
    isEmpty: (buf, o) => buf[o + ROWS] === 0,
  };
}

/** sum over numbers with the same result types as the generic accumulators (sum(bigint) → decimal). */
export function slotSum(type: DataType): SlotAccumulator | undefined {
  switch (type.id) {
    case 'smallint':
    case 'int':
    case 'bigint':
      return base((buf, o) => (buf[o + N] === 0 ? null : buf[o + SUM]!), true);
    case 'double':
      return base((buf, o) => (buf[o + N] === 0 ? null : buf[o + SUM]!), false);
    case 'real':
      return base((buf, o) => (buf[o + N] === 0 ? null : Math.fround(buf[o + SUM]!)), false);
    default:
      return undefined;
  }
}

export function slotAvg(type: DataType): SlotAccumulator | undefined {
  switch (type.id) {
    case 'smallint':
    case 'int':
    case 'bigint':
      return base((buf, o) => (buf[o + N] === 0 ? null : buf[o + SUM]! / buf[o + N]!), true);
    case 'double':
    case 'real':
      return base((buf, o) => (buf[o + N] === 0 ? null : buf[o + SUM]! / buf[o + N]!), false);
    default:
      return undefined;
  }
}
