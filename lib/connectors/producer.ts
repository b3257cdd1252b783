// One running producer: a loop that generates a batch, inserts it through the database's columnar
// insert path, and yields to the event loop (setImmediate, or a timer when a rate limit says to
// wait) before the next. A nexmark producer feeds every source sharing its generator.

import type { ConnectorPlan } from './registry.js';
import { NexmarkFeed, tableColumns, type NexmarkTable } from './nexmark.js';
import { FileFeed } from './file.js';

/** What a producer needs from the database. */
export interface ProducerHost {
  insertColumns(source: string, columns: ArrayLike<unknown>[], length: number): void;
  /** inserts row objects with db.insert's validation (JSON lines) */
  insertRows(source: string, rows: object[]): void;
  /** moves a finished bounded source's watermark to the end of time (closes every window) */
  finishSource(source: string): void;
  /** a durable database: resolves when every row inserted so far is on disk */
  flush(): Promise<void>;
  /** a producer failed (it has stopped) */
  failed(producer: Producer, error: unknown): void;
  /** the producer's position moved past a durable point (or it stopped): record the offsets */
  progressed(producer: Producer): void;
}

export type ProducerState = 'running' | 'finished' | 'failed' | 'stopped' | 'paused';

export interface Member {
  readonly source: string;
  /** the CREATE statement: a re-created source of the same name is a new member */
  readonly sql: string;
  readonly table: NexmarkTable | undefined;
  rows: number;
}

/** Milliseconds between durable points (flush + offsets) of a producer in a durable database. */
const DURABLE_POINT_MS = 1000;

export class Producer {
  readonly connector: string;
  readonly key: string;
  readonly members = new Map<string, Member>();
  state: ProducerState = 'paused';
  error: unknown;
  /** units produced (rows for datagen, events for nexmark) */
  position: number;
  readonly limit: number | undefined;
  /** time spent inside insert calls (engine + views + subscribers), and their count */
  insertMs = 0;
  batches = 0;
  readonly #plan: ConnectorPlan;
  readonly #host: ProducerHost;
  readonly #durable: boolean;
  readonly #rate: number | undefined;
  readonly #batch: number;
  #startMs = 0;
  #paceFrom = 0;
  #paceTime = 0;
  #lastDurablePoint = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #feed: NexmarkFeed | undefined;
  #file: FileFeed | undefined;
  #busy: Promise<void> | undefined;
  readonly #finishedBefore: boolean;

  /** `finished`: it finished before a reopen (a file source then needs no file) */
  constructor(plan: ConnectorPlan, key: string, host: ProducerHost, options: { position: number; durable: boolean; finished?: boolean }) {
    this.#finishedBefore = options.finished === true;
    this.#plan = plan;
    this.connector = plan.connector;
    this.key = key;
    this.#host = host;
    this.#durable = options.durable;
    const p = plan.connector === 'datagen' ? plan.datagen : plan.connector === 'nexmark' ? plan.nexmark : plan.file;
    // a file's length in rows is known only at its end
    this.limit = plan.connector === 'datagen' ? plan.datagen.limit : plan.connector === 'nexmark' ? plan.nexmark.events : undefined;
    this.#rate = plan.connector === 'datagen' ? plan.datagen.rowsPerSecond : plan.connector === 'nexmark' ? plan.nexmark.eventsPerSecond : plan.file.rowsPerSecond;
    // with a rate limit, at least ~50 batches a second so the rate is smooth, not bursts
    this.#batch = this.#rate === undefined ? p.batchSize : Math.max(1, Math.min(p.batchSize, Math.ceil(this.#rate / 50)));
    this.position = Math.min(options.position, this.limit ?? Infinity);
  }

  start(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.#startMs = Date.now();
    this.#paceFrom = this.position;
    this.#paceTime = performance.now();
    this.#lastDurablePoint = this.#paceTime;
    if (this.#finishedBefore) {
      this.#finish();
      return;
    }
    if (this.#plan.connector === 'nexmark') this.#feed = new NexmarkFeed(this.#plan.nexmark, this.#startMs);
    if (this.#plan.connector === 'file') {
      try {
        this.#file = new FileFeed(this.#plan.file, [...this.members.keys()][0]!, this.position);
      } catch (error) {
        this.#fail(error);
        return;
      }
    }
    this.#schedule();
  }

  /** Stops producing; resolves once a batch under way (a durable point) has ended. */
  async stop(): Promise<void> {
    if (this.state === 'running' || this.state === 'paused') this.state = 'stopped';
    this.#cancel();
    await this.#busy;
    this.#closeFile();
  }

  #closeFile(): void {
    this.#file?.close();
    this.#file = undefined;
  }

  #fail(error: unknown): void {
    this.state = 'failed';
    this.error = error;
    this.#closeFile();
    this.#host.failed(this, error);
  }

  #cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  #schedule(): void {
    if (this.state !== 'running') return;
    if ((this.limit !== undefined && this.position >= this.limit) || this.#file?.done === true) {
      this.#finish();
      return;
    }
    const wait = this.#rate === undefined ? 0 : this.#paceTime + ((this.position - this.#paceFrom) * 1000) / this.#rate - performance.now();
    if (wait >= 1) this.#timer = setTimeout(() => this.#tick(), wait);
    else this.#immediate = setImmediate(() => this.#tick());
  }

  #tick(): void {
    this.#timer = undefined;
    this.#immediate = undefined;
    if (this.state !== 'running') return;
    const n = Math.min(this.#batch, (this.limit ?? Infinity) - this.position);
    try {
      const t0 = performance.now();
      const made = this.#produce(this.position, n);
      this.insertMs += performance.now() - t0;
      if (made > 0) this.batches++;
      this.position += made;
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (this.#durable && performance.now() - this.#lastDurablePoint >= DURABLE_POINT_MS) {
      this.#lastDurablePoint = performance.now();
      // wait for the disk before going on: offsets never run ahead of what is durable
      this.#busy = this.#host.flush().then(
        () => {
          this.#busy = undefined;
          this.#host.progressed(this);
          this.#schedule();
        },
        (error: unknown) => {
          this.#busy = undefined;
          if (this.state !== 'running') return;
          this.#fail(error);
        },
      );
      return;
    }
    this.#schedule();
  }

  /** Makes units [first, first + n) and inserts them; returns how many were made. */
  #produce(first: number, n: number): number {
    const plan = this.#plan;
    if (plan.connector === 'datagen') {
      const now = plan.datagen.usesNow ? this.#startMs : 0;
      const columns = plan.datagen.columns.map((fill) => fill(first, n, now));
      for (const m of this.members.values()) {
        this.#host.insertColumns(m.source, columns, n);
        m.rows += n;
      }
      return n;
    }
    if (plan.connector === 'file') {
      const batch = this.#file!.read(n);
      if (batch.length === 0) return 0;
      for (const m of this.members.values()) {
        if (batch.kind === 'rows') {
          try {
            this.#host.insertRows(m.source, batch.rows);
          } catch (error) {
            throw this.#file!.locate(error, batch);
          }
        } else this.#host.insertColumns(m.source, batch.columns, batch.length);
        m.rows += batch.length;
      }
      return batch.length;
    }
    const batch = this.#feed!.generate(first, n);
    for (const m of this.members.values()) {
      const { columns, length } = tableColumns(batch, m.table!);
      if (length === 0) continue;
      this.#host.insertColumns(m.source, columns, length);
      m.rows += length;
    }
    return n;
  }

  #finish(): void {
    this.state = 'finished';
    this.#closeFile();
    try {
      for (const m of this.members.values()) this.#host.finishSource(m.source);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (!this.#durable) return;
    // 'finished' is recorded once the last rows are on disk: a crash before that redoes the tail
    this.#busy = this.#host.flush().then(
      () => {
        this.#busy = undefined;
        this.#host.progressed(this);
      },
      (error: unknown) => {
        this.#busy = undefined;
        this.#fail(error);
      },
    );
  }
}

/** A producer key: nexmark sources with the same generator options share one producer. */
export function producerKey(plan: ConnectorPlan, source: string): string {
  return plan.connector === 'nexmark' ? plan.nexmark.groupKey : `${plan.connector}:${source}`;
}
