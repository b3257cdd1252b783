// INSERT / UPDATE / DELETE and the row-validation shared with the API's insert fast paths.
// Every statement computes its complete change first (reading the table through a one-shot
// plan), validates it, then pushes one batch: the table changes wholly or not at all.

import { CatalogError, SchemaError, SqlTypeError, UnsupportedError } from '../errors.js';
import type { SourcePosition } from '../errors.js';
import type { Delete, Expr, Insert, Update } from '../sql/ast.js';
import type { Batch, Column } from '../exec/batch.js';
import { batchFromRows } from '../exec/runtime/batch-builder.js';
import type { TableStore } from '../exec/runtime/table-store.js';
import { T } from '../types/datatype.js';
import type { Row, Value } from '../types/value.js';
import type { BoundExpr } from '../plan/bound.js';
import * as B from '../plan/builders.js';
import type { TableEntry } from '../plan/catalog.js';
import { bindExpr } from '../plan/binder/expr.js';
import type { ExprContext } from '../plan/binder/expr.js';
import { relationPlan } from '../plan/binder/from.js';
import { bindQuery } from '../plan/binder/query.js';
import { Scope } from '../plan/binder/scope.js';
import { castTo } from '../plan/binder/typing.js';
import type { LogicalPlan } from '../plan/logical.js';
import { optimize } from '../plan/optimizer/optimize.js';
import { columnsOf, isDeterministic } from '../plan/optimizer/expr-utils.js';
import { evaluateConstant } from '../exec/expr/compile.js';
import type { StatementResult } from './types.js';
import type { EngineState } from './state.js';

/** The table or source `name`, or UNKNOWN_OBJECT / WRONG_OBJECT_KIND. */
export function writableTable(s: EngineState, name: string, pos?: SourcePosition): TableEntry {
  const rel = s.catalog.requireRelation(name, pos);
  if (rel.kind !== 'table' && rel.kind !== 'source') {
    throw new CatalogError('WRONG_OBJECT_KIND', `cannot write into "${name}": it is a ${rel.kind}`, pos);
  }
  return rel;
}

/** NOT NULL and width checks of rows about to enter `table`. */
export function validateRows(table: TableEntry, rows: readonly (readonly Row[number][])[]): void {
  const width = table.columns.length;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== width) {
      throw new SchemaError('INVALID_ROW', `row ${r} of "${table.name}" has ${row.length} values, expected ${width}`, { rowIndex: r });
    }
    for (let c = 0; c < width; c++) {
      const v = row[c];
      // undefined counts as NULL (the batch builder stores it as null)
      if ((v === null || v === undefined) && !table.columns[c]!.nullable) {
        const col = table.columns[c]!.name;
        throw new SchemaError('NOT_NULL_VIOLATION', `null value in column "${col}" of "${table.name}" violates not-null constraint`, { column: col, rowIndex: r });
      }
    }
  }
}

/**
 * Push a validated batch into a table/source and advance the source's watermark. Both happen in
 * one dataflow step (one flush, one delivery): a single-row insert into a watermarked source
 * costs one step, and subscribers see the rows and what the watermark closes as one change set.
 */
export function pushBatch(s: EngineState, table: TableEntry, batch: Batch): void {
  const node = s.stores.get(table.name)!;
  if (table.appendOnly) s.idleSources.beforeRows(s, table.name);
  const max = table.watermark && batch.length > 0 ? raisedEventTime(s, table, batch) : undefined;
  if (max === undefined) {
    s.flow.push(node, batch);
    return;
  }
  s.flow.pushWithWatermark(node, batch, max - table.watermark!.delayMs);
  s.maxEventTime.set(table.name, max);
}

/** The batch's largest event time when it exceeds the table's maximum so far, else undefined. */
function raisedEventTime(s: EngineState, table: TableEntry, batch: Batch): number | undefined {
  const col = batch.columns[table.watermark!.column]!;
  const before = s.maxEventTime.get(table.name) ?? -Infinity;
  let max = before;
  for (let i = 0; i < batch.length; i++) {
    const v = col[i];
    if (typeof v === 'number' && v > max) max = v;
  }
  return max > before ? max : undefined;
}

export function insertPlanRows(s: EngineState, table: TableEntry, rows: readonly (readonly Row[number][])[]): void {
  validateRows(table, rows);
  if (rows.length === 0) return;
  pushBatch(s, table, batchFromRows(rows, table.columns.length));
}

export function insertColumnsInto(s: EngineState, table: TableEntry, columns: Column[], length: number): void {
  const width = table.columns.length;
  if (columns.length !== width) {
    throw new SchemaError('INVALID_ROW', `"${table.name}" has ${width} columns, got ${columns.length} column arrays`);
  }
  for (let c = 0; c < width; c++) {
    const col = columns[c]!;
    if (col.length < length) throw new SchemaError('INVALID_ROW', `column "${table.columns[c]!.name}" has ${col.length} values, expected ${length}`, { column: table.columns[c]!.name });
    if (table.columns[c]!.nullable || !Array.isArray(col)) continue;
    for (let i = 0; i < length; i++) {
      if (col[i] === null || col[i] === undefined) {
        const name = table.columns[c]!.name;
        throw new SchemaError('NOT_NULL_VIOLATION', `null value in column "${name}" of "${table.name}" violates not-null constraint`, { column: name, rowIndex: i });
      }
    }
  }
  if (length === 0) return;
  pushBatch(s, table, { length, columns, weights: null });
}

function tableScope(table: TableEntry, alias?: string): Scope {
  return new Scope(table.columns.map((c) => ({ table: alias ?? table.name, name: c.name, type: c.type, nullable: c.nullable })));
}

function exprContext(s: EngineState, scope: Scope, params: readonly unknown[], clause: string): ExprContext {
  return { scope, catalog: s.catalog, params, clause };
}

function columnIndex(table: TableEntry, name: string, pos: SourcePosition): number {
  const i = table.columns.findIndex((c) => c.name === name);
  if (i < 0) throw new CatalogError('UNKNOWN_COLUMN', `column "${name}" of relation "${table.name}" does not exist`, pos);
  return i;
}

export function insert(s: EngineState, st: Insert, params: readonly unknown[]): StatementResult {
  const table = writableTable(s, st.table, st.pos);
  if (st.returning) throw new UnsupportedError('INSERT … RETURNING is not supported', st.pos);
  const targets = st.columns ? st.columns.map((c) => columnIndex(table, c, st.pos)) : table.columns.map((_, i) => i);
  if (new Set(targets).size !== targets.length) throw new CatalogError('DUPLICATE_OBJECT', 'a column is named more than once in INSERT', st.pos);
  const constant = constantValues(s, st, table, targets, params);
  if (constant) {
    let rows = constant;
    if (st.onConflict) rows = resolveConflicts(s, table, rows, st, params);
    insertPlanRows(s, table, rows);
    return { command: 'INSERT', rowsAffected: rows.length };
  }
  const source = bindQuery(st.source, s.env(params), { top: true }).plan;
  if (source.schema.length !== targets.length) {
    throw new SqlTypeError(
      'INVALID_ARGUMENT',
      `INSERT has ${source.schema.length > targets.length ? 'more' : 'fewer'} expressions than target columns (${source.schema.length} vs ${targets.length})`,
      st.source.pos,
    );
  }
  // one projection puts every table column in place: the given value, its DEFAULT, or NULL
  const exprs: BoundExpr[] = table.columns.map((c, i) => {
    const k = targets.indexOf(i);
    if (k >= 0) return castTo({ kind: 'column', index: k, type: source.schema[k]!.type }, c.type);
    return table.defaults[i] ?? { kind: 'literal', value: null, type: c.type };
  });
  let rows = s.run(optimize(B.project(source, exprs, table.columns.map((c) => c.name))));
  if (st.onConflict) rows = resolveConflicts(s, table, rows, st, params);
  insertPlanRows(s, table, rows);
  return { command: 'INSERT', rowsAffected: rows.length };
}

/**
 * `INSERT … VALUES` whose values are constants once typed by their target columns (literals,
 * parameters, casts the binder folds): the rows directly, no plan to run. Undefined otherwise.
 */
function constantValues(s: EngineState, st: Insert, table: TableEntry, targets: number[], params: readonly unknown[]): Row[] | undefined {
  const q = st.source;
  if (q.body.kind !== 'values' || q.with || q.orderBy.length > 0 || q.limit || q.offset) return undefined;
  const ctx = exprContext(s, Scope.empty(), params, 'VALUES');
  const defaults: (Value | undefined)[] = table.columns.map((c, i) => {
    const d = table.defaults[i];
    if (!d) return null;
    return d.kind === 'literal' ? d.value : undefined;
  });
  const rows: Row[] = [];
  for (const exprs of q.body.rows) {
    if (exprs.length !== targets.length) {
      throw new SqlTypeError('INVALID_ARGUMENT', `INSERT has ${exprs.length > targets.length ? 'more' : 'fewer'} expressions than target columns (${exprs.length} vs ${targets.length})`, q.pos);
    }
    const row: Row = new Array(table.columns.length);
    for (let c = 0; c < table.columns.length; c++) {
      const k = targets.indexOf(c);
      if (k < 0) {
        const d = defaults[c];
        if (d === undefined) return undefined;
        row[c] = d;
        continue;
      }
      const b = castTo(bindExpr(exprs[k]!, ctx), table.columns[c]!.type);
      if (b.kind === 'literal') row[c] = b.value;
      else if (isConstant(b)) row[c] = evaluateConstant(b);
      else return undefined;
    }
    rows.push(row);
  }
  return rows;
}

/** No column references, no volatile functions or UDFs: safe to evaluate once at bind time. */
function isConstant(e: BoundExpr): boolean {
  return columnsOf(e).size === 0 && isDeterministic(e);
}

function keyOf(table: TableEntry, row: Row): string {
  return JSON.stringify(table.primaryKey!.map((i) => row[i]), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v));
}

/**
 * UPDATE never merges rows: a new primary key that another updated row also gets, or that a row
 * outside the update still holds, is a PostgreSQL unique violation (INSERT is the upsert).
 */
function rejectKeyCollisions(s: EngineState, table: TableEntry, olds: Row[], news: Row[]): void {
  const pk = table.primaryKey!;
  const vacated = new Set(olds.map((r) => keyOf(table, r)));
  const store = s.flow.operator<TableStore>(s.stores.get(table.name)!);
  const taken = new Set<string>();
  news.forEach((row, i) => {
    const k = keyOf(table, row);
    if (taken.has(k) || (!vacated.has(k) && store.get(pk.map((c) => row[c]!)))) {
      const names = pk.map((c) => table.columns[c]!.name);
      throw new SchemaError('PRIMARY_KEY_VIOLATION', `UPDATE of "${table.name}" would duplicate primary key (${names.join(', ')}) = ${k}`, { column: names[0], rowIndex: i });
    }
    taken.add(k);
  });
}

/** ON CONFLICT DO NOTHING / DO UPDATE against the primary key. */
function resolveConflicts(s: EngineState, table: TableEntry, rows: Row[], st: Insert, params: readonly unknown[]): Row[] {
  const oc = st.onConflict!;
  if (!table.primaryKey) throw new UnsupportedError(`ON CONFLICT needs a primary key on "${table.name}"`, st.pos);
  if (oc.target) {
    const names = table.primaryKey.map((i) => table.columns[i]!.name);
    if (oc.target.length !== names.length || !oc.target.every((t) => names.includes(t))) {
      throw new SqlTypeError('INVALID_ARGUMENT', `ON CONFLICT target must be the primary key (${names.join(', ')})`, st.pos);
    }
  }
  const store = s.flow.operator<TableStore>(s.stores.get(table.name)!);
  const seen = new Map<string, number>();
  const out: Row[] = [];
  const conflicts: { existing: Row; incoming: Row; at: number }[] = [];
  for (const row of rows) {
    const k = keyOf(table, row);
    const inBatch = seen.get(k);
    const existing = inBatch !== undefined ? out[inBatch]! : store.get(table.primaryKey.map((i) => row[i]!));
    if (!existing) {
      seen.set(k, out.length);
      out.push(row);
      continue;
    }
    if (oc.action === 'nothing') continue;
    if (inBatch !== undefined) {
      throw new SchemaError('PRIMARY_KEY_VIOLATION', 'ON CONFLICT DO UPDATE command cannot affect row a second time', { rowIndex: out.length });
    }
    seen.set(k, out.length);
    out.push(existing);
    conflicts.push({ existing, incoming: row, at: out.length - 1 });
  }
  if (conflicts.length === 0) return out;
  // evaluate SET / WHERE over (existing ++ excluded) rows
  const scope = tableScope(table).concat(new Scope(table.columns.map((c) => ({ table: 'excluded', name: c.name, type: c.type, nullable: true }))));
  const ctx = exprContext(s, scope, params, 'ON CONFLICT DO UPDATE');
  const exprs: BoundExpr[] = table.columns.map((c, i) => ({ kind: 'column', index: i, type: c.type, name: c.name }));
  for (const set of oc.set ?? []) {
    const i = columnIndex(table, set.column, st.pos);
    exprs[i] = castTo(bindExpr(set.value, ctx), table.columns[i]!.type);
  }
  const width = table.columns.length;
  // each row carries its conflict's number as a last column, to put the result back in place
  const fields = [...scope.columns.map((c) => B.field(c.name, c.type)), B.field('?n?', T.int)];
  const indexed = B.values(conflicts.map((c, n) => [...c.existing, ...c.incoming, n]), fields);
  const plan: LogicalPlan = oc.where ? B.filter(indexed, castTo(bindExpr(oc.where, ctx), T.boolean)) : indexed;
  const updated = s.run(B.project(plan, [...exprs, { kind: 'column', index: 2 * width, type: T.int }], [...table.columns.map((c) => c.name), '?n?']));
  for (const r of updated) {
    const n = r[width] as number;
    out[conflicts[n]!.at] = r.slice(0, width);
  }
  // conflicts filtered out by WHERE keep the existing row: re-inserting it is a no-op upsert
  return out;
}

function requireMutable(table: TableEntry, what: string, pos: SourcePosition): void {
  if (table.appendOnly) throw new UnsupportedError(`cannot ${what} "${table.name}": it is append-only`, pos);
}

/** The rows of `table` matching `where` (all when absent), through a one-shot plan. */
function matchingPlan(s: EngineState, table: TableEntry, alias: string | undefined, where: Expr | undefined, params: readonly unknown[], pos: SourcePosition): { plan: LogicalPlan; scope: Scope } {
  const scope = tableScope(table, alias);
  let plan = relationPlan(table.name, s.env(params), pos);
  if (where) {
    const pred = bindExpr(where, exprContext(s, scope, params, 'WHERE'));
    if (pred.type.id !== 'boolean' && pred.type.id !== 'null') {
      throw new SqlTypeError('TYPE_MISMATCH', `argument of WHERE must be type boolean, not type ${pred.type.id}`, where.pos);
    }
    plan = B.filter(plan, castTo(pred, T.boolean));
  }
  return { plan, scope };
}

export function update(s: EngineState, st: Update, params: readonly unknown[]): StatementResult {
  const table = writableTable(s, st.table, st.pos);
  requireMutable(table, 'UPDATE', st.pos);
  if (st.from && st.from.length > 0) throw new UnsupportedError('UPDATE … FROM is not supported', st.pos);
  const { plan, scope } = matchingPlan(s, table, st.alias, st.where, params, st.pos);
  const ctx = exprContext(s, scope, params, 'UPDATE');
  const width = table.columns.length;
  const newExprs: BoundExpr[] = table.columns.map((c, i) => ({ kind: 'column', index: i, type: c.type, name: c.name }));
  const assigned = new Set<number>();
  for (const set of st.set) {
    const i = columnIndex(table, set.column, set.pos);
    if (assigned.has(i)) throw new CatalogError('DUPLICATE_OBJECT', `multiple assignments to same column "${set.column}"`, set.pos);
    assigned.add(i);
    newExprs[i] = castTo(bindExpr(set.value, ctx), table.columns[i]!.type);
  }
  const oldExprs: BoundExpr[] = table.columns.map((c, i) => ({ kind: 'column', index: i, type: c.type, name: c.name }));
  const both = s.run(optimize(B.project(plan, [...oldExprs, ...newExprs], [...table.columns.map((c) => c.name), ...table.columns.map((c) => `new.${c.name}`)])));
  const olds = both.map((r) => r.slice(0, width));
  const news = both.map((r) => r.slice(width));
  validateRows(table, news);
  if (table.primaryKey) rejectKeyCollisions(s, table, olds, news);
  if (both.length > 0) {
    const weights = [...olds.map(() => -1), ...news.map(() => 1)];
    pushBatch(s, table, batchFromRows([...olds, ...news], width, weights));
  }
  return { command: 'UPDATE', rowsAffected: both.length };
}

export function deleteRows(s: EngineState, st: Delete, params: readonly unknown[]): StatementResult {
  const table = writableTable(s, st.table, st.pos);
  requireMutable(table, 'DELETE FROM', st.pos);
  const { plan } = matchingPlan(s, table, st.alias, st.where, params, st.pos);
  const rows = s.run(optimize(plan));
  if (rows.length > 0) pushBatch(s, table, batchFromRows(rows, table.columns.length, rows.map(() => -1)));
  return { command: 'DELETE', rowsAffected: rows.length };
}

