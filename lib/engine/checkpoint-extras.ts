// State that joins the database's checkpoints without being part of the catalog: the operator
// API's named pipelines (lib/stream-api/durable.ts) are declared by application code after
// open(), so their operators are not rebuilt from the checkpoint's DDL. A participant registers
// here once (at module load); lib/storage/checkpoint.ts calls `capture` in the same cut as the
// SQL operators and `restore` right after restoring them, before the log after the cut replays.
// A participant with `diff` and `patch` is checkpointed incrementally, chained like the SQL
// operators' array deltas (lib/storage/checkpoint-image.ts): a checkpoint holds what changed
// since the previous one, and recovery patches the chain from its full base on.

import type { EngineState } from './state.js';

export interface CheckpointExtra {
  /** Called while the cut is taken (between steps); undefined: nothing to save. */
  capture(state: EngineState): unknown;
  /** Called on open with what `capture` returned, before the WAL tail replays. */
  restore(state: EngineState, saved: unknown): void;
  /**
   * Optional (with `patch`): what changed from `before` (an earlier capture, or what a restore
   * was given) to `after`; null when writing `after` in full is about as small. A participant
   * with `diff` must capture immutable values: they are kept (not serialized) at the cut and
   * diffed while the checkpoint is encoded, after the engine has run on.
   */
  diff?(before: unknown, after: unknown): unknown | null | Promise<unknown | null>;
  /** `before` with a `diff` result applied: equal to the `after` the delta was made from. */
  patch?(before: unknown, delta: unknown): unknown;
}

const extras = new Map<string, CheckpointExtra>();

export function registerCheckpointExtra(name: string, extra: CheckpointExtra): void {
  extras.set(name, extra);
}

export function checkpointExtras(): ReadonlyMap<string, CheckpointExtra> {
  return extras;
}
