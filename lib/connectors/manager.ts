// Keeps the database's producers in step with its catalog: a source declared WITH (connector = …)
// gets a producer when it is created (or recovered), loses it when dropped, and every producer
// stops on close. In a durable database each source's position is recorded beside the data
// (connector-offsets.json) after the rows before it are on disk, so a reopened database resumes
// where the last durable point left off instead of starting over.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaminarError } from '../errors.js';
import type { RelationInfo } from '../engine/types.js';
import { parse } from '../sql/parser.js';
import { planConnector, type ConnectorPlan } from './registry.js';
import { Producer, producerKey, type Member, type ProducerHost, type ProducerState } from './producer.js';

/** One source's connector, as db.connectors() reports it. */
export interface ConnectorStatus {
  /** the source (or table) the connector feeds */
  source: string;
  /** the connector's name: 'datagen', 'nexmark' or 'file' */
  connector: string;
  /** sources with the same group share one generator (nexmark sources with equal generator options) */
  group: string;
  /** 'running', 'paused' (not started yet), 'finished' (a bounded one produced everything), 'failed' or 'stopped' */
  state: ProducerState;
  /** rows inserted into this source by its connector since the database was opened */
  rows: number;
  /** the position: rows (datagen, file) or events of all tables (nexmark) produced in all, including before a reopen */
  position: number;
  /** the bound (number_of_rows / events), or undefined for an unbounded connector and a file (known at its end) */
  limit: number | undefined;
  /** why a failed connector stopped */
  error: LaminarError | undefined;
  /** batches inserted and the milliseconds spent inside those insert calls (engine, views, subscribers) */
  batches: number;
  insertMs: number;
}

/** What the manager needs from the database. */
export interface ConnectorManagerHost {
  relations(): RelationInfo[];
  insertColumns(source: string, columns: ArrayLike<unknown>[], length: number): void;
  /** db.insert: row objects, validated */
  insertRows(source: string, rows: object[]): void;
  advanceWatermark(source: string, eventTimeMs: number): void;
  flush(): void | Promise<void>;
  /** directory of a durable database, or undefined */
  path: string | undefined;
  /** start producers as soon as their sources exist (false: wait for start()) */
  autoStart: boolean;
  onError: ((error: LaminarError, source: string) => void) | undefined;
}

const OFFSETS_FILE = 'connector-offsets.json';
/** The end of time (the largest Date): a finished bounded source closes every window. */
const END_OF_TIME = 8.64e15;

interface SavedOffsets {
  version: 1;
  sources: Record<string, { sql: string; position: number; finished?: boolean }>;
}

export class ConnectorManager {
  readonly #host: ConnectorManagerHost;
  /** live (not finished / failed / stopped) producers by key */
  readonly #producers = new Map<string, Producer>();
  /** every source with a connector → its producer (finished ones stay for status) */
  readonly #bySource = new Map<string, { producer: Producer; member: Member }>();
  readonly #offsets: SavedOffsets;
  readonly #producerHost: ProducerHost;
  #started: boolean;
  #closed = false;

  constructor(host: ConnectorManagerHost) {
    this.#host = host;
    this.#started = host.autoStart;
    this.#offsets = host.path === undefined ? { version: 1, sources: {} } : readOffsets(path.join(host.path, OFFSETS_FILE));
    this.#producerHost = {
      insertColumns: (source, columns, length) => host.insertColumns(source, columns, length),
      insertRows: (source, rows) => host.insertRows(source, rows),
      finishSource: (source) => {
        const info = host.relations().find((r) => r.name === source);
        if (info?.watermark && info.appendOnly) host.advanceWatermark(source, END_OF_TIME);
      },
      flush: async () => {
        await host.flush();
      },
      failed: (producer, error) => this.#failed(producer, error),
      progressed: (producer) => this.#record(producer),
    };
  }

  /** true while some producer is running (or waiting to be started) */
  get active(): boolean {
    for (const p of this.#producers.values()) if (p.state === 'running' || p.state === 'paused') return true;
    return false;
  }

  /** Brings the producers in line with the catalog (after DDL, and once after open). */
  sync(): void {
    if (this.#closed) return;
    const wanted = new Map<string, { info: RelationInfo; plan: ConnectorPlan }>();
    for (const info of this.#host.relations()) {
      if ((info.kind !== 'source' && info.kind !== 'table') || !/connector/i.test(info.sql)) continue;
      try {
        const plan = planOf(info);
        if (plan) wanted.set(info.name, { info, plan });
      } catch (error) {
        this.#report(toConnectorError(error, info.name, 'cannot start'), info.name);
      }
    }
    for (const [source, { producer, member }] of [...this.#bySource]) {
      if (wanted.get(source)?.info.sql === member.sql) continue;
      // dropped (or dropped and created again): this member is gone, and its saved offset with it
      this.#bySource.delete(source);
      producer.members.delete(source);
      delete this.#offsets.sources[source];
      if (producer.members.size === 0) {
        void producer.stop();
        if (this.#producers.get(producer.key) === producer) this.#producers.delete(producer.key);
      }
    }
    for (const [source, { info, plan }] of wanted) {
      if (this.#bySource.has(source)) continue;
      const key = producerKey(plan, source);
      let producer = this.#producers.get(key);
      if (producer === undefined || (producer.state !== 'running' && producer.state !== 'paused')) {
        const saved = this.#offsets.sources[source];
        const resume = saved !== undefined && saved.sql === info.sql ? saved : undefined;
        producer = new Producer(plan, key, this.#producerHost, { position: resume?.position ?? 0, finished: resume?.finished === true, durable: this.#host.path !== undefined });
        this.#producers.set(key, producer);
      }
      const member: Member = { source, sql: info.sql, table: plan.connector === 'nexmark' ? plan.nexmark.table : undefined, rows: 0 };
      producer.members.set(source, member);
      this.#bySource.set(source, { producer, member });
    }
    if (this.#started) for (const p of this.#producers.values()) p.start();
  }

  /** Starts every producer not started yet (for open({ startConnectors: false })). */
  start(): void {
    if (this.#closed) return;
    this.#started = true;
    for (const p of this.#producers.values()) p.start();
  }

  status(): ConnectorStatus[] {
    return [...this.#bySource].map(([source, { producer, member }]) => ({
      source,
      connector: producer.connector,
      group: producer.key,
      state: producer.state,
      rows: member.rows,
      position: producer.position,
      limit: producer.limit,
      error: producer.error === undefined ? undefined : toConnectorError(producer.error, source, 'stopped'),
      batches: producer.batches,
      insertMs: producer.insertMs,
    }));
  }

  /** Stops every producer; a durable database then records where each stopped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const producers = new Set([...this.#bySource.values()].map((e) => e.producer));
    await Promise.all([...producers].map((p) => p.stop()));
    if (this.#host.path !== undefined && producers.size > 0) {
      await this.#host.flush(); // the offsets written next never run ahead of the data
      for (const p of producers) this.#record(p);
    }
    this.#producers.clear();
  }

  #record(producer: Producer): void {
    if (this.#host.path === undefined) return;
    const finished = producer.state === 'finished';
    for (const m of producer.members.values()) this.#offsets.sources[m.source] = { sql: m.sql, position: producer.position, ...(finished ? { finished } : {}) };
    writeOffsets(path.join(this.#host.path, OFFSETS_FILE), this.#offsets);
  }

  #failed(producer: Producer, error: unknown): void {
    this.#producers.delete(producer.key);
    const live = new Set(this.#host.relations().map((r) => `${r.name}\u0000${r.sql}`));
    for (const m of producer.members.values()) {
      // a source dropped while its batch was being made: nothing failed, it is just gone
      if (!live.has(`${m.source}\u0000${m.sql}`)) continue;
      this.#report(toConnectorError(error, m.source, 'stopped'), m.source);
    }
  }

  #report(error: LaminarError, source: string): void {
    if (this.#host.onError) {
      try {
        this.#host.onError(error, source);
      } catch (thrown) {
        // the handler's own failure must not unwind a producer or a CREATE: rethrown on its own
        queueMicrotask(() => {
          throw thrown;
        });
      }
      return;
    }
    // never silent: without onConnectorError the failure is a process warning (stderr)
    process.emitWarning(error.message, { code: error.code });
  }
}

function planOf(info: RelationInfo): ConnectorPlan | undefined {
  const [statement] = parse(info.sql);
  if (statement?.kind !== 'create-table') return undefined;
  // created already: a file gone since fails the source when it starts, reported like any failure
  return planConnector(statement.options, info.columns, statement.text, statement.pos, false);
}

function toConnectorError(error: unknown, source: string, what: string): LaminarError {
  if (error instanceof LaminarError && error.code === 'CONNECTOR_FAILED') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LaminarError('CONNECTOR_FAILED', `the connector of source "${source}" ${what}: ${message}`, { cause: error });
}

function readOffsets(file: string): SavedOffsets {
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedOffsets;
    if (saved?.version === 1 && typeof saved.sources === 'object' && saved.sources !== null) return saved;
  } catch {
    // none yet (or unreadable): every connector starts at its beginning
  }
  return { version: 1, sources: {} };
}

function writeOffsets(file: string, offsets: SavedOffsets): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(offsets));
  fs.renameSync(tmp, file);
}
