// The operator interface of ring 0. Every operator — built-in SQL operators and user operators
// alike — receives delta batches and watermarks from upstream and pushes its own deltas and
// watermarks downstream through an Output. The runtime calls `flush` on every operator in
// topological order at the end of each propagation step (one insert call, one FLUSH), which is
// where consolidating operators (aggregates, Top-N) emit what the step changed.

import type { Batch } from './batch.js';

/** Where an operator sends its results. */
export interface Output {
  push(batch: Batch): void;
  /** event time (epoch ms) below which no more input will arrive */
  watermark(wm: number): void;
  /** Optional: true while nothing would see a pushed batch (no consumer, no recorder), so an
   *  operator may skip building its delta. Absent means someone may be listening. */
  unobserved?(): boolean;
}

export interface Operator {
  /** Receive a delta batch on input `port` (0 for single-input operators; 0/1 left/right). */
  push(batch: Batch, port: number): void;
  /** The watermark of input `port` advanced to `wm` (monotonic per port). */
  watermark(wm: number, port: number): void;
  /** End of a propagation step: emit anything buffered during the step. */
  flush(): void;
  /** Serializable copy of the operator's state, for checkpoints. */
  snapshot(): unknown;
  /** Replace the state with one produced by `snapshot`. */
  restore(state: unknown): void;
  /** Number of state entries held (for metrics and bounded-state tests). */
  stateSize(): number;
  /** Optional: the operator left the graph for good (DROP, db.close(), a CREATE that failed):
   *  free native state stores and drop large state now instead of at garbage collection. Called
   *  at most once; the operator receives no calls afterwards. */
  close?(): void;
}
