// Side outputs of one pipeline: `ctx.output(tag, v)` buffers into the tag's channel; the host
// drains the channels after each call, and each channel's node pushes its events downstream.

import type { Batch } from '../exec/batch.js';
import type { Operator, Output } from '../exec/operator.js';
import { objectBatch } from './object-batch.js';

export class SideOutputOp implements Operator {
  buffer: unknown[] = [];
  constructor(private readonly out: Output) {}
  /** the producing operator's main output is wired here only for ordering: ignored */
  push(_batch: Batch, _port: number): void {}
  watermark(wm: number, _port: number): void {
    this.out.watermark(wm);
  }
  flush(): void {
    this.emitBuffered();
  }
  emitBuffered(): void {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    this.out.push(objectBatch(events));
  }
  snapshot(): unknown {
    return null;
  }
  restore(_state: unknown): void {}
  stateSize(): number {
    return 0;
  }
}

export class SideOutputs {
  private readonly channels = new Map<string, SideOutputOp[]>();

  attach(id: string, op: SideOutputOp): void {
    const list = this.channels.get(id) ?? [];
    list.push(op);
    this.channels.set(id, list);
  }

  /** events for a tag nobody reads are dropped */
  emit(id: string, value: unknown): void {
    const list = this.channels.get(id);
    if (!list) return;
    for (const op of list) op.buffer.push(value);
  }

  drain(): void {
    for (const list of this.channels.values()) for (const op of list) op.emitBuffered();
  }
}
