// What Kysely needs to know about LaminarDB's SQL dialect beyond the PostgreSQL query syntax.
// Implements the interface directly (no base class) so loading it does not load Kysely.

import type { DialectAdapter } from 'kysely';

export class LaminarAdapter implements DialectAdapter {
  get supportsCreateIfNotExists(): boolean {
    return true;
  }
  get supportsTransactionalDdl(): boolean {
    return false;
  }
  get supportsReturning(): boolean {
    return false;
  }
  get supportsOutput(): boolean {
    return false;
  }
  // One process owns the database, so migrations need no cross-connection lock.
  async acquireMigrationLock(): Promise<void> {}
  async releaseMigrationLock(): Promise<void> {}
}
