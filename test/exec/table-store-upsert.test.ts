// TableStore's upsert path and bulk restore: the delta (with before-images) is built only when
// something observes the table, state is the same either way, and restore rebuilds the key index.
import t from 'tap';
import { TableStore } from '../../lib/exec/runtime/table-store.js';
import { Engine } from '../../lib/engine/engine.js';
import type { Output } from '../../lib/exec/operator.js';
import type { Batch } from '../../lib/exec/batch.js';
import { rowAt } from '../../lib/exec/runtime/batch-builder.js';

function recordingOutput(observed: { value: boolean }): { out: Output; batches: Batch[] } {
  const batches: Batch[] = [];
  return { batches, out: { push: (b) => batches.push(b), watermark: () => {}, unobserved: () => !observed.value } };
}

function deltaRows(b: Batch): [unknown[], number][] {
  const out: [unknown[], number][] = [];
  for (let i = 0; i < b.length; i++) out.push([rowAt(b, i), b.weights === null ? 1 : b.weights[i]!]);
  return out;
}

const sorted = (rows: unknown[][]): unknown[][] => [...rows].sort((a, b) => (a[0] as number) - (b[0] as number));

t.test('an unobserved keyed table stores upserts and deletes without emitting anything', async (t) => {
  const observed = { value: false };
  const { out, batches } = recordingOutput(observed);
  const s = new TableStore(out, { columnNames: ['k', 'v'], primaryKey: [0] });
  s.push({ length: 3, columns: [[1, 2, 3], ['a', 'b', null]], weights: null });
  s.push({ length: 3, columns: [[2, 3, 4], ['B', null, 'd']], weights: Int32Array.from([1, -1, 1]) });
  t.equal(batches.length, 0, 'no delta is built for nobody');
  t.same(sorted(s.rows()), [[1, 'a'], [2, 'B'], [4, 'd']]);
  t.equal(s.size, 3);
  // once observed, the before-image of a replaced row is emitted with the new row
  observed.value = true;
  s.push({ length: 2, columns: [[2, 1], ['C', 'a']], weights: null });
  t.equal(batches.length, 1);
  t.same(deltaRows(batches[0]!), [[[2, 'B'], -1], [[2, 'C'], 1]], 'unchanged row 1 emits nothing; row 2 emits -old +new');
});

t.test('an unobserved table still rejects NULL keys and wrong widths', async (t) => {
  const { out } = recordingOutput({ value: false });
  const s = new TableStore(out, { columnNames: ['a', 'b', 'v'], primaryKey: [0, 1] });
  t.throws(() => s.push({ length: 2, columns: [[1, 2], [1, null], ['x', 'y']], weights: null }), { code: 'NOT_NULL_VIOLATION' });
  t.throws(() => s.push({ length: 1, columns: [[1], [1]], weights: null }), { code: 'INVALID_ROW' });
  t.equal(s.size, 0, 'a rejected batch changes nothing');
  s.push({ length: 2, columns: [[1, 1], [1, 2], ['x', 'y']], weights: null });
  t.same(s.get([1, 2]), [1, 2, 'y'], 'composite keys are looked up by all their columns');
});

t.test('restore rebuilds the key index (one-column, composite and byte-string keys) and multisets', async (t) => {
  const { out, batches } = recordingOutput({ value: true });
  const one = new TableStore(out, { columnNames: ['k', 'v'], primaryKey: [0] });
  const key = (b: number): Uint8Array => Uint8Array.of(b, 0);
  one.restore({ rows: [[key(5), 'x'], [key(6), 'y']] });
  t.equal(one.size, 2);
  t.same(one.get([key(5)]), [key(5), 'x'], 'object keys (BYTEA) match by value, not identity');
  one.push({ length: 1, columns: [[key(6)], ['z']], weights: null });
  t.same(deltaRows(batches.pop()!), [[[key(6), 'y'], -1], [[key(6), 'z'], 1]], 'an upsert after restore finds the restored row');
  const two = new TableStore(out, { columnNames: ['a', 'b'], primaryKey: [0, 1] });
  two.restore({ rows: [[1, 'p'], [1, 'q']] });
  t.same(two.get([1, 'q']), [1, 'q']);
  t.equal(two.size, 2);
  const bag = new TableStore(out, { columnNames: ['v'] });
  bag.restore({ rows: [['a'], ['b']], counts: [3, 1] });
  t.equal(bag.size, 4);
  bag.restore(bag.snapshot());
  t.equal(bag.size, 4, 'a snapshot restores to itself');
});

t.test('engine: a view created after unobserved upserts sees exactly the stored rows', async (t) => {
  const e = new Engine({});
  e.execute('CREATE TABLE kv (k INT PRIMARY KEY, v TEXT)');
  e.insertColumns('kv', [[1, 2, 3], ['a', 'b', 'c']], 3);
  e.insertColumns('kv', [[2, 3], ['B', 'C']], 2);
  e.execute("DELETE FROM kv WHERE k = 1");
  e.execute('CREATE MATERIALIZED VIEW n AS SELECT count(*) AS n, min(v) AS lo FROM kv');
  t.same(e.query('SELECT n, lo FROM n').rows, [[2, 'B']]);
  e.insertColumns('kv', [[2], ['A']], 1);
  t.same(e.query('SELECT n, lo FROM n').rows, [[2, 'A']], 'the view gets before-images once it exists');
  // an atomic call that fails is undone even with no view on the table (the undo log observes it)
  const f = new Engine({});
  f.execute('CREATE TABLE kv (k INT PRIMARY KEY, v TEXT)');
  f.insertColumns('kv', [[1], ['a']], 1);
  t.throws(() => f.execute("INSERT INTO kv VALUES (1, 'changed'); INSERT INTO kv VALUES (NULL, 'bad')"));
  t.same(f.query('SELECT k, v FROM kv').rows, [[1, 'a']], 'the failed call left no trace');
});
