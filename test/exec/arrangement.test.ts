import t from 'tap';
import { Arrangement } from '../../lib/exec/operators/arrangement.js';

const total = (a: Arrangement, key: number): number => (a.bucket(key) ?? []).reduce((n, id) => n + a.weight(id), 0);

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

t.test('rows are stored by value from batch columns; freed entries are reused', async (t) => {
  const a = new Arrangement();
  const columns = [[1, 1, 2], ['x', null, 'y']];
  a.addFrom(1, columns, 0, 1, 0);
  a.addFrom(1, columns, 1, 2, 3);
  a.addFrom(2, columns, 2, 1, 0);
  columns[1]![0] = 'changed';
  t.same(a.bucket(1)!.map((id) => a.rowOf(id)), [[1, 'x'], [1, null]], 'the batch can change after the step');
  t.same(a.bucket(1)!.map((id) => [a.weight(id), a.matches(id)]), [[1, 0], [2, 3]]);
  const freed = a.bucket(2)![0]!;
  a.add(2, [2, 'y'], -1, 0);
  t.equal(a.bucket(2), undefined);
  a.add(3, [3, 'z'], 1, 5);
  t.equal(a.bucket(3)![0], freed, 'the next row takes the freed id');
  t.same(a.rowOf(freed), [3, 'z']);
  t.equal(a.matches(freed), 5);
  a.setMatches(freed, 6);
  t.same(a.save().sort((x, y) => (x[0][0] as number) - (y[0][0] as number)), [
    [[1, 'x'], 1, 0],
    [[1, null], 2, 3],
    [[3, 'z'], 1, 6],
  ]);
  t.same([...a.ids()].length, 3);
  t.throws(() => a.add(4, [4], 1, 0), { code: 'INTERNAL', message: /2-column rows was given a row of 1 columns/ });
  a.clear();
  a.add(4, [4], 1, 0);
  t.same(a.save(), [[[4], 1, 0]], 'after clear() the width is chosen again');
});

t.test('many rows under one key: the column storage grows, indexed retractions find each row', async (t) => {
  const a = new Arrangement();
  const n = 5000;
  for (let i = 0; i < n; i++) a.add(0, [i % 7, i], 1, 0);
  t.equal(a.size, n);
  for (let i = 0; i < n; i += 2) a.add(0, [i % 7, i], -1, 0);
  t.equal(a.size, n / 2);
  const left = a.bucket(0)!.map((id) => a.rowOf(id)[1] as number).sort((x, y) => x - y);
  t.same(left, Array.from({ length: n / 2 }, (_, k) => 2 * k + 1), 'exactly the odd rows remain');
  for (let i = 0; i < n; i++) a.add(0, [i % 7, i], 1, 0);
  t.equal(a.size, n, 'even rows back (reusing ids), odd rows at weight 2');
  t.equal(total(a, 0), n + n / 2);
});
