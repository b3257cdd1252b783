// Shared set-up of the durable checkpoint tests (test/storage/incremental-checkpoint.test.ts,
// view-capture-checkpoint.test.ts): a deterministic history applied step by step to a durable
// engine and to a plain reference engine, a CHECKPOINT taken while later steps keep running,
// and the operator states a checkpoint must hold.
import { Engine } from '../../lib/engine/engine.js';
import type { EngineState } from '../../lib/engine/state.js';
import type { DurableEngine } from '../../lib/storage/durable-engine.js';
import { readCheckpointChain } from '../../lib/storage/checkpoint-image.js';
import { deserializeState, serializeState } from '../../lib/storage/checkpoint-codec.js';
import { readManifest } from '../../lib/storage/manifest.js';
import { durableNodes } from '../../lib/storage/checkpoint.js';

/** Either engine: the same calls go to the durable one and to the reference. */
export type Db = DurableEngine | Engine;

/** Upserts keys from .. from + n - 1 into kv (k INT, v INT, note VARCHAR, PRIMARY KEY (k)),
 *  with v = (k + v) % 13, in one columnar call. */
export function upsertKv(db: Db, from: number, n: number, v: number, note: string | null = null): void {
  const k: number[] = [];
  const vs: number[] = [];
  const notes: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    k.push(from + i);
    vs.push((from + i + v) % 13);
    notes.push(note);
  }
  db.insertColumns('kv', [k, vs, notes], n);
}

/** What `results` reads from a plain engine that ran `schema` and steps 0 .. steps - 1: what
 *  a durable engine must equal after a restart, as if it never stopped. */
export function referenceRun<R>(schema: string, steps: number, step: (db: Db, s: number) => void, results: (db: Db) => R): R {
  const db = new Engine({});
  db.execute(schema);
  for (let s = 0; s < steps; s++) step(db, s);
  db.flush();
  const out = results(db);
  db.close();
  return out;
}

/** Every durable operator's snapshot() now, after the checkpoint codec's round trip. */
export function snapshotsNow(state: EngineState): unknown[] {
  return durableNodes(state).map((n) => deserializeState(serializeState(n.op.snapshot())));
}

/** The image (state and nodes) of the newest checkpoint in the MANIFEST, its chain applied. */
export function newestCheckpointImage(dir: string): ReturnType<typeof readCheckpointChain>['image'] {
  return readCheckpointChain(dir, readManifest(dir)!.checkpoints!.at(-1)!).image;
}

/**
 * Starts a CHECKPOINT and calls `nextStep` once per event-loop turn until it finishes: those
 * steps run between the slices of its capture and writing. `afterATurn`: the first step waits a
 * turn (so it comes after the cut, which is taken on a microtask after the call). Returns how
 * many steps ran.
 */
export async function checkpointWhileStepping(db: DurableEngine, nextStep: () => void, afterATurn: boolean): Promise<number> {
  const running = db.execute('CHECKPOINT') as Promise<unknown>;
  let done = false;
  void running.then(() => (done = true));
  if (afterATurn) await new Promise((r) => setImmediate(r));
  let steps = 0;
  while (!done) {
    nextStep();
    steps++;
    await new Promise((r) => setImmediate(r));
  }
  await running;
  return steps;
}
