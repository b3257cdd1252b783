import t from 'tap';
import fc from 'fast-check';
import { HashAggregate, type AggregateSpec } from '../../lib/exec/operators/hash-aggregate.js';
import type { Row, Value } from '../../lib/types/value.js';
import { Decimal } from '../../lib/types/decimal.js';
import { batch, deletes, inserts, make, smallInt, sortRows, stepBatch, stepsArb } from './helpers.js';
import type { Accumulator } from '../../lib/exec/operators/aggregate-kernels.js';

// input rows: [g, x, f]
const ALL: AggregateSpec[] = [
  { fn: 'count_star' },
  { fn: 'count', arg: 1 },
  { fn: 'sum', arg: 1 },
  { fn: 'min', arg: 1 },
  { fn: 'max', arg: 1 },
  { fn: 'avg', arg: 1 },
  { fn: 'count', arg: 1, distinct: true },
  { fn: 'sum', arg: 1, filter: 2 },
  { fn: 'bool_or', arg: 2 },
  { fn: 'sum', arg: 1, distinct: true },
];

/** The batch answer over the net input, computed naively. */
function reference(rows: Row[], grouped: boolean): Row[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = grouped ? JSON.stringify(r[0]) : '';
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  if (!grouped && groups.size === 0) groups.set('', []);
  const out: Row[] = [];
  for (const [, g] of groups) {
    const xs = g.map((r) => r[1]).filter((v): v is number => v !== null) as number[];
    const fx = g.filter((r) => r[2] === true && r[1] !== null).map((r) => r[1] as number);
    const fs = g.map((r) => r[2]).filter((v) => v !== null);
    const distinct = [...new Set(xs)];
    const row: Value[] = [
      g.length,
      xs.length,
      xs.length ? xs.reduce((a, b) => a + b, 0) : null,
      xs.length ? Math.min(...xs) : null,
      xs.length ? Math.max(...xs) : null,
      xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null,
      distinct.length,
      fx.length ? fx.reduce((a, b) => a + b, 0) : null,
      fs.length ? fs.some((v) => v === true) : null,
      distinct.length ? distinct.reduce((a, b) => a + b, 0) : null,
    ];
    out.push(grouped ? [g[0][0], ...row] : row);
  }
  return sortRows(out);
}

t.test('grouped aggregates: insert, update, group disappears', async (t) => {
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [0], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 1 }] }));
  op.push(inserts(['a', 1], ['a', 2], ['b', 5]), 0);
  t.same(out.changes(), [], 'nothing before flush');
  op.flush();
  t.same(sortRows(out.changes().map(([r, w]) => [...r, w])), sortRows([['a', 2, 3, 1], ['b', 1, 5, 1]]));
  out.clear();
  op.push(deletes(['a', 2]), 0);
  op.push(inserts(['a', 10]), 0);
  op.flush();
  t.same(out.changes(), [[['a', 2, 3], -1], [['a', 2, 11], 1]], 'one -old +new per touched group');
  out.clear();
  op.push(deletes(['b', 5]), 0);
  op.flush();
  t.same(out.changes(), [[['b', 1, 5], -1]], 'a group whose count drops to 0 disappears');
  out.clear();
  op.push(inserts(['c', 1]), 0);
  op.push(deletes(['c', 1]), 0);
  op.flush();
  t.same(out.changes(), [], 'a group created and removed within a step emits nothing');
  t.equal(op.stateSize(), 1);
});

t.test('global aggregate over empty input has exactly one row', async (t) => {
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 0 }, { fn: 'max', arg: 0 }] }));
  op.flush();
  t.same(out.changes(), [[[0, null, null], 1]]);
  out.clear();
  op.push(inserts([4], [6]), 0);
  op.flush();
  t.same(out.changes(), [[[0, null, null], -1], [[2, 10, 6], 1]]);
  out.clear();
  op.push(deletes([4], [6]), 0);
  op.flush();
  t.same(out.changes(), [[[2, 10, 6], -1], [[0, null, null], 1]], 'back to count 0, sum NULL, not gone');
});

t.test('NULL group keys group together; NULL arguments are skipped', async (t) => {
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [0], aggregates: [{ fn: 'count', arg: 1 }, { fn: 'count_star' }, { fn: 'min', arg: 1 }] }));
  op.push(inserts([null, null], [null, 3], [null, 1]), 0);
  op.flush();
  t.same(out.net(), [[null, 2, 3, 1]]);
});

t.test('min/max survive deleting the extreme', async (t) => {
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'min', arg: 0 }, { fn: 'max', arg: 0 }] }));
  op.push(inserts([5], [1], [9], [1]), 0);
  op.flush();
  op.push(deletes([1]), 0);
  op.flush();
  t.same(out.net(), [[1, 9]], 'one copy of the minimum is left');
  op.push(deletes([1], [9]), 0);
  op.flush();
  t.same(out.net(), [[5, 5]]);
});

t.test('decimal sums are exact', async (t) => {
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'sum', arg: 0 }] }));
  op.push(inserts([new Decimal(10n, 1)], [new Decimal(20n, 1)], [new Decimal(5n, 2)]), 0);
  op.flush();
  const [row] = out.net();
  const d = row[0] as Decimal;
  t.equal(d.unscaled, 305n);
  t.equal(d.scale, 2);
});

t.test('accumulator factories plug in; unknown aggregates without one are rejected', async (t) => {
  class StringAgg implements Accumulator {
    items = new Map<string, number>();
    add(v: Value, w: number) {
      this.items.set(v as string, (this.items.get(v as string) ?? 0) + w);
    }
    result(): Value {
      const xs = [...this.items].filter(([, n]) => n > 0).map(([s]) => s).sort();
      return xs.length ? xs.join(',') : null;
    }
    state() {
      return [...this.items];
    }
    load(s: unknown) {
      this.items = new Map(s as [string, number][]);
    }
  }
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'string_agg', arg: 0, create: () => new StringAgg() }] }));
  op.push(inserts(['b'], ['a']), 0);
  op.flush();
  t.same(out.net(), [['a,b']]);
  t.throws(() => make((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'median', arg: 0 }] })), { code: 'INVALID_ARGUMENT' });
});

t.test('snapshot/restore continues exactly', async (t) => {
  const spec = { groupBy: [0], aggregates: ALL };
  const a = make((o) => new HashAggregate(o, spec));
  a.op.push(inserts(['x', 1, true], ['x', 1, false], ['y', 2, null]), 0);
  a.op.flush();
  const b = make((o) => new HashAggregate(o, spec));
  b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
  t.equal(b.op.stateSize(), 2);
  for (const h of [a, b]) {
    h.out.clear();
    h.op.push(deletes(['x', 1, true]), 0);
    h.op.flush();
  }
  t.same(b.out.changes(), a.out.changes());
  t.ok(a.out.changes().length > 0);
});

for (const grouped of [true, false]) {
  t.test(`property: consolidated output equals the batch answer (${grouped ? 'grouped' : 'global'})`, async (t) => {
    const rowArb = fc.tuple(smallInt, smallInt, fc.constantFrom<Value>(true, false, null)).map((r) => r as Row);
    fc.assert(
      fc.property(stepsArb(rowArb), (steps) => {
        const { op, out } = make((o) => new HashAggregate(o, { groupBy: grouped ? [0] : [], aggregates: ALL }));
        const current: Row[] = [];
        for (const step of steps) {
          op.push(stepBatch(step, current, 3), 0);
          op.flush();
          const expected = reference(current, grouped);
          const actual = out.net();
          if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            throw new Error(`after ${JSON.stringify(step)}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
          }
        }
      }),
      { numRuns: 300 },
    );
    t.pass('held for 300 random histories');
  });
}

t.test('weights > 1 count as several rows', async (t) => {
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 0 }, { fn: 'count', arg: 0, distinct: true }] }));
  op.push(batch([[2], [3]], [3, 1]), 0);
  op.flush();
  t.same(out.net(), [[4, 9, 2]]);
});

t.test('stateless accumulators (lib/functions shape) get NULLs and own their NULL rules', async (t) => {
  // array_agg-like: keeps NULLs, as PostgreSQL's array_agg does
  const arrayAgg = {
    create: () => ({ items: new Map<string, { v: Value; n: number }>() }),
    add(s: { items: Map<string, { v: Value; n: number }> }, v: Value, w: number) {
      const k = JSON.stringify(v);
      const e = s.items.get(k) ?? { v, n: 0 };
      e.n += w;
      if (e.n === 0) s.items.delete(k);
      else s.items.set(k, e);
    },
    result(s: { items: Map<string, { v: Value; n: number }> }): Value {
      const out: Value[] = [];
      for (const { v, n } of s.items.values()) for (let i = 0; i < n; i++) out.push(v);
      return out.length ? out : null;
    },
  };
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [0], aggregates: [{ fn: 'array_agg', arg: 1, accumulator: arrayAgg as never }] }));
  op.push(inserts(['g', null], ['g', 1]), 0);
  op.flush();
  t.same(out.net(), [['g', [null, 1]]]);
  op.push(deletes(['g', null]), 0);
  op.flush();
  t.same(out.net(), [['g', [1]]]);
});

t.test('append-only input: min/max keep only the extreme; a retraction is an error', async (t) => {
  const { op, out } = make((o) => new HashAggregate(o, { groupBy: [0], aggregates: [{ fn: 'min', arg: 1 }, { fn: 'max', arg: 1 }], appendOnly: true }));
  op.push(inserts(['g', 5], ['g', 2], ['g', null], ['g', 9]), 0);
  op.flush();
  t.same(out.net(), [['g', 2, 9]]);
  const state = op.snapshot() as { groups: { aggs: unknown[] }[] };
  t.same(state.groups[0].aggs, [[[2, 1]], [[9, 1]]], 'one value per aggregate is kept');
  t.throws(() => op.push(deletes(['g', 9]), 0), { code: 'INVALID_ARGUMENT' });
});

t.test('two grouping columns: NULLs, a vanished group comes back fresh, snapshot/restore', async (t) => {
  const spec = { groupBy: [0, 1], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 2 }] };
  const { op, out } = make((o) => new HashAggregate(o, spec));
  op.push(inserts([1, 'x', 5], [1, 'y', 7], [null, 'x', 1], [null, 'x', 2], [1, null, 3]), 0);
  op.flush();
  t.same(
    sortRows(out.net()),
    sortRows([[1, 'x', 1, 5], [1, 'y', 1, 7], [null, 'x', 2, 3], [1, null, 1, 3]]),
    'pairs group by both columns, NULL equal to NULL',
  );
  out.clear();
  op.push(deletes([1, 'x', 5]), 0);
  op.flush();
  op.push(inserts([1, 'x', 100]), 0);
  op.flush();
  t.same(out.changes(), [[[1, 'x', 1, 5], -1], [[1, 'x', 1, 100], 1]], 'the group restarts from empty state');
  t.equal(op.stateSize(), 4);
  const copy = make((o) => new HashAggregate(o, spec));
  copy.op.restore(op.snapshot());
  copy.op.push(inserts([1, 'x', 1], [2, 'x', 1]), 0);
  copy.op.flush();
  t.same(
    sortRows(copy.out.changes().map(([r, w]) => [...r, w])),
    sortRows([[1, 'x', 1, 100, -1], [1, 'x', 2, 101, 1], [2, 'x', 1, 1, 1]]),
    'restored groups are found by the pair index (update, not a duplicate group)',
  );
});
