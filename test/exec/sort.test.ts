// Sort (one-shot ORDER BY): inserts-only input is kept as a list; a retraction switches to
// consolidation by value without losing what was inserted before it.
import t from 'tap';
import { Sort } from '../../lib/exec/operators/sort.js';
import { batch, deletes, inserts, make } from './helpers.js';

const byV = [{ column: 1, desc: false }];

t.test('inserts only: sorted, ties in arrival order, offset and limit', async (t) => {
  const { op, out } = make((o) => new Sort(o, 2, { keys: byV, limit: 3, offset: 1 }));
  op.push(inserts(['a', 3], ['b', 1], ['c', 2]), 0);
  op.push(inserts(['d', 1], ['e', null]), 0);
  op.flush();
  t.same(out.changes().map(([r]) => r), [['d', 1], ['c', 2], ['a', 3]], 'b (first of the tie) skipped by OFFSET 1; NULL sorts last');
});

t.test('a retraction after inserts consolidates everything seen', async (t) => {
  const { op, out } = make((o) => new Sort(o, 2, { keys: byV }));
  op.push(inserts(['a', 3], ['b', 1], ['a', 3]), 0);
  op.push(deletes(['a', 3]), 0);
  op.push(batch([['z', 0]], [2]), 0);
  op.flush();
  t.same(out.changes().map(([r, w]) => [...r, w]), [['z', 0, 1], ['z', 0, 1], ['b', 1, 1], ['a', 3, 1]]);
  out.clear();
  op.push(inserts(['q', 5]), 0);
  op.flush();
  t.same(out.changes().map(([r]) => r), [['q', 5]], 'each flush starts empty');
});
