import t from 'tap';
import fc from 'fast-check';
import { Project, columnProjection } from '../../lib/exec/operators/project.js';
import { Filter } from '../../lib/exec/operators/filter.js';
import { Distinct } from '../../lib/exec/operators/distinct.js';
import { Values } from '../../lib/exec/operators/values.js';
import { Sort } from '../../lib/exec/operators/sort.js';
import { batchOf, type Batch } from '../../lib/exec/batch.js';
import type { Row } from '../../lib/types/value.js';
import { batch, deletes, inserts, make, smallInt, sortRows, stepBatch, stepsArb } from './helpers.js';

t.test('project keeps weights and computes columns per batch', async (t) => {
  const double = (b: Batch) => {
    const out = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) out[i] = (b.columns[0][i] as number) * 2;
    return [out, b.columns[1]];
  };
  const { op, out } = make((o) => new Project(o, double));
  op.push(batch([[1, 'a'], [2, 'b']], [1, -1]), 0);
  t.same(out.changes(), [[[2, 'a'], 1], [[4, 'b'], -1]]);
  const pick = make((o) => new Project(o, columnProjection([1, 1])));
  pick.op.push(inserts([1, 'a']), 0);
  t.same(pick.out.changes(), [[['a', 'a'], 1]]);
  pick.op.push(batchOf([[], []], 0), 0);
  t.equal(pick.out.batches.length, 1, 'empty batches are not forwarded');
});

t.test('filter keeps TRUE rows only (NULL drops) and keeps typed columns typed', async (t) => {
  const { op, out } = make((o) => new Filter(o, (b) => Array.from({ length: b.length }, (_, i) => (b.columns[1][i] === null ? null : (b.columns[1][i] as number) > 1))));
  op.push(batchOf([Float64Array.from([1, 2, 3]), [1, null, 5]], 3, Int32Array.from([1, 1, -1])), 0);
  t.same(out.changes(), [[[3, 5], -1]]);
  t.ok(out.batches[0].columns[0] instanceof Float64Array);
  op.push(inserts([1, 0]), 0);
  t.equal(out.batches.length, 1, 'nothing emitted when no row passes');
});

t.test('distinct: appears once, disappears with its last copy', async (t) => {
  const { op, out } = make((o) => new Distinct(o, 2));
  op.push(inserts([1, null], [1, null], [2, 'b']), 0);
  op.flush();
  t.same(out.net(), sortRows([[1, null], [2, 'b']]), 'NULLs are equal for DISTINCT');
  out.clear();
  op.push(deletes([1, null]), 0);
  op.flush();
  t.same(out.changes(), [], 'one copy left');
  op.push(deletes([1, null]), 0);
  op.flush();
  t.same(out.changes(), [[[1, null], -1]]);
  const b = make((o) => new Distinct(o, 2));
  b.op.restore(JSON.parse(JSON.stringify(op.snapshot())));
  t.equal(b.op.stateSize(), 1);
});

t.test('property: distinct equals the set of the net input', async (t) => {
  fc.assert(
    fc.property(stepsArb(fc.tuple(smallInt, smallInt).map((r) => r as Row)), (steps) => {
      const { op, out } = make((o) => new Distinct(o, 2));
      const current: Row[] = [];
      for (const s of steps) {
        op.push(stepBatch(s, current, 2), 0);
        op.flush();
        const expected = sortRows([...new Map(current.map((r) => [JSON.stringify(r), r])).values()]);
        if (JSON.stringify(out.net()) !== JSON.stringify(expected)) throw new Error('mismatch');
      }
    }),
    { numRuns: 300 },
  );
  t.pass('held');
});

t.test('values emit once', async (t) => {
  const { op, out } = make((o) => new Values(o, [[1, 'a'], [2, null]], 2));
  op.flush();
  op.flush();
  t.same(out.changes(), [[[1, 'a'], 1], [[2, null], 1]]);
  const b = make((o) => new Values(o, [[1]], 1));
  b.op.restore(op.snapshot());
  b.op.flush();
  t.same(b.out.changes(), [], 'restored as already emitted');
});

t.test('sort with limit/offset emits ordered rows at flush; NULLS FIRST/LAST', async (t) => {
  const { op, out } = make((o) => new Sort(o, 2, { keys: [{ column: 0, desc: false, nullsFirst: true }, { column: 1, desc: true }], offset: 1, limit: 3 }));
  op.push(inserts([2, 'a'], [1, 'b'], [null, 'z'], [1, 'c'], [3, 'd']), 0);
  op.push(deletes([3, 'd']), 0);
  t.same(out.changes(), []);
  op.flush();
  t.same(out.changes().map(([r]) => r), [[1, 'c'], [1, 'b'], [2, 'a']]);
  const d = make((o) => new Sort(o, 1, { keys: [{ column: 0, desc: true }] }));
  d.op.push(inserts([1], [null], [3]), 0);
  d.op.flush();
  t.same(d.out.changes().map(([r]) => r), [[null], [3], [1]], 'DESC puts NULLs first by default');
});

t.test('filter from a selection vector gathers the selected rows', async (t) => {
  const { op, out } = make((o) =>
    Filter.fromSelection(o, (b) => {
      const sel: number[] = [];
      for (let i = 0; i < b.length; i++) if ((b.columns[0][i] as number) % 2 === 0) sel.push(i);
      return Uint32Array.from(sel);
    }),
  );
  op.push(batchOf([Int32Array.from([1, 2, 3, 4]), ['a', 'b', 'c', 'd']], 4, Int32Array.from([1, -1, 1, 1])), 0);
  t.same(out.changes(), [[[2, 'b'], -1], [[4, 'd'], 1]]);
  t.ok(out.batches[0].columns[0] instanceof Int32Array);
  op.push(inserts([1, 'x']), 0);
  t.equal(out.batches.length, 1, 'an empty selection emits nothing');
  op.push(inserts([2, 'y'], [4, 'z']), 0);
  t.equal(out.batches.length, 2);
});
