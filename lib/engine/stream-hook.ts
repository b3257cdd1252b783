// Where the engine finds the streaming physical builder (lib/plan/physical-stream.ts, owned by
// the streaming work). Until that file exists, streaming plan nodes fail with UNSUPPORTED.

import type { StreamNodeBuilder } from '../plan/physical.js';

export function streamBuilder(): StreamNodeBuilder | undefined {
  return undefined;
}
