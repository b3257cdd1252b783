// The filter's scratch selection (Filter.selectingInto + compileSelectInto) and the columnar
// concatenation of an append-only log's chunks (concatBatches): the hot path of every
// filtered view over a source.
import t from 'tap';
import { Filter } from '../../lib/exec/operators/filter.js';
import { compileSelectInto } from '../../lib/exec/expr/compile.js';
import { batchOf } from '../../lib/exec/batch.js';
import { concatBatches, rowAt } from '../../lib/exec/runtime/batch-builder.js';
import type { BoundExpr } from '../../lib/plan/bound.js';
import { T } from '../../lib/types/datatype.js';
import { Engine } from '../../lib/engine/engine.js';
import { make } from './helpers.js';

// column 0 > 2 (NULL drops the row)
const greaterThanTwo: BoundExpr = {
  kind: 'call',
  name: '>',
  type: T.boolean,
  args: [
    { kind: 'column', index: 0, type: T.double },
    { kind: 'literal', value: 2, type: T.double },
  ],
};

t.test('selectInto writes the selected indices into the given buffer and returns the count', async (t) => {
  const select = compileSelectInto(greaterThanTwo);
  const out = new Uint32Array(8).fill(99);
  t.equal(select(batchOf([Float64Array.from([3, 1, 5, 2, 7])], 5), out), 3);
  t.same(Array.from(out.subarray(0, 3)), [0, 2, 4]);
  t.equal(out[3], 99, 'nothing written past the count');
  t.equal(select(batchOf([[null, 4, null]], 3), out), 1, 'NULL is not TRUE');
  t.equal(out[0], 1);
  t.equal(select(batchOf([[]], 0), out), 0);
});

t.test('a scratch-selection filter: later batches never change earlier output', async (t) => {
  const { op, out } = make((o) => Filter.selectingInto(o, compileSelectInto(greaterThanTwo)));
  op.push(batchOf([Float64Array.from([1, 3, 4]), ['a', 'b', 'c']], 3, Int32Array.from([1, -1, 1])), 0);
  op.push(batchOf([Float64Array.from([9, 0, 8, 7]), ['d', 'e', 'f', 'g']], 4), 0);
  op.push(batchOf([Float64Array.from([0, 1]), ['h', 'i']], 2), 0);
  t.equal(out.batches.length, 2, 'a batch with no selected row emits nothing');
  t.same(out.changes(), [
    [[3, 'b'], -1],
    [[4, 'c'], 1],
    [[9, 'd'], 1],
    [[8, 'f'], 1],
    [[7, 'g'], 1],
  ]);
  t.ok(out.batches[0]!.columns[0] instanceof Float64Array, 'typed columns stay typed');
  const all = batchOf([Float64Array.from([5, 6])], 2);
  op.push(all, 0);
  t.equal(out.batches[2], all, 'a batch whose rows are all selected is forwarded as it is');
});

t.test('a scratch-selection filter over batches larger than the kept scratch', async (t) => {
  const { op, out } = make((o) => Filter.selectingInto(o, compileSelectInto(greaterThanTwo)));
  for (const n of [1, 3, 100_000, 10, 70_000]) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = i % 5;
    op.push(batchOf([col], n), 0);
  }
  const lengths = out.batches.map((b) => b.length);
  t.same(lengths, [40_000, 4, 28_000], 'rows with i % 5 in {3, 4}; the 1- and 3-row batches select none');
  const big = out.batches[1]!.columns[0]!;
  let ok = true;
  for (let j = 0; j < big.length; j++) if ((big[j] as number) < 3) ok = false;
  t.ok(ok, 'every kept row satisfies the predicate');
});

t.test('concatBatches keeps typed columns typed, cuts longer columns, and keeps NULLs', async (t) => {
  const a = batchOf([Float64Array.from([1, 2, 3, 99]), ['x', null, 'z']], 3);
  const b = batchOf([Float64Array.from([4]), ['w']], 1);
  const c = concatBatches([a, b], 2);
  t.equal(c.length, 4);
  t.ok(c.columns[0] instanceof Float64Array);
  t.equal(c.columns[0]!.length, 4, 'the column longer than its batch is cut to the batch');
  t.same([0, 1, 2, 3].map((i) => rowAt(c, i)), [[1, 'x'], [2, null], [3, 'z'], [4, 'w']]);
  t.equal(c.weights, null);
  const mixed = concatBatches([batchOf([Int32Array.from([1])], 1), batchOf([[null, 2]], 2), batchOf([Float64Array.from([3])], 1)], 1);
  t.same(Array.from(mixed.columns[0]!), [1, null, 2, 3], 'different column kinds become one plain array');
  t.ok(Array.isArray(mixed.columns[0]));
  const holes = concatBatches([batchOf([[undefined as unknown as null]], 1), batchOf([[5]], 1)], 1);
  t.same(Array.from(holes.columns[0]!), [null, 5], 'undefined reads as NULL');
  const sparse = new Array<string | null>(3);
  sparse[1] = 'b';
  const plain = concatBatches([batchOf([['a', 'b', 'extra']], 2), batchOf([sparse], 3), batchOf([['z']], 1)], 1);
  t.same(Array.from(plain.columns[0]!), ['a', 'b', null, 'b', null, 'z'], 'plain columns: cut to length, holes read as NULL');
  t.ok(Array.isArray(plain.columns[0]));
  // batches of ≥ 8 rows take Array.prototype.concat: the same values, cut, holes as NULL
  const tens = [0, 1, 2].map((k) => {
    const col = new Array<string | null | undefined>(12);
    for (let i = 0; i < 12; i++) if (i % 3 !== 0) col[i] = i % 4 === 0 ? undefined : `b${k}-${i}`;
    return batchOf([col as (string | null)[]], 10);
  });
  const joined = concatBatches(tens, 1);
  const expected: (string | null)[] = [];
  for (const k of [0, 1, 2]) for (let i = 0; i < 10; i++) expected.push(i % 3 !== 0 && i % 4 !== 0 ? `b${k}-${i}` : null);
  t.same(Array.from(joined.columns[0]!), expected, 'concatenated plain columns: cut to length, undefined and holes as NULL');
  t.equal(joined.length, 30);
  const many = Array.from({ length: 5000 }, (_, k) => batchOf([[`r${k}`]], 1));
  const long = concatBatches(many, 1);
  t.equal(long.length, 5000, 'more batches than one concat call takes');
  t.equal(long.columns[0]![4999], 'r4999');
});

t.test('concatBatches with weights: zero weights dropped, all-ones weights become null', async (t) => {
  const ones = concatBatches([batchOf([[1, 2]], 2, Int32Array.from([1, 1])), batchOf([[3]], 1)], 1);
  t.equal(ones.weights, null);
  t.same(Array.from(ones.columns[0]!), [1, 2, 3]);
  const mixed = concatBatches([batchOf([[1, 2]], 2, Int32Array.from([1, 0])), batchOf([[3]], 1, Int32Array.from([-1]))], 1);
  t.same(Array.from(mixed.columns[0]!), [1, 3]);
  t.same(Array.from(mixed.weights!), [1, -1]);
});

t.test('a filtered view over a source, fed column arrays batch after batch', async (t) => {
  const e = new Engine();
  e.execute('CREATE SOURCE bid (auction BIGINT, price BIGINT, note VARCHAR)');
  e.execute('CREATE MATERIALIZED VIEW q AS SELECT auction, price, note FROM bid WHERE auction % 3 = 0');
  const seen: unknown[] = [];
  e.subscribe('q', (changes) => {
    for (const c of changes) seen.push(c.row);
  });
  const expected: unknown[][] = [];
  // enough small chunks that the view's log merges them (compactLogTail), with NULLs in a
  // plain-array column and typed columns longer than the batch
  for (let k = 0; k < 300; k++) {
    const n = 1 + (k % 7);
    const auction = new Float64Array(n + 2);
    const price = new Float64Array(n + 2);
    const note: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
      auction[i] = k * 7 + i - 1000;
      price[i] = k + i;
      note.push(i % 2 === 0 ? null : `n${k}-${i}`);
      if ((k * 7 + i - 1000) % 3 === 0) expected.push([auction[i], price[i], note[i]]);
    }
    e.insertColumns('bid', [auction, price, note], n);
  }
  const sortRows = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
  t.same(sortRows(seen as unknown[][]), sortRows(expected), 'subscribers saw every selected row once');
  t.same(sortRows(e.query('SELECT * FROM q').rows as unknown[][]), sortRows(expected), 'the view holds them');
  e.close();
});
