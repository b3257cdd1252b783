// Kysely driver and connection over an open LaminarDB Database. The database is in-process, so a
// single shared connection serves every query; transactions are not supported by the engine.

import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';
import { UnsupportedError } from '../errors.js';
import type { Database } from '../api/database.js';

export class LaminarConnection implements DatabaseConnection {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (compiled.query.kind === 'SelectQueryNode') {
      return { rows: await this.#db.query<R>(compiled.sql, compiled.parameters) };
    }
    const result = await this.#db.execute(compiled.sql, compiled.parameters);
    const last = result.statements[result.statements.length - 1];
    return { rows: (last?.rows ?? []) as R[], numAffectedRows: BigInt(result.rowsAffected) };
  }

  /** Runs the query once and yields its rows in chunks (a cursor over the result). */
  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    const size = Number.isInteger(chunkSize) && chunkSize > 0 ? chunkSize : 1000;
    const { rows } = await this.executeQuery<R>(compiled);
    for (let i = 0; i < rows.length; i += size) yield { rows: rows.slice(i, i + size) };
  }
}

export class LaminarDriver implements Driver {
  readonly #connection: LaminarConnection;
  constructor(db: Database) {
    this.#connection = new LaminarConnection(db);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }
  async beginTransaction(): Promise<void> {
    throw new UnsupportedError('transactions are not supported: each statement and each insert call is atomic on its own');
  }
  async commitTransaction(): Promise<void> {
    throw new UnsupportedError('transactions are not supported');
  }
  async rollbackTransaction(): Promise<void> {
    throw new UnsupportedError('transactions are not supported');
  }
  async releaseConnection(): Promise<void> {}
  /** Kysely's destroy() does not close the database: its owner does. */
  async destroy(): Promise<void> {}
}
