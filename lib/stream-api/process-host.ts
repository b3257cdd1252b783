// The host that runs a user ProcessFunction as an ordinary dataflow Operator (lib/exec/operator.ts):
// the same push / watermark / flush / snapshot / restore contract as SQL's operators, so user
// operators ride the one execution path. Keyed state lives in KeyedState; event-time timers in a
// TimerWheel advanced by watermarks, processing-time timers in a second wheel advanced by the
// clock at every step's flush.

import type { Batch } from '../exec/batch.js';
import type { Operator, Output } from '../exec/operator.js';
import { TimerWheel } from '../exec/timer-wheel.js';
import { KeyedState } from './keyed-state.js';
import type { PipelineMonitor } from './monitor.js';
import { eventsOf, objectBatch } from './object-batch.js';
import type { SideOutputs } from './side-outputs.js';
import type { OutputTag, ProcessContext, ProcessFunction, TimerInfo, TimerService } from './types.js';

type Domain = TimerInfo['domain'];

interface PendingTimer {
  key: unknown;
  time: number;
}

export interface HostOptions {
  name: string;
  keyOf: ((event: unknown) => unknown) | undefined;
  monitor: PipelineMonitor;
  sides: SideOutputs;
  clock: () => number;
  restore?: unknown;
}

function timerId(key: unknown, time: number): string {
  return `${typeof key}:${String(key)}\u0000${time}`;
}

export class ProcessHost implements Operator {
  private readonly state: KeyedState;
  private readonly eventTimers = new TimerWheel<string>(-1);
  private readonly procTimers = new TimerWheel<string>(-1);
  private readonly pending = { 'event-time': new Map<string, PendingTimer>(), 'processing-time': new Map<string, PendingTimer>() };
  private out: unknown[] = [];
  private wm = -Infinity;
  private opened = false;
  private failedHere = false;
  private readonly ctx: ProcessContext<unknown, unknown>;

  constructor(
    private readonly output: Output,
    private readonly fn: ProcessFunction<unknown, unknown, unknown>,
    private readonly opts: HostOptions,
  ) {
    this.state = new KeyedState(opts.name);
    const host = this;
    const timers: TimerService = {
      registerEventTimeTimer: (t) => this.register('event-time', t),
      deleteEventTimeTimer: (t) => this.unregister('event-time', t),
      registerProcessingTimeTimer: (t) => this.register('processing-time', t),
      deleteProcessingTimeTimer: (t) => this.unregister('processing-time', t),
      currentProcessingTime: () => opts.clock(),
    };
    this.ctx = {
      get key() {
        return host.state.currentKey;
      },
      get watermark() {
        return host.wm;
      },
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
        this.state.currentKey = keyOf === undefined ? undefined : keyOf(e);
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
    if (!this.opts.monitor.failed) {
      this.fire('event-time', this.eventTimers.advance(wm));
      this.drainAll();
    }
    this.output.watermark(wm);
  }

  flush(): void {
    if (this.opts.monitor.failed || this.procTimers.size === 0) return;
    this.fire('processing-time', this.procTimers.advance(this.opts.clock()));
    this.drainAll();
  }

  snapshot(): unknown {
    return {
      state: this.state.snapshot(),
      wm: this.wm,
      timers: [...this.pending['event-time'].values()].map((t) => ['event-time', t.key, t.time]).concat(
        [...this.pending['processing-time'].values()].map((t) => ['processing-time', t.key, t.time]),
      ),
      user: this.fn.snapshot ? this.fn.snapshot() : undefined,
    };
  }

  restore(snap: unknown): void {
    const s = snap as { state: unknown; wm: number; timers: [Domain, unknown, number][]; user: unknown };
    this.state.restore(s.state);
    this.wm = s.wm;
    for (const [domain, key, time] of s.timers) {
      const id = timerId(key, time);
      this.pending[domain].set(id, { key, time });
      (domain === 'event-time' ? this.eventTimers : this.procTimers).schedule(id, time);
    }
    if (s.user !== undefined && this.fn.restore) this.fn.restore(s.user);
  }

  stateSize(): number {
    return this.state.size() + this.eventTimers.size + this.procTimers.size;
  }

  close(): void {
    if (this.opened && this.fn.close) this.fn.close();
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
    const key = this.state.currentKey;
    const id = timerId(key, time);
    this.pending[domain].set(id, { key, time });
    (domain === 'event-time' ? this.eventTimers : this.procTimers).schedule(id, time);
  }

  private unregister(domain: Domain, time: number): void {
    const id = timerId(this.state.currentKey, time);
    this.pending[domain].delete(id);
    (domain === 'event-time' ? this.eventTimers : this.procTimers).cancel(id);
  }

  private fire(domain: Domain, fired: readonly { key: string; time: number }[]): void {
    if (fired.length === 0 || !this.ensureOpen()) return;
    const onTimer = this.fn.onTimer;
    const pending = this.pending[domain];
    for (const f of fired) {
      const t = pending.get(f.key);
      if (!t) continue;
      this.state.currentKey = t.key;
      try {
        if (onTimer) onTimer.call(this.fn, { time: t.time, domain }, this.ctx);
      } catch (err) {
        // the timer stays pending (and in snapshots): a restored pipeline fires it again
        (domain === 'event-time' ? this.eventTimers : this.procTimers).schedule(f.key, t.time);
        this.opts.monitor.fail(this.opts.name, `onTimer(${domain} ${t.time})`, { key: t.key, time: t.time }, err);
        return;
      }
      // a timer the callback re-registered for the same time stays; otherwise it is done
      if (pending.get(f.key) === t) pending.delete(f.key);
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
