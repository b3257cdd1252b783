// Type definitions for laminardb — the public API. Hand-maintained: every export of
// lib/index.ts is declared here (test/types checks inference; test/api/exports checks the list).
//
// Value mapping (what you get back from query(), subscriptions and UDF arguments):
//   INT, SMALLINT, BIGINT → number (BIGINT → bigint with `open({ bigint: true })`)
//   REAL, DOUBLE PRECISION → number          DECIMAL/NUMERIC → string (exact, e.g. '12.50')
//   BOOLEAN → boolean                         VARCHAR/TEXT → string
//   TIMESTAMP, TIMESTAMPTZ, DATE → Date (UTC) INTERVAL → string (PostgreSQL format)
//   BYTEA → Uint8Array                        JSONB → the parsed JSON value
//   NULL → null
// What you may insert: the same JS values; TIMESTAMP also accepts epoch milliseconds and
// ISO/PostgreSQL timestamp strings (read as UTC); DECIMAL accepts strings, numbers and bigints;
// BIGINT accepts numbers (safe integers) and bigints.

/// <reference lib="esnext.disposable" />

/** A row as returned by default: column name → user-facing value, keys in column order. */
export type Row = Record<string, unknown>;

/** How `flush()` and writes wait for the disk in a durable database (see docs/durability.md). */
export type Durability = 'group' | 'sync' | 'none';

/** The database directory, or options. */
export interface OpenOptions {
  /**
   * Directory of a durable database (created if needed, locked against a second open): every
   * insert call and statement is written to its write-ahead log and replayed on the next open.
   * Omit for an in-memory database.
   */
  path?: string;
  /** Return BIGINT values as `bigint` instead of `number` (default false). */
  bigint?: boolean;
  /** Default bound of an iterated subscription's buffer, in changes (default 65536). */
  subscriptionBufferSize?: number;
  /** Default overflow policy of iterated subscriptions (default 'error'). */
  subscriptionOverflow?: OverflowPolicy;
  /**
   * With `path`: 'group' (default) — flush()/FLUSH/CHECKPOINT resolve once every earlier call is
   * on disk, one fdatasync per group of calls; 'sync' — also every DDL/DML execute() waits;
   * 'none' — the log is written but flush() does not wait for the disk.
   */
  durability?: Durability;
  /**
   * With `path`: JavaScript functions to register before recovery replays views that call them
   * (registering them after open() is too late for those views).
   */
  functions?: Record<
    string,
    {
      /** the implementation; receives and returns user-facing values */
      fn: (...args: any[]) => unknown;
      /** its SQL argument and result types */
      signature: FunctionSignature;
    }
  >;
  /** With `path`: receives recovery warnings such as a torn log tail (default console.warn). */
  onWarning?: (message: string) => void;
  /** With `path`: WAL segment size in bytes (a multiple of 4096, default 64 MiB). */
  walSegmentBytes?: number;
  /**
   * With `path`: WAL I/O backend. Default 'pwrite' (the writer thread calls pwritev + fdatasync
   * itself: the fewest thread hops per commit); 'pwrite-dsync': one pwritev2(RWF_DSYNC) per
   * commit instead; 'io_uring' (or 'auto': io_uring when the kernel allows it) hands each
   * fdatasync to a kernel worker thread.
   */
  walBackend?: 'auto' | 'io_uring' | 'pwrite' | 'pwrite-dsync';
  /** With `path`: group-commit delay in microseconds (default 0). */
  walGroupDelayUs?: number;
  /** With `path`: how often (ms) the MANIFEST records the durable log position (default 10000; 0 = only at CHECKPOINT and close). */
  checkpointIntervalMs?: number;
  /**
   * With `path`: close() first takes a checkpoint when more than this many bytes of log were
   * written since the newest checkpoint, counting what open replayed (default 1 MiB; 0: whenever
   * anything was logged; Infinity: never), so the next open replays at most about that much.
   */
  closeCheckpointBytes?: number;
  /**
   * With `path`: views (materialized views, tables, sources) whose changes are kept so that
   * `subscribe(name, { from })` can resume after a restart; '*' = all. Closed epochs are kept on
   * disk for the last `retainCheckpoints` checkpoints (default 16); older positions fail with
   * StorageError 'POSITION_EXPIRED'. Views not named here cost nothing extra.
   */
  changelog?: {
    /** the retained relations, or '*' */
    views: readonly string[] | '*';
    /** closed epochs (checkpoints) of changes kept on disk (default 16) */
    retainCheckpoints?: number;
  };
  /**
   * Start source connectors (CREATE SOURCE … WITH (connector = …), docs/connectors.md) as soon as
   * their sources exist (default true). false: they wait for `db.startConnectors()`.
   */
  startConnectors?: boolean;
  /**
   * Receives a source connector's failure (LaminarError code 'CONNECTOR_FAILED', the cause
   * attached); the connector has stopped. Default: a process warning.
   */
  onConnectorError?: (error: LaminarError, source: string) => void;
  /**
   * Shards in worker threads (default 1: the single-threaded engine). With N > 1, each shard runs
   * its own engine; rows of tables and sources are split by a partition key chosen from the
   * materialized views that read them, or kept whole on shard 0 when a view cannot be split
   * (docs/thread-per-core.md). With `path` each shard logs its partition in <path>/shard-<i>/;
   * flush() waits for every shard's disk, CHECKPOINT (and checkpointIntervalMs) commits one
   * checkpoint consistent across shards, and recovery starts every shard from the same one. The
   * count is recorded: reopening with another `threads` fails (INVALID_ARGUMENT naming both).
   * CREATE SINK, registerFunction and subscribe({ from }) are refused, and with `path` the
   * `changelog` and `functions` options.
   */
  threads?: number;
  /** With threads > 1: pin shard i to CPU i (default true when the machine has that many CPUs). */
  pinThreads?: boolean;
  [option: string]: unknown;
}

/** One source connector's state, as `db.connectors()` reports it. */
export interface ConnectorStatus {
  /** the source (or table) the connector feeds */
  source: string;
  /** the connector: 'datagen', 'nexmark' or 'file' */
  connector: string;
  /** sources with the same group share one generator (nexmark sources with equal generator options) */
  group: string;
  /** 'paused' (not started yet), 'running', 'finished' (a bounded connector produced everything), 'failed' or 'stopped' */
  state: 'paused' | 'running' | 'finished' | 'failed' | 'stopped';
  /** rows inserted into this source by its connector since the database was opened */
  rows: number;
  /** the position: rows (datagen, file) or events of all three tables (nexmark), including before a reopen */
  position: number;
  /** the bound (number_of_rows / events), or undefined for an unbounded connector and for a file (known at its end) */
  limit: number | undefined;
  /** why a failed connector stopped (code 'CONNECTOR_FAILED', the original error as `cause`) */
  error: LaminarError | undefined;
  /** insert batches made */
  batches: number;
  /** milliseconds spent inside those insert calls (engine, views and subscribers) */
  insertMs: number;
}

/**
 * Opens a database.
 * - `open()`: in memory, nothing on disk;
 * - `open('./data')`: in a directory (created if needed);
 * - `open({ path, bigint, … })`: with options.
 */
export declare function open(pathOrOptions?: string | OpenOptions): Promise<Database>;

/** Package version. */
export declare const version: string;

/** ABI version of the loaded native addon. */
export declare function nativeAbiVersion(): number;

/** A column of a result or relation; `type` is the SQL spelling ('BIGINT', 'DECIMAL(10,2)', …). */
export interface ColumnDescription {
  /** the column name as declared (or as PostgreSQL names an unnamed result column) */
  name: string;
  /** the SQL type, e.g. 'BIGINT', 'DECIMAL(10,2)', 'TIMESTAMP' */
  type: string;
  /** false for NOT NULL and primary-key columns */
  nullable: boolean;
}

/** Outcome of one statement of an `execute` call. */
export interface StatementResult {
  /** the command tag: 'CREATE TABLE', 'INSERT', 'UPDATE', 'DELETE', 'SELECT', 'FLUSH', … */
  command: string;
  /** rows inserted, updated or deleted; rows returned for SELECT-like statements (as PostgreSQL's command tag); 0 for DDL */
  rowsAffected: number;
  /** result columns, for statements that return rows (SELECT, SHOW, DESCRIBE, EXPLAIN) */
  columns?: ColumnDescription[];
  /** result rows as plain objects, for statements that return rows */
  rows?: Row[];
}

/** Outcome of `Database.execute`. */
export interface ExecuteResult {
  /** rows inserted, updated or deleted by all statements (row-returning statements count 0) */
  rowsAffected: number;
  /** one entry per statement, in order */
  statements: StatementResult[];
}

/** The kinds of named relations. */
export type RelationKind = 'table' | 'source' | 'view' | 'materialized view' | 'sink';

/** What the catalog knows about a table, source, view or sink. */
export interface RelationDescription {
  /** the relation's name */
  name: string;
  /** table, source, view, materialized view or sink */
  kind: RelationKind;
  /** columns in declaration order */
  columns: ColumnDescription[];
  /** primary-key column names, for tables that have one */
  primaryKey?: string[];
  /** the event-time column and its watermark delay in milliseconds */
  watermark?: {
    /** the event-time column */
    column: string;
    /** how far the watermark trails the largest event time seen, in milliseconds */
    delayMs: number;
  };
  /** only ever receives inserts (sources, APPEND ONLY tables) */
  appendOnly: boolean;
  /** the CREATE statement */
  sql: string;
}

/** One change of a view: an inserted row, a deleted row, or an updated row with its old version. */
export interface Change<R = Row> {
  /** what happened to the row */
  op: 'insert' | 'delete' | 'update';
  /** the inserted or deleted row, or the new version of an updated row */
  row: R;
  /** the previous version of the row (updates only) */
  old?: R;
  /**
   * Durable databases only: the change's place in its view's change stream, the same in every
   * run. Store it with your output; `subscribe(name, { from: position })` resumes after it.
   */
  position?: ChangePosition;
}

/**
 * A durable position in a view's change stream: `lsn` is the write-ahead-log record whose
 * application produced the change, `index` its ordinal among that record's changes to the view.
 * `{ lsn: 0, index: 0 }` is before every change. Positions of changes delivered before their
 * record was durable (before a resolved flush()) may not survive a crash.
 */
export interface ChangePosition {
  /** the write-ahead-log record that produced the change */
  lsn: number;
  /** the change's ordinal among that record's changes to the view, from 0 */
  index: number;
}

/**
 * What an iterated subscription does when its buffer is full and another change arrives:
 * - 'error' (default): the subscription stops receiving; the consumer reads what was buffered and
 *   then the iteration throws a LaminarError with code 'SUBSCRIPTION_OVERFLOW';
 * - 'drop-oldest': the oldest buffered change is discarded (counted in `dropped`) — for consumers
 *   that only want recent changes and can tolerate gaps.
 */
export type OverflowPolicy = 'error' | 'drop-oldest';

/** Options of Database.subscribe. */
export interface SubscribeOptions<R = Row> {
  /**
   * Receive each change synchronously, inside the insert (or statement) that caused it, instead
   * of iterating. Do not block in it. Inserts made from it are applied after the current step.
   */
  onChange?: (change: Change<R>) => void;
  /** Called when onChange throws (the subscription is closed first); without it the error is rethrown asynchronously. */
  onError?: (error: unknown) => void;
  /** First deliver the view's current rows as 'insert' changes (default false). */
  snapshot?: boolean;
  /** Bound of the iteration buffer, in changes (default: the database's subscriptionBufferSize). The initial snapshot does not count against it. */
  bufferSize?: number;
  /** Overflow policy of the iteration buffer (default: the database's subscriptionOverflow). */
  overflow?: OverflowPolicy;
  /**
   * Durable databases, views named in the `changelog` open option: first deliver every retained
   * change after this position (none missing, none repeated), then continue live. Excludes
   * `snapshot`. StorageError 'POSITION_EXPIRED' when the history after it was retired,
   * 'POSITION_AHEAD' when it is past the end of the log (lost in a crash before it was durable).
   */
  from?: ChangePosition;
}

/**
 * The changes of a materialized view, as an async iterable (`for await (const c of sub)`) or
 * delivered to `onChange`. Breaking out of a `for await` loop closes the subscription.
 */
export declare class Subscription<R = Row> implements AsyncIterable<Change<R>>, Disposable {
  private constructor();
  /** the subscribed view */
  readonly name: string;
  /** changes buffered and not yet taken by the consumer (always 0 with onChange): the producer's backpressure signal */
  readonly pending: number;
  /** changes discarded by the 'drop-oldest' overflow policy */
  readonly dropped: number;
  /**
   * true once no more changes will arrive: closed, overflowed, the view dropped (the iteration
   * then throws CatalogError UNKNOWN_OBJECT after the buffered changes), or the database closed
   */
  readonly closed: boolean;
  /** Resolves when every buffered change has been taken by the consumer. */
  drained(): Promise<void>;
  /** Stops receiving and discards buffered changes; iteration ends. Closing twice is harmless. */
  close(): void;
  /** Same as close(), for `using sub = db.subscribe(…)`. */
  [Symbol.dispose](): void;
  /** Iterates the changes; leaving the loop closes the subscription. */
  [Symbol.asyncIterator](): AsyncIterator<Change<R>>;
}

/** The structural parts of an apache-arrow RecordBatch or Table that insert() reads. */
export interface ArrowBatchLike {
  /** number of rows */
  readonly numRows: number;
  /** the batch's schema: its fields are matched to the relation's columns by name */
  readonly schema: {
    /** one field per column */
    readonly fields: readonly {
      /** the column name */
      readonly name: string;
    }[];
  };
  /** the column vector at a field index */
  getChildAt(index: number): unknown;
}

/**
 * An apache-arrow Table (the members used most). For complete typing pass apache-arrow's own
 * type: `db.queryArrow<import('apache-arrow').Table>(sql)`.
 */
export interface ArrowTable {
  /** number of rows */
  readonly numRows: number;
  /** number of columns */
  readonly numCols: number;
  /** the result's schema */
  readonly schema: {
    /** one field per result column, in SELECT-list order */
    readonly fields: readonly {
      /** the column name */
      readonly name: string;
      /** the Arrow data type (Int32, Int64, Float64, Utf8, Timestamp, …) */
      readonly type: unknown;
    }[];
  };
  /** A column by name, or null. */
  getChild(name: string): {
    /** the value at a row index */
    get(index: number): unknown;
    /** the column's values as a typed array or array */
    toArray(): unknown;
    /** number of values */
    readonly length: number;
  } | null;
  /** The rows. */
  toArray(): {
    /** the row as a plain object */
    toJSON(): Record<string, unknown>;
  }[];
}

/** A JavaScript function's SQL signature: SQL type names ('int', 'varchar', 'decimal(10,2)', 'timestamp', 'text[]' …). */
export interface FunctionSignature {
  /** the SQL types of the arguments, in order */
  args: readonly string[];
  /** the SQL type of the result */
  returns: string;
}

/** Inserts into one table or source with rows of type `R`. */
export declare class RelationHandle<R extends object = Row> {
  protected constructor();
  /** the relation's name */
  readonly name: string;
  /** Inserts one row, synchronously; a row that does not fit throws SchemaError and nothing is applied. */
  insert(row: R): void;
  /** Inserts rows atomically: all of them, or none if any does not fit. */
  insertMany(rows: readonly R[]): void;
  /**
   * Inserts an apache-arrow RecordBatch or Table (columnar). Int32, Int16, Float64 and Float32
   * columns without nulls that match their column's type (and Float64 epoch milliseconds for
   * TIMESTAMP) are not copied: the database keeps
   * referring to their memory (sources retain rows), so treat the batch as immutable afterwards,
   * as Arrow intends — do not refill those typed arrays for the next batch.
   */
  insertArrow(batch: ArrowBatchLike): void;
}

/** A typed handle on a mutable table (`db.table<Person>('person')`). */
export declare class TableHandle<R extends object = Row> extends RelationHandle<R> {}

/** A typed handle on an append-only source (`db.source<Bid>('bid')`). */
export declare class SourceHandle<R extends object = Row> extends RelationHandle<R> {
  /**
   * Sets the source's watermark to `eventTime` (a Date, epoch milliseconds or a timestamp
   * string) without inserting — for idle sources. The declared delay is not subtracted: windows
   * ending at or before it close, and later rows older than it are late. A watermark never
   * moves back: an earlier time is ignored.
   */
  advanceWatermark(eventTime: Date | number | string): void;
  /**
   * Marks the source idle (`false`: active again): UNION ALL of sources and joins of several
   * sources stop waiting for its watermark. Its next row makes it active again. (A source can
   * also go idle by itself: CREATE SOURCE … WITH (idle_timeout = '5 seconds').)
   */
  markIdle(idle?: boolean): void;
}

/** An open database. Obtain one with `open()`; close it with `close()` or `await using`. */
export declare class Database implements AsyncDisposable {
  private constructor();
  /** absolute directory of the database, or undefined when in memory */
  readonly path: string | undefined;
  /** true after close() */
  readonly closed: boolean;

  /**
   * Runs one or more ';'-separated statements: DDL, INSERT/UPDATE/DELETE, FLUSH, SELECT …
   * `params` fill `$1`, `$2`, … (values are never spliced into the SQL text).
   * Rejects with SqlSyntaxError, CatalogError, SqlTypeError, … (with line and column).
   * Several statements: the whole text is parsed first (a syntax error runs nothing), then the
   * statements run in order, all or nothing: when one fails, the call rejects with its error
   * (naming the statement and its line/column) and the statements before it are rolled back —
   * tables, views, created objects, settings — and subscribers see none of their changes.
   * DROP and CHECKPOINT cannot be undone: each commits the statements before it. See
   * docs/API.md, "execute() with several statements".
   */
  execute(sql: string, params?: readonly unknown[]): Promise<ExecuteResult>;

  /**
   * Runs a row-returning statement (SELECT, SHOW, DESCRIBE, EXPLAIN) over tables, sources'
   * retained rows and materialized views. Rows are plain objects whose keys follow the SELECT
   * list order. `R` is not checked at run time.
   */
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;

  /**
   * Like query(), but returns an apache-arrow Table (apache-arrow must be installed). Column
   * types: INT → Int32, BIGINT → Int64, DOUBLE → Float64, BOOLEAN → Bool, VARCHAR → Utf8,
   * TIMESTAMP → Timestamp(microsecond), DATE → Date(millisecond), BYTEA → Binary; DECIMAL,
   * INTERVAL and JSONB → Utf8 text.
   */
  queryArrow<T = ArrowTable>(sql: string, params?: readonly unknown[]): Promise<T>;

  /**
   * Inserts rows into a table or source, synchronously: a row object, an array of them, or an
   * apache-arrow RecordBatch/Table. Every row is validated first: an unknown column, a value that
   * does not fit its column, or NULL in a NOT NULL column throws SchemaError (with `column` and
   * `rowIndex`) and nothing of the call is applied. When it returns, every view reflects the rows.
   */
  insert(name: string, rows: object | readonly object[] | ArrowBatchLike): void;

  /**
   * Subscribes to a materialized view's changes. Iterate the result with `for await`, or pass
   * `onChange` to receive each change synchronously.
   */
  subscribe<R = Row>(name: string, options?: SubscribeOptions<R>): Subscription<R>;
  /**
   * A typed stream over a table, source, view or materialized view (the operator API, see
   * docs/operator-api.md). Nothing runs until a terminal call (`forEach`, `to`) attaches the
   * pipeline to the database's dataflow. Existing rows are replayed into it first.
   */
  stream<T = Row>(name: string, options?: StreamOptions): DataStream<T>;

  /** A typed handle on a mutable table. Throws CatalogError when it is not one. */
  table<R extends object = Row>(name: string): TableHandle<R>;

  /** A typed handle on a source or APPEND ONLY table. Throws CatalogError when it is not one. */
  source<R extends object = Row>(name: string): SourceHandle<R>;

  /** Sets a source's watermark (see SourceHandle.advanceWatermark). */
  advanceWatermark(source: string, eventTime: Date | number | string): void;

  /** Marks a source idle or active again (see SourceHandle.markIdle). Not logged. */
  markSourceIdle(source: string, idle?: boolean): void;

  /**
   * Event-time metrics of a materialized view: state entries held by its operators (its result
   * rows excluded) and late rows they dropped (behind the watermark / allowed_lateness).
   */
  viewMetrics(view: string): {
    /** state entries held by the view's operators (its result rows excluded) */
    stateEntries: number;
    /** rows its operators dropped as late */
    lateRows: number;
  };

  /**
   * Late-row side output of a materialized view: receives the rows its windowed operators
   * dropped as late (behind the watermark / allowed_lateness), as objects with the operator's
   * input columns (the source's columns plus window_start / window_end), and the rows its
   * interval / ASOF joins dropped as late (behind their own side's watermark, with that side's
   * columns), in a microtask after each insert. close() stops delivery.
   */
  onLateRows(
    view: string,
    listener: (rows: Row[]) => void,
  ): {
    /** stops delivery to this listener */
    close(): void;
  };

  /**
   * Registers a JavaScript scalar function callable from SQL. It receives and returns
   * user-facing values (Date for timestamps, string for decimals, null for NULL). An exception
   * it throws fails the statement or insert with ExecutionError code 'UDF_ERROR'. Functions live
   * in code, not in a durable database's log: register them on every open — through the
   * `functions` option when views that call them must be rebuilt during recovery.
   */
  registerFunction(name: string, fn: (...args: any[]) => unknown, signature: FunctionSignature): void;

  /**
   * A Kysely query builder over this database, typed by `DB` (generate it with
   * `laminardb codegen`). No transactions; `.stream()` walks the result in chunks.
   * Without `DB` (JavaScript) the builder is untyped.
   */
  kysely<DB = any>(): import('kysely').Kysely<DB>;

  /** Every table, source, view and sink in the catalog. */
  relations(): RelationDescription[];

  /**
   * Every source connector (a source declared WITH (connector = …)): its state, the rows it
   * produced, its position and any failure (docs/connectors.md).
   */
  connectors(): ConnectorStatus[];

  /** Starts the source connectors of a database opened with `startConnectors: false`. */
  startConnectors(): void;

  /** One relation's description; throws CatalogError (UNKNOWN_OBJECT) if there is none by that name. */
  describe(name: string): RelationDescription;

  /**
   * Same as SQL `FLUSH`: when it resolves, every materialized view reflects every row inserted
   * before the call, and in a durable database those rows are on disk (rejects with StorageError
   * when the log cannot be written).
   */
  flush(): Promise<void>;

  /** Resolves when the consumers of every open subscription have taken all buffered changes. */
  drain(): Promise<void>;

  /**
   * Closes the database. Open subscriptions end (iterators finish after the changes already
   * buffered). Closing twice is harmless; any other call afterwards throws/rejects with ClosedError.
   */
  close(): Promise<void>;

  /** Same as close(), for `await using db = await open()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Configuration of LaminarDialect. */
export interface LaminarDialectConfig {
  /** the open database the queries run on */
  database: Database;
}

/**
 * A Kysely Dialect running PostgreSQL-flavoured queries on an open database:
 * `new Kysely<DB>({ dialect: new LaminarDialect({ database: db }) })` (what `db.kysely()` does).
 */
export declare class LaminarDialect implements import('kysely').Dialect {
  constructor(config: LaminarDialectConfig);
  /** The driver: runs compiled queries on the database (no transactions; streaming in chunks). */
  createDriver(): import('kysely').Driver;
  /** PostgreSQL-flavoured SQL with `$1` parameters. */
  createQueryCompiler(): import('kysely').QueryCompiler;
  /** Dialect capabilities (no RETURNING, no transactional DDL). */
  createAdapter(): import('kysely').DialectAdapter;
  /** Lists tables, sources and views with their columns from the live catalog. */
  createIntrospector(db: import('kysely').Kysely<any>): import('kysely').DatabaseIntrospector;
}

/** Options of generateKyselyTypes. */
export interface CodegenOptions {
  /** BIGINT as bigint (matches `open({ bigint: true })`) */
  bigint?: boolean;
}

/**
 * TypeScript source declaring one interface per relation and the Kysely `DB` interface
 * (what `laminardb codegen` writes). Select types are what query() returns; insert and update
 * types (via Kysely's ColumnType) are what insert() accepts.
 */
export declare function generateKyselyTypes(relations: readonly RelationDescription[], options?: CodegenOptions): string;

/** An interval: PostgreSQL text ('10 seconds', '1 minute 30 seconds', 'PT5M') or a number of milliseconds. */
export type WindowInterval = string | number;

/** Names of the columns of row type `R` holding timestamps: the columns a window can be placed on. */
export type TimeColumnOf<R> = {
  [K in keyof R & string]: NonNullable<import('kysely').SelectType<R[K]>> extends Date ? K : never;
}[keyof R & string];

/** Row type `R` plus the `window_start` / `window_end` columns a window table function adds. */
export type WindowedRow<R> = {
  [K in keyof R as K extends 'window_start' | 'window_end' ? never : K]: R[K];
} & {
  /** start of the window, inclusive */
  window_start: Date;
  /** end of the window, exclusive (the window closes when the watermark reaches it) */
  window_end: Date;
};

/** Options of tumbleTable, hopTable, sessionTable and cumulateTable. */
export interface WindowOptions<A extends string> {
  /** the name the window's rows are referred to by (default: the table's name) */
  alias?: A;
}

/** Options of createMaterializedView. */
export interface MaterializedViewOptions {
  /** 'window-close': EMIT ON WINDOW CLOSE (the view holds closed windows only); 'changes': EMIT CHANGES; default: no clause */
  emit?: 'window-close' | 'changes';
  /** CREATE MATERIALIZED VIEW IF NOT EXISTS */
  ifNotExists?: boolean;
}

/**
 * `TUMBLE(table, timeColumn, INTERVAL size)` as a Kysely table expression for `selectFrom`: fixed,
 * non-overlapping windows aligned to the epoch. Its rows are the table's rows plus
 * `window_start: Date` and `window_end: Date`; it is named `options.alias` or the table's name.
 * A size that is not an interval throws SqlTypeError INVALID_ARGUMENT at the call.
 */
export declare function tumbleTable<DB, TB extends keyof DB & string, const A extends string = TB>(
  db: import('kysely').Kysely<DB>,
  table: TB,
  timeColumn: TimeColumnOf<DB[TB]>,
  size: WindowInterval,
  options?: WindowOptions<A>,
): import('kysely').AliasedRawBuilder<WindowedRow<DB[TB]>, A>;

/** `HOP(table, timeColumn, INTERVAL slide, INTERVAL size)` as a table expression: windows of `size` starting every `slide`. */
export declare function hopTable<DB, TB extends keyof DB & string, const A extends string = TB>(
  db: import('kysely').Kysely<DB>,
  table: TB,
  timeColumn: TimeColumnOf<DB[TB]>,
  slide: WindowInterval,
  size: WindowInterval,
  options?: WindowOptions<A>,
): import('kysely').AliasedRawBuilder<WindowedRow<DB[TB]>, A>;

/** `SESSION(table, timeColumn, INTERVAL gap)` as a table expression: per grouping key, events closer than `gap` share a window. */
export declare function sessionTable<DB, TB extends keyof DB & string, const A extends string = TB>(
  db: import('kysely').Kysely<DB>,
  table: TB,
  timeColumn: TimeColumnOf<DB[TB]>,
  gap: WindowInterval,
  options?: WindowOptions<A>,
): import('kysely').AliasedRawBuilder<WindowedRow<DB[TB]>, A>;

/** `CUMULATE(table, timeColumn, INTERVAL step, INTERVAL size)` as a table expression: growing windows within each `size`, one more every `step`. */
export declare function cumulateTable<DB, TB extends keyof DB & string, const A extends string = TB>(
  db: import('kysely').Kysely<DB>,
  table: TB,
  timeColumn: TimeColumnOf<DB[TB]>,
  step: WindowInterval,
  size: WindowInterval,
  options?: WindowOptions<A>,
): import('kysely').AliasedRawBuilder<WindowedRow<DB[TB]>, A>;

/**
 * Compiles a Kysely SELECT with the database's dialect and runs
 * `CREATE MATERIALIZED VIEW name AS <query> [EMIT ON WINDOW CLOSE | EMIT CHANGES]`. The query's
 * parameters stay `$n` parameters, bound when the view is planned (and logged with the statement
 * in a durable database). A query that is not a SELECT is rejected (UNSUPPORTED).
 */
export declare function createMaterializedView(
  db: import('kysely').Kysely<any>,
  name: string,
  query: import('kysely').Compilable<unknown>,
  options?: MaterializedViewOptions,
): Promise<void>;

/** Where in the SQL text an error was found (1-based line and column, 0-based offset). */
export interface SourcePosition {
  /** 1-based line */
  line: number;
  /** 1-based column */
  column: number;
  /** 0-based character offset in the SQL text */
  offset: number;
}

/** Base class of every error thrown by laminardb. `code` is stable across versions. */
export declare class LaminarError extends Error {
  /** stable machine-readable code, e.g. 'SYNTAX_ERROR', 'NOT_NULL_VIOLATION', 'CLOSED' */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown });
}

/** An error located in SQL text: `line`/`column` are 1-based, `position` a 0-based offset. */
export declare class SqlError extends LaminarError {
  /** 1-based line of the offending token */
  readonly line?: number;
  /** 1-based column of the offending token */
  readonly column?: number;
  /** 0-based character offset of the offending token */
  readonly position?: number;
  constructor(code: string, message: string, pos?: SourcePosition, options?: { cause?: unknown });
}

/** The SQL text does not parse. code: SYNTAX_ERROR */
export declare class SqlSyntaxError extends SqlError {
  constructor(message: string, pos?: SourcePosition);
}

/**
 * A catalog problem. codes: UNKNOWN_OBJECT, DUPLICATE_OBJECT, UNKNOWN_COLUMN, AMBIGUOUS_COLUMN,
 * DEPENDENT_OBJECTS, WRONG_OBJECT_KIND
 */
export declare class CatalogError extends SqlError {}

/** An expression's types do not fit (e.g. `'a' + 1`). code: TYPE_MISMATCH, … */
export declare class SqlTypeError extends SqlError {}

/** Valid SQL that this engine does not support (yet). code: UNSUPPORTED */
export declare class UnsupportedError extends SqlError {
  constructor(message: string, pos?: SourcePosition);
}

/**
 * A row does not fit its relation's schema. `column` names the column and `rowIndex` the row
 * within the insert call. codes: INVALID_VALUE, NOT_NULL_VIOLATION, UNKNOWN_COLUMN,
 * PRIMARY_KEY_VIOLATION, INVALID_ROW
 */
export declare class SchemaError extends LaminarError {
  /** the column whose value does not fit */
  readonly column?: string;
  /** 0-based index of the offending row within the insert call */
  readonly rowIndex?: number;
  constructor(code: string, message: string, details?: { column?: string; rowIndex?: number });
}

/** A failure while evaluating data. codes: DIVISION_BY_ZERO, INVALID_CAST, NUMERIC_OVERFLOW, UDF_ERROR, INVALID_ARGUMENT */
export declare class ExecutionError extends LaminarError {}

/** Durable storage failures. codes: IO_ERROR, CORRUPTION, DATABASE_LOCKED, DISK_FULL */
export declare class StorageError extends LaminarError {}

/** The database (or subscription) was closed. code: CLOSED */
export declare class ClosedError extends LaminarError {
  constructor(what?: string);
}

// ---------------------------------------------------------------------------------------------
// Operator API (docs/operator-api.md)

/** Options of db.stream(). */
export interface StreamOptions {
  /** TIMESTAMP values as Date objects (default) or epoch-millisecond numbers (no allocation per event) */
  timestamps?: 'date' | 'ms';
}

/** Keys of a keyed stream, compared by value. */
export type StreamKey = string | number | bigint | boolean;

/** A named side-output channel: `ctx.output(tag, v)` writes, `stream.sideOutput(tag)` reads. */
export declare class OutputTag<T> {
  /** the channel's name; tags with the same id are the same channel */
  readonly id: string;
  constructor(id: string);
  /** phantom member carrying T */
  readonly __type?: T;
}

/** One value per key. */
export interface ValueState<T> {
  /** the current key's value, or undefined if none was set */
  value(): T | undefined;
  /** sets the current key's value */
  update(value: T): void;
  /** removes the current key's value */
  clear(): void;
}
/** A list per key. */
export interface ListState<T> {
  /** the current key's list (empty if none) */
  get(): readonly T[];
  /** appends to the current key's list */
  add(value: T): void;
  /** replaces the current key's list */
  update(values: readonly T[]): void;
  /** removes the current key's list */
  clear(): void;
}
/** A map per key. */
export interface MapState<K, V> {
  /** the value under `key` in the current key's map */
  get(key: K): V | undefined;
  /** sets `key` in the current key's map */
  put(key: K, value: V): void;
  /** whether the current key's map has `key` */
  has(key: K): boolean;
  /** deletes `key` from the current key's map */
  remove(key: K): void;
  /** the current key's map entries */
  entries(): IterableIterator<[K, V]>;
  /** removes the current key's whole map */
  clear(): void;
}
/** An accumulator: create → add* → result; merge is needed by session windows. */
export interface AggregateFunction<I, A, O> {
  /** a new, empty accumulator */
  create(): A;
  /** the accumulator with one more value (may update `acc` in place and return it) */
  add(acc: A, value: I): A;
  /** the aggregate's result for an accumulator */
  result(acc: A): O;
  /** two accumulators combined (needed when session windows merge) */
  merge?(a: A, b: A): A;
}
/** An accumulator per key, fed with add(), read as its result. */
export interface AggregatingState<I, O> {
  /** the current key's result, or undefined before the first add */
  get(): O | undefined;
  /** adds a value to the current key's accumulator */
  add(value: I): void;
  /** removes the current key's accumulator */
  clear(): void;
}
/** Keyed state handles; every handle addresses the current key (`ctx.key`). */
export interface KeyedStateStore {
  /** the value state called `name` */
  value<T>(name: string): ValueState<T>;
  /** the list state called `name` */
  list<T>(name: string): ListState<T>;
  /** the map state called `name` */
  map<K, V>(name: string): MapState<K, V>;
  /** the aggregating state called `name`, accumulating with `fn` */
  aggregating<I, A, O>(name: string, fn: AggregateFunction<I, A, O>): AggregatingState<I, O>;
}
/** Timers of the current key (ctx.timers). */
export interface TimerService {
  /** fire onTimer for the current key once the watermark reaches `time` (epoch ms) */
  registerEventTimeTimer(time: number): void;
  /** cancels the current key's event-time timer at `time` */
  deleteEventTimeTimer(time: number): void;
  /** fire onTimer once the processing-time clock reaches `time` (checked at the end of every step) */
  registerProcessingTimeTimer(time: number): void;
  /** cancels the current key's processing-time timer at `time` */
  deleteProcessingTimeTimer(time: number): void;
  /** the processing-time clock now (epoch ms; SinkOptions.clock, default Date.now) */
  currentProcessingTime(): number;
}
/** What a user operator's process/onTimer receive. */
export interface ProcessContext<K, O> {
  /** the key of the event or timer being processed */
  readonly key: K;
  /** the operator's input watermark (epoch ms; -Infinity before the first) */
  readonly watermark: number;
  /** the current key's state */
  readonly state: KeyedStateStore;
  /** the current key's timers */
  readonly timers: TimerService;
  /** sends a value downstream */
  emit(value: O): void;
  /** sends a value to a side output */
  output<S>(tag: OutputTag<S>, value: S): void;
}
/** The timer that fired. */
export interface TimerInfo {
  /** the time the timer was registered for (epoch ms) */
  time: number;
  /** which clock it was registered on */
  domain: 'event-time' | 'processing-time';
}
/** A custom operator (like Flink's KeyedProcessFunction). Only `process` is required. */
export interface ProcessFunction<K, I, O> {
  /** used in error messages (default: the class name) */
  name?: string;
  /** called once before the first event */
  open?(ctx: ProcessContext<K, O>): void;
  /** called for every event */
  process(event: I, ctx: ProcessContext<K, O>): void;
  /** called when a registered timer fires */
  onTimer?(timer: TimerInfo, ctx: ProcessContext<K, O>): void;
  /** called when the pipeline stops */
  close?(): void;
  /** state kept outside ctx, to be checkpointed with the rest */
  snapshot?(): unknown;
  /** receives what snapshot() returned, on a restart */
  restore?(state: unknown): void;
}
/** Snapshot of a pipeline (stage id → state): structured-clone data. */
export type PipelineSnapshot = Record<string, unknown>;

/** A window assigner: tumble(), hop() or session() (sizes, slides and gaps in milliseconds). */
export type WindowSpec =
  | {
      /** tumbling windows */
      kind: 'tumble';
      /** window length, ms */
      size: number;
    }
  | {
      /** sliding windows */
      kind: 'hop';
      /** distance between window starts, ms */
      slide: number;
      /** window length, ms */
      size: number;
    }
  | {
      /** per-key session windows */
      kind: 'session';
      /** inactivity that ends a session, ms */
      gap: number;
    };
/** Tumbling event-time windows of `sizeMs`, epoch-aligned, half-open. */
export declare function tumble(sizeMs: number): WindowSpec;
/** Sliding windows of `sizeMs` every `slideMs`. */
export declare function hop(slideMs: number, sizeMs: number): WindowSpec;
/** Per-key session windows closed by a gap of `gapMs` (the aggregate needs merge). */
export declare function session(gapMs: number): WindowSpec;
/** One closed window's result. */
export interface WindowResult<K, O> {
  /** the key */
  key: K;
  /** window start, epoch ms (inclusive) */
  windowStart: number;
  /** window end, epoch ms (exclusive) */
  windowEnd: number;
  /** the aggregate's result */
  value: O;
}

/** Options of the terminal calls forEach() and to(). */
export interface SinkOptions {
  /**
   * A stable pipeline name (`to(name)` defaults it to the target's name). On a durable database a
   * named pipeline is part of every CHECKPOINT, and declaring it again under the same name after
   * open() continues from its checkpointed state plus the log after it. Names are unique among
   * running pipelines (CatalogError DUPLICATE_OBJECT).
   */
  name?: string;
  /** start from a snapshot taken with pipeline.snapshot() (a restart) */
  restore?: PipelineSnapshot;
  /** processing-time clock (default Date.now) */
  clock?: () => number;
  /** called once when user code throws; the pipeline stops, everything else keeps running */
  onError?: (error: ExecutionError) => void;
}

/** A running pipeline. */
export declare class Pipeline {
  /** the error that stopped it: code USER_OPERATOR_FAILED, naming the operator and the event */
  readonly error: ExecutionError | undefined;
  /** true once user code has thrown and the pipeline stopped */
  readonly failed: boolean;
  /** every stage's state and timers, for a restart with `{ restore }` */
  snapshot(): PipelineSnapshot;
  /** the keyed state of every custom operator and window stage, decoded (for debugging and tests) */
  inspectState(): {
    /** the stage (operator) name, e.g. `FraudDetector#2` */
    stage: string;
    /** the state's name as given to `ctx.state.value(name)` and the like */
    state: string;
    /** the stream key the entry belongs to */
    key: unknown;
    /** the decoded value */
    value: unknown;
  }[];
  /** number of state entries (keyed state and timers) across its stages */
  stateSize(): number;
  /** detach it from the database (user close() hooks run) */
  stop(): void;
}

/** A typed stream (lazy: built by a terminal call). */
export declare class DataStream<T> {
  private constructor();
  /** each event transformed by `fn` */
  map<U>(fn: (event: T) => U): DataStream<U>;
  /** the events for which `fn` is true (narrowing with a type guard) */
  filter<S extends T>(fn: (event: T) => event is S): DataStream<S>;
  /** the events for which `fn` is true */
  filter(fn: (event: T) => boolean): DataStream<T>;
  /** every value of `fn(event)` for each event */
  flatMap<U>(fn: (event: T) => Iterable<U>): DataStream<U>;
  /** this stream's events and the others' */
  union(...others: DataStream<T>[]): DataStream<T>;
  /** partitioned by `keyOf(event)`, for keyed state, timers, windows and joins */
  keyBy<K extends StreamKey>(keyOf: (event: T) => K): KeyedStream<K, T>;
  /** through a custom operator (without a key: no keyed state or timers per key) */
  process<O>(fn: ProcessFunction<undefined, T, O>): DataStream<O>;
  /** the values an upstream operator wrote to `tag` */
  sideOutput<S>(tag: OutputTag<S>): DataStream<S>;
  /** run the pipeline; `fn` receives each step's events once the step ends */
  forEach(fn: (events: T[]) => void, options?: SinkOptions): Pipeline;
  /** run the pipeline into a new SOURCE `name` (column definitions as in CREATE SOURCE) that SQL can read */
  to(name: string, columns: string, options?: SinkOptions): Pipeline;
}

/** A stream partitioned by key: keyed state, timers, windows, joins. */
export declare class KeyedStream<K extends StreamKey, T> {
  private constructor();
  /** through a custom operator with keyed state and timers */
  process<O>(fn: ProcessFunction<K, T, O>): DataStream<O>;
  /** pairs of events with the same key whose times satisfy leftTime + lowerMs ≤ rightTime ≤ leftTime + upperMs */
  intervalJoin<R, O>(
    right: KeyedStream<K, R>,
    spec: {
      lowerMs: number;
      upperMs: number;
      leftTime: (event: T) => unknown;
      rightTime: (event: R) => unknown;
      join: (left: T, right: R, key: K) => O;
    },
  ): DataStream<O>;
  /** cut into event-time windows by `timeOf(event)`; late events go to `lateTag` if given */
  window(spec: WindowSpec, timeOf: (event: T) => unknown, options?: { lateTag?: OutputTag<T> }): WindowedStream<K, T>;
}

/** A keyed stream cut into event-time windows. */
export declare class WindowedStream<K extends StreamKey, T> {
  private constructor();
  /** one result per key and closed window, accumulated with `fn` */
  aggregate<A, O>(fn: AggregateFunction<T, A, O>): DataStream<WindowResult<K, O>>;
  /** one result per key and closed window, the events combined pairwise with `fn` */
  reduce(fn: (a: T, b: T) => T): DataStream<WindowResult<K, T>>;
}
