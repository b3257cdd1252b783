// The epoch-commit protocol between the engine and exactly-once sinks, and the durable positions
// of a view's change stream (see docs/durability.md, "Exactly-once output").
//
// An epoch is the span of the log between two checkpoints: epoch e holds the changes caused by
// the records after checkpoint e-1's LSN up to checkpoint e's. Output of an epoch becomes visible
// downstream only once the checkpoint closing it is durable, so after a crash the engine replays
// from the last durable checkpoint and re-delivers exactly the changes that were not committed.
//
// Order for each epoch e (all calls on the engine's thread, awaited in order):
//   1. write(e, changes)*      changes produced during e (buffered or staged by the sink)
//   2. preCommit(e)            at the checkpoint's cut: stage everything written so far durably
//                              (files fsync'd under a temporary name, a transaction flushed but not
//                              committed); returns an opaque JSON handle stored in the MANIFEST
//   3. checkpoint e is made durable (MANIFEST renamed) — the commit point
//   4. commit(e, handle)       make e visible; idempotent: after a crash between 3 and 4 recovery
//                              calls it again with the handle from the MANIFEST
//   If the checkpoint fails in-process between 2 and 3, nothing is called: what was staged is
//   still owed, and the sink's next preCommit covers it too (a handle may span several epochs).
//   recover(handle)            on open, before replay re-delivers the changes after the checkpoint:
//                              commit the MANIFEST's handle (idempotent) and abort every staged
//                              epoch the MANIFEST does not name (its changes are recomputed by replay)
import type { EngineChange } from '../engine/types.js';

/**
 * A durable position in a view's change stream: `lsn` is the write-ahead-log record whose
 * application produced the change, `index` the change's ordinal among that record's changes to
 * the view (from 0). Positions grow strictly along the stream and are the same in every run,
 * because replay is deterministic.
 */
export interface ChangePosition {
  lsn: number;
  index: number;
}

/** <0, 0, >0 as a is before, at, after b. */
export function comparePositions(a: ChangePosition, b: ChangePosition): number {
  return a.lsn !== b.lsn ? a.lsn - b.lsn : a.index - b.index;
}

/** True when `p` is a well-formed position (non-negative safe integers). */
export function isChangePosition(p: unknown): p is ChangePosition {
  if (typeof p !== 'object' || p === null) return false;
  const { lsn, index } = p as Record<string, unknown>;
  return Number.isSafeInteger(lsn) && (lsn as number) >= 0 && Number.isSafeInteger(index) && (index as number) >= -1;
}

/** What a sink pre-committed; stored verbatim (JSON) in the checkpoint manifest. null = nothing staged. */
export type PreCommitHandle = unknown;

export interface ExactlyOnceSink {
  /** stable name of the sink (its CREATE SINK name), the key of its handles in the manifest */
  readonly name: string;
  write(epoch: number, changes: readonly EngineChange[]): void | Promise<void>;
  preCommit(epoch: number): PreCommitHandle | Promise<PreCommitHandle>;
  /** idempotent: may be called again with the same handle after a restart */
  commit(epoch: number, handle: PreCommitHandle): void | Promise<void>;
  /** discard what was staged for an epoch whose checkpoint never became durable */
  abort(epoch: number, handle: PreCommitHandle | undefined): void | Promise<void>;
  /** on open: re-commit the MANIFEST's handle (or none) and abort every other staged epoch */
  recover(committed: SinkCommitRecord | undefined): void;
  /** stop: release files; staged, uncommitted data stays for recovery */
  close(): void;
}

/** The per-sink part of a checkpoint manifest. */
export interface SinkCommitRecord {
  sink: string;
  epoch: number;
  /** the checkpoint's LSN: every change of a record up to it is in the sink's committed output */
  lsn: number;
  handle: PreCommitHandle;
}
