// A durable CHECKPOINT of a large keyed materialized view takes its rows by copy-on-write
// (ViewStore.captureRows): steps that run while the rows are filled in slices — updates, deleted
// and new keys — must not leak into the cut, and a restart from it equals a run that never
// stopped.
import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { DurableEngine } from '../../lib/storage/durable-engine.js';
import { durableNodes } from '../../lib/storage/checkpoint.js';
import type { ViewStore } from '../../lib/exec/runtime/view-store.js';
import { tempDir } from './helpers.js';
import { checkpointWhileStepping, newestCheckpointImage, referenceRun, snapshotsNow, upsertKv, type Db } from '../helpers/durable-history.js';

const KEYS = 60_000;
const SCHEMA = [
  'CREATE TABLE kv (k INT, v INT, note VARCHAR, PRIMARY KEY (k))',
  'CREATE MATERIALIZED VIEW wide AS SELECT k, v, note FROM kv WHERE v >= 0',
].join(';\n');

/** The same calls go to the durable and the reference engine. */
function step(db: Db, s: number): void {
  if (s === 0) {
    // (in calls the WAL takes whole)
    for (let from = 0; from < KEYS; from += 20_000) upsertKv(db, from, 20_000, 0, null);
    return;
  }
  // updates spread over the whole key range (ahead of and behind the fill), deleted keys, new
  // keys, and rows leaving the view (v < 0) and coming back
  upsertKv(db, (s * 7919) % (KEYS - 200), 200, s, `s${s}`);
  void db.execute(`DELETE FROM kv WHERE k >= ${(s * 104_729) % KEYS} AND k < ${((s * 104_729) % KEYS) + 20}`);
  upsertKv(db, KEYS + s * 10, 10, s, null);
  void db.execute(`UPDATE kv SET v = -1 WHERE k % 5000 = ${s % 5000}`);
}

const results = (db: Db): unknown[] => [db.query('SELECT * FROM wide ORDER BY k').rows, db.query('SELECT count(*), sum(v) FROM kv').rows];

const reference = (steps: number): unknown[] => referenceRun(SCHEMA, steps, step, results);

t.test('the view rows in the checkpoint are those at the call although steps run during the fill', async (t) => {
  const dir = tempDir(t);
  const inner = new Engine({});
  let db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20 }, inner);
  db.execute(SCHEMA);
  const state = inner.storageState();
  const view = durableNodes(state).find((n) => n.name === 'wide')!.op as unknown as ViewStore;
  // count the steps that run inside the view's fill (between its slices)
  let s = 0;
  let stepsInFill = 0;
  const captureRows = view.captureRows.bind(view);
  view.captureRows = () => {
    const capture = captureRows();
    if (capture === null) return null;
    return {
      fill: async (rows, weights, pause) => {
        const before = s;
        await capture.fill(rows, weights, pause);
        stepsInFill += s - before;
      },
    };
  };
  step(db, s++);
  for (let round = 1; round <= 3; round++) {
    step(db, s++);
    await db.flush();
    const expected = snapshotsNow(state);
    await checkpointWhileStepping(db, () => step(db, s++), true);
    const image = newestCheckpointImage(dir);
    const at = image.nodes.findIndex((n) => n.name === 'wide');
    t.ok(at >= 0 && image.nodes[at]!.op === 'ViewStore');
    t.same(image.nodes[at]!.state, expected[at], `checkpoint ${image.epoch} (${db.lastCheckpoint!.incremental ? 'incremental' : 'full'}): the view as it was at the call`);
    t.ok(db.lastCheckpoint!.captureMs < 50, `the cut took ${db.lastCheckpoint!.captureMs.toFixed(2)} ms`);
  }
  t.ok(stepsInFill > 0, `${stepsInFill} steps ran between the fill's slices`);
  await db.close();

  // a restart replays the tail after the last cut: a row of the tail also in the cut, or a row
  // of the cut missing, would show
  db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20 }, new Engine({}));
  t.same(results(db), reference(s), 'recovery equals a run that never stopped');
  step(db, s++);
  await db.execute('CHECKPOINT');
  await db.close();
  db = DurableEngine.open({ path: dir, checkpointIntervalMs: 0, walSegmentBytes: 1 << 20 }, new Engine({}));
  t.equal(db.recovery.records, 0);
  t.same(results(db), reference(s), 'and again from a checkpoint taken right after recovery');
  await db.close();
});
