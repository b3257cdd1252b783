// Named pipelines in the database's checkpoints. A pipeline with a name (`to(name)` or
// `{ name }`) on a durable database is captured in every CHECKPOINT (and the periodic one) in
// the same cut as the SQL operators: every stage's snapshot (keyed state from the native store,
// timers, watermarks, user snapshot hooks). On open, before the log after the cut replays, each
// checkpointed pipeline gets a recorder attached to its input relations that keeps what the
// replay feeds them (batches, watermarks, step ends) and marks when the pipeline's `to()` target
// received an insert. When user code declares the pipeline again under the same name, it starts
// from the checkpointed snapshot and the recorded log is replayed into it; outputs of the steps
// whose results the log already holds (before the target's last insert) are not inserted again.
// A checkpoint taken before the pipeline is declared again carries its snapshot and log forward.
//
// Checkpoints are incremental: the keyed state of each stage (the bulk) is captured as the
// store's snapshot and written as what changed since the previous checkpoint (entries, or blocks
// of a large store's image: keyed-state-delta.ts), chained like the SQL operators' deltas; the
// rest of a stage (timers, watermark, user hooks) and the recorded logs are written in full.

import type { Batch } from '../exec/batch.js';
import type { Operator, Output } from '../exec/operator.js';
import { registerCheckpointExtra } from '../engine/checkpoint-extras.js';
import { deserializeState, serializeState } from '../storage/checkpoint-codec.js';
import type { EngineState } from '../engine/state.js';
import { attachStream } from '../engine/stream-attach.js';
import { CatalogError } from '../errors.js';
import type { PipelineSnapshot } from './types.js';
import type { KeyedStateSnapshot } from './keyed-state.js';
import { applyKeyedStateDelta, isKeyedStateSnapshot, keyedStateDelta, type KeyedStateDelta } from './keyed-state-delta.js';

/** What reached a pipeline's inputs after its snapshot, in order. */
export type LogEntry =
  | [kind: 0, port: number, batch: Batch]
  | [kind: 1, port: number, watermark: number]
  /** the end of a step (the pipeline flushes) */
  | [kind: 2]
  /** the pipeline's to() target received an insert: outputs of the steps before it are logged */
  | [kind: 3];

export interface SavedPipeline {
  name: string;
  relations: string[];
  target: string | null;
  snapshot: PipelineSnapshot;
  log: LogEntry[];
}

interface LivePipeline {
  capture(): SavedPipeline;
}

interface PendingPipeline {
  saved: SavedPipeline;
  log: LogEntry[];
  recorder: { remove(): void };
}

/** Records a checkpointed pipeline's input until the pipeline is declared again. */
class RecorderOp implements Operator {
  armed = false;
  constructor(
    private readonly log: LogEntry[],
    private readonly port: number,
    private readonly isTarget: boolean,
  ) {}
  push(batch: Batch, _port: number): void {
    if (!this.armed || batch.length === 0) return;
    this.log.push(this.isTarget ? [3] : [0, this.port, batch]);
  }
  watermark(wm: number, _port: number): void {
    if (this.armed && !this.isTarget) this.log.push([1, this.port, wm]);
  }
  flush(): void {
    if (!this.armed || this.isTarget) return;
    const last = this.log[this.log.length - 1];
    if (last !== undefined && last[0] !== 2) this.log.push([2]);
  }
  snapshot(): unknown {
    return null;
  }
  restore(_state: unknown): void {}
  stateSize(): number {
    return this.log.length;
  }
}

export class PipelineCheckpoints {
  private readonly live = new Map<string, LivePipeline>();
  private readonly pending = new Map<string, PendingPipeline>();

  constructor(private readonly state: EngineState) {}

  capture(): SavedPipeline[] | undefined {
    if (this.live.size === 0 && this.pending.size === 0) return undefined;
    const out: SavedPipeline[] = [];
    for (const p of this.live.values()) out.push(p.capture());
    for (const p of this.pending.values()) out.push({ ...p.saved, log: p.log.slice() });
    return out;
  }

  restore(saved: SavedPipeline[]): void {
    for (const p of this.pending.values()) p.recorder.remove();
    this.pending.clear();
    for (const s of saved) {
      const log = s.log.slice();
      const inputs = s.target === null ? s.relations : [...s.relations, s.target];
      const recorders: RecorderOp[] = [];
      const recorder = attachStream(this.state, inputs, (b, ins) => {
        ins.forEach((input, port) => {
          b.add(
            (_out: Output) => {
              const op = new RecorderOp(log, port, port === s.relations.length);
              recorders.push(op);
              return op;
            },
            [input.node],
            `pipeline ${s.name} (recorder)`,
          );
        });
      });
      // the back-fill of the attach is the relations' contents, already in the snapshot
      for (const r of recorders) r.armed = true;
      this.pending.set(s.name, { saved: s, log, recorder });
    }
  }

  /** The checkpointed state of `name` (its recorder stops), or undefined. */
  claim(name: string): { saved: SavedPipeline; log: LogEntry[] } | undefined {
    const p = this.pending.get(name);
    if (p === undefined) return undefined;
    p.recorder.remove();
    this.pending.delete(name);
    return { saved: p.saved, log: p.log };
  }

  hasSaved(name: string): SavedPipeline | undefined {
    return this.pending.get(name)?.saved;
  }

  register(name: string, pipeline: LivePipeline): { remove(): void } {
    if (this.live.has(name)) {
      throw new CatalogError('DUPLICATE_OBJECT', `a pipeline named "${name}" is already running in this database (pipeline names bind to checkpointed state, so they must be unique)`);
    }
    this.live.set(name, pipeline);
    return {
      remove: () => {
        if (this.live.get(name) === pipeline) this.live.delete(name);
      },
    };
  }

  isLive(name: string): boolean {
    return this.live.has(name);
  }

  /** Names of checkpointed pipelines not declared again yet. */
  pendingNames(): string[] {
    return [...this.pending.keys()];
  }
}

const registries = new WeakMap<EngineState, PipelineCheckpoints>();

export function pipelineCheckpoints(state: EngineState): PipelineCheckpoints {
  let r = registries.get(state);
  if (r === undefined) registries.set(state, (r = new PipelineCheckpoints(state)));
  return r;
}

/**
 * A stage as captured: its keyed state as the store's snapshot (fresh arrays, never mutated) and
 * everything else serialized at the cut (user snapshot hooks may return live objects).
 */
interface CapturedStage {
  keyed?: KeyedStateSnapshot;
  rest: Uint8Array;
}
interface CapturedPipeline {
  name: string;
  relations: string[];
  target: string | null;
  log: LogEntry[];
  stages: [id: string, stage: CapturedStage][];
}
/** What the checkpoint participant captures (format 2; a plain SavedPipeline[] is format 1). */
interface Captured {
  format: 2;
  pipelines: CapturedPipeline[];
}
/** A stage of a delta: its keyed state as changes, or in full. */
interface StageDelta {
  keyed?: { delta: KeyedStateDelta } | { full: KeyedStateSnapshot };
  rest: Uint8Array;
}
interface CapturedDelta {
  format: 2;
  pipelines: (Omit<CapturedPipeline, 'stages'> & { stages: [id: string, stage: StageDelta][] })[];
}

function captureStage(snap: unknown): CapturedStage {
  const s = snap as { state?: unknown } | null;
  if (s !== null && typeof s === 'object' && isKeyedStateSnapshot(s.state)) {
    const { state: keyed, ...rest } = s as { state: KeyedStateSnapshot };
    return { keyed, rest: serializeState(rest) };
  }
  return { rest: serializeState(snap) };
}

function captured(saved: SavedPipeline[]): Captured {
  return {
    format: 2,
    pipelines: saved.map((p) => ({
      name: p.name,
      relations: p.relations,
      target: p.target,
      log: p.log,
      stages: Object.entries(p.snapshot).map(([id, snap]): [string, CapturedStage] => [id, captureStage(snap)]),
    })),
  };
}

function savedOf(c: Captured): SavedPipeline[] {
  return c.pipelines.map((p) => {
    const snapshot: PipelineSnapshot = {};
    for (const [id, st] of p.stages) {
      const rest = deserializeState(st.rest);
      snapshot[id] = st.keyed === undefined ? rest : { ...(rest as object), state: st.keyed };
    }
    return { name: p.name, relations: p.relations, target: p.target, snapshot, log: p.log };
  });
}

/** What changed from `before` to `after`; null when no stage's keyed state could be a delta. */
export async function pipelinesDelta(before: Captured, after: Captured): Promise<CapturedDelta | null> {
  let deltas = 0;
  const pipelines: CapturedDelta['pipelines'] = [];
  for (const p of after.pipelines) {
    const old = new Map(before.pipelines.find((b) => b.name === p.name)?.stages ?? []);
    const stages: [string, StageDelta][] = [];
    for (const [id, st] of p.stages) {
      const was = old.get(id)?.keyed;
      const d = st.keyed === undefined || was === undefined ? null : await keyedStateDelta(was, st.keyed);
      if (st.keyed === undefined) stages.push([id, { rest: st.rest }]);
      else if (d === null) stages.push([id, { keyed: { full: st.keyed }, rest: st.rest }]);
      else {
        deltas++;
        stages.push([id, { keyed: { delta: d }, rest: st.rest }]);
      }
    }
    pipelines.push({ name: p.name, relations: p.relations, target: p.target, log: p.log, stages });
  }
  return deltas === 0 ? null : { format: 2, pipelines };
}

/** `base` with a pipelinesDelta result applied. */
export function applyPipelinesDelta(base: Captured, delta: CapturedDelta): Captured {
  return {
    format: 2,
    pipelines: delta.pipelines.map((p) => {
      const old = new Map(base.pipelines.find((b) => b.name === p.name)?.stages ?? []);
      const stages = p.stages.map(([id, st]): [string, CapturedStage] => {
        if (st.keyed === undefined) return [id, { rest: st.rest }];
        if ('full' in st.keyed) return [id, { keyed: st.keyed.full, rest: st.rest }];
        const was = old.get(id)?.keyed;
        if (was === undefined) throw new Error(`pipeline ${p.name}: stage ${id} has a delta but no keyed state in the checkpoint before`);
        return [id, { keyed: applyKeyedStateDelta(was, st.keyed.delta), rest: st.rest }];
      });
      return { name: p.name, relations: p.relations, target: p.target, log: p.log, stages };
    }),
  };
}

const isCaptured = (v: unknown): v is Captured => v !== null && typeof v === 'object' && (v as Captured).format === 2 && Array.isArray((v as Captured).pipelines);

registerCheckpointExtra('operator-api pipelines', {
  capture: (state) => {
    const saved = registries.get(state)?.capture();
    return saved === undefined ? undefined : captured(saved);
  },
  // format 1 (a checkpoint written before deltas): the pipelines as they were captured
  restore: (state, saved) => pipelineCheckpoints(state).restore(isCaptured(saved) ? savedOf(saved) : (saved as SavedPipeline[])),
  diff: async (before, after) => (isCaptured(before) && isCaptured(after) ? pipelinesDelta(before, after) : null),
  patch: (before, delta) => {
    if (!isCaptured(before)) throw new Error('the checkpoint before holds no pipelines to apply a delta to');
    return applyPipelinesDelta(before, delta as CapturedDelta);
  },
});

/** Between a relation and a restored pipeline's entry: closed while the recorded log replays. */
export class ReplayGate implements Operator {
  open = false;
  constructor(readonly out: Output) {}
  push(batch: Batch, _port: number): void {
    if (this.open) this.out.push(batch);
  }
  watermark(wm: number, _port: number): void {
    if (this.open) this.out.watermark(wm);
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
