// The streaming physical builder (lib/plan/physical-stream.ts) the engine plans with.

import { streamNodeBuilder, type StreamBuildOptions } from '../plan/physical-stream.js';
import type { StreamNodeBuilder } from '../plan/physical.js';

export function streamBuilder(options: StreamBuildOptions = {}): StreamNodeBuilder {
  return streamNodeBuilder(options);
}
