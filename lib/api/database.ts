// The public Database: SQL statements, queries, synchronous inserts, subscriptions, typed handles,
// UDFs and Arrow interop over one Engine. Values cross this boundary converted both ways.

import { CatalogError, ClosedError, LaminarError } from '../errors.js';
import { toInternal } from '../types/convert.js';
import { T } from '../types/datatype.js';
import type { Kysely } from 'kysely';
import type { ColumnInfo, RelationInfo } from '../engine/types.js';
import type { Row } from '../types/value.js';
import type { EnginePort } from './engine-port.js';
import { arrowToColumns, isArrowData, toArrowTable, type ArrowBatchLike } from './arrow.js';
import { SourceHandle, TableHandle, type HandleTarget } from './handles.js';
import { describeRelation, toExecuteResult, type ExecuteResult, type RelationDescription } from './results.js';
import { Subscription, type Change, type OverflowPolicy, type SubscribeOptions } from './subscription.js';
import { wrapUdf, type FunctionSignature } from './udf.js';
import { RowDecoderCache, RowEncoder, type RowDecoder } from './values.js';
import { StreamRuntime, streamOf, type DataStream, type StreamOptions } from '../stream-api/index.js';
import type { StreamAttachBuild } from '../engine/stream-attach.js';
import type { ChangePosition } from '../storage/sink-protocol.js';
import type { EngineState } from '../engine/state.js';
import { ConnectorManager, type ConnectorStatus } from '../connectors/manager.js';
import { MemorySinks } from '../connectors/sinks/memory.js';

/** What the database keeps of an open subscription. */
interface OpenSubscription {
  readonly name: string;
  end(failure?: unknown): void;
  drained(): Promise<void>;
}

/** What the Engine (lib/engine/engine.ts) offers for event-time control and introspection. */
interface EventTimeEngine {
  setSourceIdle(source: string, idle: boolean): void;
  viewStateSize(view: string): number;
  viewLateRows(view: string): number;
  onLateRows(view: string, listener: (rows: Row[], columns: ColumnInfo[]) => void): { close(): void };
}

/** Settled options of an open database (see OpenOptions for their meaning). */
export interface DatabaseSettings {
  path: string | undefined;
  bigint: boolean;
  subscriptionBufferSize: number;
  subscriptionOverflow: OverflowPolicy;
  /** start source connectors as soon as their sources exist (default true) */
  startConnectors?: boolean;
  /** receives a connector's failure (the connector has stopped); default: a process warning */
  onConnectorError?: (error: LaminarError, source: string) => void;
}

export class Database implements HandleTarget, AsyncDisposable {
  /** absolute directory of the database, or undefined for an in-memory one */
  readonly path: string | undefined;
  #engine: EnginePort | undefined;
  readonly #settings: DatabaseSettings;
  readonly #decoders: RowDecoderCache;
  readonly #encoders = new Map<string, RowEncoder>();
  // open subscriptions → the CREATE text of their view (to notice the view being dropped)
  readonly #subscriptions = new Map<OpenSubscription, string>();

  /** @internal use open() */
  constructor(engine: EnginePort, settings: DatabaseSettings) {
    this.#engine = engine;
    this.#settings = settings;
    this.path = settings.path;
    this.#decoders = new RowDecoderCache(settings.bigint);
    this.#memorySinks = settings.path === undefined ? new MemorySinks(engine, settings.bigint) : undefined;
    this.#connectors = new ConnectorManager({
      relations: () => engine.relations(),
      insertColumns: (source, columns, length) => engine.insertColumns(source, columns as never, length),
      insertRows: (source, rows) => this.#insertWith(engine, source, rows),
      advanceWatermark: (source, ms) => engine.advanceWatermark(source, ms),
      flush: () => engine.flush(),
      path: settings.path,
      autoStart: settings.startConnectors !== false,
      onError: settings.onConnectorError,
    });
    // sources recovered from a durable catalog start producing again
    this.#connectors.sync();
  }

  readonly #connectors: ConnectorManager;
  /** file sinks of an in-memory database, committed at FLUSH (a durable engine commits them at checkpoints) */
  readonly #memorySinks: MemorySinks | undefined;

  /** Every source connector (WITH (connector = …)): its state, rows produced and any failure. */
  connectors(): ConnectorStatus[] {
    this.#live();
    return this.#connectors.status();
  }

  /** Starts the source connectors of a database opened with `startConnectors: false`. */
  startConnectors(): void {
    this.#live();
    this.#connectors.start();
  }

  /** true after close() */
  get closed(): boolean {
    return this.#engine === undefined;
  }

  /** Runs one or more ';'-separated statements (DDL, INSERT/UPDATE/DELETE, FLUSH, SELECT …). */
  async execute(sql: string, params?: readonly unknown[]): Promise<ExecuteResult> {
    const engine = this.#live();
    checkSql(sql, 'execute');
    this.#memorySinks?.check(sql);
    let results;
    try {
      results = await engine.execute(sql, checkParams(params));
    } catch (error) {
      // statements before the failing one were applied: one of them may have changed the catalog
      this.#catalogChanged(engine);
      throw error;
    }
    if (results.some((r) => DDL.test(r.command))) this.#catalogChanged(engine);
    if (this.#memorySinks !== undefined && results.some((r) => r.command === 'FLUSH')) await this.#memorySinks.commit();
    return toExecuteResult(results, this.#decoders);
  }

  /** Runs a row-returning statement; rows are plain objects keyed in SELECT-list order. */
  async query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    const engine = this.#live();
    checkSql(sql, 'query');
    const result = engine.query(sql, checkParams(params));
    const decode = this.#decoders.get(result.columns);
    const rows = result.rows;
    const out = new Array<Row>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = decode(rows[i]!) as Row;
    return out;
  }

  /** Runs a row-returning statement and returns an apache-arrow Table. */
  async queryArrow<Table = ReturnType<typeof toArrowTable>>(sql: string, params?: readonly unknown[]): Promise<Table> {
    const engine = this.#live();
    checkSql(sql, 'queryArrow');
    return toArrowTable(engine.query(sql, checkParams(params)), this.#settings.bigint) as Table;
  }

  /**
   * Inserts rows into a table or source, synchronously. Every row is validated and converted
   * before anything is applied: a bad row throws SchemaError and nothing of the call is applied.
   */
  insert(name: string, rows: object | readonly object[] | ArrowBatchLike): void {
    this.#insertWith(this.#live(), name, rows);
  }

  #insertWith(engine: EnginePort, name: string, rows: object | readonly object[] | ArrowBatchLike): void {
    const encoder = this.#encoderFor(engine, name);
    if (isArrowData(rows)) {
      const { columns, length } = arrowToColumns(rows, encoder.info);
      if (length > 0) engine.insertColumns(encoder.info.name, columns, length);
      return;
    }
    if (typeof rows !== 'object' || rows === null) {
      throw new LaminarError(
        'INVALID_ARGUMENT',
        `insert into "${name}": expected a row object, an array of row objects or an Arrow RecordBatch, got ${rows === null ? 'null' : typeof rows}`,
      );
    }
    const list = Array.isArray(rows) ? (rows as readonly object[]) : [rows];
    if (list.length === 0) return;
    const columns = encoder.encode(list);
    engine.insertColumns(encoder.info.name, columns, list.length);
  }

  /** Subscribes to a materialized view's (or stream's) changes. */
  subscribe<Row = Record<string, unknown>>(name: string, options: SubscribeOptions<Row> = {}): Subscription<Row> {
    const engine = this.#live();
    if (typeof options !== 'object' || options === null) {
      throw new LaminarError('INVALID_ARGUMENT', `subscribe("${name}"): options must be an object`);
    }
    const bufferSize = options.bufferSize ?? this.#settings.subscriptionBufferSize;
    if (!Number.isInteger(bufferSize) || bufferSize < 1) {
      throw new LaminarError('INVALID_ARGUMENT', `subscribe("${name}"): bufferSize must be a positive integer, got ${bufferSize}`);
    }
    const overflow = options.overflow ?? this.#settings.subscriptionOverflow;
    checkOverflow(overflow, `subscribe("${name}")`);
    if (options.onChange !== undefined && typeof options.onChange !== 'function') {
      throw new LaminarError('INVALID_ARGUMENT', `subscribe("${name}"): onChange must be a function`);
    }
    const info = this.#relation(engine, name);
    const decode = this.#decoders.get(info.columns) as unknown as RowDecoder;
    const decodeChange = (c: { op: Change['op']; row: unknown[]; old?: unknown[]; position?: ChangePosition }): Change<Row> => {
      const change: Change<Row> = { op: c.op, row: decode(c.row as never) as Row };
      if (c.old) change.old = decode(c.old as never) as Row;
      if (c.position !== undefined) change.position = c.position;
      return change;
    };
    if (options.from !== undefined && this.path === undefined) {
      throw new LaminarError('INVALID_ARGUMENT', `subscribe("${name}", { from }): resuming from a position needs a durable database (open(path))`);
    }
    const subscriptions = this.#subscriptions;
    const sub = new Subscription<Row>(
      info.name,
      decodeChange,
      { ...options, bufferSize, overflow },
      (listener) => engine.subscribe(info.name, listener, options.from === undefined ? { snapshot: options.snapshot === true } : { snapshot: options.snapshot === true, from: options.from }),
      (s) => subscriptions.delete(s),
    );
    if (!sub.closed) subscriptions.set(sub, info.sql);
    return sub;
  }

  /** A typed handle on a mutable table. */
  table<Row extends object = Record<string, unknown>>(name: string): TableHandle<Row> {
    const info = this.#relation(this.#live(), name);
    if (info.kind !== 'table' || info.appendOnly) {
      const what = info.appendOnly ? 'an append-only source (use db.source())' : `a ${info.kind}`;
      throw new CatalogError('WRONG_OBJECT_KIND', `"${info.name}" is ${what}, not a table`);
    }
    return new TableHandle<Row>(this, info.name);
  }

  /** A typed handle on an append-only source (CREATE SOURCE or CREATE TABLE … APPEND ONLY). */
  source<Row extends object = Record<string, unknown>>(name: string): SourceHandle<Row> {
    const info = this.#relation(this.#live(), name);
    if (!(info.kind === 'source' || (info.kind === 'table' && info.appendOnly))) {
      throw new CatalogError('WRONG_OBJECT_KIND', `"${info.name}" is a ${info.kind}, not a source`);
    }
    return new SourceHandle<Row>(this, info.name);
  }

  /** Sets a source's watermark (no delay subtracted): a Date, epoch milliseconds, or a timestamp string. */
  advanceWatermark(source: string, eventTime: Date | number | string): void {
    const engine = this.#live();
    let ms: number;
    try {
      ms = toInternal(eventTime, T.timestamp, 'eventTime') as number;
    } catch (error) {
      throw new LaminarError('INVALID_ARGUMENT', `advanceWatermark("${source}"): ${(error as Error).message}`, { cause: error });
    }
    if (eventTime === null || eventTime === undefined || typeof ms !== 'number') {
      throw new LaminarError('INVALID_ARGUMENT', `advanceWatermark("${source}"): expected a Date, epoch milliseconds or a timestamp string`);
    }
    engine.advanceWatermark(this.#relation(engine, source).name, ms);
  }

  /**
   * Marks a source idle (default) or active again: joins of several sources stop waiting for its
   * watermark, so the others' event time moves windows and state TTLs on. Its next row makes it
   * active again. Not logged: after recovery every source is active.
   */
  markSourceIdle(source: string, idle = true): void {
    const name = this.#relation(this.#live(), source).name;
    this.#eventTimeEngine('markSourceIdle').setSourceIdle(name, idle);
  }

  /** Event-time metrics of a materialized view: state entries its operators hold (its result
   *  rows excluded) and the late rows they dropped. */
  viewMetrics(view: string): { stateEntries: number; lateRows: number } {
    const name = this.#relation(this.#live(), view).name;
    const engine = this.#eventTimeEngine('viewMetrics');
    return { stateEntries: engine.viewStateSize(name), lateRows: engine.viewLateRows(name) };
  }

  /**
   * Late-row side output of a materialized view: `listener` receives the rows its windowed
   * operators dropped as late (behind the watermark / allowed_lateness), as objects with the
   * operator's input columns (e.g. the source's columns plus window_start / window_end), in a
   * microtask after each insert. Returns a handle whose close() stops delivery.
   */
  onLateRows(view: string, listener: (rows: Record<string, unknown>[]) => void): { close(): void } {
    const name = this.#relation(this.#live(), view).name;
    return this.#eventTimeEngine('onLateRows').onLateRows(name, (rows, columns) => {
      const decode = this.#decoders.get(columns);
      listener(rows.map(decode));
    });
  }

  /** The in-memory Engine under a durable wrapper (which owns the dataflow). */
  #eventTimeEngine(what: string): EventTimeEngine {
    const engine = this.#live() as EnginePort & { inner?: unknown };
    const target = (typeof (engine as { setSourceIdle?: unknown }).setSourceIdle === 'function' ? engine : engine.inner) as
      | { setSourceIdle?: unknown; viewStateSize?: unknown; viewLateRows?: unknown }
      | undefined;
    if (typeof target?.setSourceIdle !== 'function') throw new LaminarError('UNSUPPORTED', `${what}: this database engine has no event-time introspection`);
    return target as EventTimeEngine;
  }

  /** Registers a JavaScript scalar function callable from SQL. */
  registerFunction(name: string, fn: (...args: never[]) => unknown, signature: FunctionSignature): void {
    const engine = this.#live();
    const udf = wrapUdf(name, fn, signature, this.#settings.bigint);
    engine.registerFunction(name, udf.fn, udf.sig);
  }

  /** A Kysely query builder over this database (typed by `DB`, e.g. from `laminardb codegen`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  kysely<DB = any>(): Kysely<DB> {
    this.#live();
    // required lazily: only users of the query builder load Kysely
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Kysely: KyselyClass } = require('kysely') as typeof import('kysely');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LaminarDialect } = require('../kysely/dialect.js') as typeof import('../kysely/dialect.js');
    return new KyselyClass<DB>({ dialect: new LaminarDialect({ database: this }) });
  }

  /** Every table, source, view and sink in the catalog. */
  relations(): RelationDescription[] {
    return this.#live().relations().map(describeRelation);
  }

  /** One relation's description; CatalogError UNKNOWN_OBJECT if there is none by that name. */
  describe(name: string): RelationDescription {
    return describeRelation(this.#relation(this.#live(), name));
  }

  /**
   * When it resolves every materialized view reflects every row inserted before the call (and,
   * in a durable database, those rows are on disk).
   */
  async flush(): Promise<void> {
    await this.#live().flush();
    await this.#memorySinks?.commit();
  }

  /** Resolves when every open subscription's consumer has taken all buffered changes. */
  async drain(): Promise<void> {
    this.#live();
    await Promise.all([...this.#subscriptions.keys()].map((s) => s.drained()));
  }

  /** Closes the database; open subscriptions end. Closing twice is harmless. */
  async close(): Promise<void> {
    const engine = this.#engine;
    if (engine === undefined) return;
    this.#engine = undefined;
    // producers stop first (a durable one records where it stopped, after its rows are on disk)
    await this.#connectors.close();
    try {
      await this.#memorySinks?.commit();
    } finally {
      this.#memorySinks?.close();
    }
    for (const sub of [...this.#subscriptions.keys()]) sub.end();
    this.#subscriptions.clear();
    this.#encoders.clear();
    await engine.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** After DDL: encoders are rebuilt on next use; subscriptions of dropped views end. */
  #catalogChanged(engine: EnginePort): void {
    this.#encoders.clear();
    this.#connectors.sync();
    this.#memorySinks?.reconcile();
    if (this.#subscriptions.size > 0) this.#endDroppedSubscriptions(engine);
  }

  /** A dropped view delivers nothing more: its subscriptions end with an error after their buffered changes. */
  #endDroppedSubscriptions(engine: EnginePort): void {
    for (const [sub, viewSql] of [...this.#subscriptions]) {
      const now = engine.relation(sub.name);
      if (now === undefined || now.sql !== viewSql) {
        sub.end(new CatalogError('UNKNOWN_OBJECT', `materialized view "${sub.name}" was dropped; its subscription has ended`));
      }
    }
  }

  #streams: StreamRuntime | undefined;

  /**
   * A typed stream over a table, source, view or materialized view (or a stream registered with
   * `to()`): the operator API (docs/operator-api.md). Nothing runs until a terminal call
   * (`to`, `forEach`) builds the pipeline into the database's dataflow.
   */
  stream<T = Record<string, unknown>>(name: string, options?: StreamOptions): DataStream<T> {
    const info = this.#relation(this.#live(), name);
    this.#streams ??= new StreamRuntime({
      attach: (relations: readonly string[], build: StreamAttachBuild) => {
        const engine = this.#live() as EnginePort & { inner?: unknown };
        // a durable engine wraps the in-memory Engine that owns the dataflow
        const target = (typeof (engine as { attachStream?: unknown }).attachStream === 'function' ? engine : engine.inner) as
          | { attachStream?: (r: readonly string[], b: StreamAttachBuild) => { remove(): void } }
          | undefined;
        if (typeof target?.attachStream !== 'function') {
          throw new LaminarError('UNSUPPORTED', 'this database engine does not support the operator API');
        }
        return target.attachStream(relations, build);
      },
      decoder: (columns) => this.#decoders.get(columns),
      createSource: (sourceName: string, columns: string) => {
        const engine = this.#live();
        const result = engine.execute(`CREATE SOURCE "${sourceName.replace(/"/g, '""')}" (${columns})`);
        if (result instanceof Promise) result.catch(() => undefined);
        this.#catalogChanged(engine);
      },
      insert: (target: string, rows: object[]) => this.insert(target, rows),
      // named pipelines join the checkpoints of a durable database (lib/stream-api/durable.ts)
      durableState: () => {
        const engine = this.#live() as EnginePort & { checkpoint?: unknown; inner?: { storageState?: () => EngineState } };
        if (typeof engine.checkpoint !== 'function') return undefined;
        return engine.inner?.storageState?.();
      },
      requestCheckpoint: () => {
        const engine = this.#live() as EnginePort & { checkpoint?: () => Promise<void> };
        engine.checkpoint?.().catch(() => undefined);
      },
      relationKind: (relation: string) => this.#live().relation(relation)?.kind,
    });
    return streamOf<T>(this.#streams, info.name, options);
  }

  #live(): EnginePort {
    const engine = this.#engine;
    if (engine === undefined) throw new ClosedError('database');
    return engine;
  }

  #relation(engine: EnginePort, name: string): RelationInfo {
    if (typeof name !== 'string' || name.length === 0) {
      throw new LaminarError('INVALID_ARGUMENT', `expected a relation name, got ${JSON.stringify(name)}`);
    }
    // unquoted SQL identifiers are folded to lower case, so 'Bid' finds bid
    const info = engine.relation(name) ?? engine.relation(name.toLowerCase());
    if (info === undefined) throw new CatalogError('UNKNOWN_OBJECT', `relation "${name}" does not exist`);
    return info;
  }

  /**
   * The row encoder of an insertable relation, cached by the name the caller used. The catalog
   * only changes through execute(), which drops the cache after DDL, so the hot path is one
   * Map lookup (no catalog round trip per insert call).
   */
  #encoderFor(engine: EnginePort, name: string): RowEncoder {
    const cached = this.#encoders.get(name);
    if (cached !== undefined) return cached;
    const info = this.#relation(engine, name);
    if (info.kind !== 'table' && info.kind !== 'source') {
      throw new CatalogError('WRONG_OBJECT_KIND', `cannot insert into "${info.name}": it is a ${info.kind}, not a table or source`);
    }
    const encoder = new RowEncoder(info);
    this.#encoders.set(name, encoder);
    return encoder;
  }

}

/** Command tags of statements that change the catalog. */
const DDL = /^(CREATE|DROP|ALTER)\b/;

function checkSql(sql: unknown, method: string): void {
  if (typeof sql !== 'string') {
    throw new LaminarError('INVALID_ARGUMENT', `${method}: expected SQL text, got ${sql === null ? 'null' : typeof sql}`);
  }
}

function checkParams(params: unknown): readonly unknown[] | undefined {
  if (params === undefined) return undefined;
  if (!Array.isArray(params)) {
    throw new LaminarError('INVALID_ARGUMENT', `query parameters must be an array (for $1, $2 …), got ${params === null ? 'null' : typeof params}`);
  }
  return params;
}

export function checkOverflow(overflow: unknown, what: string): asserts overflow is OverflowPolicy {
  if (overflow !== 'error' && overflow !== 'drop-oldest') {
    throw new LaminarError('INVALID_ARGUMENT', `${what}: overflow must be 'error' or 'drop-oldest', got ${JSON.stringify(overflow)}`);
  }
}
