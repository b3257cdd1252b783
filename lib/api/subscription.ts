// Subscriptions to a view's changes. The engine delivers each propagation step's consolidated
// changes synchronously (inside the insert that caused them); a Subscription either hands them to
// an onChange callback right there, or buffers them for async iteration. The buffer is bounded:
// producers can watch `pending` and await `drained()`, and an overflow follows a chosen policy
// instead of growing memory without limit.

import { LaminarError } from '../errors.js';
import type { EngineChange, EngineSubscription } from '../engine/types.js';
import type { ChangePosition } from '../storage/sink-protocol.js';

export type { ChangePosition };

/** One change of a view: an inserted row, a deleted row, or an updated row with its old version. */
export interface Change<Row = Record<string, unknown>> {
  op: 'insert' | 'delete' | 'update';
  row: Row;
  /** the previous version of the row (updates only) */
  old?: Row;
  /**
   * durable databases: the change's place in the view's change stream, the same in every run.
   * Store it with your output and pass it as `subscribe(name, { from })` to resume after it.
   */
  position?: ChangePosition;
}

/** What happens when an iterated subscription's buffer is full and another change arrives. */
export type OverflowPolicy = 'error' | 'drop-oldest';

export interface SubscribeOptions<Row = Record<string, unknown>> {
  /** receive each change synchronously instead of iterating */
  onChange?: (change: Change<Row>) => void;
  /** called when onChange throws (the subscription is closed first); default: rethrown asynchronously */
  onError?: (error: unknown) => void;
  /** first deliver the view's current rows as inserts */
  snapshot?: boolean;
  /** most changes buffered for async iteration (default: the database's subscriptionBufferSize) */
  bufferSize?: number;
  /** overflow policy of the buffer (default: the database's subscriptionOverflow, 'error') */
  overflow?: OverflowPolicy;
  /**
   * durable databases, views kept in the `changelog` open option: first deliver every retained
   * change after this position (none missing, none repeated), then continue live. Excludes `snapshot`.
   */
  from?: ChangePosition;
}

export const DEFAULT_BUFFER_SIZE = 65_536;

type Decoder<Row> = (change: EngineChange) => Change<Row>;
type Waiter<Row> = { resolve: (r: IteratorResult<Change<Row>>) => void; reject: (e: unknown) => void };

export class Subscription<Row = Record<string, unknown>> implements AsyncIterable<Change<Row>> {
  /** the subscribed view */
  readonly name: string;
  #engineSub: EngineSubscription | undefined;
  readonly #decode: Decoder<Row>;
  readonly #onChange: ((change: Change<Row>) => void) | undefined;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #bufferSize: number;
  readonly #overflow: OverflowPolicy;
  readonly #onClosed: (sub: Subscription<Row>) => void;
  // queue of undecoded engine changes: decoding happens when the consumer takes them
  #buffer: EngineChange[] = [];
  #head = 0;
  #waiters: Waiter<Row>[] = [];
  #drainWaiters: (() => void)[] = [];
  #ended = false; // no more changes will arrive (buffered ones may still be read)
  #failure: unknown = undefined;
  #dropped = 0;
  // the snapshot is delivered while attaching: it is as large as the view (already in memory), not a
  // producer running ahead, so it does not count against the bound
  #attaching = true;

  /** @internal created by Database.subscribe */
  constructor(
    name: string,
    decode: Decoder<Row>,
    options: Required<Pick<SubscribeOptions<Row>, 'bufferSize' | 'overflow'>> & SubscribeOptions<Row>,
    attach: (listener: (changes: EngineChange[]) => void) => EngineSubscription,
    onClosed: (sub: Subscription<Row>) => void,
  ) {
    this.name = name;
    this.#decode = decode;
    this.#onChange = options.onChange;
    this.#onError = options.onError;
    this.#bufferSize = options.bufferSize;
    this.#overflow = options.overflow;
    this.#onClosed = onClosed;
    const listener = this.#onChange ? (cs: EngineChange[]) => this.#deliver(cs) : (cs: EngineChange[]) => this.#enqueue(cs);
    // attach last: a snapshot may be delivered synchronously from inside engine.subscribe
    const engineSub = attach(listener);
    this.#attaching = false;
    if (this.#ended) engineSub.close();
    else this.#engineSub = engineSub;
  }

  /** changes buffered and not yet taken by the consumer (always 0 with onChange) */
  get pending(): number {
    return this.#buffer.length - this.#head;
  }

  /** changes discarded by the 'drop-oldest' overflow policy */
  get dropped(): number {
    return this.#dropped;
  }

  /** true once the subscription receives no more changes (closed, overflowed, view dropped or database closed) */
  get closed(): boolean {
    return this.#ended;
  }

  /** resolves when every buffered change has been taken by the consumer (or discarded by close()) */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** stop receiving changes and discard buffered ones; iteration ends. Closing twice is harmless. */
  close(): void {
    this.#buffer = [];
    this.#head = 0;
    this.#failure = undefined;
    this.#end();
    this.#notifyDrained(); // also when the database had already ended it with changes buffered
  }

  /**
   * @internal the database closed (or the view was dropped: then `failure` is what the
   * iteration throws after the buffered changes): stop receiving, let the consumer read what is buffered.
   */
  end(failure?: unknown): void {
    if (this.#ended) return;
    if (failure !== undefined) this.#failure = failure;
    this.#end();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Change<Row>> {
    if (this.#onChange) {
      throw new LaminarError(
        'INVALID_ARGUMENT',
        `subscription to "${this.name}" delivers to onChange; subscribe without onChange to iterate`,
      );
    }
    return {
      next: () => this.#next(),
      return: () => {
        this.close();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  #next(): Promise<IteratorResult<Change<Row>>> {
    if (this.#head < this.#buffer.length) {
      const change = this.#take();
      return Promise.resolve({ done: false, value: change });
    }
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#failure = undefined; // reported once, then the iteration is simply over
      return Promise.reject(failure);
    }
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #take(): Change<Row> {
    const raw = this.#buffer[this.#head]!;
    this.#head++;
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
      this.#notifyDrained();
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    return this.#decode(raw);
  }

  #enqueue(changes: EngineChange[]): void {
    if (this.#ended) return;
    let i = 0;
    // hand changes straight to consumers already waiting
    while (i < changes.length && this.#waiters.length > 0 && this.pending === 0) {
      this.#waiters.shift()!.resolve({ done: false, value: this.#decode(changes[i++]!) });
    }
    for (; i < changes.length; i++) {
      if (this.pending >= this.#bufferSize && !this.#attaching) {
        if (this.#overflow === 'drop-oldest') {
          this.#head++;
          this.#dropped++;
        } else {
          this.#failure = new LaminarError(
            'SUBSCRIPTION_OVERFLOW',
            `subscription to "${this.name}" overflowed: ${this.#bufferSize} changes buffered and not consumed ` +
              `(raise bufferSize, consume faster, await subscription.drained() before inserting more, or use overflow: 'drop-oldest')`,
          );
          this.#end();
          return;
        }
      }
      this.#buffer.push(changes[i]!);
    }
  }

  #deliver(changes: EngineChange[]): void {
    if (this.#ended) return;
    const onChange = this.#onChange!;
    for (let i = 0; i < changes.length; i++) {
      try {
        onChange(this.#decode(changes[i]!));
      } catch (error) {
        this.close();
        if (this.#onError) this.#onError(error);
        // like an EventEmitter 'error' without a listener: surface it, but not inside the insert
        else queueMicrotask(() => {
          throw error;
        });
        return;
      }
      if (this.#ended) return; // onChange closed the subscription
    }
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const engineSub = this.#engineSub;
    this.#engineSub = undefined;
    engineSub?.close();
    this.#onClosed(this);
    if (this.pending === 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      const failure = this.#failure;
      if (failure !== undefined && waiters.length > 0) {
        this.#failure = undefined;
        waiters.shift()!.reject(failure);
      }
      for (const w of waiters) w.resolve({ done: true, value: undefined });
      this.#notifyDrained();
    }
  }

  #notifyDrained(): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
