// The source connectors this build knows, and the one place a source's WITH options are checked
// against them. The engine calls validateSourceConnector while planning CREATE SOURCE / TABLE, so a
// bad option fails the statement before anything is created.

import type { SourcePosition } from '../errors.js';
import type { Field } from '../types/datatype.js';
import { planDatagen, type DatagenPlan } from './datagen.js';
import { planNexmark, type NexmarkPlan } from './nexmark.js';
import { planFile, type FilePlan } from './file.js';
import { OptionReader, type OptionValue } from './options.js';

export type ConnectorPlan =
  | { connector: 'datagen'; datagen: DatagenPlan }
  | { connector: 'nexmark'; nexmark: NexmarkPlan }
  | { connector: 'file'; file: FilePlan };

export const SOURCE_CONNECTORS = ['datagen', 'nexmark', 'file'] as const;

/** Options the engine itself reads on a source (retention) or keeps as metadata (FORMAT … ENCODE …). */
const ENGINE_OPTIONS = new Set(['retention', 'retention_rows', 'retention.rows', 'format', 'encode', 'idle_timeout']);

/**
 * Checks a source's connector options against its columns and compiles what the producer needs.
 * undefined when the options name no connector. Throws SqlTypeError (code INVALID_OPTION) naming
 * the option, positioned at it within `text` (the CREATE statement, which starts at `pos`).
 */
export function planConnector(
  options: Readonly<Record<string, OptionValue>>,
  columns: readonly Field[],
  text = '',
  pos?: SourcePosition,
  /** check the world outside the SQL text too (a file source's file); off for sources already created */
  checkEnvironment = true,
): ConnectorPlan | undefined {
  if (!Object.prototype.hasOwnProperty.call(options, 'connector')) return undefined;
  const reader = new OptionReader(options, text, pos, ENGINE_OPTIONS);
  const name = reader.string('connector')!.toLowerCase();
  switch (name) {
    case 'datagen':
      return { connector: 'datagen', datagen: planDatagen(reader, columns) };
    case 'nexmark':
      return { connector: 'nexmark', nexmark: planNexmark(reader, columns) };
    case 'file':
      return { connector: 'file', file: planFile(reader, columns, checkEnvironment && replaying === 0) };
    default:
      throw reader.error('connector', `unknown connector '${name}' (this build has ${SOURCE_CONNECTORS.map((c) => `'${c}'`).join(', ')})`);
  }
}

let replaying = 0;

/**
 * Runs `recover` (a durable database replaying its log) with the checks that depend on the
 * world outside the SQL text — does a source's file exist — turned off: the log replays what
 * once succeeded, and a file gone since fails that source when it starts, not the whole open.
 */
export function whileReplaying<T>(recover: () => T): T {
  replaying++;
  try {
    return recover();
  } finally {
    replaying--;
  }
}

/** The engine's hook: validates, discarding the plan. */
export function validateSourceConnector(
  options: Readonly<Record<string, OptionValue>>,
  columns: readonly Field[],
  text?: string,
  pos?: SourcePosition,
): void {
  planConnector(options, columns, text, pos);
}
