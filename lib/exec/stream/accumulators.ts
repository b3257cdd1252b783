// Retractable aggregate accumulators for the event-time operators. Each accumulator takes
// (value, weight) pairs — weight -1 retracts an earlier +1 — so a windowed aggregate can follow a
// changelog input (e.g. SESSION windows re-assigning rows when sessions merge).
//
// The planner's aggregate calls are mapped here by name; `resolveStreamAccumulator` lets the
// physical builder plug in lib/functions accumulators for types these do not cover (DECIMAL …).

import { ExecutionError, UnsupportedError } from '../../errors.js';
import type { Value } from '../../types/value.js';

export interface StreamAccumulator {
  /** adds `value` with multiplicity `weight` (negative = retract) */
  add(value: Value, weight: number): void;
  result(): Value;
  /** plain-data copy of the state, for checkpoints */
  save(): unknown;
  load(state: unknown): void;
}

export type AccumulatorFactory = () => StreamAccumulator;

class CountStar implements StreamAccumulator {
  n = 0;
  add(_v: Value, w: number): void {
    this.n += w;
  }
  result(): Value {
    return this.n;
  }
  save(): unknown {
    return this.n;
  }
  load(s: unknown): void {
    this.n = s as number;
  }
}

class Count implements StreamAccumulator {
  n = 0;
  add(v: Value, w: number): void {
    if (v !== null) this.n += w;
  }
  result(): Value {
    return this.n;
  }
  save(): unknown {
    return this.n;
  }
  load(s: unknown): void {
    this.n = s as number;
  }
}

function requireNumber(fn: string, v: Value): number {
  if (typeof v === 'number') return v;
  throw new UnsupportedError(`${fn}() over ${typeof v === 'object' ? 'this value type' : typeof v} is not supported by the streaming accumulators`);
}

class Sum implements StreamAccumulator {
  sum = 0;
  n = 0;
  add(v: Value, w: number): void {
    if (v === null) return;
    this.sum += requireNumber('sum', v) * w;
    this.n += w;
  }
  result(): Value {
    return this.n === 0 ? null : this.sum;
  }
  save(): unknown {
    return [this.sum, this.n];
  }
  load(s: unknown): void {
    [this.sum, this.n] = s as [number, number];
  }
}

class Avg extends Sum {
  override result(): Value {
    return this.n === 0 ? null : this.sum / this.n;
  }
}

/** min/max over a multiset of values so retracting the current extreme is exact. */
class Extreme implements StreamAccumulator {
  private counts = new Map<number | string | boolean, number>();
  private best: number | string | boolean | null = null;
  private stale = false;

  constructor(private readonly wantMax: boolean) {}

  private better(a: number | string | boolean, b: number | string | boolean): boolean {
    return this.wantMax ? a > b : a < b;
  }

  add(v: Value, w: number): void {
    if (v === null) return;
    if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
      throw new UnsupportedError(`${this.wantMax ? 'max' : 'min'}() over this value type is not supported by the streaming accumulators`);
    }
    const c = (this.counts.get(v) ?? 0) + w;
    if (c === 0) {
      this.counts.delete(v);
      if (v === this.best) this.stale = true;
    } else {
      this.counts.set(v, c);
      if (w > 0 && !this.stale && (this.best === null || this.better(v, this.best))) this.best = v;
    }
  }

  result(): Value {
    if (this.stale) {
      this.best = null;
      for (const k of this.counts.keys()) if (this.best === null || this.better(k, this.best)) this.best = k;
      this.stale = false;
    }
    return this.best;
  }

  save(): unknown {
    return [...this.counts];
  }

  load(s: unknown): void {
    this.counts = new Map(s as [number | string | boolean, number][]);
    this.stale = true;
  }
}

/** min/max of an input that never retracts: only the current extreme is kept. */
class AppendOnlyExtreme implements StreamAccumulator {
  private best: number | string | boolean | null = null;
  constructor(private readonly wantMax: boolean) {}
  add(v: Value, w: number): void {
    if (w < 0) throw new ExecutionError('INVALID_ARGUMENT', `append-only ${this.wantMax ? 'max' : 'min'}() received a retraction`);
    if (v === null) return;
    if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
      throw new UnsupportedError(`${this.wantMax ? 'max' : 'min'}() over this value type is not supported by the streaming accumulators`);
    }
    if (this.best === null || (this.wantMax ? v > this.best : v < this.best)) this.best = v;
  }
  result(): Value {
    return this.best;
  }
  save(): unknown {
    return this.best;
  }
  load(s: unknown): void {
    this.best = s as number | string | boolean | null;
  }
}

/** Wraps an accumulator so each distinct non-NULL value counts once (count(DISTINCT x) …). */
class Distinct implements StreamAccumulator {
  private seen = new Map<Value, number>();
  constructor(private readonly inner: StreamAccumulator) {}
  add(v: Value, w: number): void {
    if (v === null) return;
    const before = this.seen.get(v) ?? 0;
    const after = before + w;
    if (after === 0) this.seen.delete(v);
    else this.seen.set(v, after);
    if (before <= 0 && after > 0) this.inner.add(v, 1);
    else if (before > 0 && after <= 0) this.inner.add(v, -1);
  }
  result(): Value {
    return this.inner.result();
  }
  save(): unknown {
    return { seen: [...this.seen], inner: this.inner.save() };
  }
  load(s: unknown): void {
    const st = s as { seen: [Value, number][]; inner: unknown };
    this.seen = new Map(st.seen);
    this.inner.load(st.inner);
  }
}

const BUILTIN: Record<string, AccumulatorFactory> = {
  count_star: () => new CountStar(),
  count: () => new Count(),
  sum: () => new Sum(),
  avg: () => new Avg(),
  min: () => new Extreme(false),
  max: () => new Extreme(true),
};

/** The accumulator factory for aggregate `fn` (names as in lib/plan/bound.ts AggregateCall);
 *  `appendOnly` picks cheaper min/max that reject retractions. */
export function streamAccumulator(fn: string, distinct = false, appendOnly = false): AccumulatorFactory {
  if (appendOnly && (fn === 'min' || fn === 'max')) return () => new AppendOnlyExtreme(fn === 'max');
  const base = BUILTIN[fn];
  if (base === undefined) throw new UnsupportedError(`aggregate ${fn}() is not supported in windowed streaming aggregation`);
  return distinct ? () => new Distinct(base()) : base;
}
