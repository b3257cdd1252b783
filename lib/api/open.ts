// open(): settles the options, prepares the database directory and starts an Engine.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaminarError, StorageError } from '../errors.js';
import { Database, checkOverflow, type DatabaseSettings } from './database.js';
import type { EnginePort, EngineSettings } from './engine-port.js';
import { DEFAULT_BUFFER_SIZE, type OverflowPolicy } from './subscription.js';

/** Options of open(). Every option is passed to the engine too: the durable engine (lib/storage) reads its own (durability, functions, WAL tuning — see types/index.d.ts). */
export interface OpenOptions {
  /** directory of a durable database (created if needed); omit for an in-memory database */
  path?: string;
  /** return BIGINT values as bigint instead of number (default false) */
  bigint?: boolean;
  /** default bound of an iterated subscription's buffer, in changes (default 65536) */
  subscriptionBufferSize?: number;
  /** default overflow policy of iterated subscriptions (default 'error') */
  subscriptionOverflow?: OverflowPolicy;
  /** start source connectors as soon as their sources exist (default true; false: db.startConnectors()) */
  startConnectors?: boolean;
  /** receives a source connector's failure (it has stopped); default: a process warning */
  onConnectorError?: (error: LaminarError, source: string) => void;
  /** shards in worker threads (default 1: the single-threaded engine); see docs/thread-per-core.md */
  threads?: number;
  /** with threads > 1: pin shard i to CPU i (default: when the machine has that many CPUs) */
  pinThreads?: boolean;
  [option: string]: unknown;
}

export type EngineFactory = (settings: EngineSettings) => EnginePort;

function realEngine(settings: EngineSettings): EnginePort {
  const threads = settings.threads as number | undefined;
  if (threads !== undefined && threads > 1) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ShardedEngine } = require('../shard/sharded-engine.js') as typeof import('../shard/sharded-engine.js');
    return new ShardedEngine({ ...settings, threads });
  }
  // required lazily: the engine pulls in the whole planner and runtime
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Engine } = require('../engine/engine.js') as { Engine: new (o: EngineSettings) => EnginePort };
  if (settings.path === undefined) return new Engine(settings);
  // a directory written by open({ path, threads: N > 1 }) holds shards, not one engine's log
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkThreads } = require('../shard/shard-files.js') as typeof import('../shard/shard-files.js');
  checkThreads(settings.path, 1);
  // a durable database: WAL, recovery and the directory lock (lib/storage)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DurableEngine } = require('../storage/durable-engine.js') as typeof import('../storage/durable-engine.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { whileReplaying } = require('../connectors/registry.js') as typeof import('../connectors/registry.js');
  return whileReplaying(() => DurableEngine.open(settings, new Engine(settings)));
}

/** Opens a database: in memory (no argument), in a directory (a path), or with options. */
export async function open(pathOrOptions?: string | OpenOptions): Promise<Database> {
  return openWith(realEngine, pathOrOptions);
}

/** @internal open() over a given engine factory (tests use stand-in engines). */
export function openWith(factory: EngineFactory, pathOrOptions?: string | OpenOptions): Database {
  const options = normalizeOptions(pathOrOptions);
  const settings: DatabaseSettings = {
    path: options.path === undefined ? undefined : path.resolve(options.path),
    bigint: options.bigint === true,
    subscriptionBufferSize: options.subscriptionBufferSize ?? DEFAULT_BUFFER_SIZE,
    subscriptionOverflow: options.subscriptionOverflow ?? 'error',
    startConnectors: options.startConnectors !== false,
    onConnectorError: options.onConnectorError,
  };
  if (settings.path !== undefined) {
    try {
      fs.mkdirSync(settings.path, { recursive: true });
    } catch (error) {
      throw new StorageError('IO_ERROR', `cannot create the database directory ${settings.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const engine = factory({ ...options, path: settings.path, bigint: settings.bigint });
  return new Database(engine, settings);
}

function normalizeOptions(pathOrOptions: string | OpenOptions | undefined): OpenOptions {
  if (pathOrOptions === undefined) return {};
  if (typeof pathOrOptions === 'string') {
    if (pathOrOptions.length === 0) throw new LaminarError('INVALID_ARGUMENT', 'open: the database path is empty');
    return { path: pathOrOptions };
  }
  if (typeof pathOrOptions !== 'object' || pathOrOptions === null || Array.isArray(pathOrOptions)) {
    throw new LaminarError('INVALID_ARGUMENT', `open: expected a path or an options object, got ${pathOrOptions === null ? 'null' : typeof pathOrOptions}`);
  }
  const o = pathOrOptions;
  if (o.path !== undefined && (typeof o.path !== 'string' || o.path.length === 0)) {
    throw new LaminarError('INVALID_ARGUMENT', `open: path must be a non-empty string, got ${JSON.stringify(o.path)}`);
  }
  if (o.bigint !== undefined && typeof o.bigint !== 'boolean') {
    throw new LaminarError('INVALID_ARGUMENT', `open: bigint must be a boolean, got ${JSON.stringify(o.bigint)}`);
  }
  const size = o.subscriptionBufferSize;
  if (size !== undefined && (!Number.isInteger(size) || size < 1)) {
    throw new LaminarError('INVALID_ARGUMENT', `open: subscriptionBufferSize must be a positive integer, got ${JSON.stringify(size)}`);
  }
  if (o.subscriptionOverflow !== undefined) checkOverflow(o.subscriptionOverflow, 'open');
  if (o.startConnectors !== undefined && typeof o.startConnectors !== 'boolean') {
    throw new LaminarError('INVALID_ARGUMENT', `open: startConnectors must be a boolean, got ${JSON.stringify(o.startConnectors)}`);
  }
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || (o.threads as number) < 1 || (o.threads as number) > 64)) {
    throw new LaminarError('INVALID_ARGUMENT', `open: threads must be an integer from 1 to 64, got ${JSON.stringify(o.threads)}`);
  }
  if (o.onConnectorError !== undefined && typeof o.onConnectorError !== 'function') {
    throw new LaminarError('INVALID_ARGUMENT', 'open: onConnectorError must be a function');
  }
  return { ...o };
}
