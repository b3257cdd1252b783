// What the dataflow (dataflow.ts) asks of the operators it drives beyond the Operator contract:
// stores that can back-fill a new subgraph, view stores that deliver changes after each step,
// and the handle of an all-or-nothing unit. Re-exported by dataflow.ts.

import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { ChangeListener } from '../../engine/types.js';
import type { DataflowNode } from './dataflow.js';

/** A store whose current contents can back-fill a newly attached subgraph. */
export interface Materialized {
  contents(): Batch[];
}

/** An operator that hands consolidated changes to listeners after each step (view stores). */
export interface ChangeDeliverer {
  /** true when the last flush produced changes not yet delivered */
  hasPendingChanges(): boolean;
  deliver(): void;
  /** drop the undelivered changes (a rolled-back execute() call) */
  discardPending?(): void;
  subscribe(listener: ChangeListener, opts?: { snapshot?: boolean }): { close(): void };
}

/** An open all-or-nothing unit of the dataflow (Dataflow.beginHold). */
export interface RootHold {
  readonly recorder: (node: DataflowNode, batch: Batch) => void;
  /** false once the unit rolls back or ends: its own roll-back pushes are not recorded */
  recording: boolean;
}

export function isMaterialized(op: Operator): op is Operator & Materialized {
  return typeof (op as Partial<Materialized>).contents === 'function';
}

export function isDeliverer(op: Operator): op is Operator & ChangeDeliverer {
  return typeof (op as Partial<ChangeDeliverer>).deliver === 'function';
}

export type OperatorFactory = (out: Output) => Operator;
