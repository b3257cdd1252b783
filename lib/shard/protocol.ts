// Messages between the sharded engine (main thread) and its shard workers. Rows travel in the
// SPSC ring (main → shard) as columnar records; control calls go through a MessagePort, each
// announced by a ring record so shards apply calls and rows in the order they were made.
import { LaminarError, CatalogError, ClosedError, ExecutionError, SchemaError, SqlError, SqlSyntaxError, SqlTypeError, StorageError, UnsupportedError } from '../errors.js';
import type { MessagePort } from 'node:worker_threads';
import type { EngineChange, StatementResult } from '../engine/types.js';
import { Reader, Writer } from './codec.js';

export const enum RecordKind {
  Data = 1,
  Watermark = 2,
  Control = 3,
  /** end of a routed call's part on this shard (durable shards): f64 call number, u32 shards reached */
  CallEnd = 4,
}

export type ControlRequest =
  /**
   * `callSeq`: SQL DML numbered as a routed call (durable shards, call-cut.ts): the shard logs its
   * end mark right after the statement's record, before any later ring record (a subscriber on
   * the main thread may make calls while the statement's reply is awaited)
   */
  | { op: 'execute'; sql: string; params: readonly unknown[]; callSeq?: number }
  | { op: 'query'; sql: string; params: readonly unknown[] }
  | { op: 'flush' }
  | { op: 'subscribe'; sub: number; name: string; snapshot: boolean }
  | { op: 'unsubscribe'; sub: number }
  | { op: 'call'; method: 'setSourceIdle' | 'viewStateSize' | 'viewLateRows' | 'advanceWatermark'; args: unknown[] }
  | { op: 'dump'; name: string }
  // durable shards (open({ path, threads })): see lib/shard/durable-shards.ts
  /** checks that local checkpoint `local` (0: none) reads back intact; answers DurableShardCheck */
  | { op: 'verify'; local: number }
  /**
   * the end-of-call marks of the shard's log after local checkpoint `local`; answers a
   * ShardCallLog (`dmlCalls`: SQL DML statements in it are numbered calls, see shard-log.ts)
   */
  | { op: 'scan'; local: number; dmlCalls?: boolean }
  /**
   * opens the shard's durable engine from local checkpoint `local` (0: none), first cutting its
   * log at record `truncateAt` (0: no cut; see call-cut.ts); answers its DDL count
   */
  | { op: 'open'; local: number; truncateAt?: number }
  /** answers once every earlier row of the shard is on disk */
  | { op: 'sync' }
  /** a checkpoint barrier: the cut is taken before any later record; answers the local epoch */
  | { op: 'checkpoint' }
  /** closes the shard's durable engine (WAL, MANIFEST, lock) */
  | { op: 'close' };

/** Answer of a 'verify' call. */
export interface DurableShardCheck {
  ok: boolean;
  /** DDL calls the checkpoint holds (its catalog), when ok */
  ddl: number;
  /** why not, when not ok */
  message?: string;
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
}

export type ShardMessage =
  | { t: 'reply'; id: number; ok: true; result: unknown }
  | { t: 'reply'; id: number; ok: false; error: SerializedError }
  | { t: 'changes'; sub: number; buf: ArrayBuffer }
  | { t: 'error'; error: SerializedError }
  | { t: 'warning'; message: string }
  | { t: 'ready' };

export interface WorkerData {
  shard: number;
  shards: number;
  ring: SharedArrayBuffer;
  signal: SharedArrayBuffer;
  port: MessagePort;
  cpu: number | undefined;
  options: Record<string, unknown>;
  /** a durable shard: its directory and the durable engine's settings (the engine opens at 'open') */
  durable?: { dir: string; settings: Record<string, unknown> };
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof LaminarError) return { name: e.constructor.name, code: e.code, message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: 'ExecutionError', code: 'SHARD_FAILED', message: `${err.name}: ${err.message}` };
}

const CLASSES: Record<string, typeof LaminarError> = {
  LaminarError,
  SqlError: SqlError as unknown as typeof LaminarError,
  SqlSyntaxError: SqlSyntaxError as unknown as typeof LaminarError,
  CatalogError: CatalogError as unknown as typeof LaminarError,
  SqlTypeError: SqlTypeError as unknown as typeof LaminarError,
  UnsupportedError: UnsupportedError as unknown as typeof LaminarError,
  SchemaError: SchemaError as unknown as typeof LaminarError,
  ExecutionError,
  StorageError,
  ClosedError: ClosedError as unknown as typeof LaminarError,
};

/** The shard's error as the same class and code, with the shard's message. */
export function reviveError(e: SerializedError, shard: number): LaminarError {
  const cls = CLASSES[e.name] ?? ExecutionError;
  const error = Reflect.construct(LaminarError, [e.code, e.message], cls) as LaminarError;
  Object.defineProperty(error, 'shard', { value: shard, enumerable: false });
  return error;
}

const OPS: EngineChange['op'][] = ['insert', 'delete', 'update'];

export function encodeChanges(changes: readonly EngineChange[]): ArrayBuffer {
  const w = new Writer();
  w.u32(changes.length);
  for (const c of changes) {
    w.u8(OPS.indexOf(c.op));
    w.rows(c.old ? [c.row, c.old] : [c.row]);
  }
  return w.take().buffer as ArrayBuffer;
}

export function decodeChanges(buf: ArrayBuffer): EngineChange[] {
  const r = new Reader(new Uint8Array(buf));
  const n = r.u32();
  const out: EngineChange[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const op = OPS[r.u8()]!;
    const rows = r.rows();
    out[i] = rows.length > 1 ? { op, row: rows[0]!, old: rows[1]! } : { op, row: rows[0]! };
  }
  return out;
}

/** Statement results with their rows packed (rows may hold Decimal/Interval values). */
export function packResults(results: StatementResult[]): unknown[] {
  return results.map((r) => (r.rows ? { ...r, rows: undefined, packed: encodeRowsBuffer(r.rows) } : r));
}

export function unpackResults(packed: unknown[]): StatementResult[] {
  return (packed as (StatementResult & { packed?: ArrayBuffer })[]).map((r) => {
    if (!r.packed) return r;
    const { packed: buf, ...rest } = r;
    return { ...rest, rows: new Reader(new Uint8Array(buf)).rows() };
  });
}

function encodeRowsBuffer(rows: StatementResult['rows'] & object): ArrayBuffer {
  const w = new Writer();
  w.rows(rows);
  return w.take().buffer as ArrayBuffer;
}
