// Options of a durable database (`open({ path, … })`) and their validation at open.
import { LaminarError } from '../errors.js';
import type { EngineSettings } from '../api/engine-port.js';
import type { FunctionSignature } from '../api/udf.js';
import type { WalBackend } from '../native/wal.js';
import type { WarningHandler } from './recovery.js';
import { checkChangelogOption } from './changelog.js';

/**
 * - `'group'` (default): flush() / FLUSH / CHECKPOINT resolve once every earlier call is on disk
 *   (one fdatasync per group of records); insert() and execute() do not wait.
 * - `'sync'`: as 'group', and every execute() that changes something (DDL, DML) also waits.
 * - `'none'`: the log is written but never synced by flush(): a process crash loses at most what
 *   the writer thread had not yet handed to the kernel, an OS crash or power loss may lose more.
 */
export type Durability = 'sync' | 'group' | 'none';

export interface StorageOptions {
  durability?: Durability;
  /** receives recovery warnings (torn WAL tail …); default console.warn */
  onWarning?: WarningHandler;
  /** WAL segment size in bytes (multiple of 4096, default 64 MiB) */
  walSegmentBytes?: number;
  /** WAL I/O backend (default 'pwrite': fewer thread hops per commit than io_uring) */
  walBackend?: WalBackend;
  /** group-commit delay in microseconds (default 0: commit as soon as the ring is drained) */
  walGroupDelayUs?: number;
  /**
   * How often (ms) the MANIFEST records the WAL's durable LSN (default 10000; 0 = only at
   * CHECKPOINT and close). Below that LSN any damage to the log is reported as corruption instead
   * of being taken for a torn tail. One small fsync'd file write per period, on the JS thread.
   */
  checkpointIntervalMs?: number;
  /**
   * JavaScript functions registered before recovery replays the log (views that call them are
   * rebuilt during replay, so registering them after open() is too late).
   */
  functions?: Record<string, { fn: (...args: never[]) => unknown; signature: FunctionSignature }>;
  /**
   * Views (and tables/sources) whose changes are kept for `subscribe(name, { from })` after a
   * restart; '*' = all. `retainCheckpoints`: closed epochs kept on disk (default 16).
   */
  changelog?: { views: readonly string[] | '*'; retainCheckpoints?: number };
  /**
   * close() first takes a checkpoint when more than this many bytes were logged since the newest
   * one (default 1 MiB; 0: whenever anything was; Infinity: never), so the next open replays at
   * most that much log. Bytes replayed at open count too (as the MANIFEST recorded them).
   */
  closeCheckpointBytes?: number;
  /** test seam: WAL writes fail after this many bytes (simulates a full disk or a failing device) */
  walFaultInjection?: { failAfterBytes: number; errno: 'ENOSPC' | 'EIO' };
}

export function checkOptions(settings: EngineSettings): StorageOptions {
  const d = settings.durability;
  if (d !== undefined && d !== 'sync' && d !== 'group' && d !== 'none') {
    throw new LaminarError('INVALID_ARGUMENT', `open: durability must be 'sync', 'group' or 'none', got ${JSON.stringify(d)}`);
  }
  const every = settings.checkpointIntervalMs;
  if (every !== undefined && (typeof every !== 'number' || !Number.isInteger(every) || every < 0)) {
    throw new LaminarError('INVALID_ARGUMENT', `open: checkpointIntervalMs must be a non-negative integer, got ${JSON.stringify(every)}`);
  }
  const closeBytes = settings.closeCheckpointBytes;
  if (closeBytes !== undefined && (typeof closeBytes !== 'number' || !(closeBytes >= 0) || (!Number.isInteger(closeBytes) && closeBytes !== Infinity))) {
    throw new LaminarError('INVALID_ARGUMENT', `open: closeCheckpointBytes must be a non-negative integer or Infinity, got ${String(closeBytes)}`);
  }
  const fns = settings.functions;
  if (fns !== undefined && (typeof fns !== 'object' || fns === null || Object.values(fns).some((f) => typeof (f as { fn?: unknown })?.fn !== 'function'))) {
    throw new LaminarError('INVALID_ARGUMENT', 'open: functions must map names to { fn, signature }');
  }
  if (settings.onWarning !== undefined && typeof settings.onWarning !== 'function') {
    throw new LaminarError('INVALID_ARGUMENT', 'open: onWarning must be a function');
  }
  return {
    durability: d,
    onWarning: settings.onWarning as WarningHandler | undefined,
    walSegmentBytes: settings.walSegmentBytes as number | undefined,
    walBackend: settings.walBackend as WalBackend | undefined,
    walGroupDelayUs: settings.walGroupDelayUs as number | undefined,
    checkpointIntervalMs: every,
    closeCheckpointBytes: closeBytes as number | undefined,
    functions: fns as StorageOptions['functions'],
    walFaultInjection: settings.walFaultInjection as StorageOptions['walFaultInjection'],
    changelog: checkChangelogOption(settings.changelog),
  };
}
