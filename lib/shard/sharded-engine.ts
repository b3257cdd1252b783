// open({ threads: N }): the EnginePort over N shard workers (docs/thread-per-core.md).
//
// The main thread keeps a catalog-only Engine (the same DDL, never any rows) for names, types,
// validation and plans; PlacementAnalyzer decides from those plans which relations are split by
// key and which live on shard 0. Rows are routed per batch into the shards' SPSC rings; calls
// that return something (DDL, queries, flush, subscribe) are synchronous round trips.
import { availableParallelism } from 'node:os';
import { ClosedError, LaminarError, SchemaError, StorageError, UnsupportedError } from '../errors.js';
import { Engine } from '../engine/engine.js';
import { writableTable } from '../engine/dml.js';
import type { ChangeListener, EngineSubscription, QueryResult, RelationInfo, StatementResult } from '../engine/types.js';
import type { Column } from '../exec/batch.js';
import type { TableEntry } from '../plan/catalog.js';
import { parse } from '../sql/parser.js';
import type { Statement } from '../sql/ast.js';
import type { DataType } from '../types/datatype.js';
import type { Row, Value } from '../types/value.js';
import { shardOfRows } from './hash.js';
import { mentionedRelations, queryOverContents } from './merge-query.js';
import { PlacementAnalyzer, type Placement, type PlacementResult } from './placement.js';
import { unpackResults } from './protocol.js';
import { ShardPool } from './shard-pool.js';
import { DurableShards } from './durable-shards.js';

const DDL = new Set(['create-table', 'create-materialized-view', 'create-view', 'create-function', 'create-index', 'drop', 'set']);
const CATALOG_ONLY = new Set(['show', 'describe', 'explain', 'checkpoint', 'begin', 'commit']);

interface Route {
  table: TableEntry;
  placement: Placement;
}

/** Options of the sharded engine (from open()). */
export interface ShardedEngineOptions {
  threads: number;
  /** pin shard i to CPU i (default true when the machine has at least `threads` CPUs) */
  pinThreads?: boolean;
  [option: string]: unknown;
}

export class ShardedEngine {
  readonly threads: number;
  private readonly catalog: Engine;
  private readonly pool: ShardPool;
  private placement: PlacementResult = { relations: new Map(), views: new Map() };
  /** relations whose rows are already on the shards: their placement is fixed */
  private readonly forced = new Map<string, Placement>();
  private readonly maxEventTime = new Map<string, number>();
  private readonly routes = new Map<string, Route>();
  private nextSubscription = 1;
  private closed = false;
  private shardOf = new Uint8Array(1024);
  /** the shards the insert call being routed reached (1), for its end-of-call marks */
  private readonly reached: Uint8Array;
  /** rows per shard of the batch being scattered (reused: no allocation per insert call) */
  private readonly counts: Int32Array;
  /** a durable database (path): catalog log, checkpoints across shards, recovery */
  private readonly storage: DurableShards | undefined;

  constructor(options: ShardedEngineOptions) {
    this.threads = options.threads;
    this.reached = new Uint8Array(this.threads);
    this.counts = new Int32Array(this.threads);
    const engineOptions: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) {
      if (k !== 'path' && (v === null || ['string', 'number', 'boolean'].includes(typeof v))) engineOptions[k] = v;
    }
    this.catalog = new Engine(engineOptions);
    const pin = options.pinThreads ?? availableParallelism() >= this.threads;
    const cpus = Array.from({ length: this.threads }, (_, i) => (pin ? i : undefined));
    if (typeof options.path !== 'string') {
      this.pool = new ShardPool(this.threads, engineOptions, cpus);
      return;
    }
    const storage = DurableShards.open(options.path, this.threads, options);
    this.storage = storage;
    this.pool = new ShardPool(this.threads, engineOptions, cpus, storage.poolOptions());
    try {
      storage.recover(this.pool);
      this.replayCatalog(storage);
    } catch (error) {
      this.closed = true;
      this.catalog.close();
      void this.pool.close().catch(() => {}).finally(() => storage.release());
      throw error;
    }
    storage.startTimer(this.pool);
  }

  /** Rebuilds the main thread's catalog and placements from the catalog log. */
  private replayCatalog(storage: DurableShards): void {
    for (const entry of storage.entries) {
      if ('ddl' in entry) {
        try {
          this.catalog.execute(entry.ddl, entry.params);
        } catch (error) {
          // only statements the catalog accepted were logged, and the catalog holds no rows
          throw new StorageError('CORRUPTION', `the catalog log of ${storage.dir} holds "${entry.ddl}", which fails now: ${(error as Error).message}`, { cause: error });
        }
        this.replan();
      } else {
        this.forced.set(entry.force, entry.placement);
      }
    }
    this.replan();
  }

  /** Takes a checkpoint consistent across shards; resolves once every shard completed it. */
  async checkpoint(): Promise<{ epoch: number; shards: number[] }> {
    this.live();
    if (this.storage === undefined) throw new UnsupportedError('CHECKPOINT needs a durable database (open({ path, threads }))');
    return this.storage.checkpoint(this.pool);
  }

  /** The committed checkpoint cuts, oldest first, and the one the database was opened from. */
  checkpoints(): { committed: readonly { epoch: number; shards: number[] }[]; recovered: { epoch: number; shards: number[] } } | undefined {
    if (this.storage === undefined) return undefined;
    return { committed: this.storage.committedCuts(), recovered: this.storage.recoveredCut };
  }

  // ---- statements -------------------------------------------------------------------------

  execute(sql: string, params: readonly unknown[] = []): StatementResult[] | Promise<StatementResult[]> {
    this.live();
    const statements = parse(sql);
    if (statements.length > 1 && params.length > 0) {
      throw new UnsupportedError('with threads > 1, a statement with parameters must be the only statement of its execute() call');
    }
    const results = statements.map((st) => this.run(st, params));
    // FLUSH and CHECKPOINT of a durable database answer once the shards' disks have
    if (results.some((r) => r instanceof Promise)) return Promise.all(results);
    return results as StatementResult[];
  }

  query(sql: string, params: readonly unknown[] = []): QueryResult {
    this.live();
    const statements = parse(sql);
    if (statements.length === 1 && statements[0]!.kind === 'select') return this.select(statements[0]!.text, params);
    // not a SELECT: the catalog engine gives the same answer or the same error
    return this.catalog.query(sql, params);
  }

  private run(st: Statement, params: readonly unknown[]): StatementResult | Promise<StatementResult> {
    if (st.kind === 'create-sink') {
      throw new UnsupportedError('CREATE SINK is not supported with threads > 1 yet (each shard would write its part): open the database with threads: 1', st.pos);
    }
    if (st.kind === 'create-table' && st.asQuery !== undefined) {
      throw new UnsupportedError('CREATE TABLE … AS SELECT is not supported with threads > 1 yet: create the table, then INSERT INTO … SELECT', st.pos);
    }
    if (DDL.has(st.kind)) return this.ddl(st, params);
    if (st.kind === 'insert' || st.kind === 'update' || st.kind === 'delete') return this.dml(st, params);
    if (st.kind === 'select') {
      const r = this.select(st.text, params);
      return { command: 'SELECT', rowsAffected: r.rows.length, columns: r.columns, rows: r.rows };
    }
    if (st.kind === 'flush') {
      const done = this.flush();
      if (done instanceof Promise) return done.then(() => ({ command: 'FLUSH', rowsAffected: 0 }));
      return { command: 'FLUSH', rowsAffected: 0 };
    }
    if (st.kind === 'checkpoint' && this.storage !== undefined) {
      return this.checkpoint().then((cut) => ({
        command: 'CHECKPOINT',
        rowsAffected: 0,
        notice: `CHECKPOINT: epoch ${cut.epoch} is on disk on all ${this.threads} shards (local checkpoints ${cut.shards.join(', ')}); recovery replays only each shard's log after it`,
      }));
    }
    if (CATALOG_ONLY.has(st.kind)) return this.catalog.execute(st.text, params)[0]!;
    throw new UnsupportedError(`${st.kind} is not supported with threads > 1`, st.pos);
  }

  /** DDL: validated and planned on the catalog engine first, then applied on every shard. */
  private ddl(st: Statement, params: readonly unknown[]): StatementResult {
    this.pool.throwFailures();
    const [result] = this.catalog.execute(st.text, params);
    if (st.kind === 'create-materialized-view' || st.kind === 'create-table' || st.kind === 'drop') {
      const conflict = this.replan();
      if (conflict !== undefined) {
        const name = (st as { name: string }).name;
        this.catalog.execute(`DROP ${st.kind === 'create-table' ? 'TABLE' : 'MATERIALIZED VIEW'} "${name.replace(/"/g, '""')}"`);
        this.replan();
        throw new UnsupportedError(`cannot create "${name}" with threads > 1: ${conflict}. Create materialized views before inserting rows, or open the database with threads: 1`, st.pos);
      }
    }
    // on disk before any shard sees it: recovery gives it to shards that crashed without it
    this.storage?.logDdl(st.text, params);
    this.pool.call({ op: 'execute', sql: st.text, params });
    return result!;
  }

  /** SQL DML runs on shard 0, so every relation it touches must live there whole. */
  private dml(st: Statement, params: readonly unknown[]): StatementResult {
    this.pool.throwFailures();
    const analyzer = new PlacementAnalyzer(this.catalog.storageState().catalog);
    const bases = new Set<string>();
    for (const info of this.expand(mentionedRelations(st.text, this.catalog.relations()))) {
      const entry = this.catalog.storageState().catalog.relation(info.name)!;
      if (entry.kind === 'table' || entry.kind === 'source') bases.add(entry.name);
      else if (entry.kind === 'materialized view') for (const b of analyzer.basesOf(entry.plan)) bases.add(b);
    }
    const added: string[] = [];
    for (const b of bases) {
      const f = this.forced.get(b);
      if (f?.mode === 'partitioned') {
        throw new UnsupportedError(`with threads > 1, SQL ${st.kind.toUpperCase()} cannot touch "${b}": its rows are partitioned across shards (write rows with db.insert())`, st.pos);
      }
      if (!f) {
        this.forced.set(b, { mode: 'single' });
        added.push(b);
      }
    }
    const conflict = this.replan();
    if (conflict !== undefined) {
      for (const b of added) this.forced.delete(b);
      this.replan();
      throw new UnsupportedError(`with threads > 1, SQL ${st.kind.toUpperCase()} would move rows to shard 0: ${conflict}`, st.pos);
    }
    for (const b of added) this.storage?.logForce(b, { mode: 'single' });
    if (this.storage) this.storage.dirty = true;
    // a numbered call of its own (call-cut.ts), marked by shard 0 right after the statement's
    // record: recovery keeps it only after every earlier call
    const callSeq = this.storage?.beginCall();
    let packed: unknown[];
    try {
      packed = (this.pool.call({ op: 'execute', sql: st.text, params, callSeq }, [0]) as unknown[][])[0]!;
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'DataCloneError')) throw error;
      // the statement never reached shard 0, so no mark will follow: a number without one would
      // read as a lost call at recovery and drop every later call
      if (callSeq !== undefined) this.storage!.abandonCall(callSeq);
      throw new LaminarError('INVALID_ARGUMENT', `with threads > 1, a statement's parameters are copied to a shard thread, and these cannot be: ${error.message}`, { cause: error });
    }
    // durability 'sync' acknowledges the statement once it is kept by recovery: every earlier
    // call whole on disk and its own end mark (after its record on shard 0) durable
    if (this.storage?.durability === 'sync' && this.threads > 1) this.pool.call({ op: 'sync' });
    return unpackResults(packed)[0]!;
  }

  /** Plain views are inlined by the planner: the relations they read count as mentioned. */
  private expand(infos: RelationInfo[]): RelationInfo[] {
    const out = new Map<string, RelationInfo>();
    const all = this.catalog.relations();
    const visit = (list: RelationInfo[]): void => {
      for (const info of list) {
        if (out.has(info.name)) continue;
        out.set(info.name, info);
        if (info.kind === 'view') visit(mentionedRelations(info.sql.replace(/^[^]*?\bAS\b/i, ''), all));
      }
    };
    visit(infos);
    return [...out.values()];
  }

  private select(sql: string, params: readonly unknown[]): QueryResult {
    this.pool.throwFailures();
    const mentioned = this.expand(mentionedRelations(sql, this.catalog.relations()));
    const stored = mentioned.filter((r) => r.kind !== 'view');
    if (!stored.some((r) => this.isPartitioned(r.name))) {
      const [packed] = this.pool.call({ op: 'query', sql, params }, [0]) as unknown[][];
      const r = unpackResults(packed!)[0]!;
      return { columns: r.columns!, rows: r.rows! };
    }
    // check the query against the catalog first: a wrong query fails before any copying
    this.catalog.query(sql, params);
    const contents = new Map<RelationInfo, Row[]>();
    for (const info of stored) contents.set(info, this.contentsOf(info.name));
    const functions = this.catalog.storageState().catalog.functions().flatMap((f) => (f.kind === 'sql' ? [f.sql] : []));
    const views = mentioned.filter((r) => r.kind === 'view').map((r) => r.sql);
    return queryOverContents(sql, params, contents, [...functions], views);
  }

  /** Every row of a relation, gathered from the shards holding it. */
  contentsOf(name: string): Row[] {
    const shards = this.isPartitioned(name) ? undefined : [0];
    const parts = this.pool.call({ op: 'dump', name }, shards) as unknown[][];
    const rows: Row[] = [];
    for (const p of parts) for (const row of unpackResults(p)[0]!.rows!) rows.push(row);
    return rows;
  }

  /** Each shard's rows of a relation, by shard (introspection and tests: shows the split). */
  contentsByShard(name: string): Row[][] {
    this.catalog.storageState().catalog.requireRelation(name);
    const parts = this.pool.call({ op: 'dump', name }) as unknown[][];
    return parts.map((p) => unpackResults(p)[0]!.rows!);
  }

  /** Whether a relation's rows are split across the shards (false: all on shard 0). */
  isPartitioned(name: string): boolean {
    const entry = this.catalog.storageState().catalog.relation(name);
    if (!entry) return false;
    if (entry.kind === 'materialized view') return this.placement.views.get(entry.name) === true;
    return this.placement.relations.get(entry.name)?.mode === 'partitioned';
  }

  /** The placement of every table and source and whether each materialized view is partitioned. */
  placements(): PlacementResult {
    return this.placement;
  }

  /** Recomputes placements; returns a conflict with relations that already hold rows. */
  private replan(): string | undefined {
    const catalog = this.catalog.storageState().catalog;
    for (const name of [...this.forced.keys()]) {
      if (!catalog.relation(name)) {
        this.forced.delete(name);
        this.maxEventTime.delete(name);
      }
    }
    const result = new PlacementAnalyzer(catalog).decide(this.forced);
    for (const [rel, f] of this.forced) {
      const p = result.relations.get(rel);
      if (p && (p.mode !== f.mode || (p.mode === 'partitioned' && f.mode === 'partitioned' && p.column !== f.column))) {
        return `"${rel}" already holds rows ${describePlacement(f, catalog.relation(rel) as TableEntry)} and would need them ${describePlacement(p, catalog.relation(rel) as TableEntry)}`;
      }
    }
    this.placement = result;
    this.routes.clear();
    return undefined;
  }

  // ---- rows -------------------------------------------------------------------------------

  relation(name: string): RelationInfo | undefined {
    return this.catalog.relation(name);
  }

  relations(): RelationInfo[] {
    return this.catalog.relations();
  }

  insertRows(name: string, rows: readonly Row[]): void {
    const width = this.route(name).table.columns.length;
    const columns: Value[][] = Array.from({ length: width }, () => new Array<Value>(rows.length));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      if (row.length !== width) throw new SchemaError('INVALID_ROW', `"${name}" has ${width} columns, got a row of ${row.length} values`, { rowIndex: r });
      for (let c = 0; c < width; c++) columns[c]![r] = row[c]!;
    }
    this.insertColumns(name, columns, rows.length);
  }

  insertColumns(name: string, columns: Column[], length: number): void {
    this.live();
    this.pool.throwFailures();
    const { table, placement } = this.route(name);
    checkColumns(table, columns, length);
    if (length === 0) return;
    if (this.storage) {
      this.storage.checkHealthy();
      // the placement is on disk before the rows: recovery must route the next rows the same way
      if (!this.forced.has(table.name)) this.storage.logForce(table.name, placement);
      this.storage.dirty = true;
    }
    if (!this.forced.has(table.name)) this.forced.set(table.name, placement);
    const seq = this.storage?.beginCall();
    const reached = this.reached;
    try {
      if (placement.mode === 'single') {
        this.pool.writeRows(0, table.name, columns, length);
        reached[0] = 1;
      } else {
        this.scatter(table.name, columns, length, placement.column);
      }
      if (table.watermark && this.watermarkAfter(table, columns[table.watermark.column]!, length)) reached.fill(1);
    } finally {
      if (seq !== undefined) this.endCall(seq);
      else reached.fill(0);
    }
    this.pool.publish();
  }

  /**
   * A durable database: every shard the call reached logs the end of its part after it, so
   * recovery keeps the call only if all of them did (call-cut.ts). Clears `reached`.
   */
  private endCall(seq: number): void {
    const reached = this.reached;
    let count = 0;
    for (let s = 0; s < this.threads; s++) count += reached[s]!;
    if (count === 0) {
      this.storage!.abandonCall(seq);
      return;
    }
    for (let s = 0; s < this.threads; s++) {
      if (reached[s] === 0) continue;
      reached[s] = 0;
      this.pool.writeCallEnd(s, seq, count);
    }
  }

  private scatter(name: string, columns: Column[], length: number, keyColumn: number): void {
    const n = this.threads;
    if (this.shardOf.length < length) this.shardOf = new Uint8Array(Math.max(length, this.shardOf.length * 2));
    const shardOf = this.shardOf;
    shardOfRows(columns[keyColumn]!, length, n, shardOf);
    const counts = this.counts;
    counts.fill(0);
    for (let i = 0; i < length; i++) counts[shardOf[i]!]!++;
    for (let s = 0; s < n; s++) {
      const count = counts[s]!;
      if (count === 0) continue;
      this.reached[s] = 1;
      if (count === length) {
        this.pool.writeRows(s, name, columns, length);
        continue;
      }
      const picked = new Int32Array(count);
      for (let i = 0, k = 0; i < length; i++) if (shardOf[i] === s) picked[k++] = i;
      this.pool.writeRows(s, name, columns.map((c) => gather(c, picked)), count);
    }
  }

  /** The single engine advances a source's watermark after each batch: every shard gets it (true). */
  private watermarkAfter(table: TableEntry, col: Column, length: number): boolean {
    const before = this.maxEventTime.get(table.name) ?? -Infinity;
    let max = before;
    for (let i = 0; i < length; i++) {
      const v = col[i];
      if (typeof v === 'number' && v > max) max = v;
    }
    if (max <= before) return false;
    this.maxEventTime.set(table.name, max);
    this.pool.writeWatermark(table.name, max - table.watermark!.delayMs);
    return true;
  }

  private route(name: string): Route {
    const cached = this.routes.get(name);
    if (cached) return cached;
    const table = writableTable(this.catalog.storageState(), name);
    const placement = this.placement.relations.get(table.name) ?? { mode: 'single' as const };
    const route = { table, placement };
    this.routes.set(name, route);
    return route;
  }

  advanceWatermark(source: string, eventTimeMs: number): void {
    this.live();
    // validates the name and kind exactly as the single engine does (it holds no rows)
    this.catalog.advanceWatermark(source, eventTimeMs);
    this.storage?.checkHealthy();
    if (this.storage) this.storage.dirty = true;
    const seq = this.storage?.beginCall();
    try {
      this.pool.writeWatermark(this.catalog.relation(source)!.name, eventTimeMs);
      this.reached.fill(1);
    } finally {
      if (seq !== undefined) this.endCall(seq);
      else this.reached.fill(0);
    }
    this.pool.publish();
  }

  // ---- changes ----------------------------------------------------------------------------

  subscribe(name: string, listener: ChangeListener, opts?: { snapshot?: boolean; from?: unknown }): EngineSubscription {
    this.live();
    this.pool.throwFailures();
    if (opts?.from !== undefined) throw new UnsupportedError('subscribe({ from }) is not supported with threads > 1 yet (a position would have to name every shard\'s log): use threads: 1');
    // same checks and errors as the single engine
    this.catalog.subscribe(name, () => {}, { snapshot: false }).close();
    const relName = this.catalog.relation(name)!.name;
    // every shard listens: a view over relations without rows may still move between single and
    // partitioned; while it is single, only shard 0's changes are its changes
    const shards = undefined;
    const sub = this.nextSubscription++;
    this.pool.listen(sub, (changes, shard) => {
      if (shard === 0 || this.isPartitioned(relName)) listener(changes);
    });
    try {
      this.pool.call({ op: 'subscribe', sub, name: relName, snapshot: opts?.snapshot === true }, shards);
    } catch (error) {
      this.pool.listen(sub, undefined);
      throw error;
    }
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        this.pool.listen(sub, undefined);
        if (!this.closed) this.pool.call({ op: 'unsubscribe', sub }, shards);
      },
    };
  }

  // ---- event time introspection (Database's event-time API) --------------------------------

  setSourceIdle(source: string, idle = true): void {
    this.live();
    this.catalog.setSourceIdle(source, idle);
    this.pool.call({ op: 'call', method: 'setSourceIdle', args: [source, idle] });
  }

  viewStateSize(view: string): number {
    this.live();
    this.catalog.viewStateSize(view);
    return (this.pool.call({ op: 'call', method: 'viewStateSize', args: [view] }) as number[]).reduce((a, b) => a + b, 0);
  }

  viewLateRows(view: string): number {
    this.live();
    this.catalog.viewLateRows(view);
    return (this.pool.call({ op: 'call', method: 'viewLateRows', args: [view] }) as number[]).reduce((a, b) => a + b, 0);
  }

  onLateRows(): { close(): void } {
    throw new UnsupportedError('onLateRows is not supported with threads > 1 yet');
  }

  registerFunction(name: string, _fn: (...args: Value[]) => Value, _sig: { args: DataType[]; returns: DataType }): void {
    throw new UnsupportedError(`registerFunction("${name}"): JavaScript functions cannot be shared with shard threads; use CREATE FUNCTION … AS 'SQL expression' or threads: 1`);
  }

  /** Waits until every shard has applied every earlier row and call, and delivered its changes. */
  flush(): void | Promise<void> {
    this.live();
    if (this.storage !== undefined) {
      // a durable database: also once every shard's log is on disk (each shard answers when its is)
      return this.pool.callAsync({ op: 'flush' }).then(() => this.pool.throwFailures());
    }
    this.pool.call({ op: 'flush' });
    this.pool.throwFailures();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.catalog.close();
    if (this.storage === undefined) {
      await this.pool.close();
      return;
    }
    await this.storage.quiesce(this.pool);
    try {
      await this.pool.close();
    } finally {
      this.storage.release();
    }
  }

  private live(): void {
    if (this.closed) throw new ClosedError();
  }
}

function describePlacement(p: Placement, table: TableEntry | undefined): string {
  if (p.mode === 'single') return 'on shard 0';
  return `partitioned by "${table?.columns[p.column]?.name ?? `column ${p.column}`}"`;
}

/** The single engine's width and NOT NULL checks, before rows leave for the shards. */
function checkColumns(table: TableEntry, columns: Column[], length: number): void {
  const width = table.columns.length;
  if (columns.length !== width) throw new SchemaError('INVALID_ROW', `"${table.name}" has ${width} columns, got ${columns.length} column arrays`);
  for (let c = 0; c < width; c++) {
    const col = columns[c]!;
    const name = table.columns[c]!.name;
    if (col.length < length) throw new SchemaError('INVALID_ROW', `column "${name}" has ${col.length} values, expected ${length}`, { column: name });
    if (table.columns[c]!.nullable || !Array.isArray(col)) continue;
    for (let i = 0; i < length; i++) {
      if (col[i] === null || col[i] === undefined) {
        throw new SchemaError('NOT_NULL_VIOLATION', `null value in column "${name}" of "${table.name}" violates not-null constraint`, { column: name, rowIndex: i });
      }
    }
  }
}

function gather(c: Column, picked: Int32Array): Column {
  const n = picked.length;
  if (c instanceof Float64Array) {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = c[picked[k]!]!;
    return out as unknown as Column;
  }
  if (c instanceof Int32Array) {
    const out = new Int32Array(n);
    for (let k = 0; k < n; k++) out[k] = c[picked[k]!]!;
    return out as unknown as Column;
  }
  const out = new Array<Value>(n);
  for (let k = 0; k < n; k++) out[k] = c[picked[k]!]!;
  return out;
}

