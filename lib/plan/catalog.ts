// The catalog: every named object (tables, sources, views, materialized views, sinks, SQL and
// JavaScript functions) with its schema and the objects it depends on. Mutations are
// all-or-nothing: callers validate and plan first, then call one add/remove method, so a failed
// statement never leaves a half-registered object behind.

import { CatalogError } from '../errors.js';
import type { SourcePosition } from '../errors.js';
import type { Expr, Options, Query } from '../sql/ast.js';
import type { DataType, Field } from '../types/datatype.js';
import type { Value } from '../types/value.js';
import type { RelationInfo, RelationKind } from '../engine/types.js';
import type { BoundExpr } from './bound.js';
import type { EmitMode, LogicalPlan } from './logical.js';

interface EntryBase {
  name: string;
  /** the CREATE statement's text */
  sql: string;
  /** names of relations / functions this object reads */
  dependsOn: string[];
}

/** A table (mutable, optionally keyed) or a source / append-only table. */
export interface TableEntry extends EntryBase {
  kind: 'table' | 'source';
  columns: Field[];
  /** column indices of the primary key */
  primaryKey?: number[];
  appendOnly: boolean;
  watermark?: { column: number; delayMs: number };
  /** DEFAULT expressions per column (bound over no input) */
  defaults: (BoundExpr | undefined)[];
  options: Options;
}

/** A plain view: its query is re-bound (inlined) wherever it is used. */
export interface ViewEntry extends EntryBase {
  kind: 'view';
  columns: Field[];
  query: Query;
  columnNames?: string[];
}

export interface MaterializedViewEntry extends EntryBase {
  kind: 'materialized view';
  columns: Field[];
  plan: LogicalPlan;
  emit: EmitMode;
  options: Options;
  /** unique key of the view's rows, if the plan has one */
  uniqueKey?: number[];
  appendOnly: boolean;
}

export interface SinkEntry extends EntryBase {
  kind: 'sink';
  columns: Field[];
  from?: string;
  plan: LogicalPlan;
  options: Options;
}

export type RelationEntry = TableEntry | ViewEntry | MaterializedViewEntry | SinkEntry;

/** `CREATE FUNCTION … LANGUAGE SQL`: inlined by the binder with parameters substituted. */
export interface SqlFunctionEntry {
  kind: 'sql';
  name: string;
  params: { name?: string; type: DataType }[];
  returns: DataType;
  body: Expr;
  sql: string;
  dependsOn: string[];
}

/** A JavaScript UDF registered through the API. */
export interface JsFunctionEntry {
  kind: 'js';
  name: string;
  params: { type: DataType }[];
  returns: DataType;
  fn: (...args: Value[]) => Value;
  sql: string;
  dependsOn: string[];
}

export type FunctionEntry = SqlFunctionEntry | JsFunctionEntry;

export class Catalog {
  private readonly relationsByName = new Map<string, RelationEntry>();
  private readonly functionsByName = new Map<string, FunctionEntry>();

  relation(name: string): RelationEntry | undefined {
    return this.relationsByName.get(name);
  }

  /** The relation, or a positioned UNKNOWN_OBJECT error. */
  requireRelation(name: string, pos?: SourcePosition): RelationEntry {
    const entry = this.relationsByName.get(name);
    if (!entry) throw new CatalogError('UNKNOWN_OBJECT', `relation "${name}" does not exist`, pos);
    return entry;
  }

  relations(): RelationEntry[] {
    return [...this.relationsByName.values()];
  }

  function(name: string): FunctionEntry | undefined {
    return this.functionsByName.get(name);
  }

  functions(): FunctionEntry[] {
    return [...this.functionsByName.values()];
  }

  hasName(name: string): boolean {
    return this.relationsByName.has(name);
  }

  /** Register a new relation; DUPLICATE_OBJECT if the name is taken. */
  addRelation(entry: RelationEntry, pos?: SourcePosition): void {
    if (this.relationsByName.has(entry.name)) {
      throw new CatalogError('DUPLICATE_OBJECT', `relation "${entry.name}" already exists`, pos);
    }
    this.relationsByName.set(entry.name, entry);
  }

  /** Replace an existing relation of the same name (CREATE OR REPLACE). */
  replaceRelation(entry: RelationEntry): void {
    this.relationsByName.set(entry.name, entry);
  }

  addFunction(entry: FunctionEntry, replace: boolean, pos?: SourcePosition): void {
    if (!replace && this.functionsByName.has(entry.name)) {
      throw new CatalogError('DUPLICATE_OBJECT', `function "${entry.name}" already exists`, pos);
    }
    this.functionsByName.set(entry.name, entry);
  }

  /** Names of the objects (relations and functions) that directly depend on `name`. */
  dependantsOf(name: string): string[] {
    const out: string[] = [];
    for (const entry of this.relationsByName.values()) {
      if (entry.dependsOn.includes(name)) out.push(entry.name);
    }
    for (const fn of this.functionsByName.values()) {
      if (fn.dependsOn.includes(name)) out.push(fn.name);
    }
    return out;
  }

  /**
   * What dropping `names` removes: with cascade, every transitive dependant (dependants first);
   * without, DEPENDENT_OBJECTS if anything outside the set depends on them. Nothing is removed.
   */
  planDrop(names: string[], cascade: boolean, pos?: SourcePosition): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const dep of this.dependantsOf(name)) {
        if (!cascade && !names.includes(dep)) {
          throw new CatalogError(
            'DEPENDENT_OBJECTS',
            `cannot drop "${name}" because "${dep}" depends on it (use DROP … CASCADE)`,
            pos,
          );
        }
        visit(dep);
      }
      order.push(name);
    };
    for (const name of names) visit(name);
    return order;
  }

  removeRelation(name: string): void {
    this.relationsByName.delete(name);
  }

  removeFunction(name: string): void {
    this.functionsByName.delete(name);
  }

  info(name: string): RelationInfo | undefined {
    const entry = this.relationsByName.get(name);
    return entry ? relationInfo(entry) : undefined;
  }
}

export function relationKindOf(entry: RelationEntry): RelationKind {
  return entry.kind;
}

/** The API-facing description of a relation. */
export function relationInfo(entry: RelationEntry): RelationInfo {
  const columns = entry.columns.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable }));
  const info: RelationInfo = {
    name: entry.name,
    kind: entry.kind,
    columns,
    appendOnly: entry.kind === 'table' || entry.kind === 'source' ? entry.appendOnly
      : entry.kind === 'materialized view' ? entry.appendOnly : false,
    sql: entry.sql,
  };
  if (entry.kind === 'table' || entry.kind === 'source') {
    if (entry.primaryKey) info.primaryKey = entry.primaryKey.map((i) => entry.columns[i]!.name);
    if (entry.watermark) {
      info.watermark = { column: entry.columns[entry.watermark.column]!.name, delayMs: entry.watermark.delayMs };
    }
  } else if (entry.kind === 'materialized view' && entry.uniqueKey) {
    info.primaryKey = entry.uniqueKey.map((i) => entry.columns[i]!.name);
  }
  return info;
}
