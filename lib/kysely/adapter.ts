// What Kysely needs to know about LaminarDB's SQL dialect beyond the PostgreSQL query syntax.

import { DialectAdapterBase } from 'kysely';

export class LaminarAdapter extends DialectAdapterBase {
  override get supportsCreateIfNotExists(): boolean {
    return true;
  }
  override get supportsTransactionalDdl(): boolean {
    return false;
  }
  override get supportsReturning(): boolean {
    return false;
  }
  // One process owns the database, so migrations need no cross-connection lock.
  async acquireMigrationLock(): Promise<void> {}
  async releaseMigrationLock(): Promise<void> {}
}
