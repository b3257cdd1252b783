// The host that runs a user ProcessFunction as an ordinary dataflow Operator (lib/exec/operator.ts):
// the same push / watermark / flush / snapshot / restore contract as SQL's operators, so user
// operators ride the one execution path. Keyed state lives in KeyedState (a native state store,
// committed at the end of every step, in flush: checkpoints and snapshots fall between steps, and
// snapshot() commits first anyway); event-time timers in a TimerWheel advanced by watermarks,
// processing-time timers in a second wheel advanced by the clock at every step's flush. Timers
// and the watermark are part of the snapshot, so a checkpoint holds everything the operator
// needs to continue.

import type { Batch } from '../exec/batch.js';
import type { Operator, Output } from '../exec/operator.js';
import { TimerWheel } from '../exec/timer-wheel.js';
import { KeyedState } from './keyed-state.js';
import type { PipelineMonitor } from './monitor.js';
import { eventsOf, objectBatch } from './object-batch.js';
import type { SideOutputs } from './side-outputs.js';
import type { OutputTag, ProcessContext, ProcessFunction, TimerInfo, TimerService } from './types.js';

type Domain = TimerInfo['domain'];
/** ctx with key and watermark as data fields the host sets: they are read per event, and the getters they were showed up at ~20 ns per event in a profile */
type HostContext = { -readonly [P in keyof ProcessContext<unknown, unknown>]: ProcessContext<unknown, unknown>[P] };


export interface HostOptions {
  name: string;
  keyOf: ((event: unknown) => unknown) | undefined;
  monitor: PipelineMonitor;
  sides: SideOutputs;
  clock: () => number;
  restore?: unknown;
}


export class ProcessHost implements Operator {
  private readonly state: KeyedState;
  // one wheel entry per distinct time; the keys due then in insertion order (windows of many
  // keys share an end, so this keeps the wheel small and allocates nothing per key)
  private readonly eventTimers = new TimerWheel<number>(-1);
  private readonly procTimers = new TimerWheel<number>(-1);
  private readonly pending = { 'event-time': new Map<number, Set<unknown>>(), 'processing-time': new Map<number, Set<unknown>>() };
  /** the key set registered into last (the keys of a batch mostly share a window end) */
  private lastTimers: { domain: Domain; time: number; keys: Set<unknown> } | undefined;
  private out: unknown[] = [];
  private wm = -Infinity;
  private opened = false;
  private failedHere = false;
  private readonly ctx: HostContext;

  constructor(
    private readonly output: Output,
    private readonly fn: ProcessFunction<unknown, unknown, unknown>,
    private readonly opts: HostOptions,
  ) {
    this.state = new KeyedState(opts.name);
    const timers: TimerService = {
      registerEventTimeTimer: (t) => this.register('event-time', t),
      deleteEventTimeTimer: (t) => this.unregister('event-time', t),
      registerProcessingTimeTimer: (t) => this.register('processing-time', t),
      deleteProcessingTimeTimer: (t) => this.unregister('processing-time', t),
      currentProcessingTime: () => opts.clock(),
    };
    this.ctx = {
      key: undefined,
      watermark: -Infinity,
      state: this.state,
      timers,
      emit: (v) => {
        this.out.push(v);
      },
      output: <S>(tag: OutputTag<S>, v: S) => {
        opts.sides.emit(tag.id, v);
      },
    };
    if (opts.restore !== undefined) this.restore(opts.restore);
  }

  push(batch: Batch, _port: number): void {
    const monitor = this.opts.monitor;
    if (this.failedHere) return;
    if (!this.ensureOpen()) return;
    const events = eventsOf(batch);
    const keyOf = this.opts.keyOf;
    const fn = this.fn;
    const ctx = this.ctx;
    for (let i = 0; i < batch.length; i++) {
      const e = events[i];
      try {
        const key = keyOf === undefined ? undefined : keyOf(e);
        this.state.currentKey = key;
        ctx.key = key;
        fn.process(e, ctx);
      } catch (err) {
        this.failedHere = true;
        monitor.fail(this.opts.name, 'process', e, err);
        break; // what was emitted before the failure still goes out; state stays as it is
      }
    }
    this.drainAll();
  }

  watermark(wm: number, _port: number): void {
    if (wm <= this.wm) return;
    this.wm = wm;
    this.ctx.watermark = wm;
    if (!this.opts.monitor.failed) {
      // timers that onTimer registers at or before the watermark fire in this same advance
      for (let fired = this.eventTimers.advance(wm); fired.length > 0 && !this.opts.monitor.failed; fired = this.eventTimers.advance(wm)) {
        this.fire('event-time', fired);
      }
      this.drainAll();
    }
    this.output.watermark(wm);
  }

  /** The end of a step: processing-time timers, then the step's state changes go to the store. */
  flush(): void {
    if (!this.opts.monitor.failed && this.procTimers.size > 0) {
      this.fire('processing-time', this.procTimers.advance(this.opts.clock()));
      this.drainAll();
    }
    this.state.commit();
  }

  snapshot(): unknown {
    return {
      state: this.state.snapshot(),
      wm: this.wm,
      timers: this.timerList(),
      user: this.fn.snapshot ? this.fn.snapshot() : undefined,
    };
  }

  restore(snap: unknown): void {
    const s = snap as { state: unknown; wm: number; timers: [Domain, unknown, number][]; user: unknown };
    this.state.restore(s.state);
    this.wm = s.wm;
    this.ctx.watermark = s.wm;
    for (const [domain, key, time] of s.timers) this.add(domain, key, time);
    if (s.user !== undefined && this.fn.restore) this.fn.restore(s.user);
  }

  stateSize(): number {
    let timers = 0;
    for (const set of this.pending['event-time'].values()) timers += set.size;
    for (const set of this.pending['processing-time'].values()) timers += set.size;
    return this.state.size() + timers;
  }

  private timerList(): [Domain, unknown, number][] {
    const list: [Domain, unknown, number][] = [];
    for (const domain of ['event-time', 'processing-time'] as const) {
      for (const [time, keys] of this.pending[domain]) for (const key of keys) list.push([domain, key, time]);
    }
    return list;
  }

  private add(domain: Domain, key: unknown, time: number): void {
    const last = this.lastTimers;
    if (last !== undefined && last.time === time && last.domain === domain) {
      last.keys.add(key);
      return;
    }
    const pending = this.pending[domain];
    let keys = pending.get(time);
    if (keys === undefined) {
      pending.set(time, (keys = new Set()));
      (domain === 'event-time' ? this.eventTimers : this.procTimers).schedule(time, time);
    }
    keys.add(key);
    this.lastTimers = { domain, time, keys };
  }

  close(): void {
    try {
      if (this.opened && this.fn.close) this.fn.close();
    } finally {
      this.state.close();
    }
  }

  /** The decoded keyed state (tests and debugging). */
  dumpState(): { state: string; key: unknown; value: unknown }[] {
    return this.state.dump();
  }

  private ensureOpen(): boolean {
    if (this.opened) return true;
    this.opened = true;
    if (!this.fn.open) return true;
    try {
      this.fn.open(this.ctx);
      return true;
    } catch (err) {
      this.opts.monitor.fail(this.opts.name, 'open', undefined, err);
      return false;
    }
  }

  private register(domain: Domain, time: number): void {
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new RangeError(`timer time must be a finite number of epoch ms, got ${String(time)}`);
    this.add(domain, this.state.currentKey, time);
  }

  private unregister(domain: Domain, time: number): void {
    const keys = this.pending[domain].get(time);
    if (keys === undefined || !keys.delete(this.state.currentKey) || keys.size > 0) return;
    this.pending[domain].delete(time);
    this.lastTimers = undefined;
    (domain === 'event-time' ? this.eventTimers : this.procTimers).cancel(time);
  }

  private fire(domain: Domain, fired: readonly { key: number; time: number }[]): void {
    if (fired.length === 0 || !this.ensureOpen()) return;
    const onTimer = this.fn.onTimer;
    const pending = this.pending[domain];
    for (const f of fired) {
      const time = f.key;
      const keys = pending.get(time);
      if (keys === undefined) continue;
      // callbacks registering a timer at this same time start a new set (fired on the next advance)
      pending.delete(time);
      this.lastTimers = undefined;
      if (onTimer === undefined) continue;
      const info: TimerInfo = { time, domain };
      let done = 0;
      for (const key of keys) {
        this.state.currentKey = key;
        this.ctx.key = key;
        try {
          onTimer.call(this.fn, info, this.ctx);
          done++;
        } catch (err) {
          // the failed timer and those not yet fired stay pending (and in snapshots); counted,
          // not deleted one by one from the set, so a firing costs no set update
          let i = 0;
          for (const k of keys) if (i++ >= done) this.add(domain, k, time);
          this.opts.monitor.fail(this.opts.name, `onTimer(${domain} ${time})`, { key, time }, err);
          return;
        }
      }
    }
  }

  private drain(): void {
    if (this.out.length === 0) return;
    const events = this.out;
    this.out = [];
    this.output.push(objectBatch(events));
  }

  /** Side outputs go out after the main output of the same call. */
  private drainAll(): void {
    this.drain();
    this.opts.sides.drain();
  }
}
