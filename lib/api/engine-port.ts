// What the public API needs from the engine: exactly the surface of lib/engine/engine.ts's Engine
// class (see lib/engine/types.ts). Typed as an interface so the API layer can be exercised with a
// stand-in engine in unit tests, and so it does not depend on the engine's internals.

import type { DataType } from '../types/datatype.js';
import type { Row, Value } from '../types/value.js';
import type { Column } from '../exec/batch.js';
import type {
  ChangeListener,
  EngineSubscription,
  QueryResult,
  RelationInfo,
  StatementResult,
} from '../engine/types.js';

export interface EngineSettings {
  /** return BIGINT as bigint (the engine may use it for EXPLAIN/SHOW formatting) */
  bigint?: boolean;
  /** directory of a durable database (absent = in-memory) */
  path?: string;
  /** every other option given to open(), passed through untouched for the engine to read */
  [option: string]: unknown;
}

export interface EnginePort {
  /** a durable engine returns a Promise when the call must wait for the disk (FLUSH, CHECKPOINT, durability 'sync') */
  execute(sql: string, params?: readonly unknown[]): StatementResult[] | Promise<StatementResult[]>;
  query(sql: string, params?: readonly unknown[]): QueryResult;
  relation(name: string): RelationInfo | undefined;
  relations(): RelationInfo[];
  insertRows(name: string, rows: readonly Row[]): void;
  insertColumns(name: string, columns: Column[], length: number): void;
  /** `from` (durable engines only): first deliver the retained changes after that position */
  subscribe(name: string, listener: ChangeListener, opts?: { snapshot?: boolean; from?: { lsn: number; index: number } }): EngineSubscription;
  advanceWatermark(source: string, eventTimeMs: number): void;
  registerFunction(
    name: string,
    fn: (...args: Value[]) => Value,
    sig: { args: DataType[]; returns: DataType },
  ): void;
  /** a durable engine resolves once every earlier call is on disk */
  flush(): void | Promise<void>;
  close(): void | Promise<void>;
}
