// Stream-API batches: one column holding the events (plain JS values), all weights +1. They
// travel on the same dataflow as SQL's columnar batches, between stream-API operators only.

import type { Batch, Column } from '../exec/batch.js';

export function objectBatch(events: unknown[]): Batch {
  return { length: events.length, columns: [events as unknown as Column], weights: null };
}

export function eventsOf(batch: Batch): unknown[] {
  return batch.columns[0] as unknown as unknown[];
}

/** A short, safe description of an event for error messages. */
export function describeEvent(event: unknown): string {
  try {
    const text = JSON.stringify(event, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    if (text === undefined) return String(event);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(event);
  }
}
