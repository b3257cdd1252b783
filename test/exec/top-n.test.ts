import t from 'tap';
import fc from 'fast-check';
import { TopN, type TopNOptions, type RankFunction } from '../../lib/exec/operators/top-n.js';
import type { Row, Value } from '../../lib/types/value.js';
import { deletes, inserts, make, smallInt, sortRows, stepBatch, stepsArb } from './helpers.js';

// rows [p, a, b]: PARTITION BY p ORDER BY a DESC, b ASC, p (PostgreSQL: NULLs are the largest
// values); p last makes the order total without a partition, so row numbers are deterministic
const order = [
  { column: 1, desc: true },
  { column: 2, desc: false },
  { column: 0, desc: false },
];

function cmpValue(x: Value, y: Value): number {
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return (x as number) < (y as number) ? -1 : 1;
}
const cmpRows = (r: Row, s: Row) => -cmpValue(r[1], s[1]) || cmpValue(r[2], s[2]) || (r[0]! < s[0]! ? -1 : r[0]! > s[0]! ? 1 : 0);

function reference(rows: Row[], opts: { partitioned: boolean; limit: number; offset: number; rank?: RankFunction; rankBy?: RankFunction }): Row[] {
  const parts = new Map<string, Row[]>();
  for (const r of rows) {
    const k = opts.partitioned ? JSON.stringify(r[0]) : '';
    if (!parts.has(k)) parts.set(k, []);
    parts.get(k)!.push(r);
  }
  const out: Row[] = [];
  const fn = opts.rank ?? opts.rankBy ?? 'row_number';
  for (const part of parts.values()) {
    part.sort(cmpRows);
    let dense = 0;
    part.forEach((r, i) => {
      const firstPeer = part.findIndex((s) => cmpRows(s, r) === 0);
      if (firstPeer === i) dense++;
      const v = fn === 'row_number' ? i + 1 : fn === 'rank' ? firstPeer + 1 : dense;
      if (v > opts.offset && v <= opts.offset + opts.limit) out.push(opts.rank ? [...r, v] : r);
    });
  }
  return sortRows(out);
}

const mk = (o: Partial<TopNOptions> & { limit: number }) =>
  make((out) => new TopN(out, { width: 3, partitionBy: [0], order, ...o }));

t.test('top 2 per partition, maintained under deletes inside the top', async (t) => {
  const { op, out } = mk({ limit: 2 });
  op.push(inserts(['x', 5, 0], ['x', 9, 0], ['x', 7, 0], ['y', 1, 0]), 0);
  op.flush();
  t.same(out.net(), sortRows([['x', 9, 0], ['x', 7, 0], ['y', 1, 0]]));
  out.clear();
  op.push(deletes(['x', 9, 0]), 0);
  op.flush();
  t.same(out.changes(), [[['x', 9, 0], -1], [['x', 5, 0], 1]], 'the next candidate moves up');
  out.clear();
  op.push(inserts(['x', 1, 0]), 0);
  op.flush();
  t.same(out.changes(), [], 'a row below the top changes nothing');
  t.equal(op.stateSize(), 4, 'all rows are kept, so later deletes are exact');
});

t.test('row_number output, offset, NULL ordering', async (t) => {
  const { op, out } = mk({ limit: 2, offset: 1, rankOutput: 'row_number' });
  op.push(inserts(['x', 1, 0], ['x', null, 0], ['x', 3, 0], ['x', 2, 0]), 0);
  op.flush();
  t.same(out.net(), sortRows([['x', 3, 0, 2], ['x', 2, 0, 3]]), 'NULL sorts first in DESC order and is skipped by OFFSET 1');
  out.clear();
  op.push(deletes(['x', null, 0]), 0);
  op.flush();
  t.same(
    sortRows(out.changes().map(([r, w]) => [...r, w])),
    sortRows([['x', 3, 0, 2, -1], ['x', 2, 0, 3, -1], ['x', 2, 0, 2, 1], ['x', 1, 0, 3, 1]]),
    'ranks shift: row numbers are part of the row',
  );
});

t.test('rank keeps ties at the boundary; dense_rank', async (t) => {
  const r = mk({ limit: 2, rankOutput: 'rank', partitionBy: [], order: order.slice(0, 2) });
  r.op.push(inserts(['x', 9, 0], ['y', 9, 0], ['z', 8, 0], ['w', 7, 0]), 0);
  r.op.flush();
  t.same(r.out.net(), sortRows([['x', 9, 0, 1], ['y', 9, 0, 1]]), 'rank 3 is past the limit');
  const d = mk({ limit: 2, rankOutput: 'dense_rank', partitionBy: [], order: order.slice(0, 2) });
  d.op.push(inserts(['x', 9, 0], ['y', 9, 0], ['z', 8, 0], ['w', 7, 0]), 0);
  d.op.flush();
  t.same(d.out.net(), sortRows([['x', 9, 0, 1], ['y', 9, 0, 1], ['z', 8, 0, 2]]));
});

t.test('partition emptied and snapshot/restore', async (t) => {
  const a = mk({ limit: 1 });
  a.op.push(inserts(['x', 1, 0], ['x', 2, 0]), 0);
  a.op.flush();
  const b = mk({ limit: 1 });
  b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
  b.op.push(deletes(['x', 1, 0], ['x', 2, 0]), 0);
  b.op.flush();
  t.same(b.out.changes(), [[['x', 2, 0], -1]]);
  t.equal(b.op.stateSize(), 0);
});

const configs: { partitioned: boolean; limit: number; offset: number; rank?: RankFunction; rankBy?: RankFunction }[] = [
  { partitioned: true, limit: 2, offset: 0 },
  { partitioned: false, limit: 3, offset: 1, rank: 'row_number' },
  { partitioned: true, limit: 2, offset: 0, rank: 'rank' },
  { partitioned: true, limit: 2, offset: 0, rank: 'dense_rank' },
  { partitioned: true, limit: 1, offset: 0, rankBy: 'rank' },
  { partitioned: false, limit: Infinity, offset: 2 },
];
for (const c of configs) {
  t.test(`property: top-N ${JSON.stringify(c)} equals the batch answer`, async (t) => {
    const rowArb = fc.tuple(fc.constantFrom('x', 'y'), smallInt, smallInt).map((r) => r as Row);
    fc.assert(
      fc.property(stepsArb(rowArb, 8, 6), (steps) => {
        const { op, out } = mk({
          limit: c.limit,
          offset: c.offset,
          partitionBy: c.partitioned ? [0] : [],
          rankOutput: c.rank,
          rankBy: c.rankBy,
        });
        const current: Row[] = [];
        for (const step of steps) {
          op.push(stepBatch(step, current, 3), 0);
          op.flush();
          const expected = reference(current, c);
          const actual = out.net();
          if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
        }
      }),
      { numRuns: 200 },
    );
    t.pass('held for 200 random histories');
  });
}

for (const c of configs) {
  t.test(`property: append-only top-N ${JSON.stringify(c)} (state trimmed) equals the batch answer`, async (t) => {
    const rowArb = fc.tuple(fc.constantFrom('x', 'y'), smallInt, smallInt).map((r) => r as Row);
    fc.assert(
      fc.property(fc.array(fc.array(rowArb, { maxLength: 6 }), { maxLength: 8 }), (steps) => {
        const { op, out } = mk({
          limit: c.limit,
          offset: c.offset,
          partitionBy: c.partitioned ? [0] : [],
          rankOutput: c.rank,
          rankBy: c.rankBy,
          appendOnly: true,
        });
        const current: Row[] = [];
        for (const step of steps) {
          current.push(...step);
          if (step.length > 0) op.push(inserts(...step), 0);
          op.flush();
          const expected = reference(current, c);
          const actual = out.net();
          if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
        }
      }),
      { numRuns: 200 },
    );
    t.pass('held for 200 random insert-only histories');
  });
}

t.test('append-only top-N: trims state, rejects retractions with a clear error', async (t) => {
  const { op } = mk({ limit: 2, appendOnly: true });
  const rows: Row[] = [];
  for (let a = 0; a < 50; a++) rows.push(['x', a, a]);
  op.push(inserts(...rows), 0);
  op.flush();
  t.equal(op.stateSize(), 2, 'only the top 2 of 50 rows are kept');
  t.throws(() => op.push(deletes(['x', 49, 49]), 0), { code: 'INVALID_ARGUMENT', message: /retraction/ });
});
