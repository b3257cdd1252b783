// ViewStore.captureRows: the checkpoint cut of a view kept as a slot map walks no slot; fill()
// later yields exactly what snapshot() gave at the cut, although rows are updated, deleted and
// inserted, keys removed and new keys added between its slices (copy-on-write at a slot's first
// change after the cut); a newer capture, restore() or close() abandons the older one.
import t from 'tap';
import { ViewStore } from '../../lib/exec/runtime/view-store.js';
import { CAPTURE_SLICE } from '../../lib/exec/runtime/view-capture.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Row } from '../../lib/types/value.js';
import { batch, deletes, inserts } from './helpers.js';

const out = { push: (_b: Batch) => {}, watermark: () => {} };
const keyedView = (): ViewStore => new ViewStore(out, 2, { uniqueKey: [0] });
// compared as JSON: t.same over tens of thousands of rows is slow
const json = (v: unknown): string => JSON.stringify(v);

/** Runs the fill, calling `between` at each of its pauses; returns the captured state. */
async function fillAll(view: ViewStore, capture: NonNullable<ReturnType<ViewStore['captureRows']>>, between: () => void | Promise<void> = () => {}): Promise<{ rows: Row[]; weights: number[] }> {
  const rows: Row[] = [];
  const weights: number[] = [];
  await capture.fill(rows, weights, async () => {
    await between();
  });
  return { rows, weights };
}

const KEYS = 5 * CAPTURE_SLICE;

function loaded(): ViewStore {
  const view = keyedView();
  view.push(inserts(...Array.from({ length: KEYS }, (_, k): Row => [k, `v${k}`])));
  // a key holding two distinct rows (a keyed view's transient duplicates) and a NULL value
  view.push(inserts([3, 'second row of key 3'], [KEYS - 2, null]));
  view.push(batch([[7, 'v7']], [2]));
  view.flush();
  return view;
}

t.test('fill gives the rows at the cut while steps change slots between its slices', async (t) => {
  const view = loaded();
  const expected = json(view.snapshot());
  const capture = view.captureRows()!;
  let step = 0;
  const changeSomething = (): void => {
    const k = (step * 7919) % KEYS;
    const far = KEYS - 1 - k;
    // updates ahead of and behind the fill, a whole key removed, new keys, a removed key
    // re-added (a new slot under an old key), a weight change of a slot with two rows
    view.push(batch([[k, `v${k}`], [k, `new ${step}`], [far, `v${far}`], [far, `far ${step}`]], [-1, 1, -1, 1]));
    view.push(deletes([k + 1, `v${k + 1}`]));
    view.push(inserts([KEYS + step, 'added'], [KEYS - 3, 'dup']));
    view.push(batch([[3, 'second row of key 3'], [7, 'v7']], [1, -1]));
    view.flush();
    view.push(inserts([k + 1, `back ${step}`]));
    view.push(deletes([KEYS - 2, null]));
    view.flush();
    step++;
  };
  const state = await fillAll(view, capture, changeSomething);
  t.ok(step >= 4, `${step} steps ran between the fill's slices`);
  t.equal(json(state), expected, 'the rows and weights as they were at the cut, in snapshot order');
  t.not(json(view.snapshot()), expected, 'the live view moved on');
  // the capture is closed once filled: later changes record nothing
  t.equal((view as unknown as { capture: unknown }).capture, null);
  const again = await fillAll(view, view.captureRows()!);
  t.equal(json(again), json(view.snapshot()), 'a new capture sees the current rows');
});

t.test('the captured state restores to the view as it was at the cut', async (t) => {
  const view = loaded();
  const scanAtCut = json(view.scan().map((r) => json(r)).sort());
  const capture = view.captureRows()!;
  const state = await fillAll(view, capture, () => {
    view.push(deletes([0, 'v0'], [KEYS - 1, `v${KEYS - 1}`]));
    view.push(inserts([-1, 'new']));
    view.flush();
  });
  const restored = keyedView();
  restored.restore(state);
  t.equal(json(restored.scan().map((r) => json(r)).sort()), scanAtCut);
  t.equal(restored.size, KEYS + 4, 'every row with its multiplicity');
  t.equal(restored.stateSize(), KEYS);
});

t.test('slots removed before the fill reached them are written in their place', async (t) => {
  const view = loaded();
  const expected = json(view.snapshot());
  const capture = view.captureRows()!;
  let pauses = 0;
  const state = await fillAll(view, capture, () => {
    // remove every key of the last two slices, then re-add a few (new slots, after the cut)
    if (pauses++ > 0) return;
    const gone: Row[] = [];
    for (let k = 3 * CAPTURE_SLICE; k < KEYS; k++) gone.push([k, `v${k}`]);
    gone.push([KEYS - 2, null]);
    view.push(deletes(...gone));
    view.flush();
    view.push(inserts([KEYS - 1, 'again'], [3 * CAPTURE_SLICE, 'again']));
    view.flush();
  });
  t.equal(json(state), expected);
  t.equal(view.stateSize(), 3 * CAPTURE_SLICE + 2);
});

t.test('unkeyed views: append-only ones hand over their log, a slot map is captured', async (t) => {
  const unkeyed = new ViewStore(out, 2);
  unkeyed.push(inserts([1, 'a'], [1, 'a']));
  unkeyed.flush();
  t.equal(unkeyed.captureRows(), null, 'an append-only view has no slot map to capture');
  unkeyed.push(batch([[1, 'a']], [-1])); // the first retraction moves it into the map
  unkeyed.push(inserts(...Array.from({ length: 2 * CAPTURE_SLICE }, (_, i): Row => [i, 'b'])));
  unkeyed.flush();
  const expected = json(unkeyed.snapshot());
  const state = await fillAll(unkeyed, unkeyed.captureRows()!, () => {
    unkeyed.push(batch([[1, 'a'], [2 * CAPTURE_SLICE - 1, 'b'], [5, 'c']], [-1, -1, 3]));
    unkeyed.flush();
  });
  t.equal(json(state), expected);
});

t.test('a newer capture, restore() or close() abandons the open one', async (t) => {
  const view = loaded();
  const snapshot = view.snapshot();
  const first = view.captureRows()!;
  const second = view.captureRows()!;
  await t.rejects(fillAll(view, first), /superseded/);
  t.equal((await fillAll(view, second)).rows.length, KEYS + 2);

  const third = view.captureRows()!;
  view.restore(snapshot);
  await t.rejects(fillAll(view, third), /superseded/);
  t.equal(json(view.snapshot()), json(snapshot), 'restore is unaffected');

  const fourth = view.captureRows()!;
  view.close();
  await t.rejects(fillAll(view, fourth), /superseded/);
});

t.test('a capture abandoned half-way stops there and the next one is exact', async (t) => {
  const view = loaded();
  const capture = view.captureRows()!;
  let pauses = 0;
  let next: ReturnType<ViewStore['captureRows']> = null;
  let expected = '';
  await t.rejects(
    fillAll(view, capture, () => {
      view.push(batch([[10, 'v10'], [10, 'x'], [KEYS - 5, `v${KEYS - 5}`]], [-1, 1, -1]));
      view.flush();
      if (++pauses === 2) {
        expected = json(view.snapshot());
        next = view.captureRows();
      }
    }),
    /superseded/,
  );
  t.equal(pauses, 2);
  // the abandoned capture's records are not mixed into the new one
  view.push(inserts([KEYS - 5, 'changed after the second cut'], [10, 'y']));
  view.flush();
  t.equal(json(await fillAll(view, next!)), expected);
});
