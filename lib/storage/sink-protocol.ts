// The epoch-commit protocol between the engine and exactly-once sinks (connectors plug in here;
// see docs/durability.md). An epoch is the span of the log between two checkpoints. Output of an
// epoch becomes visible downstream only once the checkpoint closing that epoch is durable, so
// after a crash the engine replays from the last durable checkpoint and re-delivers exactly the
// epochs that were not committed.
//
// Order for each epoch e (all calls on the engine's thread, awaited in order):
//   1. write(e, changes)*      changes produced during e (buffered or staged by the sink)
//   2. preCommit(e)            stage everything of e durably on the sink side (e.g. a Kafka
//                              transaction flushed but not committed, files written under a
//                              temporary name); returns an opaque handle that is stored in the
//                              checkpoint's manifest
//   3. checkpoint e is made durable (MANIFEST renamed) — the commit point
//   4. commit(e, handle)       make e visible (commit the transaction, rename the files); must be
//                              idempotent: after a crash between 3 and 4 recovery calls it again
//                              with the handle from the manifest
//   abort(e, handle?)          called for an epoch whose checkpoint never became durable (a
//                              failed checkpoint, or found pre-committed but not in a manifest
//                              during recovery); discards what was staged
import type { EngineChange } from '../engine/types.js';

/** A durable position in a view's change stream: the epoch and the change's index inside it. */
export interface ChangePosition {
  epoch: number;
  offset: number;
}

/** What a sink pre-committed; stored verbatim (JSON) in the checkpoint manifest. */
export type PreCommitHandle = unknown;

export interface ExactlyOnceSink {
  /** stable name of the sink (its CREATE SINK name), the key of its handles in the manifest */
  readonly name: string;
  write(epoch: number, changes: readonly EngineChange[]): void | Promise<void>;
  preCommit(epoch: number): PreCommitHandle | Promise<PreCommitHandle>;
  /** idempotent: may be called again with the same handle after a restart */
  commit(epoch: number, handle: PreCommitHandle): void | Promise<void>;
  abort(epoch: number, handle: PreCommitHandle | undefined): void | Promise<void>;
  /** the last epoch this sink knows it committed (e.g. read back from Kafka), for recovery */
  lastCommittedEpoch?(): number | Promise<number>;
}

/** The per-sink part of a checkpoint manifest. */
export interface SinkCommitRecord {
  sink: string;
  epoch: number;
  handle: PreCommitHandle;
}
