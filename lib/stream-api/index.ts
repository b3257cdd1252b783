// The operator API: typed streams over relations and custom stateful operators.
export { DataStream, KeyedStream, WindowedStream, type SinkOptions } from './stream.js';
export { Pipeline, StreamRuntime, type StreamHost } from './pipeline.js';
export { tumble, hop, session, type WindowSpec, type WindowResult } from './window.js';
export * from './types.js';
import { DataStream } from './stream.js';
import type { StreamRuntime } from './pipeline.js';

export interface StreamOptions {
  /** TIMESTAMP values as Date objects (default) or as epoch-millisecond numbers (no allocation per event) */
  timestamps?: 'date' | 'ms';
}

/** A stream over a relation (table, source, view, materialized view or a `to()` stream). */
export function streamOf<T>(runtime: StreamRuntime, relation: string, options: StreamOptions = {}): DataStream<T> {
  const timestamps = options.timestamps ?? 'date';
  if (timestamps !== 'date' && timestamps !== 'ms') {
    throw new TypeError(`stream("${relation}"): timestamps must be 'date' or 'ms', got ${JSON.stringify(timestamps)}`);
  }
  return new DataStream<T>(runtime, { id: runtime.stageId(`from:${relation}`), relation, inputs: [], timestamps });
}
