// The Engine: SQL statements → catalog, plans and the dataflow. The public API (lib/api) wraps
// exactly this class; values crossing it are internal values (lib/types/value.ts).

import { CatalogError, ClosedError, SqlTypeError, UnsupportedError } from '../errors.js';
import type { LaminarError } from '../errors.js';
import type { Statement } from '../sql/ast.js';
import { parse } from '../sql/parser.js';
import type { Column } from '../exec/batch.js';
import { UdfRegistry } from '../exec/expr/udf.js';
import type { DataType } from '../types/datatype.js';
import type { Row, Value } from '../types/value.js';
import { relationInfo } from '../plan/catalog.js';
import type { TableEntry } from '../plan/catalog.js';
import type { DataflowNode, Materialized, Subgraph } from '../exec/runtime/dataflow.js';
import { ChangeTap } from './change-tap.js';
import { createCompiler } from './compiler.js';
import { createFunction, createIndex, createMaterializedView, createSink, createTable, createView, drop } from './ddl.js';
import { deleteRows, insert, insertColumnsInto, insertPlanRows, update, writableTable } from './dml.js';
import { describe, explainStatement, selectResult, show } from './show.js';
import { EngineState } from './state.js';
import type { ChangeListener, EngineSubscription, QueryResult, RelationInfo, StatementResult } from './types.js';
import { streamBuilder } from './stream-hook.js';
import type { LateRowListener } from './late-rows.js';
import { attachStream, type StreamAttachBuild } from './stream-attach.js';
import { executeStatements } from './atomic-execute.js';

export interface EngineOptions {
  /** return BIGINT as bigint (used by the API layer; the engine keeps numbers internally) */
  bigint?: boolean;
  [option: string]: unknown;
}

export class Engine {
  private readonly state: EngineState;
  private readonly udfs = new UdfRegistry();
  private closed = false;

  constructor(readonly options: EngineOptions = {}) {
    this.state = new EngineState(createCompiler(this.udfs), streamBuilder(), (onError) => createCompiler(this.udfs, onError));
  }

  /**
   * Runtime expression errors inside materialized views (each made one value NULL instead of
   * failing the write): per view, how many and the latest. See docs/expression-errors.md.
   */
  expressionErrors(): { view: string; count: number; code: string; message: string }[] {
    return [...this.state.expressionErrors].map(([view, e]) => ({ view, ...e }));
  }

  /** Be told about each runtime expression error inside a materialized view (undefined: stop). */
  onExpressionError(listener: ((view: string, error: LaminarError) => void) | undefined): void {
    this.state.expressionErrorListener = listener;
  }

  /**
   * Run one or more ';'-separated statements; params are raw user JS values. The whole text is
   * parsed first (a syntax error runs nothing); then the statements run in order, all or
   * nothing: when one fails, the ones before it are rolled back (DROP and CHECKPOINT commit what
   * ran before them). See lib/engine/atomic-execute.ts and "execute() with several statements"
   * in docs/API.md.
   */
  execute(sql: string, params: readonly unknown[] = []): StatementResult[] {
    this.assertOpen();
    const statements = parse(sql);
    if (statements.length === 1) return [this.run(statements[0]!, params)];
    return executeStatements(this.state, statements, (st) => this.run(st, params));
  }

  /** Run a row-returning statement (SELECT, SHOW, DESCRIBE, EXPLAIN). */
  query(sql: string, params: readonly unknown[] = []): QueryResult {
    this.assertOpen();
    const statements = parse(sql);
    if (statements.length !== 1) {
      throw new SqlTypeError('INVALID_ARGUMENT', `query() takes exactly one statement, got ${statements.length}`);
    }
    const result = this.run(statements[0]!, params);
    if (!result.columns || !result.rows) {
      throw new SqlTypeError('INVALID_ARGUMENT', `query() needs a statement that returns rows, not ${result.command}`, statements[0]!.pos);
    }
    return { columns: result.columns, rows: result.rows };
  }

  relation(name: string): RelationInfo | undefined {
    return this.state.catalog.info(name);
  }

  relations(): RelationInfo[] {
    return this.state.catalog.relations().map(relationInfo);
  }

  /** Rows already converted to internal values in schema order; all-or-nothing. */
  insertRows(name: string, rows: readonly Row[]): void {
    this.assertOpen();
    const table = writableTable(this.state, name);
    insertPlanRows(this.state, table, rows);
  }

  /** Columnar fast path: one column array per schema field. */
  insertColumns(name: string, columns: Column[], length: number): void {
    this.assertOpen();
    insertColumnsInto(this.state, writableTable(this.state, name), columns, length);
  }

  subscribe(name: string, listener: ChangeListener, opts?: { snapshot?: boolean }): EngineSubscription {
    this.assertOpen();
    const rel = this.state.catalog.requireRelation(name);
    const node = this.state.stores.get(name);
    if (!node) {
      throw new CatalogError('WRONG_OBJECT_KIND', `cannot subscribe to "${name}": it is a ${rel.kind} (subscribe to a materialized view, table or source)`);
    }
    if (rel.kind === 'table' || rel.kind === 'source') return this.subscribeStream(rel, node, listener, opts);
    return this.state.flow.subscribe(node, listener, opts);
  }

  /** A table's or source's changes, through a change tap attached while anyone listens. */
  private subscribeStream(rel: TableEntry, store: DataflowNode, listener: ChangeListener, opts?: { snapshot?: boolean }): EngineSubscription {
    const flow = this.state.flow;
    const taps = this.state.taps.get(rel.name) ?? new Set();
    this.state.taps.set(rel.name, taps);
    let sub: Subgraph | undefined;
    const detach = (): void => {
      if (!sub || !taps.has(sub)) return;
      taps.delete(sub);
      sub.remove();
    };
    const b = flow.builder();
    const tap = b.add(
      () => new ChangeTap(() => (flow.operator(store) as unknown as Materialized).contents(), rel.primaryKey, detach),
      [store],
      `${rel.name}-changes`,
    );
    sub = b.commit();
    taps.add(sub);
    return flow.subscribe(tap, listener, opts);
  }

  /** Operator API hook: attach a user pipeline fed by these relations (lib/stream-api). */
  attachStream(relations: readonly string[], build: StreamAttachBuild): Subgraph {
    this.assertOpen();
    return attachStream(this.state, relations, build);
  }

  /** Advance a source's watermark explicitly (e.g. idle sources). */
  advanceWatermark(source: string, eventTimeMs: number): void {
    this.assertOpen();
    const rel = this.state.catalog.requireRelation(source);
    if (rel.kind !== 'source' && !(rel.kind === 'table' && rel.appendOnly)) {
      throw new CatalogError('WRONG_OBJECT_KIND', `"${source}" is a ${rel.kind}, not a source`);
    }
    this.state.idleSources.beforeRows(this.state, rel.name);
    this.state.flow.advanceWatermark(this.state.stores.get(source)!, eventTimeMs);
  }

  /**
   * Marks a source idle (or active again): the event-time operators combining several inputs
   * (interval / ASOF / TTL joins) stop waiting for its watermark, so the other inputs' time moves
   * windows, TTLs and output watermarks on. The next rows or explicit watermark of the source
   * make it active again (lib/engine/idle-sources.ts; also CREATE SOURCE … WITH (idle_timeout)).
   */
  setSourceIdle(source: string, idle = true): void {
    this.assertOpen();
    const rel = this.state.catalog.requireRelation(source);
    if (rel.kind !== 'source' && !(rel.kind === 'table' && rel.appendOnly)) {
      throw new CatalogError('WRONG_OBJECT_KIND', `"${source}" is a ${rel.kind}, not a source`);
    }
    this.state.idleSources.set(this.state, rel.name, idle);
  }

  /** State entries held by a materialized view's operators (its result store excluded): what
   *  watermark-driven cleanup keeps flat. */
  viewStateSize(view: string): number {
    this.assertOpen();
    const sub = this.state.subgraphs.get(view);
    if (!sub) throw new CatalogError('WRONG_OBJECT_KIND', `"${view}" is not a materialized view`);
    const store = this.state.stores.get(view);
    let n = 0;
    for (const node of sub.nodes) if (node !== store) n += node.op.stateSize();
    return n;
  }

  /** Late rows (behind the watermark / allowed lateness) the view's event-time operators have
   *  dropped so far. */
  viewLateRows(view: string): number {
    this.assertOpen();
    const sub = this.state.subgraphs.get(view);
    if (!sub) throw new CatalogError('WRONG_OBJECT_KIND', `"${view}" is not a materialized view`);
    let n = 0;
    for (const node of sub.nodes) {
      const late = (node.op as { lateRows?: unknown }).lateRows;
      if (typeof late === 'number') n += late;
    }
    return n;
  }

  /** Late rows dropped by a materialized view's windowed operators, delivered in a microtask
   *  after each step (rows in the operator's input columns, named in `columns`). */
  onLateRows(view: string, listener: LateRowListener): { close(): void } {
    this.assertOpen();
    const router = this.state.lateRouters.get(view);
    if (!router) throw new CatalogError('WRONG_OBJECT_KIND', `"${view}" is not a materialized view`);
    return router.listen(listener);
  }

  registerFunction(name: string, fn: (...args: Value[]) => Value, sig: { args: DataType[]; returns: DataType }): void {
    this.assertOpen();
    this.udfs.register(name, fn, sig.args, sig.returns);
    const key = name.toLowerCase();
    this.state.catalog.addFunction(
      { kind: 'js', name: key, params: sig.args.map((type) => ({ type })), returns: sig.returns, fn, sql: `-- JavaScript function ${key}`, dependsOn: [] },
      true,
    );
  }

  /** Storage hook (lib/storage checkpoints): the catalog, graph and stores behind this engine. */
  storageState(): EngineState {
    return this.state;
  }

  /** End the current propagation step everywhere. */
  flush(): void {
    this.assertOpen();
    this.state.flow.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // operators free their native state stores now rather than at garbage collection
    this.state.flow.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  private run(st: Statement, params: readonly unknown[]): StatementResult {
    const s = this.state;
    switch (st.kind) {
      case 'create-table':
        return createTable(s, st, params);
      case 'create-materialized-view':
        return createMaterializedView(s, st, params);
      case 'create-view':
        return createView(s, st, params);
      case 'create-sink':
        return createSink(s, st, params);
      case 'create-function':
        return createFunction(s, st);
      case 'create-index':
        return createIndex(s, st);
      case 'drop':
        return drop(s, st);
      case 'insert':
        return insert(s, st, params);
      case 'update':
        return update(s, st, params);
      case 'delete':
        return deleteRows(s, st, params);
      case 'select':
        return selectResult(s, st, params);
      case 'show':
        return show(s, st);
      case 'describe':
        return describe(s, st.name, st.pos);
      case 'explain':
        return explainStatement(s, st, params);
      case 'flush':
        s.flow.flush();
        return { command: 'FLUSH', rowsAffected: 0 };
      case 'checkpoint':
        // nothing to persist until durability lands: an in-memory database has no checkpoints
        return { command: 'CHECKPOINT', rowsAffected: 0, notice: 'CHECKPOINT did nothing: this engine keeps no durable state yet' };
      case 'set':
        s.settings.set(st.name, st.value);
        return { command: 'SET', rowsAffected: 0 };
      case 'begin':
        return { command: 'BEGIN', rowsAffected: 0 };
      case 'commit':
        if (st.rollback) throw new UnsupportedError('ROLLBACK is not supported: every statement applies immediately', st.pos);
        return { command: 'COMMIT', rowsAffected: 0 };
    }
  }
}
