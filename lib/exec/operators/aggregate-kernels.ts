// Retractable aggregate state for HashAggregate and OverWindow, stored per group slot.
//
// A kernel holds one aggregate's state for every group, addressed by a small integer slot, so
// numeric state lives in flat typed arrays (count, sum) instead of one object per group. Each
// `add` carries a weight (+n insert, -n delete); NULL inputs are skipped by the caller for
// every aggregate except count(*). Kernels whose state cannot be flat (min/max need the
// multiset of values to survive deletes) keep small per-slot structures.
//
// Any retractable accumulator (e.g. from lib/functions/aggregates) plugs in through
// `accumulatorKernel`.

import { ExecutionError } from '../../errors.js';
import { Decimal } from '../../types/decimal.js';
import type { Value } from '../../types/value.js';
import { compareNonNull, keyOfValue, type Key } from '../runtime/values.js';

export interface AggregateKernel {
  /** true when NULL inputs must be passed to `add` (the kernel applies SQL NULL rules itself) */
  readonly acceptsNull?: boolean;
  /** the slot is (re)used for a new group: reset it */
  clear(slot: number): void;
  add(slot: number, value: Value, weight: number): void;
  /** add with a second argument (string_agg's delimiter) and ORDER BY keys (ordered aggregates) */
  addWith?(slot: number, value: Value, weight: number, extra: Value | undefined, order: Value[] | undefined): void;
  result(slot: number): Value;
  save(slot: number): unknown;
  load(slot: number, state: unknown): void;
}

/** A retractable accumulator object (one per group). */
export interface Accumulator {
  add(value: Value, weight: number): void;
  result(): Value;
  state?(): unknown;
  load?(state: unknown): void;
}

function grow(a: Float64Array<ArrayBuffer>, slot: number): Float64Array<ArrayBuffer> {
  if (slot < a.length) return a;
  let n = a.length * 2;
  while (n <= slot) n *= 2;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** count(*) and count(x): a float per slot (exact integers up to 2^53). */
export class CountKernel implements AggregateKernel {
  private counts = new Float64Array(64);
  clear(slot: number): void {
    this.counts = grow(this.counts, slot);
    this.counts[slot] = 0;
  }
  add(slot: number, _v: Value, weight: number): void {
    this.counts[slot] += weight;
  }
  result(slot: number): Value {
    return this.counts[slot];
  }
  save(slot: number): unknown {
    return this.counts[slot];
  }
  load(slot: number, state: unknown): void {
    this.clear(slot);
    this.counts[slot] = state as number;
  }
}

/** a + b·weight at the larger scale (Decimal keeps safe-integer values in doubles) */
function decimalAddScaled(a: Decimal, b: Decimal, weight: number): Decimal {
  return a.add(weight === 1 ? b : weight === -1 ? b.negate() : b.mul(new Decimal(weight, 0)));
}

const DECIMAL_ZERO = new Decimal(0, 0);

/** sum and avg: flat float sums, or exact decimal sums when the inputs are decimals. */
export class SumKernel implements AggregateKernel {
  private sums = new Float64Array(64);
  private nonNull = new Float64Array(64);
  private decimals: (Decimal | undefined)[] = [];

  constructor(private readonly average: boolean) {}

  clear(slot: number): void {
    this.sums = grow(this.sums, slot);
    this.nonNull = grow(this.nonNull, slot);
    this.sums[slot] = 0;
    this.nonNull[slot] = 0;
    this.decimals[slot] = undefined;
  }
  add(slot: number, v: Value, weight: number): void {
    if (typeof v === 'number') this.sums[slot] += v * weight;
    else if (v instanceof Decimal) this.decimals[slot] = decimalAddScaled(this.decimals[slot] ?? DECIMAL_ZERO, v, weight);
    else throw new ExecutionError('INVALID_ARGUMENT', `${this.average ? 'avg' : 'sum'} of a non-numeric value`);
    this.nonNull[slot] += weight;
  }
  result(slot: number): Value {
    const n = this.nonNull[slot];
    if (n <= 0) return null;
    const d = this.decimals[slot];
    if (!this.average) return d !== undefined ? d : this.sums[slot];
    if (d === undefined) return this.sums[slot] / n;
    // decimal average to 16 fractional digits, rounded half away from zero
    const scale = Math.max(16, d.scale);
    const num = d.unscaled * 10n ** BigInt(scale - d.scale + 1);
    const q = num / BigInt(n);
    const rounded = (q + (q >= 0n ? 5n : -5n)) / 10n;
    return new Decimal(rounded, scale);
  }
  save(slot: number): unknown {
    const d = this.decimals[slot];
    return [this.sums[slot], this.nonNull[slot], d ? [d.unscaled.toString(), d.scale] : null];
  }
  load(slot: number, state: unknown): void {
    const [s, n, d] = state as [number, number, [string, number] | null];
    this.clear(slot);
    this.sums[slot] = s;
    this.nonNull[slot] = n;
    this.decimals[slot] = d ? new Decimal(BigInt(d[0]), d[1]) : undefined;
  }
}

/**
 * min and max: the multiset of values per slot, the extreme recomputed only when it leaves.
 * Over an append-only input only the extreme itself is kept (a retraction is then an error).
 */
export class ExtremeKernel implements AggregateKernel {
  private values: (Map<Key, { value: Value; count: number }> | undefined)[] = [];
  private best: Value[] = [];
  private stale: boolean[] = [];

  constructor(
    private readonly max: boolean,
    private readonly appendOnly = false,
  ) {}

  clear(slot: number): void {
    this.values[slot] = undefined;
    this.best[slot] = null;
    this.stale[slot] = false;
  }
  add(slot: number, v: Value, weight: number): void {
    if (this.appendOnly) {
      if (weight < 0) throw new ExecutionError('INVALID_ARGUMENT', `${this.max ? 'max' : 'min'} over an append-only input received a retraction`);
      const b = this.best[slot];
      if (b === null || b === undefined || (this.max ? compareNonNull(v, b) > 0 : compareNonNull(v, b) < 0)) this.best[slot] = v;
      return;
    }
    let m = this.values[slot];
    if (!m) this.values[slot] = m = new Map();
    const k = keyOfValue(v);
    const e = m.get(k);
    if (e) {
      e.count += weight;
      if (e.count === 0) {
        m.delete(k);
        if (!this.stale[slot] && this.best[slot] !== null && compareNonNull(v, this.best[slot]) === 0) this.stale[slot] = true;
      }
    } else m.set(k, { value: v, count: weight });
    if (weight > 0 && !this.stale[slot]) {
      const b = this.best[slot];
      if (b === null || b === undefined || (this.max ? compareNonNull(v, b) > 0 : compareNonNull(v, b) < 0)) this.best[slot] = v;
    }
  }
  result(slot: number): Value {
    if (this.stale[slot]) {
      let b: Value = null;
      for (const { value, count } of this.values[slot]!.values()) {
        if (count <= 0) continue;
        if (b === null || (this.max ? compareNonNull(value, b) > 0 : compareNonNull(value, b) < 0)) b = value;
      }
      this.best[slot] = b;
      this.stale[slot] = false;
    }
    return this.best[slot] ?? null;
  }
  save(slot: number): unknown {
    if (this.appendOnly) return this.best[slot] === null ? [] : [[this.best[slot], 1]];
    return [...(this.values[slot]?.values() ?? [])].map((e) => [e.value, e.count]);
  }
  load(slot: number, state: unknown): void {
    this.clear(slot);
    for (const [value, count] of state as [Value, number][]) this.add(slot, value, count);
  }
}

/** bool_and / bool_or: counts of true and false values. */
export class BoolKernel implements AggregateKernel {
  private trues = new Float64Array(64);
  private falses = new Float64Array(64);
  constructor(private readonly and: boolean) {}
  clear(slot: number): void {
    this.trues = grow(this.trues, slot);
    this.falses = grow(this.falses, slot);
    this.trues[slot] = 0;
    this.falses[slot] = 0;
  }
  add(slot: number, v: Value, weight: number): void {
    if (v === true) this.trues[slot] += weight;
    else this.falses[slot] += weight;
  }
  result(slot: number): Value {
    const t = this.trues[slot];
    const f = this.falses[slot];
    if (t + f <= 0) return null;
    return this.and ? f <= 0 : t > 0;
  }
  save(slot: number): unknown {
    return [this.trues[slot], this.falses[slot]];
  }
  load(slot: number, state: unknown): void {
    this.clear(slot);
    const [t, f] = state as [number, number];
    this.trues[slot] = t;
    this.falses[slot] = f;
  }
}

/** Adapts one-object-per-group accumulators to the slot interface. */
export class AccumulatorKernel implements AggregateKernel {
  private accs: Accumulator[] = [];
  constructor(private readonly create: () => Accumulator) {}
  clear(slot: number): void {
    this.accs[slot] = this.create();
  }
  add(slot: number, v: Value, weight: number): void {
    this.accs[slot].add(v, weight);
  }
  result(slot: number): Value {
    return this.accs[slot].result();
  }
  save(slot: number): unknown {
    const acc = this.accs[slot];
    if (!acc.state) throw new ExecutionError('INVALID_ARGUMENT', 'this aggregate cannot be checkpointed');
    return acc.state();
  }
  load(slot: number, state: unknown): void {
    this.clear(slot);
    const acc = this.accs[slot];
    if (!acc.load) throw new ExecutionError('INVALID_ARGUMENT', 'this aggregate cannot be restored');
    acc.load(state);
  }
}

/**
 * A stateless accumulator over caller-owned state objects: the shape of lib/functions/aggregates'
 * Accumulator (create/add/result), which gives SQL-exact result types (sum(int) → bigint,
 * avg(int) → numeric …) and applies the NULL rules itself.
 */
export interface StateAccumulator<S = unknown> {
  create(): S;
  add(state: S, value: Value, weight: number, extra?: Value, order?: Value[]): void;
  result(state: S): Value;
  /** checkpoint form of a state (keeps Decimal/Interval, which structuredClone would not) */
  save?(state: S): unknown;
  load?(saved: unknown): S;
}

/** Adapts a StateAccumulator: one state object per slot. */
export class StateAccumulatorKernel<S = unknown> implements AggregateKernel {
  readonly acceptsNull = true;
  private states: S[] = [];
  constructor(private readonly acc: StateAccumulator<S>) {}
  clear(slot: number): void {
    this.states[slot] = this.acc.create();
  }
  add(slot: number, v: Value, weight: number): void {
    this.acc.add(this.states[slot], v, weight);
  }
  addWith(slot: number, v: Value, weight: number, extra: Value | undefined, order: Value[] | undefined): void {
    this.acc.add(this.states[slot], v, weight, extra, order);
  }
  result(slot: number): Value {
    return this.acc.result(this.states[slot]);
  }
  save(slot: number): unknown {
    return this.acc.save ? this.acc.save(this.states[slot]) : structuredClone(this.states[slot]);
  }
  load(slot: number, state: unknown): void {
    this.states[slot] = this.acc.load ? this.acc.load(state) : (structuredClone(state) as S);
  }
}

/**
 * A fixed-width numeric accumulator whose state is `slots` consecutive doubles (the shape of
 * lib/functions/aggregates' SlotAccumulator): all groups share one flat Float64Array.
 */
export interface FlatAccumulator {
  readonly slots: number;
  init(buf: Float64Array, offset: number): void;
  add(buf: Float64Array, offset: number, value: number | null, weight: number): void;
  result(buf: Float64Array, offset: number): Value;
}

/** Adapts a FlatAccumulator: group slot g owns buf[g*slots … g*slots+slots-1]. */
export class FlatAccumulatorKernel implements AggregateKernel {
  readonly acceptsNull = true;
  private buf: Float64Array<ArrayBuffer>;
  private readonly width: number;
  constructor(private readonly acc: FlatAccumulator) {
    this.width = acc.slots;
    this.buf = new Float64Array(64 * this.width);
  }
  clear(slot: number): void {
    const need = (slot + 1) * this.width;
    if (need > this.buf.length) {
      let n = this.buf.length * 2;
      while (n < need) n *= 2;
      const b = new Float64Array(n);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf.fill(0, slot * this.width, need);
    this.acc.init(this.buf, slot * this.width);
  }
  add(slot: number, v: Value, weight: number): void {
    if (v !== null && typeof v !== 'number') throw new ExecutionError('INVALID_ARGUMENT', 'a numeric aggregate received a non-numeric value');
    this.acc.add(this.buf, slot * this.width, v, weight);
  }
  result(slot: number): Value {
    return this.acc.result(this.buf, slot * this.width);
  }
  save(slot: number): unknown {
    return Array.from(this.buf.subarray(slot * this.width, (slot + 1) * this.width));
  }
  load(slot: number, state: unknown): void {
    this.clear(slot);
    this.buf.set(state as number[], slot * this.width);
  }
}

/**
 * Built-in kernels by aggregate name (the names AggregateCall.fn uses). `appendOnly`: the input
 * never retracts, so min/max keep only their extreme.
 */
export function builtinKernel(fn: string, appendOnly = false): AggregateKernel {
  switch (fn) {
    case 'count':
    case 'count_star':
      return new CountKernel();
    case 'sum':
      return new SumKernel(false);
    case 'avg':
      return new SumKernel(true);
    case 'min':
      return new ExtremeKernel(false, appendOnly);
    case 'max':
      return new ExtremeKernel(true, appendOnly);
    case 'bool_and':
    case 'every':
      return new BoolKernel(true);
    case 'bool_or':
      return new BoolKernel(false);
    default:
      throw new ExecutionError('INVALID_ARGUMENT', `no built-in incremental kernel for aggregate ${fn}; pass an accumulator factory`);
  }
}
