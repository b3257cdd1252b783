// The typed stream builder: DataStream<T> / KeyedStream<K, T> describe a pipeline lazily (a DAG
// of stages); a terminal call (`to`, `forEach`) builds every stage as a dataflow Operator,
// attaches them to the engine's live dataflow fed by the input relations, and returns a Pipeline.

import type { Operator, Output } from '../exec/operator.js';
import { DecodeOp, FilterOp, FlatMapOp, MapOp, SinkOp, UnionOp } from './basic-ops.js';
import { ProcessHost } from './process-host.js';
import { IntervalJoinOp, type IntervalJoinSpec } from './join.js';
import { SideOutputOp } from './side-outputs.js';
import type { AggregateFunction, OutputTag, ProcessFunction, StreamKey } from './types.js';
import { WindowProcess, reducer, type WindowResult, type WindowSpec } from './window.js';
import type { BuildContext, Pipeline, StreamRuntime } from './pipeline.js';
import { buildPipeline } from './pipeline.js';

/** One stage of the DAG: how to make its operator, and what feeds it. */
export interface Stage {
  id: string;
  /** a relation read with SELECT * (a leaf), or an operator stage */
  relation?: string;
  /** how a leaf hands TIMESTAMP values to user code: Date (default) or epoch ms */
  timestamps?: 'date' | 'ms';
  make?: (out: Output, ctx: BuildContext, id: string) => Operator;
  inputs: Stage[];
  /** side-output stages hang off a producer and are fed by its ctx.output calls */
  sideOf?: { stage: Stage; tag: string };
}

export interface SinkOptions {
  /**
   * A stable name (`to(name)` names its pipeline after the target). On a durable database a
   * named pipeline is part of every checkpoint, and declaring it again under the same name after
   * open() continues from its checkpointed state (docs/operator-api.md).
   */
  name?: string;
  /** a snapshot from `pipeline.snapshot()` to start from (a restart) */
  restore?: Record<string, unknown>;
  /** processing-time clock (default Date.now) */
  clock?: () => number;
  /** called once if user code throws; the pipeline stops, the rest of the database goes on */
  onError?: (error: Error) => void;
}

export class DataStream<T> {
  /** @internal */
  constructor(
    readonly runtime: StreamRuntime,
    readonly stage: Stage,
  ) {}

  private next<U>(label: string, make: Stage['make'], inputs: Stage[] = [this.stage]): DataStream<U> {
    return new DataStream<U>(this.runtime, { id: this.runtime.stageId(label), make, inputs });
  }

  map<U>(fn: (event: T) => U): DataStream<U> {
    return this.next('map', (out, c, id) => new MapOp(out, id, fn as (e: unknown) => unknown, c.monitor));
  }

  filter<S extends T>(fn: (event: T) => event is S): DataStream<S>;
  filter(fn: (event: T) => boolean): DataStream<T>;
  filter(fn: (event: T) => boolean): DataStream<T> {
    return this.next('filter', (out, c, id) => new FilterOp(out, id, fn as (e: unknown) => boolean, c.monitor));
  }

  flatMap<U>(fn: (event: T) => Iterable<U>): DataStream<U> {
    return this.next('flatMap', (out, c, id) => new FlatMapOp(out, id, fn as (e: unknown) => Iterable<unknown>, c.monitor));
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) {
      if (o.runtime !== this.runtime) throw new TypeError('union: streams belong to different databases');
    }
    const inputs = [this.stage, ...others.map((o) => o.stage)];
    return this.next('union', (out) => new UnionOp(out, inputs.length), inputs);
  }

  keyBy<K extends StreamKey>(keyOf: (event: T) => K): KeyedStream<K, T> {
    return new KeyedStream<K, T>(this.runtime, this.stage, keyOf);
  }

  /** A custom operator without keys (ctx.key is undefined; state is per operator). */
  process<O>(fn: ProcessFunction<undefined, T, O>): DataStream<O> {
    return processStage<undefined, T, O>(this, fn, undefined);
  }

  /** The events `ctx.output(tag, …)` sent from this stream's producing operator. */
  sideOutput<S>(tag: OutputTag<S>): DataStream<S> {
    const producer = this.stage;
    return new DataStream<S>(this.runtime, {
      id: this.runtime.stageId(`side:${tag.id}`),
      make: (out, c) => {
        const op = new SideOutputOp(out);
        c.sides.attach(tag.id, op);
        return op;
      },
      inputs: [producer],
      sideOf: { stage: producer, tag: tag.id },
    });
  }

  /** Run the pipeline, handing each step's events to `fn` (once per step, after it ends). */
  forEach(fn: (events: T[]) => void, options: SinkOptions = {}): Pipeline {
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0)) {
      throw new TypeError(`forEach: options.name must be a non-empty string, got ${JSON.stringify(options.name)}`);
    }
    const sink = this.next<never>('sink', (out, c, id) => new SinkOp(out, id, fn as (e: unknown[]) => void, c.monitor));
    return buildPipeline(this.runtime, sink.stage, options);
  }

  /**
   * Register the result as a named stream SQL can read: a SOURCE `name` with the given column
   * definitions (e.g. "card VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts").
   * Each step's events are inserted into it as one atomic insert.
   */
  to(name: string, columns: string, options: SinkOptions = {}): Pipeline {
    // on a durable database a pipeline declared again after open() finds its target there
    if (!this.runtime.targetExists(name)) this.runtime.createSource(name, columns);
    const runtime = this.runtime;
    const sink = this.next<never>('sink', (out, c, id) =>
      new SinkOp(out, id, (events) => {
        if (!c.replay.suppressOutput) runtime.insert(name, events as object[]);
      }, c.monitor),
    );
    return buildPipeline(this.runtime, sink.stage, { ...options, name: options.name ?? name }, name);
  }
}

function processStage<K, T, O>(s: DataStream<T>, fn: ProcessFunction<K, T, O>, keyOf: ((e: T) => K) | undefined): DataStream<O> {
  if (typeof fn?.process !== 'function') throw new TypeError('process(operator): the operator needs a process(event, ctx) method');
  const label = fn.name ?? (fn.constructor !== Object ? fn.constructor.name : 'process');
  return new DataStream<O>(s.runtime, {
    id: s.runtime.stageId(label),
    make: (out, c, id) =>
      new ProcessHost(out, fn as ProcessFunction<unknown, unknown, unknown>, {
        name: id,
        keyOf: keyOf as ((e: unknown) => unknown) | undefined,
        monitor: c.monitor,
        sides: c.sides,
        clock: c.clock,
        restore: c.restore[id],
      }),
    inputs: [s.stage],
  });
}

export class KeyedStream<K extends StreamKey, T> {
  /** @internal */
  constructor(
    readonly runtime: StreamRuntime,
    readonly stage: Stage,
    readonly keyOf: (event: T) => K,
  ) {}

  /** A keyed custom operator: ctx.key is the event's key; state and timers are per key. */
  process<O>(fn: ProcessFunction<K, T, O>): DataStream<O> {
    return processStage<K, T, O>(new DataStream<T>(this.runtime, this.stage), fn, this.keyOf);
  }

  /**
   * Interval join with another keyed stream: pairs (l, r) of equal keys with
   * l.time + lowerMs <= r.time <= l.time + upperMs, each pair mapped by `join`.
   */
  intervalJoin<R, O>(
    right: KeyedStream<K, R>,
    spec: {
      lowerMs: number;
      upperMs: number;
      leftTime: (event: T) => unknown;
      rightTime: (event: R) => unknown;
      join: (left: T, right: R, key: K) => O;
    },
  ): DataStream<O> {
    if (right.runtime !== this.runtime) throw new TypeError('intervalJoin: streams belong to different databases');
    if (!(Number.isFinite(spec.lowerMs) && Number.isFinite(spec.upperMs) && spec.lowerMs <= spec.upperMs)) {
      throw new RangeError(`intervalJoin: need finite lowerMs <= upperMs, got [${spec.lowerMs}, ${spec.upperMs}]`);
    }
    const joinSpec: IntervalJoinSpec = {
      lower: spec.lowerMs,
      upper: spec.upperMs,
      keyOf: [this.keyOf as (e: unknown) => unknown, right.keyOf as (e: unknown) => unknown],
      timeOf: [spec.leftTime as (e: unknown) => unknown, spec.rightTime as (e: unknown) => unknown],
      join: spec.join as IntervalJoinSpec['join'],
    };
    return new DataStream<O>(this.runtime, {
      id: this.runtime.stageId('intervalJoin'),
      make: (out, c, id) => new IntervalJoinOp(out, id, joinSpec, c.monitor, c.restore[id]),
      inputs: [this.stage, right.stage],
    });
  }

  /** Event-time windows per key; `timeOf` gives an event's time (Date, epoch ms or string). */
  window(spec: WindowSpec, timeOf: (event: T) => unknown, options: { lateTag?: OutputTag<T> } = {}): WindowedStream<K, T> {
    return new WindowedStream<K, T>(this, spec, timeOf, options.lateTag);
  }
}

export class WindowedStream<K extends StreamKey, T> {
  constructor(
    private readonly keyed: KeyedStream<K, T>,
    private readonly spec: WindowSpec,
    private readonly timeOf: (event: T) => unknown,
    private readonly lateTag?: OutputTag<T>,
  ) {}

  aggregate<A, O>(fn: AggregateFunction<T, A, O>): DataStream<WindowResult<K, O>> {
    return this.keyed.process(new WindowProcess<K, T, A, O>(this.spec, this.timeOf, fn, this.lateTag));
  }

  reduce(fn: (a: T, b: T) => T): DataStream<WindowResult<K, T>> {
    return this.aggregate(reducer(fn));
  }
}
