// Building a stream DAG into the live dataflow, and the Pipeline handle users get back.

import type { Operator } from '../exec/operator.js';
import type { SubgraphBuilder, DataflowNode } from '../exec/runtime/dataflow.js';
import type { StreamAttachBuild } from '../engine/stream-attach.js';
import type { ColumnInfo } from '../engine/types.js';
import { CatalogError, ExecutionError } from '../errors.js';
import type { EngineState } from '../engine/state.js';
import { pipelineCheckpoints, ReplayGate, type LogEntry } from './durable.js';
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
  /** the engine state of a durable database (named pipelines join its checkpoints), else undefined */
  durableState?(): EngineState | undefined;
  /** take a checkpoint soon (a durable database) */
  requestCheckpoint?(): void;
  /** the kind of a relation, or undefined when it does not exist */
  relationKind?(name: string): string | undefined;
}

export interface BuildContext {
  monitor: PipelineMonitor;
  sides: SideOutputs;
  clock: () => number;
  restore: PipelineSnapshot;
  /** while a resumed pipeline replays steps whose output the target already holds */
  replay: { suppressOutput: boolean };
}

export class StreamRuntime {
  private nextStage = 1;
  constructor(readonly host: StreamHost) {}

  stageId(label: string): string {
    return `${label}#${this.nextStage++}`;
  }
  /**
   * True when a durable database already has `to()`'s target source: the log rebuilt it, and the
   * pipeline declared again writes on into it (from its checkpointed state, when there is one).
   */
  targetExists(target: string): boolean {
    return this.host.durableState?.() !== undefined && this.host.relationKind?.(target) === 'source';
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
  private readonly stopHooks: (() => void)[] = [];
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

  /**
   * The keyed state of every custom operator and window stage, decoded from the native state
   * store: one entry per (stage, state name, key). For debugging and tests; it reads every entry.
   */
  inspectState(): { stage: string; state: string; key: unknown; value: unknown }[] {
    const out: { stage: string; state: string; key: unknown; value: unknown }[] = [];
    for (const [id, op] of this.operators) {
      const dump = (op as { dumpState?: () => { state: string; key: unknown; value: unknown }[] }).dumpState;
      if (dump) for (const e of dump.call(op)) out.push({ stage: id, ...e });
    }
    return out;
  }

  /** Number of state entries (keyed state and timers) across stages. */
  stateSize(): number {
    let n = 0;
    for (const op of this.operators.values()) n += op.stateSize();
    return n;
  }

  /** @internal */
  onStop(fn: () => void): void {
    this.stopHooks.push(fn);
  }

  /** Detach the pipeline from the database (user operators' close() is called). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const fn of this.stopHooks) fn();
    this.subgraph.remove();
    for (const op of this.operators.values()) (op as { close?: () => void }).close?.();
  }
}

export function buildPipeline(runtime: StreamRuntime, sink: Stage, options: SinkOptions, target: string | null = null): Pipeline {
  const monitor = new PipelineMonitor();
  if (options.onError) monitor.onError(options.onError);
  const name = options.name ?? (target ?? undefined);
  const durable = name !== undefined ? runtime.host.durableState?.() : undefined;
  const registry = durable === undefined ? undefined : pipelineCheckpoints(durable);
  if (registry?.isLive(name!)) {
    throw new CatalogError('DUPLICATE_OBJECT', `a pipeline named "${name}" is already running in this database (pipeline names bind to checkpointed state, so they must be unique)`);
  }
  const relations: string[] = [];
  collectRelations(sink, relations, new Set());
  const claimed = registry?.claim(name!);
  if (claimed !== undefined) {
    const was = claimed.saved.relations;
    if (was.length !== relations.length || was.some((r, i) => r !== relations[i])) {
      throw new ExecutionError(
        'INVALID_ARGUMENT',
        `pipeline "${name}" was checkpointed reading ${was.join(', ')} but is now declared reading ${relations.join(', ')}: declare it with the same code to continue from its state, or give it another name`,
      );
    }
    if (durable!.flow.busy) throw new ExecutionError('INVALID_ARGUMENT', `pipeline "${name}" resumes from a checkpoint: declare it outside subscriber callbacks`);
  }
  const ctx: BuildContext = {
    monitor,
    sides: new SideOutputs(),
    clock: options.clock ?? Date.now,
    restore: claimed?.saved.snapshot ?? options.restore ?? {},
    replay: { suppressOutput: false },
  };
  const names = stableNames(sink);
  const operators = new Map<string, Operator>();
  const gates: { gate: ReplayGate; input: DataflowNode }[] = [];
  const build = (b: SubgraphBuilder, inputs: { node: DataflowNode; columns: ColumnInfo[] }[]): void => {
    const built = new Map<string, DataflowNode>();
    const nodeOf = (st: Stage): DataflowNode => {
      const done = built.get(st.id);
      if (done) return done;
      let node: DataflowNode;
      const id = names.get(st.id)!;
      if (st.relation !== undefined) {
        const input = inputs[relations.indexOf(st.relation)]!;
        const columns = st.timestamps === 'ms' ? input.columns.map(asEpochMs) : input.columns;
        const decode = runtime.host.decoder(columns);
        let feed = input.node;
        if (claimed !== undefined) {
          // a resumed pipeline sees the recorded log, not the relation's stored rows
          feed = b.add((out) => {
            const gate = new ReplayGate(out);
            gates[relations.indexOf(st.relation!)] = { gate, input: input.node };
            return gate;
          }, [input.node], `${id} (replay gate)`);
        }
        node = b.add((out) => new DecodeOp(out, decode, monitor), [feed], id);
      } else {
        const ins = st.inputs.map(nodeOf);
        node = b.add(
          (out) => {
            const op = st.make!(out, ctx, id);
            operators.set(id, op);
            return op;
          },
          ins,
          id,
        );
      }
      built.set(st.id, node);
      return node;
    };
    nodeOf(sink);
  };
  const subgraph = runtime.host.attach(relations, build);
  const pipeline = new Pipeline(monitor, operators, subgraph);
  if (claimed !== undefined) replay(durable!, gates, claimed.log, ctx);
  if (registry !== undefined) {
    const registration = registry.register(name!, {
      capture: () => ({ name: name!, relations, target, snapshot: pipeline.snapshot(), log: [] }),
    });
    pipeline.onStop(() => registration.remove());
    // so that a restart finds this pipeline in a checkpoint from the start
    if (claimed === undefined) runtime.host.requestCheckpoint?.();
  }
  return pipeline;
}

/**
 * Feeds a resumed pipeline what reached its inputs after its snapshot, step by step, then opens
 * its gates. Outputs of the steps before the target's last logged insert are already in the
 * target (the log replayed them into it), so they are not inserted again.
 */
function replay(state: EngineState, gates: { gate: ReplayGate; input: DataflowNode }[], log: LogEntry[], ctx: BuildContext): void {
  let lastOutput = -1;
  for (let i = 0; i < log.length; i++) if (log[i]![0] === 3) lastOutput = i;
  let i = 0;
  while (i < log.length) {
    state.flow.transaction(() => {
      ctx.replay.suppressOutput = i < lastOutput;
      for (; i < log.length; i++) {
        const e = log[i]!;
        if (e[0] === 2) {
          i++;
          break;
        }
        if (e[0] === 0) gates[e[1]]!.gate.out.push(e[2]);
        else if (e[0] === 1) gates[e[1]]!.gate.out.watermark(e[2]);
      }
    });
  }
  state.flow.transaction(() => {
    ctx.replay.suppressOutput = false;
    for (const { gate, input } of gates) {
      gate.open = true;
      if (input.outWatermark > -Infinity) gate.out.watermark(input.outWatermark);
    }
  });
}

/**
 * Stage names that depend only on the pipeline's shape (label + position in build order), so the
 * same code declares the same names in any process: snapshots and checkpoints are keyed by them.
 */
function stableNames(sink: Stage): Map<string, string> {
  const names = new Map<string, string>();
  let n = 0;
  const visit = (st: Stage): void => {
    if (names.has(st.id)) return;
    for (const i of st.inputs) visit(i);
    names.set(st.id, `${st.id.slice(0, st.id.lastIndexOf('#'))}#${++n}`);
  };
  visit(sink);
  return names;
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
