// A real Kysely Dialect for LaminarDB: PostgreSQL-flavoured SQL ($1 parameters, double-quoted
// identifiers) executed in-process by an open Database. Kysely itself is loaded only when a
// dialect is used: exporting this class must not cost every laminardb user Kysely's load time.

import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely';
import type { Database } from '../api/database.js';
import { LaminarAdapter } from './adapter.js';
import { LaminarDriver } from './driver.js';
import { LaminarIntrospector } from './introspector.js';

export interface LaminarDialectConfig {
  /** the open database the queries run on */
  database: Database;
}

export class LaminarDialect implements Dialect {
  readonly #db: Database;
  constructor(config: LaminarDialectConfig) {
    this.#db = config.database;
  }
  createDriver(): Driver {
    return new LaminarDriver(this.#db);
  }
  createQueryCompiler(): QueryCompiler {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PostgresQueryCompiler } = require('kysely') as typeof import('kysely');
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new LaminarAdapter();
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(_db: Kysely<any>): DatabaseIntrospector {
    return new LaminarIntrospector(this.#db);
  }
}
