// Top-N's output is a minimal diff (only rows that entered, left or changed rank), and an
// append-only Top-N keeps nothing for rows that cannot rank.
import t from 'tap';
import fc from 'fast-check';
import { TopN } from '../../lib/exec/operators/top-n.js';
import type { Row } from '../../lib/types/value.js';
import { deletes, inserts, make, sortRows } from './helpers.js';

// rows [p, price, id]: PARTITION BY p ORDER BY price DESC, id ASC
const order = [
  { column: 1, desc: true },
  { column: 2, desc: false },
];
const signed = (changes: [Row, number][]) => sortRows(changes.map(([r, w]) => [...r, w]));

t.test('a row entering the top shifts only the ranks below it', async (t) => {
  const { op, out } = make((o) => new TopN(o, { width: 3, partitionBy: [0], order, limit: 4, rankOutput: 'row_number', appendOnly: true }));
  op.push(inserts(['a', 40, 1], ['a', 30, 2], ['a', 20, 3], ['a', 10, 4], ['b', 5, 5]), 0);
  op.flush();
  out.clear();
  op.push(inserts(['a', 25, 6]), 0);
  op.flush();
  t.same(
    signed(out.changes()),
    signed([
      [['a', 20, 3, 3], -1],
      [['a', 10, 4, 4], -1],
      [['a', 25, 6, 3], 1],
      [['a', 20, 3, 4], 1],
    ]),
    'rows 1 and 2 and partition b are not re-emitted; the old 4th row leaves',
  );
  out.clear();
  op.push(inserts(['a', 1, 7], ['a', 10, 8]), 0);
  op.flush();
  t.same(out.changes(), [], 'rows below a full top change nothing');
  t.equal(op.stateSize(), 5, 'and are not kept (4 in a, 1 in b)');
});

t.test('a row sorting after a full partition is still kept when it ties (rank) or may rank (dense_rank)', async (t) => {
  const rank = make((o) => new TopN(o, { width: 3, partitionBy: [0], order: order.slice(0, 1), limit: 2, rankOutput: 'rank', appendOnly: true }));
  rank.op.push(inserts(['a', 9, 1], ['a', 8, 2]), 0);
  rank.op.flush();
  rank.op.push(inserts(['a', 8, 3]), 0);
  rank.op.flush();
  t.same(rank.out.net(), sortRows([['a', 9, 1, 1], ['a', 8, 2, 2], ['a', 8, 3, 2]]), 'a tie at the boundary is shown');
  const dense = make((o) => new TopN(o, { width: 3, partitionBy: [0], order: order.slice(0, 1), limit: 3, rankOutput: 'dense_rank', appendOnly: true }));
  dense.op.push(inserts(['a', 9, 1], ['a', 8, 2], ['a', 8, 3]), 0);
  dense.op.flush();
  dense.op.push(inserts(['a', 7, 4]), 0);
  dense.op.flush();
  t.same(dense.out.net(), sortRows([['a', 9, 1, 1], ['a', 8, 2, 2], ['a', 8, 3, 2], ['a', 7, 4, 3]]), 'dense rank 3 after three rows');
});

t.test('deletes and re-inserts of duplicate rows diff exactly', async (t) => {
  const { op, out } = make((o) => new TopN(o, { width: 3, partitionBy: [0], order, limit: 3, rankOutput: 'row_number' }));
  op.push(inserts(['a', 5, 1], ['a', 5, 1], ['a', 3, 2]), 0);
  op.flush();
  t.same(out.net(), sortRows([['a', 5, 1, 1], ['a', 5, 1, 2], ['a', 3, 2, 3]]));
  out.clear();
  op.push(deletes(['a', 5, 1]), 0);
  op.flush();
  t.same(signed(out.changes()), signed([[['a', 5, 1, 2], -1], [['a', 3, 2, 3], -1], [['a', 3, 2, 2], 1]]));
  out.clear();
  op.push(inserts(['a', 5, 1]), 0);
  op.flush();
  t.same(signed(out.changes()), signed([[['a', 3, 2, 2], -1], [['a', 5, 1, 2], 1], [['a', 3, 2, 3], 1]]));
});

t.test('property: every step emits exactly the rows whose (row, rank) changed', async (t) => {
  // reference: the top rows with ranks, recomputed from scratch after each step
  const top = (rows: Row[], limit: number): string[] => {
    const parts = new Map<unknown, Row[]>();
    for (const r of rows) {
      if (!parts.has(r[0])) parts.set(r[0], []);
      parts.get(r[0])!.push(r);
    }
    const out: string[] = [];
    for (const p of parts.values()) {
      p.sort((x, y) => (y[1] as number) - (x[1] as number) || (x[2] as number) - (y[2] as number));
      p.slice(0, limit).forEach((r, i) => out.push(JSON.stringify([...r, i + 1])));
    }
    return out;
  };
  const row = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1000 }));
  await fc.assert(
    fc.property(fc.array(fc.array(row, { maxLength: 8 }), { maxLength: 10 }), fc.integer({ min: 1, max: 4 }), (steps, limit) => {
      const { op, out } = make((o) => new TopN(o, { width: 3, partitionBy: [0], order, limit, rankOutput: 'row_number', appendOnly: true }));
      const all: Row[] = [];
      for (const step of steps) {
        const before = new Set(top(all, limit));
        all.push(...step);
        out.clear();
        if (step.length > 0) op.push(inserts(...step), 0);
        op.flush();
        const after = new Set(top(all, limit));
        const expected = [
          ...[...before].filter((r) => !after.has(r)).map((r) => `${r}-`),
          ...[...after].filter((r) => !before.has(r)).map((r) => `${r}+`),
        ].sort();
        const got = out.changes().map(([r, w]) => `${JSON.stringify(r)}${w > 0 ? '+' : '-'}`).sort();
        if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`got ${got} expected ${expected}`);
      }
    }),
    { numRuns: 200 },
  );
});

t.test('snapshot/restore keeps what was shown, so later diffs stay minimal', async (t) => {
  const mk = () => make((o) => new TopN(o, { width: 3, partitionBy: [0], order, limit: 2, rankOutput: 'row_number', appendOnly: true }));
  const a = mk();
  a.op.push(inserts(['a', 9, 1], ['a', 7, 2], ['b', 1, 3]), 0);
  a.op.flush();
  const b = mk();
  b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
  b.op.push(inserts(['a', 8, 4]), 0);
  b.op.flush();
  t.same(signed(b.out.changes()), signed([[['a', 7, 2, 2], -1], [['a', 8, 4, 2], 1]]));
  t.equal(b.op.stateSize(), 3);
});
