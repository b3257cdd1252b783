// ViewStore keyed state (lib/exec/runtime/row-slots.ts): one slot per key holding its first
// distinct row inline and any further ones in a list; per-step before-images without a map.
import t from 'tap';
import { ViewStore } from '../../lib/exec/runtime/view-store.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Output } from '../../lib/exec/operator.js';
import type { EngineChange } from '../../lib/engine/types.js';
import type { Row, Value } from '../../lib/types/value.js';

const sink: Output = { push() {}, watermark() {} };

function batchOf(rows: Row[], weights: number[]): Batch {
  const width = rows[0]!.length;
  const columns: Value[][] = Array.from({ length: width }, (_, c) => rows.map((r) => r[c]!));
  return { length: rows.length, columns, weights: Int32Array.from(weights) };
}

function step(store: ViewStore, rows: Row[], weights: number[]): void {
  store.push(batchOf(rows, weights));
  store.flush();
  store.deliver();
}

const byKey = (a: Row, b: Row) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1]));

t.test('keyed: insert, update, no-op update, delete, each step delivered once', async (t) => {
  const store = new ViewStore(sink, 2, { uniqueKey: [0] });
  const calls: EngineChange[][] = [];
  store.subscribe((c) => calls.push(c));
  step(store, [['a', 1], ['b', 2]], [1, 1]);
  t.same(calls.at(-1), [{ op: 'insert', row: ['a', 1] }, { op: 'insert', row: ['b', 2] }]);
  step(store, [['a', 1], ['a', 5]], [-1, 1]);
  t.same(calls.at(-1), [{ op: 'update', row: ['a', 5], old: ['a', 1] }], '-old +new under one key is an update');
  const n = calls.length;
  step(store, [['a', 5], ['a', 5]], [-1, 1]);
  t.equal(calls.length, n, 'retract and re-insert of the same row delivers nothing');
  step(store, [['b', 2]], [-1]);
  t.same(calls.at(-1), [{ op: 'delete', row: ['b', 2] }]);
  t.same(store.scan(), [['a', 5]]);
  t.equal(store.stateSize(), 1, 'the emptied key is dropped');
  t.equal(store.size, 1);
});

t.test('keyed: a key holding two distinct rows at once (transient duplicate) stays exact', async (t) => {
  const store = new ViewStore(sink, 2, { uniqueKey: [0] });
  const calls: EngineChange[][] = [];
  store.subscribe((c) => calls.push(c));
  step(store, [['k', 1]], [1]);
  // the new row arrives before the old one leaves (separate steps)
  step(store, [['k', 2]], [1]);
  t.same(calls.at(-1), [{ op: 'insert', row: ['k', 2] }]);
  t.same(store.scan().sort(byKey), [['k', 1], ['k', 2]]);
  t.equal(store.stateSize(), 1, 'one key');
  // the first row leaves: the second takes its place in the slot
  step(store, [['k', 1]], [-1]);
  t.same(calls.at(-1), [{ op: 'delete', row: ['k', 1] }]);
  t.same(store.scan(), [['k', 2]]);
  // and is then updated as the key's only row
  step(store, [['k', 2], ['k', 3]], [-1, 1]);
  t.same(calls.at(-1), [{ op: 'update', row: ['k', 3], old: ['k', 2] }]);
  // three rows, the middle one removed, in one step with a net-zero pair
  step(store, [['k', 4], ['k', 5], ['k', 4], ['k', 4]], [1, 1, -1, 1]);
  t.same(
    calls.at(-1)!.map((c) => [c.op, ...c.row]).sort(),
    [['insert', 'k', 4], ['insert', 'k', 5]],
    'the pair that cancels is not delivered',
  );
  step(store, [['k', 4]], [-1]);
  t.same(calls.at(-1), [{ op: 'delete', row: ['k', 4] }]);
  t.same(store.scan().sort(byKey), [['k', 3], ['k', 5]]);
  step(store, [['k', 3], ['k', 5]], [-1, -1]);
  t.same(calls.at(-1), [{ op: 'delete', row: ['k', 3] }, { op: 'delete', row: ['k', 5] }]);
  t.same(store.scan(), []);
  t.equal(store.stateSize(), 0);
  t.equal(store.size, 0);
});

t.test('keyed: multiplicities above one and NULL keys', async (t) => {
  const store = new ViewStore(sink, 2, { uniqueKey: [0] });
  const calls: EngineChange[][] = [];
  store.subscribe((c) => calls.push(c));
  step(store, [[null, 'x'], [null, 'x']], [1, 1]);
  t.same(calls.at(-1), [{ op: 'insert', row: [null, 'x'] }, { op: 'insert', row: [null, 'x'] }], 'weight 2: two inserts');
  step(store, [[null, 'x'], [null, 'y']], [-1, 1]);
  t.same(calls.at(-1), [{ op: 'delete', row: [null, 'x'] }, { op: 'insert', row: [null, 'y'] }], 'not an update: the key held two rows');
  t.same(store.scan().sort(byKey), [[null, 'x'], [null, 'y']]);
});

t.test('keyed: changes made without subscribers are not delivered later; snapshot/restore round-trips', async (t) => {
  const store = new ViewStore(sink, 2, { uniqueKey: [0] });
  step(store, [['a', 1], ['b', 1], ['b', 2]], [1, 1, 1]);
  const calls: EngineChange[][] = [];
  store.subscribe((c) => calls.push(c), { snapshot: true });
  t.same(calls[0]!.map((c) => c.row).sort(byKey), [['a', 1], ['b', 1], ['b', 2]], 'snapshot holds every row');
  step(store, [['a', 1], ['a', 2]], [-1, 1]);
  t.same(calls.at(-1), [{ op: 'update', row: ['a', 2], old: ['a', 1] }]);
  const copy = new ViewStore(sink, 2, { uniqueKey: [0] });
  copy.restore(store.snapshot());
  t.same(copy.scan().sort(byKey), store.scan().sort(byKey));
  t.equal(copy.stateSize(), 2);
  t.equal(copy.size, 3);
  const after: EngineChange[][] = [];
  copy.subscribe((c) => after.push(c));
  step(copy, [['b', 1]], [-1]);
  t.same(after, [[{ op: 'delete', row: ['b', 1] }]], 'a restored slot with two rows retracts the right one');
  t.same(copy.scan(), [['a', 2], ['b', 2]].sort(byKey));
});

t.test('keyed: a held (undelivered) step accumulates with the next one', async (t) => {
  const store = new ViewStore(sink, 2, { uniqueKey: [0] });
  const calls: EngineChange[][] = [];
  store.subscribe((c) => calls.push(c));
  store.push(batchOf([['a', 1]], [1]));
  store.flush();
  store.push(batchOf([['a', 1], ['a', 2], ['b', 1]], [-1, 1, 1]));
  store.flush();
  store.deliver();
  t.same(calls, [[{ op: 'insert', row: ['a', 1] }, { op: 'update', row: ['a', 2], old: ['a', 1] }, { op: 'insert', row: ['b', 1] }]], 'both flushes in one delivery, in order');
  store.push(batchOf([['b', 1]], [-1]));
  store.flush();
  store.discardPending();
  store.deliver();
  t.equal(calls.length, 1, 'discarded changes are never delivered');
});
