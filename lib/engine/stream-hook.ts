// The streaming physical builder (lib/plan/physical-stream.ts) the engine plans with.

import { streamNodeBuilder } from '../plan/physical-stream.js';
import type { StreamNodeBuilder } from '../plan/physical.js';

export function streamBuilder(): StreamNodeBuilder {
  return streamNodeBuilder();
}
