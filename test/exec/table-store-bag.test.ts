// TableStore without a primary key (a multiset): inserts append without encoding rows; the
// first delete builds the row index (merging equal rows); counts, over-deletes, NULL, NaN, -0,
// holes and the { rows, counts } snapshot behave as a multiset must.
import t from 'tap';
import { TableStore } from '../../lib/exec/runtime/table-store.js';
import type { Output } from '../../lib/exec/operator.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Value } from '../../lib/types/value.js';
import { batchFromRows, rowAt } from '../../lib/exec/runtime/batch-builder.js';

function store(): { s: TableStore; deltas: Batch[] } {
  const deltas: Batch[] = [];
  const out: Output = { push: (b) => deltas.push(b), watermark: () => {} };
  return { s: new TableStore(out, { columnNames: ['a', 'b'] }), deltas };
}
const push = (s: TableStore, rows: Value[][], weights?: number[]): void => s.push(batchFromRows(rows, 2, weights));
const key = (r: readonly unknown[]): string => JSON.stringify(r.map((v) => (Object.is(v, -0) ? '-0' : typeof v === 'number' && isNaN(v) ? 'NaN' : v)));
const bag = (rows: readonly (readonly unknown[])[]): string[] => rows.map(key).sort();
function deltaRows(b: Batch): [unknown[], number][] {
  const out: [unknown[], number][] = [];
  for (let i = 0; i < b.length; i++) out.push([rowAt(b, i), b.weights === null ? 1 : b.weights[i]!]);
  return out;
}

t.test('duplicates count, deletes take what is there, and the delta says what changed', async (t) => {
  const { s, deltas } = store();
  push(s, [[1, 'x'], [1, 'x'], [2, null], [1, 'x']]);
  t.equal(s.size, 4);
  push(s, [[1, 'x'], [2, null], [3, 'absent']], [-5, -1, -1]);
  t.equal(s.size, 0, 'deleting 5 of 3 copies deletes the 3; NULL rows are found by value; absent is a no-op');
  t.same(deltaRows(deltas[1]!), [[[1, 'x'], -3], [[2, null], -1]]);
  t.same(s.rows(), []);
  push(s, [[1, 'x']]);
  t.same(s.rows(), [[1, 'x']], 'a re-insert after the slot emptied is stored again');
  t.equal(s.stateSize(), 1);
});

t.test('NaN equals NaN and -0 equals 0 for deletes, as before', async (t) => {
  const { s } = store();
  push(s, [[NaN, 'n'], [-0, 'z'], [0, 'z']]);
  push(s, [[NaN, 'n'], [0, 'z']], [-1, -1]);
  t.equal(s.size, 1);
  t.equal(s.rows().length, 1);
  t.equal(s.rows()[0]![1], 'z');
  push(s, [[-0, 'z']], [-1]);
  t.equal(s.size, 0);
});

t.test('inserts after the index exists merge with equal rows; contents() and rows() agree', async (t) => {
  const { s } = store();
  push(s, [[1, 'a'], [2, 'b']]);
  push(s, [[2, 'b']], [-1]);
  push(s, [[1, 'a'], [1, 'a'], [3, 'c']], [1, 2, 1]);
  t.same(bag(s.rows()), bag([[1, 'a'], [1, 'a'], [1, 'a'], [1, 'a'], [3, 'c']]));
  t.equal(s.stateSize(), 2, 'two distinct rows once indexed');
  const c = s.contents()[0]!;
  const fromContents: unknown[][] = [];
  for (const [row, w] of deltaRows(c)) for (let k = 0; k < w; k++) fromContents.push(row);
  t.same(bag(fromContents), bag(s.rows()));
});

t.test('many deletes compact the holes without losing rows', async (t) => {
  const { s } = store();
  const rows: Value[][] = [];
  for (let i = 0; i < 1000; i++) rows.push([i, `v${i % 7}`]);
  push(s, rows);
  push(s, rows.filter((r) => (r[0] as number) % 10 !== 0), rows.filter((r) => (r[0] as number) % 10 !== 0).map(() => -1));
  t.equal(s.size, 100);
  t.same(bag(s.rows()), bag(rows.filter((r) => (r[0] as number) % 10 === 0)));
  push(s, [[10, 'v3'], [20, 'v6']], [-1, -1]);
  t.equal(s.size, 98, 'the index still finds rows after compaction');
  push(s, [[30, 'v2']], [1]);
  push(s, [[30, 'v2']], [-2]);
  t.equal(s.size, 97);
});

t.test('snapshot/restore keeps counts; old snapshots (one entry per distinct row) and count-less ones load', async (t) => {
  const { s } = store();
  push(s, [[1, 'a'], [1, 'a'], [2, null]]);
  const snap = JSON.parse(JSON.stringify(s.snapshot()));
  const { s: r } = store();
  r.restore(snap);
  t.equal(r.size, 3);
  t.same(bag(r.rows()), bag([[1, 'a'], [1, 'a'], [2, null]]));
  r.push(batchFromRows([[1, 'a']], 2, [-2]));
  t.same(r.rows(), [[2, null]], 'equal rows restored in separate entries are deleted together');
  const { s: old } = store();
  old.restore({ rows: [[1, 'a'], [2, 'b']], counts: [3, 1] });
  t.equal(old.size, 4);
  const { s: bare } = store();
  bare.restore({ rows: [[1, 'a'], [1, 'a']] });
  t.equal(bare.size, 2);
  bare.push(batchFromRows([[1, 'a']], 2, [-1]));
  t.equal(bare.size, 1);
});
