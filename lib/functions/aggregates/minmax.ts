// min/max. Retractable form: a multiset (value key → value and count) with the extreme cached
// and recomputed lazily after the current extreme is retracted. Append-only form: just the
// extreme (sources never retract, so no multiset is kept).
import { ExecutionError } from '../../errors.js';
import type { DataType } from '../../types/datatype.js';
import { comparatorFor, keyOf } from '../../types/compare.js';
import type { Value } from '../../types/value.js';
import type { Accumulator } from './accumulator.js';

interface Entry {
  value: Value;
  count: number;
}

export interface MinMaxState {
  rows: number;
  values: Map<unknown, Entry>;
  best: Value;
  /** the cached extreme is stale (it was retracted) */
  dirty: boolean;
}

const PRIMITIVE = new Set(['boolean', 'smallint', 'int', 'bigint', 'real', 'double', 'varchar', 'timestamp', 'timestamptz', 'date']);

export interface PrimitiveMinMaxState {
  rows: number;
  /** value → multiplicity (a primitive value is its own Map key) */
  counts: Map<Value, number>;
  best: Value;
  dirty: boolean;
}

/** Retractable min/max over numbers/strings/booleans: no per-value entry objects. */
function primitiveMinMax(type: DataType, sign: 1 | -1): Accumulator<PrimitiveMinMaxState> {
  const cmp = comparatorFor(type);
  return {
    create: () => ({ rows: 0, counts: new Map(), best: null, dirty: false }),
    add(s, v, w) {
      s.rows += w;
      if (v === null) return;
      const c = (s.counts.get(v) ?? 0) + w;
      if (c < 0) throw new ExecutionError('INVALID_ARGUMENT', 'min/max: retracting a value that was never added');
      if (c === 0) {
        s.counts.delete(v);
        if (!s.dirty && s.best !== null && cmp(v, s.best) === 0) s.dirty = true;
      } else s.counts.set(v, c);
      if (w > 0 && !s.dirty && (s.best === null || sign * cmp(v, s.best) > 0)) s.best = v;
    },
    result(s) {
      if (s.dirty) {
        let best: Value = null;
        for (const v of s.counts.keys()) if (best === null || sign * cmp(v, best) > 0) best = v;
        s.best = best;
        s.dirty = false;
      }
      return s.counts.size === 0 ? null : s.best;
    },
    isEmpty: (s) => s.rows === 0,
  };
}

export function minMaxAccumulator(type: DataType, sign: 1 | -1): Accumulator {
  return (PRIMITIVE.has(type.id) ? primitiveMinMax(type, sign) : objectMinMax(type, sign)) as Accumulator;
}

/** Decimals, intervals, arrays …: entries keep the value beside its count (keys are encodings). */
function objectMinMax(type: DataType, sign: 1 | -1): Accumulator<MinMaxState> {
  const cmp = comparatorFor(type);
  return {
    create: () => ({ rows: 0, values: new Map(), best: null, dirty: false }),
    add(s, v, w) {
      s.rows += w;
      if (v === null) return;
      const k = keyOf(v);
      const e = s.values.get(k);
      if (e === undefined) {
        if (w < 0) throw new ExecutionError('INVALID_ARGUMENT', 'min/max: retracting a value that was never added');
        s.values.set(k, { value: v, count: w });
      } else {
        e.count += w;
        if (e.count === 0) s.values.delete(k);
      }
      if (w > 0) {
        if (!s.dirty && (s.best === null || sign * cmp(v, s.best) > 0)) s.best = v;
      } else if (!s.dirty && s.best !== null && cmp(v, s.best) === 0 && !s.values.has(k)) s.dirty = true;
    },
    result(s) {
      if (s.dirty) {
        let best: Value = null;
        for (const e of s.values.values()) if (best === null || sign * cmp(e.value, best) > 0) best = e.value;
        s.best = best;
        s.dirty = false;
      }
      return s.values.size === 0 ? null : s.best;
    },
    isEmpty: (s) => s.rows === 0,
  };
}

export interface ExtremeState {
  rows: number;
  best: Value;
}

/** Append-only min/max: O(1) state. */
export function appendOnlyMinMax(type: DataType, sign: 1 | -1, name: string): Accumulator<ExtremeState> {
  const cmp = comparatorFor(type);
  return {
    create: () => ({ rows: 0, best: null }),
    add(s, v, w) {
      if (w < 0) throw new ExecutionError('INVALID_ARGUMENT', `${name}: cannot retract from an append-only accumulator`);
      s.rows += w;
      if (v !== null && (s.best === null || sign * cmp(v, s.best) > 0)) s.best = v;
    },
    result: (s) => s.best,
    isEmpty: (s) => s.rows === 0,
  };
}
