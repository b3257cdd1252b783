// Delivery of one step's changes to a set of listeners, shared by view stores and change feeds.
import type { ChangeListener, EngineChange } from '../../engine/types.js';

/**
 * Calls every listener with `changes`. A listener removed by an earlier one during the same
 * delivery is skipped; a throwing listener does not stop the others, and the first error is
 * rethrown once all have run.
 */
export function deliverChanges(listeners: Set<ChangeListener>, changes: EngineChange[]): void {
  if (listeners.size === 1) {
    // the common case: no copy of the set (a listener subscribed during the call must not be
    // called for this step, so no iteration over the live set either)
    const only = listeners.values().next().value as ChangeListener;
    only(changes);
    return;
  }
  let failure: unknown = undefined;
  for (const listener of [...listeners]) {
    if (!listeners.has(listener)) continue;
    try {
      listener(changes);
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== undefined) throw failure;
}
