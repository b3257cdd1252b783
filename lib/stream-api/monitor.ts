// Failure containment of one pipeline: the first exception thrown by user code stops this
// pipeline (every stage checks `failed` before doing work) without throwing into the dataflow
// step, so other pipelines and SQL views keep running and every stage keeps its state.

import { ExecutionError } from '../errors.js';
import { describeEvent } from './object-batch.js';

export class PipelineMonitor {
  error: ExecutionError | undefined;
  private readonly listeners: ((e: ExecutionError) => void)[] = [];

  get failed(): boolean {
    return this.error !== undefined;
  }

  onError(listener: (e: ExecutionError) => void): void {
    this.listeners.push(listener);
    if (this.error) listener(this.error);
  }

  /** Record a user-code failure in `operator` while handling `what`. */
  fail(operator: string, what: string, event: unknown, cause: unknown): void {
    if (this.error) return;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.error = new ExecutionError(
      'USER_OPERATOR_FAILED',
      `operator "${operator}" failed in ${what} on event ${describeEvent(event)}: ${reason}`,
      { cause },
    );
    for (const l of this.listeners) {
      try {
        l(this.error);
      } catch {
        // a throwing error listener must not break the step either
      }
    }
  }
}
