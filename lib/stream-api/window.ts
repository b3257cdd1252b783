// Event-time windows of the operator API, written as an ordinary keyed ProcessFunction over
// ctx state and event-time timers (so windows checkpoint and restore like any user operator).
// Windows are half-open [start, end), epoch-aligned (TUMBLE/HOP), per-key SESSION windows merge
// when they overlap or touch; a window fires when the watermark reaches its end. An event whose
// every window has already closed is late: counted, and sent to `lateTag` if one is given.

import type { AggregateFunction, ValueState, OutputTag, ProcessContext, ProcessFunction, StreamKey } from './types.js';

export type WindowSpec =
  | { kind: 'tumble'; size: number }
  | { kind: 'hop'; slide: number; size: number }
  | { kind: 'session'; gap: number };

function positive(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${String(v)}`);
  return v;
}

export function tumble(sizeMs: number): WindowSpec {
  return { kind: 'tumble', size: positive('tumble size', sizeMs) };
}
export function hop(slideMs: number, sizeMs: number): WindowSpec {
  return { kind: 'hop', slide: positive('hop slide', slideMs), size: positive('hop size', sizeMs) };
}
export function session(gapMs: number): WindowSpec {
  return { kind: 'session', gap: positive('session gap', gapMs) };
}

/** One closed window's result. */
export interface WindowResult<K, O> {
  key: K;
  windowStart: number;
  windowEnd: number;
  value: O;
}

/** Event time as epoch ms from a Date, a number or a timestamp string. */
export function eventTimeMs(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`event time must be a Date, epoch ms or timestamp string, got ${String(v)}`);
  return ms;
}

type Acc = unknown;
/** per key, SESSION windows: start → [end, accumulator] */
type Sessions = Map<number, [number, Acc]>;
/** per key, TUMBLE/HOP windows: open windows as a list sorted by start (usually one) */
interface Win {
  start: number;
  acc: Acc;
  next: Win | undefined;
}

export class WindowProcess<K extends StreamKey, I, A, O> implements ProcessFunction<K, I, WindowResult<K, O>> {
  readonly name: string;
  late = 0;
  // the state handle, cached per host context (one function object may run in several pipelines)
  private windows: ValueState<Win> | undefined;
  private windowsOf: unknown;
  constructor(
    private readonly spec: WindowSpec,
    private readonly timeOf: (e: I) => unknown,
    private readonly agg: AggregateFunction<I, A, O>,
    private readonly lateTag?: OutputTag<I>,
  ) {
    this.name = `window(${spec.kind})`;
  }

  process(event: I, ctx: ProcessContext<K, WindowResult<K, O>>): void {
    const ts = eventTimeMs(this.timeOf(event));
    const spec = this.spec;
    if (spec.kind === 'session') {
      this.addToSession(ts, event, ctx);
      return;
    }
    const state = this.windowState(ctx);
    let head = state.value();
    const wm = ctx.watermark;
    const agg = this.agg;
    // TUMBLE is HOP with slide = size: one window per event
    const slide = spec.kind === 'tumble' ? spec.size : spec.slide;
    const last = ts - mod(ts, slide);
    let onTime = false;
    for (let start = last; start > ts - spec.size; start -= slide) {
      const end = start + spec.size;
      if (end <= wm) continue;
      onTime = true;
      let prev: Win | undefined;
      let w = head;
      while (w !== undefined && w.start < start) {
        prev = w;
        w = w.next;
      }
      if (w !== undefined && w.start === start) {
        w.acc = agg.add(w.acc as A, event);
        continue;
      }
      // no end field: it is start + size, and every field is encoded at each step's write-back
      const created: Win = { start, acc: agg.add(agg.create(), event), next: w };
      if (prev === undefined) state.update((head = created));
      else prev.next = created;
      ctx.timers.registerEventTimeTimer(end);
    }
    if (!onTime) this.lateEvent(event, ctx);
  }

  onTimer(timer: { time: number }, ctx: ProcessContext<K, WindowResult<K, O>>): void {
    if (this.spec.kind === 'session') {
      this.closeSessions(timer.time, ctx);
      return;
    }
    const state = this.windowState(ctx);
    let head = state.value();
    const size = (this.spec as { size: number }).size;
    if (head === undefined || head.start + size > timer.time) return;
    while (head !== undefined && head.start + size <= timer.time) {
      ctx.emit({ key: ctx.key, windowStart: head.start, windowEnd: head.start + size, value: this.agg.result(head.acc as A) });
      head = head.next;
    }
    if (head === undefined) state.clear();
    else state.update(head);
  }

  private closeSessions(time: number, ctx: ProcessContext<K, WindowResult<K, O>>): void {
    const state = ctx.state.value<Sessions>('sessions');
    const wins = state.value();
    if (!wins) return;
    for (const [start, [end, acc]] of [...wins].sort((a, b) => a[0] - b[0])) {
      if (end > time) continue;
      ctx.emit({ key: ctx.key, windowStart: start, windowEnd: end, value: this.agg.result(acc as A) });
      wins.delete(start);
    }
    if (wins.size === 0) state.clear();
  }

  private windowState(ctx: ProcessContext<K, WindowResult<K, O>>): ValueState<Win> {
    if (this.windowsOf !== ctx) {
      this.windowsOf = ctx;
      this.windows = ctx.state.value<Win>('windows');
    }
    return this.windows!;
  }

  private addToSession(ts: number, event: I, ctx: ProcessContext<K, WindowResult<K, O>>): void {
    const gap = (this.spec as { gap: number }).gap;
    let start = ts;
    let end = ts + gap;
    if (end <= ctx.watermark) {
      this.lateEvent(event, ctx);
      return;
    }
    const state = ctx.state.value<Sessions>('sessions');
    const wins = state.value() ?? new Map<number, [number, Acc]>();
    let acc = this.agg.add(this.agg.create(), event);
    for (const [s, [e, a]] of [...wins]) {
      if (s <= end && e >= start) {
        // overlapping or touching sessions merge
        if (!this.agg.merge) throw new TypeError('session windows need an aggregate with merge()');
        acc = this.agg.merge(a as A, acc as A);
        start = Math.min(start, s);
        ctx.timers.deleteEventTimeTimer(e);
        end = Math.max(end, e);
        wins.delete(s);
      }
    }
    wins.set(start, [end, acc]);
    ctx.timers.registerEventTimeTimer(end);
    state.update(wins);
  }

  private lateEvent(event: I, ctx: ProcessContext<K, WindowResult<K, O>>): void {
    this.late++;
    if (this.lateTag) ctx.output(this.lateTag, event);
  }

  snapshot(): unknown {
    return { late: this.late };
  }
  restore(s: unknown): void {
    this.late = (s as { late: number }).late;
  }
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** reduce(fn) as an AggregateFunction (the first value seeds the accumulator). */
export function reducer<T>(fn: (a: T, b: T) => T): AggregateFunction<T, { has: boolean; v: T | undefined }, T> {
  return {
    create: () => ({ has: false, v: undefined }),
    add: (acc, value) => (acc.has ? { has: true, v: fn(acc.v as T, value) } : { has: true, v: value }),
    result: (acc) => acc.v as T,
    merge: (a, b) => (!a.has ? b : !b.has ? a : { has: true, v: fn(a.v as T, b.v as T) }),
  };
}
