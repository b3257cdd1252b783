// CREATE / DROP statements. Each handler validates and plans everything first and mutates the
// catalog and the dataflow last, so a failing statement leaves both unchanged.

import { CatalogError, SqlTypeError, UnsupportedError } from '../errors.js';
import type {
  CreateFunction,
  CreateIndex,
  CreateMaterializedView,
  CreateSink,
  CreateTable,
  CreateView,
  Drop,
  Expr,
} from '../sql/ast.js';
import { SourceStore } from '../exec/runtime/source-store.js';
import type { SourceRetention } from '../exec/runtime/source-store.js';
import { TableStore } from '../exec/runtime/table-store.js';
import { ViewStore } from '../exec/runtime/view-store.js';
import type { DataflowNode } from '../exec/runtime/dataflow.js';
import { T } from '../types/datatype.js';
import type { Field } from '../types/datatype.js';
import type { Interval } from '../types/interval.js';
import type { BoundExpr } from '../plan/bound.js';
import type { MaterializedViewEntry, TableEntry } from '../plan/catalog.js';
import { bindExpr } from '../plan/binder/expr.js';
import { intervalMs, parseInterval, typeFromAst } from '../plan/binder/literals.js';
import { durationMs, streamOptionsFor } from './stream-options.js';
import { streamBuilder } from './stream-hook.js';
import { LateRowRouter } from './late-rows.js';
import { bindQuery } from '../plan/binder/query.js';
import { Scope } from '../plan/binder/scope.js';
import { castTo } from '../plan/binder/typing.js';
import type { AggregateNode, LogicalPlan } from '../plan/logical.js';
import { buildPhysical } from '../plan/physical.js';
import type { StatementResult } from './types.js';
import type { EngineState } from './state.js';
import { insertPlanRows } from './dml.js';
import { validateSourceConnector } from '../connectors/registry.js';
import { markWindowExtremumRows } from '../plan/optimizer/window-extremum-rows.js';

const done = (command: string, rowsAffected = 0): StatementResult => ({ command, rowsAffected });

export function createTable(s: EngineState, st: CreateTable, params: readonly unknown[]): StatementResult {
  const command = st.source ? 'CREATE SOURCE' : 'CREATE TABLE';
  if (s.catalog.hasName(st.name)) {
    if (st.ifNotExists) return done(command);
    if (!st.orReplace) throw new CatalogError('DUPLICATE_OBJECT', `relation "${st.name}" already exists`, st.pos);
    throw new UnsupportedError('CREATE OR REPLACE of a table or source is not supported; DROP it first', st.pos);
  }
  let columns: Field[];
  let asRows: LogicalPlan | undefined;
  if (st.asQuery) {
    asRows = s.plan(st.asQuery, params, { top: false });
    columns = asRows.schema.map((f) => ({ name: f.name, type: f.type.id === 'null' ? T.varchar : f.type, nullable: true }));
  } else {
    const seen = new Set<string>();
    columns = st.columns.map((c) => {
      if (seen.has(c.name)) throw new CatalogError('DUPLICATE_OBJECT', `column "${c.name}" specified more than once`, c.pos);
      seen.add(c.name);
      const pk = c.primaryKey || (st.primaryKey?.includes(c.name) ?? false);
      return { name: c.name, type: typeFromAst(c.type), nullable: !(c.notNull || pk) };
    });
  }
  const indexOf = (name: string, pos = st.pos): number => {
    const i = columns.findIndex((c) => c.name === name);
    if (i < 0) throw new CatalogError('UNKNOWN_COLUMN', `column "${name}" does not exist`, pos);
    return i;
  };
  const pkNames = st.primaryKey ?? st.columns.filter((c) => c.primaryKey).map((c) => c.name);
  const primaryKey = pkNames.length > 0 ? pkNames.map((n) => indexOf(n)) : undefined;
  const appendOnly = st.source || st.appendOnly;
  if (appendOnly && primaryKey) throw new UnsupportedError('an append-only table or source cannot have a primary key', st.pos);
  let watermark: TableEntry['watermark'];
  if (st.watermark) {
    if (!appendOnly) throw new UnsupportedError('WATERMARK needs a source or an APPEND ONLY table', st.watermark.pos);
    const column = indexOf(st.watermark.column, st.watermark.pos);
    const t = columns[column]!.type.id;
    if (t !== 'timestamp' && t !== 'timestamptz') {
      throw new SqlTypeError('TYPE_MISMATCH', `watermark column "${st.watermark.column}" must be a TIMESTAMP, not ${t}`, st.watermark.pos);
    }
    watermark = { column, delayMs: watermarkDelay(st.watermark.expr, st.watermark.column, st.watermark.pos) };
  }
  const defaults: (BoundExpr | undefined)[] = st.columns.map((c, i) => {
    if (!c.default) return undefined;
    const b = bindExpr(c.default, { scope: Scope.empty(), catalog: s.catalog, params: [], clause: 'DEFAULT' });
    return castTo(b, columns[i]!.type);
  });
  // WITH (connector = …): checked now so a bad option creates nothing (lib/connectors)
  validateSourceConnector(st.options, columns, st.text, st.pos);
  const entry: TableEntry = {
    kind: st.source ? 'source' : 'table',
    name: st.name,
    sql: st.text,
    dependsOn: [],
    columns,
    primaryKey,
    appendOnly,
    watermark,
    defaults,
    options: st.options,
  };
  const names = columns.map((c) => c.name);
  const retention = appendOnly ? retentionOf(st, watermark?.column) : undefined;
  const idleTimeout = st.options['idle_timeout'];
  let idleTimeoutMs: number | undefined;
  if (idleTimeout !== undefined) {
    if (!watermark) throw new SqlTypeError('INVALID_ARGUMENT', 'idle_timeout needs a source with a WATERMARK', st.pos);
    idleTimeoutMs = durationMs('idle_timeout', idleTimeout, st.pos);
  }
  const node = s.flow.addRoot(
    (out) => (appendOnly ? new SourceStore(out, columns.length, retention) : new TableStore(out, { columnNames: names, primaryKey })),
    st.name,
  );
  s.catalog.addRelation(entry, st.pos);
  s.stores.set(st.name, node);
  if (idleTimeoutMs !== undefined) s.idleSources.setTimeout(st.name, idleTimeoutMs);
  if (asRows) {
    const rows = s.run(asRows);
    insertPlanRows(s, entry, rows);
    return done('CREATE TABLE', rows.length);
  }
  return done(command);
}

/** `ts - INTERVAL '5' SECOND` → 5000; bare `ts` → 0. */
function watermarkDelay(e: Expr, column: string, pos: import('../errors.js').SourcePosition): number {
  if (e.kind === 'column' && e.name === column) return 0;
  if (e.kind === 'binary' && e.op === '-' && e.left.kind === 'column' && e.left.name === column && e.right.kind === 'interval') {
    return intervalMs(parseInterval(e.right.value, e.right.unit, e.right.pos) as Interval, e.right.pos);
  }
  throw new UnsupportedError(`WATERMARK must be "${column}" or "${column} - INTERVAL '…'"`, pos);
}

/** WITH (retention = '1 hour' | retention_rows = n): bounds what later views/SELECTs can see. */
function retentionOf(st: CreateTable, eventTimeColumn: number | undefined): SourceRetention {
  const r: SourceRetention = {};
  const rows = st.options['retention_rows'] ?? st.options['retention.rows'];
  if (rows !== undefined) {
    const n = Number(rows);
    if (!Number.isInteger(n) || n <= 0) throw new SqlTypeError('INVALID_ARGUMENT', 'retention_rows must be a positive integer', st.pos);
    r.maxRows = n;
  }
  const time = st.options['retention'];
  if (time !== undefined) {
    if (eventTimeColumn === undefined) throw new SqlTypeError('INVALID_ARGUMENT', 'retention by time needs a WATERMARK', st.pos);
    r.retentionMs = intervalMs(parseInterval(String(time), undefined, st.pos), st.pos);
    r.eventTimeColumn = eventTimeColumn;
  }
  return r;
}

export function createMaterializedView(s: EngineState, st: CreateMaterializedView, params: readonly unknown[]): StatementResult {
  if (s.catalog.hasName(st.name)) {
    if (st.ifNotExists) return done('CREATE MATERIALIZED VIEW');
    throw new CatalogError('DUPLICATE_OBJECT', `relation "${st.name}" already exists`, st.pos);
  }
  const referenced = new Set<string>();
  let plan = s.plan(st.query, params, { top: false, referenced });
  if (st.columns) plan = renamed(plan, st.columns, st.pos);
  const emit = st.emit === 'window-close' ? 'window-close' : 'changes';
  // the optimizer fused plans assuming changelog aggregates: its window-extremum mark is
  // re-checked against the aggregate now emitting on window close (and dropped)
  if (emit === 'window-close') plan = markWindowExtremumRows(markEmitOnClose(plan, st.pos));
  const width = plan.schema.length;
  const uniqueKey = plan.props.uniqueKey && plan.props.uniqueKey.length > 0 ? plan.props.uniqueKey : undefined;
  const builder = s.flow.builder();
  const late = new LateRowRouter();
  let store: DataflowNode;
  try {
    const stream = s.stream && streamBuilder({ ...streamOptionsFor(s.settings, st.options, st.pos), lateFor: (columns) => late.policyFor(columns) });
    const top = buildPhysical(plan, s.physicalContext(builder, stream, s.viewCompiler(st.name)));
    // an empty key (a global aggregate's single row) still pairs its retraction and insertion into one 'update'
    store = builder.add((out) => new ViewStore(out, width, { uniqueKey: plan.props.uniqueKey }), [top], st.name);
  } catch (err) {
    builder.abandon(); // operators built so far free their native state now
    throw err;
  }
  const subgraph = builder.commit(); // back-fills from the inputs' current contents
  const entry: MaterializedViewEntry = {
    kind: 'materialized view',
    name: st.name,
    sql: st.text,
    dependsOn: [...referenced],
    columns: plan.schema.map((f) => ({ ...f })),
    plan,
    emit,
    options: st.options,
    uniqueKey,
    appendOnly: plan.props.appendOnly,
  };
  s.catalog.addRelation(entry, st.pos);
  s.stores.set(st.name, store);
  s.subgraphs.set(st.name, subgraph);
  s.lateRouters.set(st.name, late);
  // its join / union operators must not wait for sources that are idle now
  s.idleSources.reapply(s);
  return done('CREATE MATERIALIZED VIEW');
}

function renamed(plan: LogicalPlan, names: string[], pos: import('../errors.js').SourcePosition): LogicalPlan {
  if (names.length !== plan.schema.length) {
    throw new SqlTypeError('INVALID_ARGUMENT', `${names.length} column names given but the query has ${plan.schema.length} columns`, pos);
  }
  return { ...plan, schema: plan.schema.map((f, i) => ({ ...f, name: names[i]! })) } as LogicalPlan;
}

/** EMIT ON WINDOW CLOSE applies to the aggregate grouping by a window's window_end (or by its
 *  window_start alone, which determines the end: lib/plan/physical-stream.ts checks that). */
function markEmitOnClose(plan: LogicalPlan, pos: import('../errors.js').SourcePosition): LogicalPlan {
  let found = false;
  const visit = (p: LogicalPlan): LogicalPlan => {
    if (p.kind === 'aggregate' && !found) {
      const groupIndexOf = (name: string) => p.groupBy.findIndex((g) => g.kind === 'column' && (g.name === name || p.input.schema[g.index]?.name === name));
      const idx = groupIndexOf('window_end');
      const startIdx = idx >= 0 ? -1 : groupIndexOf('window_start');
      if (idx >= 0 || startIdx >= 0) {
        found = true;
        const agg: AggregateNode = { ...p, emit: 'window-close', props: { ...p.props, appendOnly: true } };
        if (idx >= 0) agg.windowEndGroupIndex = idx;
        else agg.windowStartGroupIndex = startIdx;
        return agg;
      }
    }
    if ('input' in p) return { ...p, input: visit(p.input) } as LogicalPlan;
    if (p.kind === 'union-all') return { ...p, inputs: p.inputs.map(visit) };
    if ('left' in p) return { ...p, left: visit(p.left), right: visit(p.right) } as LogicalPlan;
    return p;
  };
  const out = visit(plan);
  if (!found) throw new UnsupportedError('EMIT ON WINDOW CLOSE needs an aggregate grouped by a window (GROUP BY window_end or window_start …)', pos);
  return out;
}

export function createView(s: EngineState, st: CreateView, params: readonly unknown[]): StatementResult {
  const existing = s.catalog.relation(st.name);
  if (existing && st.ifNotExists) return done('CREATE VIEW');
  if (existing && !(st.orReplace && existing.kind === 'view')) {
    throw new CatalogError('DUPLICATE_OBJECT', `relation "${st.name}" already exists`, st.pos);
  }
  if (params.length > 0) throw new UnsupportedError('parameters are not allowed in CREATE VIEW', st.pos);
  const referenced = new Set<string>();
  let plan = bindQuery(st.query, s.env([], referenced)).plan;
  if (st.columns) plan = renamed(plan, st.columns, st.pos);
  if (referenced.has(st.name)) throw new CatalogError('INVALID_ARGUMENT', `view "${st.name}" cannot reference itself`, st.pos);
  const entry = {
    kind: 'view' as const,
    name: st.name,
    sql: st.text,
    dependsOn: [...referenced],
    columns: plan.schema.map((f) => ({ ...f })),
    query: st.query,
    columnNames: st.columns,
  };
  if (existing) s.catalog.replaceRelation(entry);
  else s.catalog.addRelation(entry, st.pos);
  return done('CREATE VIEW');
}

export function createSink(s: EngineState, st: CreateSink, params: readonly unknown[]): StatementResult {
  if (s.catalog.hasName(st.name)) {
    if (st.ifNotExists) return done('CREATE SINK');
    throw new CatalogError('DUPLICATE_OBJECT', `relation "${st.name}" already exists`, st.pos);
  }
  const referenced = new Set<string>();
  let plan: LogicalPlan;
  if (st.from) {
    const src = s.catalog.requireRelation(st.from, st.pos);
    if (src.kind === 'sink') throw new CatalogError('WRONG_OBJECT_KIND', `"${st.from}" is a sink`, st.pos);
    referenced.add(src.name);
    plan = s.plan({ kind: 'query', body: { kind: 'select', distinct: false, items: [{ kind: 'star', pos: st.pos }], from: [{ kind: 'table', name: st.from, pos: st.pos }], groupBy: [], windows: [], pos: st.pos }, orderBy: [], pos: st.pos }, params, { top: false });
  } else if (st.query) {
    plan = s.plan(st.query, params, { top: false, referenced });
  } else {
    throw new SqlTypeError('INVALID_ARGUMENT', 'CREATE SINK needs FROM <relation> or AS <query>', st.pos);
  }
  s.catalog.addRelation(
    { kind: 'sink', name: st.name, sql: st.text, dependsOn: [...referenced], columns: plan.schema.map((f) => ({ ...f })), from: st.from, plan, options: st.options },
    st.pos,
  );
  return done('CREATE SINK');
}

export function createFunction(s: EngineState, st: CreateFunction): StatementResult {
  if (st.language.toLowerCase() !== 'sql') {
    throw new UnsupportedError(`LANGUAGE ${st.language} functions are not supported: register JavaScript functions through the API`, st.pos);
  }
  if (!st.returnExpr) throw new UnsupportedError('a SQL function body must be `RETURN expr` or a single `SELECT expr`', st.pos);
  const params = st.params.map((p) => ({ name: p.name, type: typeFromAst(p.type) }));
  const returns = typeFromAst(st.returns);
  // validate the body now: bind it over its parameters
  const scope = new Scope(params.map((p, i) => ({ name: p.name ?? `$${i + 1}`, type: p.type, nullable: true })));
  const body = st.returnExpr;
  const referenced = new Set<string>();
  bindExpr(body, {
    scope,
    catalog: s.catalog,
    params: [],
    clause: 'a function body',
    referenced,
    intercept: (x) => (x.kind === 'param' && params[x.index] ? ({ kind: 'column', index: x.index, type: params[x.index]!.type } as BoundExpr) : undefined),
  });
  if (referenced.has(st.name)) throw new UnsupportedError(`function "${st.name}" cannot call itself`, st.pos);
  s.catalog.addFunction({ kind: 'sql', name: st.name, params, returns, body, sql: st.text, dependsOn: [...referenced] }, st.orReplace, st.pos);
  return done('CREATE FUNCTION');
}

export function createIndex(s: EngineState, st: CreateIndex): StatementResult {
  // accepted as a hint: every keyed state is already hash-indexed
  const rel = s.catalog.requireRelation(st.table, st.pos);
  for (const c of st.columns) {
    if (!rel.columns.some((f) => f.name === c)) throw new CatalogError('UNKNOWN_COLUMN', `column "${c}" does not exist in "${st.table}"`, st.pos);
  }
  return done('CREATE INDEX');
}

const DROP_KINDS: Record<Drop['objectKind'], string[]> = {
  TABLE: ['table'],
  SOURCE: ['source', 'table'],
  VIEW: ['view'],
  'MATERIALIZED VIEW': ['materialized view'],
  SINK: ['sink'],
  FUNCTION: [],
  INDEX: [],
};

export function drop(s: EngineState, st: Drop): StatementResult {
  const command = `DROP ${st.objectKind}`;
  if (st.objectKind === 'INDEX') return done(command);
  const names = st.objectKind === 'FUNCTION' ? st.names.filter((n) => {
    if (s.catalog.function(n)) return true;
    if (st.ifExists) return false;
    throw new CatalogError('UNKNOWN_OBJECT', `function "${n}" does not exist`, st.pos);
  }) : st.names.filter((n) => {
    const rel = s.catalog.relation(n);
    if (!rel) {
      if (st.ifExists) return false;
      throw new CatalogError('UNKNOWN_OBJECT', `${st.objectKind.toLowerCase()} "${n}" does not exist`, st.pos);
    }
    if (!DROP_KINDS[st.objectKind].includes(rel.kind)) {
      throw new CatalogError('WRONG_OBJECT_KIND', `"${n}" is a ${rel.kind}, not a ${st.objectKind.toLowerCase()}`, st.pos);
    }
    return true;
  });
  const order = s.catalog.planDrop(names, st.cascade, st.pos);
  for (const name of order) {
    // a function unless a relation of that name is what this statement (or CASCADE) drops
    const isFunction = s.catalog.function(name) !== undefined && (!s.catalog.relation(name) || (st.objectKind === 'FUNCTION' && names.includes(name)));
    if (isFunction) {
      s.catalog.removeFunction(name);
      continue;
    }
    for (const tap of s.taps.get(name) ?? []) tap.remove();
    s.taps.delete(name);
    const sub = s.subgraphs.get(name);
    if (sub) {
      sub.remove();
      s.subgraphs.delete(name);
      s.lateRouters.delete(name);
    } else {
      const node = s.stores.get(name);
      if (node) s.flow.removeRoot(node);
    }
    s.stores.delete(name);
    s.maxEventTime.delete(name);
    s.idleSources.forget(name);
    s.catalog.removeRelation(name);
  }
  return done(command);
}
