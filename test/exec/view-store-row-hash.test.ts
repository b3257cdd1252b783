import t from 'tap';
import { ViewStore } from '../../lib/exec/runtime/view-store.js';
import { rowHash, rowHashAt } from '../../lib/exec/runtime/row-hash.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Output } from '../../lib/exec/operator.js';
import type { EngineChange } from '../../lib/engine/types.js';
import type { Row, Value } from '../../lib/types/value.js';
import { Decimal } from '../../lib/types/decimal.js';

const sink: Output = { push() {}, watermark() {} };

function batchOf(rows: Row[], weights: number[]): Batch {
  const width = rows[0]!.length;
  const columns: Value[][] = Array.from({ length: width }, (_, c) => rows.map((r) => r[c]!));
  return { length: rows.length, columns, weights: Int32Array.from(weights) };
}

// two 100-character strings that differ only at index 1, which the hash does not sample
const long = 'u'.repeat(100);
const twin = 'u' + 'X' + 'u'.repeat(98);

t.test('row hash: SQL-equal rows hash equally, in both forms', async (t) => {
  t.equal(rowHash([0, 'a', null]), rowHash([-0, 'a', null]), '-0 = 0');
  t.equal(rowHash([NaN, true]), rowHash([Number.NaN * 2, true]), 'NaN = NaN');
  const b = batchOf([[1.5, 'x', null, false]], [1]);
  t.equal(rowHashAt(b.columns, 0), rowHash([1.5, 'x', null, false]), 'batch row and materialized row agree');
  t.equal(rowHash([new Decimal(10n, 1)]), rowHash([new Decimal(100n, 2)]), '1.0 = 1.00 for decimals');
  t.not(rowHash([1, 2]), rowHash([2, 1]), 'column order matters');
  t.not(rowHash(['ab', 'c']), rowHash(['a', 'bc']), 'string boundaries matter');
  t.ok(rowHash([long]) >= 0 && rowHash([long]) < 2 ** 30, 'a small non-negative integer');
  t.equal(rowHash([long]), rowHash([twin]), 'the fixture collides (the tests below rely on it)');
});

t.test('unkeyed view: rows sharing a hash stay distinct through inserts, retractions and changes', async (t) => {
  const store = new ViewStore(sink, 2);
  const calls: EngineChange[][] = [];
  store.subscribe((c) => calls.push(c));
  // a retraction first leaves append-only mode, so the hash-keyed map is in use
  store.push(batchOf([[1, long], [1, twin], [1, twin]], [1, 1, 1]));
  store.push(batchOf([[1, long]], [-1]));
  store.flush();
  store.deliver();
  t.same(store.scan(), [[1, twin], [1, twin]], 'the twin is not mistaken for the retracted row');
  t.equal(store.size, 2);
  t.equal(store.stateSize(), 1, 'one distinct row held');
  t.same(calls.at(-1), [{ op: 'insert', row: [1, twin] }, { op: 'insert', row: [1, twin] }], 'net changes of the step');
  store.push(batchOf([[1, long], [1, twin]], [1, -1]));
  store.flush();
  store.deliver();
  t.equal(store.stateSize(), 2, 'two distinct rows under one hash');
  t.same(calls.at(-1), [{ op: 'delete', row: [1, twin] }, { op: 'insert', row: [1, long] }]);
  store.push(batchOf([[1, long], [1, twin]], [-1, -1]));
  store.flush();
  t.same(store.scan(), []);
  t.equal(store.stateSize(), 0);
  t.equal(store.size, 0);
});

t.test('unkeyed view: snapshot and restore keep colliding rows apart', async (t) => {
  const store = new ViewStore(sink, 2);
  store.push(batchOf([[0, long], [-0, twin], [NaN, long]], [2, 1, 1]));
  store.flush();
  const copy = new ViewStore(sink, 2);
  copy.restore(structuredClone(store.snapshot()));
  t.equal(copy.stateSize(), 3);
  copy.push(batchOf([[-0, long], [NaN, long]], [-1, -1])); // -0 finds 0, NaN finds NaN
  copy.flush();
  t.same(copy.scan().sort((a, b) => String(a[1]).localeCompare(String(b[1]))), [[0, twin], [0, long]].sort((a, b) => String(a[1]).localeCompare(String(b[1]))));
  t.equal(copy.stateSize(), 2);
  t.equal(copy.size, 2);
});
