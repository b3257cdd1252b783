// Aggregates whose result depends on order: first_value, last_value, any_value, string_agg,
// array_agg. The retractable state is a multiset of (value, delimiter, order key) entries, each
// remembering when it arrived; the result sorts by the ORDER BY keys and then by arrival (input
// order, which is what PostgreSQL gives without ORDER BY). Append-only first/last keep one entry.
import { ExecutionError } from '../../errors.js';
import { comparatorFor, compareNullable, rowKey, type Comparator } from '../../types/compare.js';
import type { Value } from '../../types/value.js';
import type { Accumulator, AccumulatorOptions } from './accumulator.js';

interface Entry {
  value: Value;
  extra: Value;
  order: Value[] | undefined;
  count: number;
  seq: number;
}

export interface OrderedState {
  rows: number;
  entries: Map<string, Entry>;
  seq: number;
}

type EntryCompare = (a: Entry, b: Entry) => number;

function entryComparator(orderBy: AccumulatorOptions['orderBy']): EntryCompare {
  const keys = (orderBy ?? []).map((o) => ({ cmp: comparatorFor(o.type) as Comparator, desc: o.desc, nullsFirst: o.nullsFirst }));
  return (a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const { cmp, desc, nullsFirst } = keys[k]!;
      const x = a.order?.[k] ?? null;
      const y = b.order?.[k] ?? null;
      let c: number;
      if (x === null || y === null) c = compareNullable(x, y, nullsFirst);
      else c = desc ? -cmp(x, y) : cmp(x, y);
      if (c !== 0) return c;
    }
    return a.seq - b.seq;
  };
}

function createOrdered(): OrderedState {
  return { rows: 0, entries: new Map(), seq: 0 };
}

function addEntry(s: OrderedState, v: Value, w: number, extra: Value | undefined, order: Value[] | undefined, skipNull: boolean): void {
  s.rows += w;
  if (skipNull && v === null) return;
  const ex = extra ?? null;
  const key = order ? rowKey(v, ex, ...order) : rowKey(v, ex);
  const e = s.entries.get(key);
  if (e === undefined) {
    if (w < 0) throw new ExecutionError('INVALID_ARGUMENT', 'retracting a value that was never added to an aggregate');
    s.entries.set(key, { value: v, extra: ex, order, count: w, seq: s.seq++ });
  } else {
    e.count += w;
    if (e.count <= 0) s.entries.delete(key);
  }
}

function sorted(s: OrderedState, cmp: EntryCompare): Entry[] {
  return [...s.entries.values()].sort(cmp);
}

function best(s: OrderedState, cmp: EntryCompare, sign: 1 | -1): Value {
  let b: Entry | undefined;
  for (const e of s.entries.values()) if (b === undefined || sign * cmp(e, b) < 0) b = e;
  return b === undefined ? null : b.value;
}

export function firstLastAccumulator(last: boolean, opts: AccumulatorOptions): Accumulator<OrderedState> {
  const cmp = entryComparator(opts.orderBy);
  return {
    create: createOrdered,
    add: (s, v, w, _x, order) => addEntry(s, v, w, null, order, false),
    result: (s) => best(s, cmp, last ? -1 : 1),
    isEmpty: (s) => s.rows === 0,
  };
}

export interface FirstLastAppendState {
  rows: number;
  has: boolean;
  value: Value;
  order: Value[] | undefined;
}

/** Append-only first_value/last_value: keeps the winning row only. */
export function appendOnlyFirstLast(last: boolean, opts: AccumulatorOptions): Accumulator<FirstLastAppendState> {
  const cmp = entryComparator(opts.orderBy);
  const probe: Entry = { value: null, extra: null, order: undefined, count: 1, seq: 1 };
  const held: Entry = { value: null, extra: null, order: undefined, count: 1, seq: 0 };
  return {
    create: () => ({ rows: 0, has: false, value: null, order: undefined }),
    add(s, v, w, _x, order) {
      if (w < 0) throw new ExecutionError('INVALID_ARGUMENT', 'cannot retract from an append-only first_value/last_value');
      s.rows += w;
      if (!s.has) {
        s.has = true;
        s.value = v;
        s.order = order;
        return;
      }
      probe.order = order;
      held.order = s.order;
      // the newcomer arrived later (seq 1 > 0): it wins for last_value on ties, loses for first
      const c = cmp(probe, held);
      if (last ? c > 0 : c < 0) {
        s.value = v;
        s.order = order;
      }
    },
    result: (s) => (s.has ? s.value : null),
    isEmpty: (s) => s.rows === 0,
  };
}

export function anyValueAccumulator(): Accumulator<OrderedState> {
  return {
    create: createOrdered,
    add: (s, v, w) => addEntry(s, v, w, null, undefined, true),
    result(s) {
      for (const e of s.entries.values()) return e.value;
      return null;
    },
    isEmpty: (s) => s.rows === 0,
  };
}

/** string_agg(value, delimiter): NULL values are skipped; each value is preceded by its row's delimiter. */
export function stringAggAccumulator(opts: AccumulatorOptions): Accumulator<OrderedState> {
  const cmp = entryComparator(opts.orderBy);
  return {
    create: createOrdered,
    add: (s, v, w, extra, order) => addEntry(s, v, w, extra ?? null, order, true),
    result(s) {
      if (s.entries.size === 0) return null;
      let out = '';
      let first = true;
      for (const e of sorted(s, cmp)) {
        for (let c = 0; c < e.count; c++) {
          if (!first) out += (e.extra as string | null) ?? '';
          out += e.value as string;
          first = false;
        }
      }
      return out;
    },
    isEmpty: (s) => s.rows === 0,
  };
}

/** array_agg(value): NULLs are kept, as PostgreSQL does. */
export function arrayAggAccumulator(opts: AccumulatorOptions): Accumulator<OrderedState> {
  const cmp = entryComparator(opts.orderBy);
  return {
    create: createOrdered,
    add: (s, v, w, _x, order) => addEntry(s, v, w, null, order, false),
    result(s) {
      if (s.entries.size === 0) return null;
      const out: Value[] = [];
      for (const e of sorted(s, cmp)) for (let c = 0; c < e.count; c++) out.push(e.value);
      return out;
    },
    isEmpty: (s) => s.rows === 0,
  };
}
