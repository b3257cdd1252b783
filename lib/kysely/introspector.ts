// Kysely's introspection over the live catalog: tables, sources, views and their columns.

import type { DatabaseIntrospector, DatabaseMetadata, SchemaMetadata, TableMetadata } from 'kysely';
import type { Database } from '../api/database.js';

export class LaminarIntrospector implements DatabaseIntrospector {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    return [{ name: 'public' }];
  }

  async getTables(): Promise<TableMetadata[]> {
    return this.#db
      .relations()
      .filter((r) => r.kind !== 'sink')
      .map((r) => ({
        name: r.name,
        schema: 'public',
        isView: r.kind === 'view' || r.kind === 'materialized view',
        columns: r.columns.map((c) => ({
          name: c.name,
          dataType: c.type.toLowerCase(),
          isNullable: c.nullable,
          isAutoIncrementing: false,
          hasDefaultValue: false,
        })),
      }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
