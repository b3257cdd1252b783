import t from 'tap';
import { Arrangement } from '../../lib/exec/operators/arrangement.js';

const total = (a: Arrangement, key: number): number => (a.bucket(key) ?? []).reduce((n, e) => n + e.weight, 0);

t.test('insert-only buckets keep equal rows apart; the first retraction merges them', async (t) => {
  for (const copies of [3, 20]) {
    const a = new Arrangement();
    for (let i = 0; i < copies; i++) a.add(1, [1, 'x'], 1, 0);
    a.add(1, [1, 'y'], 2, 0);
    t.equal(total(a, 1), copies + 2, 'multiplicities add up before any retraction');
    a.add(1, [1, 'x'], -1, 0);
    t.equal(a.bucket(1)!.length, 2, `${copies} copies: one entry per distinct row after a retraction`);
    t.equal(total(a, 1), copies + 1);
    t.equal(a.size, 2);
    a.add(1, [1, 'x'], -(copies - 1), 0);
    a.add(1, [1, 'y'], -2, 0);
    t.equal(a.bucket(1), undefined, 'a bucket whose rows are all retracted disappears');
    t.equal(a.size, 0);
  }
});

t.test('retracting a row never inserted leaves a negative entry (the Z-set difference)', async (t) => {
  const a = new Arrangement();
  a.add(7, ['a'], 1, 0);
  a.add(7, ['b'], -1, 0);
  t.same(a.save().map(([row, w]) => [row, w]).sort(), [[['a'], 1], [['b'], -1]]);
});
