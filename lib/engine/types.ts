// The contract between the engine (catalog + planner + dataflow, lib/engine/engine.ts) and the
// public API layer (lib/api). Values here are internal values (lib/types/value.ts); the API layer
// converts user input to them and them to user-facing JS values.

import type { DataType } from '../types/datatype.js';
import type { Row } from '../types/value.js';

export type RelationKind = 'table' | 'source' | 'view' | 'materialized view' | 'sink';

export interface ColumnInfo {
  name: string;
  type: DataType;
  nullable: boolean;
}

/** What the catalog knows about a named relation (for DESCRIBE, codegen, Kysely introspection). */
export interface RelationInfo {
  name: string;
  kind: RelationKind;
  columns: ColumnInfo[];
  primaryKey?: string[];
  /** event-time column and watermark delay (ms) of a source / append-only table */
  watermark?: { column: string; delayMs: number };
  appendOnly: boolean;
  /** the CREATE statement's text */
  sql: string;
}

/** Outcome of one statement of an `execute` call. */
export interface StatementResult {
  /** e.g. 'CREATE TABLE', 'INSERT', 'UPDATE', 'DELETE', 'SELECT', 'FLUSH', 'SHOW', 'EXPLAIN' */
  command: string;
  rowsAffected: number;
  /** present for statements that return rows (SELECT, SHOW, DESCRIBE, EXPLAIN) */
  columns?: ColumnInfo[];
  rows?: Row[];
  /** a note for the user about how the statement was applied (e.g. a no-op CHECKPOINT) */
  notice?: string;
}

export interface QueryResult {
  columns: ColumnInfo[];
  rows: Row[];
}

/** One change of a view's contents, as delivered to subscribers. */
export interface EngineChange {
  op: 'insert' | 'delete' | 'update';
  row: Row;
  /** the previous row, for updates */
  old?: Row;
  /** durable databases: where the change is in the view's change stream (lib/storage/sink-protocol.ts) */
  position?: { lsn: number; index: number };
}

export type ChangeListener = (changes: EngineChange[]) => void;

export interface EngineSubscription {
  close(): void;
}
