// UNION ALL of append-only (event-time) inputs: the relational UnionAll, except that an idle
// input (Engine.setSourceIdle, idle_timeout) stops holding the watermark back until it is active
// again. A separate class because the engine finds idle-aware operators by their setInputIdle
// method (lib/engine/idle-sources.ts), and the relational union must not become one.

import { UnionAll } from '../operators/union-all.js';

export class EventTimeUnionOperator extends UnionAll {
  setInputIdle(port: number, idle: boolean): void {
    this.forward(this.watermarks.setIdle(port, idle));
  }
}
