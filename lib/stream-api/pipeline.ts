// Building a stream DAG into the live dataflow, and the Pipeline handle users get back.

import type { Operator } from '../exec/operator.js';
import type { SubgraphBuilder, DataflowNode } from '../exec/runtime/dataflow.js';
import type { StreamAttachBuild } from '../engine/stream-attach.js';
import type { ColumnInfo } from '../engine/types.js';
import { ExecutionError } from '../errors.js';
import type { Row } from '../types/value.js';
import { T } from '../types/datatype.js';
import { DecodeOp } from './basic-ops.js';
import { PipelineMonitor } from './monitor.js';
import { SideOutputs } from './side-outputs.js';
import type { SinkOptions, Stage } from './stream.js';
import type { PipelineSnapshot } from './types.js';

/** What the stream API needs from the database (lib/api/database.ts provides it). */
export interface StreamHost {
  attach(relations: readonly string[], build: StreamAttachBuild): { remove(): void };
  decoder(columns: readonly ColumnInfo[]): (row: Row) => unknown;
  createSource(name: string, columns: string): void;
  insert(name: string, rows: object[]): void;
}

export interface BuildContext {
  monitor: PipelineMonitor;
  sides: SideOutputs;
  clock: () => number;
  restore: PipelineSnapshot;
}

export class StreamRuntime {
  private nextStage = 1;
  constructor(readonly host: StreamHost) {}

  stageId(label: string): string {
    return `${label}#${this.nextStage++}`;
  }
  createSource(name: string, columns: string): void {
    this.host.createSource(name, columns);
  }
  insert(name: string, rows: object[]): void {
    this.host.insert(name, rows);
  }
}

/** A running pipeline. */
export class Pipeline {
  private stopped = false;
  /** @internal */
  constructor(
    private readonly monitor: PipelineMonitor,
    private readonly operators: Map<string, Operator>,
    private readonly subgraph: { remove(): void },
  ) {}

  /** The error that stopped the pipeline (an ExecutionError naming the operator and event). */
  get error(): ExecutionError | undefined {
    return this.monitor.error;
  }
  get failed(): boolean {
    return this.monitor.failed;
  }

  /** Every stage's state (keyed state, timers, user snapshot hooks): structured-clone data. */
  snapshot(): PipelineSnapshot {
    const snap: PipelineSnapshot = {};
    for (const [id, op] of this.operators) {
      const s = op.snapshot();
      if (s !== null && s !== undefined) snap[id] = s;
    }
    return snap;
  }

  /** Number of state entries (keyed state and timers) across stages. */
  stateSize(): number {
    let n = 0;
    for (const op of this.operators.values()) n += op.stateSize();
    return n;
  }

  /** Detach the pipeline from the database (user operators' close() is called). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.subgraph.remove();
    for (const op of this.operators.values()) (op as { close?: () => void }).close?.();
  }
}

export function buildPipeline(runtime: StreamRuntime, sink: Stage, options: SinkOptions): Pipeline {
  const monitor = new PipelineMonitor();
  if (options.onError) monitor.onError(options.onError);
  const ctx: BuildContext = {
    monitor,
    sides: new SideOutputs(),
    clock: options.clock ?? Date.now,
    restore: options.restore ?? {},
  };
  const relations: string[] = [];
  collectRelations(sink, relations, new Set());
  const operators = new Map<string, Operator>();
  const build = (b: SubgraphBuilder, inputs: { node: DataflowNode; columns: ColumnInfo[] }[]): void => {
    const built = new Map<string, DataflowNode>();
    const nodeOf = (st: Stage): DataflowNode => {
      const done = built.get(st.id);
      if (done) return done;
      let node: DataflowNode;
      if (st.relation !== undefined) {
        const input = inputs[relations.indexOf(st.relation)]!;
        const columns = st.timestamps === 'ms' ? input.columns.map(asEpochMs) : input.columns;
        const decode = runtime.host.decoder(columns);
        node = b.add((out) => new DecodeOp(out, decode, monitor), [input.node], st.id);
      } else {
        const ins = st.inputs.map(nodeOf);
        node = b.add(
          (out) => {
            const op = st.make!(out, ctx, st.id);
            operators.set(st.id, op);
            return op;
          },
          ins,
          st.id,
        );
      }
      built.set(st.id, node);
      return node;
    };
    nodeOf(sink);
  };
  const subgraph = runtime.host.attach(relations, build);
  return new Pipeline(monitor, operators, subgraph);
}

/** TIMESTAMP columns handed over as epoch ms numbers (no Date per event). */
function asEpochMs(c: ColumnInfo): ColumnInfo {
  return c.type.id === 'timestamp' || c.type.id === 'timestamptz' ? { ...c, type: T.double } : c;
}

function collectRelations(st: Stage, out: string[], seen: Set<string>): void {
  if (seen.has(st.id)) return;
  seen.add(st.id);
  if (st.relation !== undefined && !out.includes(st.relation)) out.push(st.relation);
  for (const i of st.inputs) collectRelations(i, out, seen);
}
