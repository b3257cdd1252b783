// Idle sources: a source marked idle stops holding back the event time of the operators that
// combine several inputs (interval / ASOF / TTL joins), so the other inputs' watermarks close
// windows and expire state on their own. A source becomes idle
//   - explicitly: Engine.setSourceIdle / db.source(s).markIdle();
//   - by timeout: CREATE SOURCE … WITH (idle_timeout = '5 seconds') — no rows for that long
//     (wall clock), checked whenever any source receives rows;
// and active again with its next rows.

import { CatalogError } from '../errors.js';
import type { DataflowNode } from '../exec/runtime/dataflow.js';
import type { EngineState } from './state.js';

/** An operator combining inputs by port that can stop waiting for one of them. */
interface IdleAware {
  setInputIdle(port: number, idle: boolean): void;
}

const idleAware = (op: unknown): op is IdleAware => typeof (op as Partial<IdleAware>).setInputIdle === 'function';

export class IdleSources {
  private readonly idle = new Set<string>();
  private readonly timeouts = new Map<string, number>();
  private readonly lastActive = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Declares `source` idle after `ms` without rows (from now). */
  setTimeout(source: string, ms: number): void {
    this.timeouts.set(source, ms);
    this.lastActive.set(source, this.now());
  }

  isIdle(source: string): boolean {
    return this.idle.has(source);
  }

  /** Forgets a dropped source. */
  forget(source: string): void {
    this.idle.delete(source);
    this.timeouts.delete(source);
    this.lastActive.delete(source);
  }

  /** Marks `source` idle or active in every operator downstream that combines inputs. */
  set(state: EngineState, source: string, idle: boolean): void {
    const start = state.stores.get(source);
    if (start === undefined) throw new CatalogError('UNKNOWN_OBJECT', `source "${source}" does not exist`);
    if (idle) this.idle.add(source);
    else this.idle.delete(source);
    state.flow.transaction(() => {
      // follow single-input operators down to each operator that combines inputs by port
      const seen = new Set<DataflowNode>();
      const visit = (node: DataflowNode): void => {
        for (const edge of node.downstream) {
          if (idleAware(edge.node.op)) {
            edge.node.dirty = true;
            edge.node.op.setInputIdle(edge.port, idle);
          } else if (edge.node.inputs.length === 1 && !seen.has(edge.node)) {
            seen.add(edge.node);
            visit(edge.node);
          }
        }
      };
      visit(start);
    });
  }

  /** Marks the idle sources idle again everywhere (after a view was added downstream of them). */
  reapply(state: EngineState): void {
    for (const source of [...this.idle]) if (state.stores.has(source)) this.set(state, source, true);
  }

  /**
   * Called before rows of `source` enter the graph: an idle source becomes active again, and
   * sources with an idle_timeout that have had no rows for that long become idle (so the rows
   * about to move time on are not held back by them).
   */
  beforeRows(state: EngineState, source: string): void {
    if (this.idle.has(source)) this.set(state, source, false);
    if (this.timeouts.size === 0) return;
    const now = this.now();
    if (this.timeouts.has(source)) this.lastActive.set(source, now);
    for (const [other, ms] of this.timeouts) {
      if (other === source || this.idle.has(other)) continue;
      if (!state.stores.has(other)) {
        this.forget(other);
        continue;
      }
      if (now - (this.lastActive.get(other) ?? now) >= ms) this.set(state, other, true);
    }
  }
}
