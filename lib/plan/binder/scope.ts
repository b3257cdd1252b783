// Name resolution: the columns visible at one point of a query (FROM items, their aliases) and
// the enclosing query's scope for correlated subqueries.

import { CatalogError } from '../../errors.js';
import type { SourcePosition } from '../../errors.js';
import type { DataType } from '../../types/datatype.js';

export interface ScopeColumn {
  /** the table alias (or relation name) qualifying the column; undefined for derived columns */
  table?: string;
  name: string;
  type: DataType;
  nullable: boolean;
  /** hidden from `*` (e.g. the duplicate side of a USING column) */
  hidden?: boolean;
  /** the FROM item this column came from, when its rows are unique by `unit.key` (positions
   *  within the item): grouping by that key makes the item's other columns selectable */
  unit?: { key: number[] };
  unitPos?: number;
}

export class Scope {
  constructor(
    readonly columns: ScopeColumn[],
    /** the enclosing query's scope (correlated subqueries) */
    readonly outer?: Scope,
  ) {}

  static empty(outer?: Scope): Scope {
    return new Scope([], outer);
  }

  /** Concatenate two scopes (joins): right columns follow left columns. */
  concat(right: Scope): Scope {
    return new Scope([...this.columns, ...right.columns], this.outer);
  }

  hasTable(table: string): boolean {
    return this.columns.some((c) => c.table === table);
  }

  /**
   * The index of `table.name` / `name` in this scope, undefined if absent;
   * AMBIGUOUS_COLUMN when an unqualified name matches more than one visible column.
   */
  find(name: string, table: string | undefined, pos?: SourcePosition): number | undefined {
    let found: number | undefined;
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i]!;
      if (c.name !== name) continue;
      if (table !== undefined && c.table !== table) continue;
      if (table === undefined && c.hidden) continue;
      if (found !== undefined) {
        throw new CatalogError('AMBIGUOUS_COLUMN', `column reference "${table ? `${table}.` : ''}${name}" is ambiguous`, pos);
      }
      found = i;
    }
    if (found === undefined && table === undefined) {
      // a hidden USING duplicate is still reachable when nothing else matches
      for (let i = 0; i < this.columns.length; i++) if (this.columns[i]!.name === name) return i;
    }
    return found;
  }

  /** Like `find` but UNKNOWN_COLUMN (or UNKNOWN_OBJECT for an unknown qualifier) when absent. */
  resolve(name: string, table: string | undefined, pos?: SourcePosition): number {
    const i = this.find(name, table, pos);
    if (i !== undefined) return i;
    throw unknownColumn(this, name, table, pos);
  }

  /** Indices for `*` or `t.*`. */
  star(table: string | undefined, pos?: SourcePosition): number[] {
    const out: number[] = [];
    this.columns.forEach((c, i) => {
      if (table === undefined ? !c.hidden : c.table === table) out.push(i);
    });
    if (table !== undefined && out.length === 0) {
      throw new CatalogError('UNKNOWN_OBJECT', `missing FROM-clause entry for table "${table}"`, pos);
    }
    return out;
  }
}

export function unknownColumn(scope: Scope, name: string, table: string | undefined, pos?: SourcePosition): CatalogError {
  if (table !== undefined && !scope.hasTable(table) && !(scope.outer?.hasTable(table) ?? false)) {
    return new CatalogError('UNKNOWN_OBJECT', `missing FROM-clause entry for table "${table}"`, pos);
  }
  return new CatalogError('UNKNOWN_COLUMN', `column "${table ? `${table}.` : ''}${name}" does not exist`, pos);
}
