// State that joins the database's checkpoints without being part of the catalog: the operator
// API's named pipelines (lib/stream-api/durable.ts) are declared by application code after
// open(), so their operators are not rebuilt from the checkpoint's DDL. A participant registers
// here once (at module load); lib/storage/checkpoint.ts calls `capture` in the same cut as the
// SQL operators and `restore` right after restoring them, before the log after the cut replays.

import type { EngineState } from './state.js';

export interface CheckpointExtra {
  /** Called while the cut is taken (between steps); undefined: nothing to save. */
  capture(state: EngineState): unknown;
  /** Called on open with what `capture` returned, before the WAL tail replays. */
  restore(state: EngineState, saved: unknown): void;
}

const extras = new Map<string, CheckpointExtra>();

export function registerCheckpointExtra(name: string, extra: CheckpointExtra): void {
  extras.set(name, extra);
}

export function checkpointExtras(): ReadonlyMap<string, CheckpointExtra> {
  return extras;
}
