// Stateless stream-API operators (decode, map, filter, flatMap, union, sink) as dataflow
// Operators. User functions run inside try/catch: a throw fails only this pipeline. After a
// failure the entry (DecodeOp) admits nothing more; what was produced before the failing event
// still flows to the end, so delivered output and saved state agree.

import type { Batch } from '../exec/batch.js';
import type { Operator, Output } from '../exec/operator.js';
import { weightAt } from '../exec/runtime/batch-builder.js';
import type { Row } from '../types/value.js';
import type { PipelineMonitor } from './monitor.js';
import { eventsOf, objectBatch } from './object-batch.js';

abstract class Stateless implements Operator {
  constructor(protected readonly out: Output) {}
  abstract push(batch: Batch, port: number): void;
  watermark(wm: number, _port: number): void {
    this.out.watermark(wm);
  }
  flush(): void {}
  snapshot(): unknown {
    return null;
  }
  restore(_state: unknown): void {}
  stateSize(): number {
    return 0;
  }
}

/**
 * SQL rows → event objects. Streams carry insertions: a row of weight n > 0 becomes n events;
 * retractions (from an updating view) are not events and are counted in `retractionsSkipped`.
 */
export class DecodeOp extends Stateless {
  retractionsSkipped = 0;
  constructor(
    out: Output,
    private readonly decode: (row: Row) => unknown,
    private readonly monitor: PipelineMonitor,
  ) {
    super(out);
  }
  push(batch: Batch, _port: number): void {
    if (this.monitor.failed || batch.length === 0) return;
    const cols = batch.columns;
    const width = cols.length;
    const events: unknown[] = new Array(batch.weights === null ? batch.length : 0);
    let n = 0;
    // the decoder copies values into a fresh object, so one row buffer serves the whole batch
    const row: Row = new Array(width);
    for (let i = 0; i < batch.length; i++) {
      const w = batch.weights === null ? 1 : weightAt(batch, i);
      if (w <= 0) {
        this.retractionsSkipped -= w;
        continue;
      }
      for (let c = 0; c < width; c++) row[c] = cols[c]![i]!;
      const e = this.decode(row);
      for (let k = 0; k < w; k++) events[n++] = e;
    }
    events.length = n;
    if (n > 0) this.out.push(objectBatch(events));
  }
}

export class MapOp extends Stateless {
  constructor(out: Output, private readonly name: string, private readonly fn: (e: unknown) => unknown, private readonly monitor: PipelineMonitor) {
    super(out);
  }
  push(batch: Batch, _port: number): void {
    const events = eventsOf(batch);
    const fn = this.fn;
    const mapped = new Array<unknown>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      try {
        mapped[i] = fn(events[i]);
      } catch (err) {
        this.monitor.fail(this.name, 'map', events[i], err);
        mapped.length = i;
        break;
      }
    }
    if (mapped.length > 0) this.out.push(objectBatch(mapped));
  }
}

export class FilterOp extends Stateless {
  constructor(out: Output, private readonly name: string, private readonly fn: (e: unknown) => boolean, private readonly monitor: PipelineMonitor) {
    super(out);
  }
  push(batch: Batch, _port: number): void {
    const events = eventsOf(batch);
    const fn = this.fn;
    const kept: unknown[] = [];
    for (let i = 0; i < batch.length; i++) {
      const e = events[i];
      try {
        if (fn(e)) kept.push(e);
      } catch (err) {
        this.monitor.fail(this.name, 'filter', e, err);
        break;
      }
    }
    if (kept.length > 0) this.out.push(objectBatch(kept));
  }
}

export class FlatMapOp extends Stateless {
  constructor(out: Output, private readonly name: string, private readonly fn: (e: unknown) => Iterable<unknown>, private readonly monitor: PipelineMonitor) {
    super(out);
  }
  push(batch: Batch, _port: number): void {
    const events = eventsOf(batch);
    const produced: unknown[] = [];
    for (let i = 0; i < batch.length; i++) {
      try {
        for (const v of this.fn(events[i])) produced.push(v);
      } catch (err) {
        this.monitor.fail(this.name, 'flatMap', events[i], err);
        break;
      }
    }
    if (produced.length > 0) this.out.push(objectBatch(produced));
  }
}

/** n inputs → one stream; the output watermark is the minimum of the inputs' watermarks. */
export class UnionOp extends Stateless {
  private readonly wms: number[];
  private emitted = -Infinity;
  constructor(out: Output, inputs: number) {
    super(out);
    this.wms = new Array<number>(inputs).fill(-Infinity);
  }
  push(batch: Batch, _port: number): void {
    if (batch.length > 0) this.out.push(batch);
  }
  override watermark(wm: number, port: number): void {
    this.wms[port] = Math.max(this.wms[port]!, wm);
    const min = Math.min(...this.wms);
    if (min > this.emitted) {
      this.emitted = min;
      this.out.watermark(min);
    }
  }
}

/** The end of a pipeline: hands each step's events to a callback (after the step's flush). */
export class SinkOp extends Stateless {
  private buffer: unknown[] = [];
  constructor(out: Output, private readonly name: string, private readonly consumer: (events: unknown[]) => void, private readonly monitor: PipelineMonitor) {
    super(out);
  }
  push(batch: Batch, _port: number): void {
    const events = eventsOf(batch);
    for (let i = 0; i < batch.length; i++) this.buffer.push(events[i]);
  }
  override flush(): void {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    try {
      this.consumer(events);
    } catch (err) {
      this.monitor.fail(this.name, 'sink', events[0], err);
    }
  }
}
