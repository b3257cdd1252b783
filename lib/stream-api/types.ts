// Public types of the operator API: user operators, their context, keyed state handles.

/** Keys of a keyed stream: compared by value (Map semantics). */
export type StreamKey = string | number | bigint | boolean;

/** A named channel for side outputs; `stream.sideOutput(tag)` reads it. */
export class OutputTag<T> {
  /** phantom field that carries T for type inference */
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (typeof id !== 'string' || id.length === 0) throw new TypeError('OutputTag needs a non-empty id');
  }
}

export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  update(values: readonly T[]): void;
  clear(): void;
}

export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  has(key: K): boolean;
  remove(key: K): void;
  entries(): IterableIterator<[K, V]>;
  clear(): void;
}

/** An accumulator: create → add* → result (merge is optional, used by session windows). */
export interface AggregateFunction<I, A, O> {
  create(): A;
  add(acc: A, value: I): A;
  result(acc: A): O;
  merge?(a: A, b: A): A;
}

export interface AggregatingState<I, O> {
  get(): O | undefined;
  add(value: I): void;
  clear(): void;
}

/** Keyed state of the current key (each handle is scoped to `ctx.key`). */
export interface KeyedStateStore {
  value<T>(name: string): ValueState<T>;
  list<T>(name: string): ListState<T>;
  map<K, V>(name: string): MapState<K, V>;
  aggregating<I, A, O>(name: string, fn: AggregateFunction<I, A, O>): AggregatingState<I, O>;
}

export interface TimerService {
  /** fire `onTimer` for the current key once the watermark reaches `time` (epoch ms) */
  registerEventTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  /** fire `onTimer` once the processing-time clock reaches `time` (checked at every step) */
  registerProcessingTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  currentProcessingTime(): number;
}

export interface ProcessContext<K, O> {
  /** the current key (undefined on a non-keyed stream) */
  readonly key: K;
  /** the current watermark of this operator's input (-Infinity before the first) */
  readonly watermark: number;
  readonly state: KeyedStateStore;
  readonly timers: TimerService;
  emit(value: O): void;
  output<S>(tag: OutputTag<S>, value: S): void;
}

export interface TimerInfo {
  time: number;
  domain: 'event-time' | 'processing-time';
}

/** A custom operator (Flink's KeyedProcessFunction): only `process` is required. */
export interface ProcessFunction<K, I, O> {
  /** a name used in error messages and metrics (default: the class name) */
  name?: string;
  open?(ctx: ProcessContext<K, O>): void;
  process(event: I, ctx: ProcessContext<K, O>): void;
  onTimer?(timer: TimerInfo, ctx: ProcessContext<K, O>): void;
  close?(): void;
  /** state kept outside ctx: return it here to have it checkpointed */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

/** Snapshot of a whole pipeline (stage id → operator snapshot), structured-clone data. */
export type PipelineSnapshot = Record<string, unknown>;
