// Public result and catalog shapes, and their conversion from the engine's internal ones.

import { typeToSql } from '../types/datatype.js';
import type { ColumnInfo, RelationInfo, RelationKind, StatementResult as EngineStatementResult } from '../engine/types.js';
import type { RowDecoderCache } from './values.js';

/** A column of a result or relation, with its type spelled as SQL (e.g. 'BIGINT', 'DECIMAL(10,2)'). */
export interface ColumnDescription {
  name: string;
  type: string;
  nullable: boolean;
}

/** Outcome of one statement of an `execute` call. */
export interface StatementResult {
  /** the statement's command tag: 'CREATE TABLE', 'INSERT', 'UPDATE', 'DELETE', 'SELECT', 'FLUSH' … */
  command: string;
  /** rows inserted, updated or deleted; rows returned for SELECT-like statements (as PostgreSQL's command tag); 0 for DDL */
  rowsAffected: number;
  /** result columns, for statements that return rows (SELECT, SHOW, DESCRIBE, EXPLAIN) */
  columns?: ColumnDescription[];
  /** result rows as plain objects, for statements that return rows */
  rows?: Record<string, unknown>[];
}

/** Outcome of `Database.execute`. */
export interface ExecuteResult {
  /** rows inserted, updated or deleted by all statements (row-returning statements count 0) */
  rowsAffected: number;
  /** one entry per statement, in order */
  statements: StatementResult[];
}

/** What the catalog knows about a table, source, view or sink. */
export interface RelationDescription {
  name: string;
  kind: RelationKind;
  columns: ColumnDescription[];
  primaryKey?: string[];
  /** the event-time column and its watermark delay in milliseconds */
  watermark?: { column: string; delayMs: number };
  /** only ever receives inserts (sources, APPEND ONLY tables) */
  appendOnly: boolean;
  /** the CREATE statement */
  sql: string;
}

export function describeColumns(columns: readonly ColumnInfo[]): ColumnDescription[] {
  return columns.map((c) => ({ name: c.name, type: typeToSql(c.type), nullable: c.nullable }));
}

export function describeRelation(info: RelationInfo): RelationDescription {
  const out: RelationDescription = {
    name: info.name,
    kind: info.kind,
    columns: describeColumns(info.columns),
    appendOnly: info.appendOnly,
    sql: info.sql,
  };
  if (info.primaryKey) out.primaryKey = [...info.primaryKey];
  if (info.watermark) out.watermark = { ...info.watermark };
  return out;
}

export function toExecuteResult(results: readonly EngineStatementResult[], decoders: RowDecoderCache): ExecuteResult {
  let rowsAffected = 0;
  const statements: StatementResult[] = [];
  for (const r of results) {
    if (!r.columns) rowsAffected += r.rowsAffected;
    const s: StatementResult = { command: r.command, rowsAffected: r.rowsAffected };
    if (r.columns) {
      s.columns = describeColumns(r.columns);
      const decode = decoders.get(r.columns);
      s.rows = (r.rows ?? []).map(decode);
    }
    statements.push(s);
  }
  return { rowsAffected, statements };
}
