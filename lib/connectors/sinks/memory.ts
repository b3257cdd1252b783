// File sinks of an in-memory database: there is no checkpoint and no recovery, so each FLUSH
// (and close) commits what the sinks received since the previous one. Within the process every
// change is written once; a crash loses whatever was not flushed, and a crash in the middle of a
// commit can leave part of it (at-least-once across crashes — docs/durability.md).
import * as path from 'node:path';
import type { EnginePort } from '../../api/engine-port.js';
import { parse } from '../../sql/parser.js';
import { SinkDriver, checkSinkStatements } from './driver.js';

export class MemorySinks {
  private readonly driver: SinkDriver;

  constructor(engine: EnginePort, bigint: boolean) {
    this.driver = new SinkDriver(
      {
        relation: (n) => engine.relation(n),
        relations: () => engine.relations(),
        subscribe: (n, l, o) => engine.subscribe(n, l, o),
        currentLsn: () => 1,
        baseDir: path.resolve('.'),
        bigint,
      },
      [],
      1,
    );
  }

  /** Refuses a bad file sink before the engine creates it. */
  check(sql: string): void {
    if (/\bsink\b/i.test(sql)) checkSinkStatements(parse(sql), path.resolve('.'));
  }

  /** After DDL: start new file sinks (with the view's current rows), stop dropped ones. */
  reconcile(): void {
    this.driver.reconcile(true);
  }

  /** FLUSH: append what every sink received since the last commit. */
  async commit(): Promise<void> {
    if (!this.driver.pending) return;
    const epoch = this.driver.cut();
    await this.driver.commit(await this.driver.preCommit(epoch, epoch, 0));
  }

  close(): void {
    this.driver.close();
  }
}
