import t from 'tap';
import fc from 'fast-check';
import { OverWindow, type WindowCallSpec } from '../../lib/exec/operators/over-window.js';
import type { SortKey } from '../../lib/exec/runtime/values.js';
import type { Row, Value } from '../../lib/types/value.js';
import { deletes, inserts, make, smallInt, sortRows, stepBatch, stepsArb } from './helpers.js';

// rows [p, a, b], PARTITION BY p
const ROWS1 = { mode: 'rows' as const, preceding: 1, following: 0 };
const RANGE_TO_CURRENT = { mode: 'range' as const, following: 0 };
const WHOLE = { mode: 'rows' as const };

function cmpValue(x: Value, y: Value): number {
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return (x as number) < (y as number) ? -1 : 1;
}

t.test('running sum over ROWS 1 PRECEDING, row_number, lag', async (t) => {
  const order: SortKey[] = [{ column: 1, desc: false }];
  const calls: WindowCallSpec[] = [
    { fn: 'row_number', frame: WHOLE },
    { fn: 'sum', arg: 2, frame: ROWS1 },
    { fn: 'lag', arg: 2, frame: WHOLE },
  ];
  const { op, out } = make((o) => new OverWindow(o, { width: 3, partitionBy: [0], order, calls }));
  op.push(inserts(['x', 1, 10], ['x', 2, 20], ['x', 3, 30], ['y', 1, 5]), 0);
  op.flush();
  t.same(
    out.net(),
    sortRows([
      ['x', 1, 10, 1, 10, null],
      ['x', 2, 20, 2, 30, 10],
      ['x', 3, 30, 3, 50, 20],
      ['y', 1, 5, 1, 5, null],
    ]),
  );
  out.clear();
  op.push(deletes(['x', 2, 20]), 0);
  op.flush();
  t.same(
    sortRows(out.changes().map(([r, w]) => [...r, w])),
    sortRows([
      ['x', 2, 20, 2, 30, 10, -1],
      ['x', 3, 30, 3, 50, 20, -1],
      ['x', 3, 30, 2, 40, 10, 1],
    ]),
    'only the rows whose window values changed; partition y untouched',
  );
});

t.test('RANGE frame includes peers; rank and dense_rank; min/max with NULLs', async (t) => {
  const order: SortKey[] = [{ column: 1, desc: false }];
  const calls: WindowCallSpec[] = [
    { fn: 'rank', frame: WHOLE },
    { fn: 'dense_rank', frame: WHOLE },
    { fn: 'count_star', frame: RANGE_TO_CURRENT },
    { fn: 'max', arg: 2, frame: RANGE_TO_CURRENT },
  ];
  const { op, out } = make((o) => new OverWindow(o, { width: 3, partitionBy: [0], order, calls }));
  op.push(inserts(['x', 1, null], ['x', 1, 4], ['x', 2, 1], ['x', null, 9]), 0);
  op.flush();
  t.same(
    out.net(),
    sortRows([
      ['x', 1, null, 1, 1, 2, 4],
      ['x', 1, 4, 1, 1, 2, 4],
      ['x', 2, 1, 3, 2, 3, 4],
      ['x', null, 9, 4, 3, 4, 9],
    ]),
  );
  t.throws(
    () => make((o) => new OverWindow(o, { width: 3, partitionBy: [], order, calls: [{ fn: 'sum', arg: 2, frame: { mode: 'range', preceding: 5, following: 0 } }] })),
    { code: 'UNSUPPORTED' },
  );
});

t.test('lag/lead with distance and default', async (t) => {
  const order: SortKey[] = [{ column: 1, desc: false }];
  const calls: WindowCallSpec[] = [
    { fn: 'lead', arg: 2, offset: 2, default: -1, frame: WHOLE },
    { fn: 'lag', arg: 2, frame: WHOLE },
  ];
  const { op, out } = make((o) => new OverWindow(o, { width: 3, partitionBy: [0], order, calls }));
  op.push(inserts(['x', 1, 10], ['x', 2, null], ['x', 3, 30]), 0);
  op.flush();
  t.same(out.net(), sortRows([['x', 1, 10, 30, null], ['x', 2, null, -1, 10], ['x', 3, 30, -1, null]]), 'a NULL value is not the default');
});

t.test('snapshot/restore recomputes what was emitted', async (t) => {
  const order: SortKey[] = [{ column: 1, desc: false }];
  const calls: WindowCallSpec[] = [{ fn: 'sum', arg: 2, frame: ROWS1 }];
  const a = make((o) => new OverWindow(o, { width: 3, partitionBy: [0], order, calls }));
  a.op.push(inserts(['x', 1, 1], ['x', 2, 2]), 0);
  a.op.flush();
  const b = make((o) => new OverWindow(o, { width: 3, partitionBy: [0], order, calls }));
  b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
  b.op.push(inserts(['x', 3, 3]), 0);
  b.op.flush();
  t.same(b.out.changes(), [[['x', 3, 3, 5], 1]]);
});

/** Batch answer: configuration A (total order) and B (ties, tie-invariant functions only). */
function reference(rows: Row[], total: boolean): Row[] {
  const parts = new Map<string, Row[]>();
  for (const r of rows) {
    const k = JSON.stringify(r[0]);
    if (!parts.has(k)) parts.set(k, []);
    parts.get(k)!.push(r);
  }
  const cmp = (r: Row, s: Row) => cmpValue(r[1], s[1]) || (total ? cmpValue(r[2], s[2]) : 0);
  const out: Row[] = [];
  for (const part of parts.values()) {
    part.sort(cmp);
    part.forEach((r, i) => {
      const peers = part.filter((s) => cmp(s, r) === 0);
      const upToPeers = part.filter((s) => cmp(s, r) <= 0);
      const rank = part.findIndex((s) => cmp(s, r) === 0) + 1;
      const dense = new Set(upToPeers.map((s) => JSON.stringify([s[1], total ? s[2] : 0]))).size;
      void peers;
      if (total) {
        const frame = part.slice(Math.max(0, i - 1), i + 1).map((s) => s[2]).filter((v) => v !== null) as number[];
        const min3 = part.slice(Math.max(0, i - 2), i + 1).map((s) => s[2]).filter((v) => v !== null) as number[];
        out.push([
          ...r,
          i + 1,
          frame.length ? frame.reduce((x, y) => x + y, 0) : null,
          min3.length ? Math.min(...min3) : null,
          i > 0 ? part[i - 1][2] : null,
          part[0][2],
        ]);
      } else {
        const xs = upToPeers.map((s) => s[2]).filter((v) => v !== null) as number[];
        out.push([...r, rank, dense, upToPeers.length, xs.length ? Math.max(...xs) : null, xs.length]);
      }
    });
  }
  return sortRows(out);
}

for (const total of [true, false]) {
  t.test(`property: over window (${total ? 'rows frames' : 'range/peers'}) equals the batch answer`, async (t) => {
    const order: SortKey[] = total
      ? [
          { column: 1, desc: false },
          { column: 2, desc: false },
        ]
      : [{ column: 1, desc: false }];
    const calls: WindowCallSpec[] = total
      ? [
          { fn: 'row_number', frame: WHOLE },
          { fn: 'sum', arg: 2, frame: ROWS1 },
          { fn: 'min', arg: 2, frame: { mode: 'rows', preceding: 2, following: 0 } },
          { fn: 'lag', arg: 2, frame: WHOLE },
          { fn: 'first_value', arg: 2, frame: { mode: 'rows', following: 0 } },
        ]
      : [
          { fn: 'rank', frame: WHOLE },
          { fn: 'dense_rank', frame: WHOLE },
          { fn: 'count_star', frame: RANGE_TO_CURRENT },
          { fn: 'max', arg: 2, frame: RANGE_TO_CURRENT },
          { fn: 'count', arg: 2, frame: RANGE_TO_CURRENT },
        ];
    const rowArb = fc.tuple(fc.constantFrom('x', 'y'), smallInt, smallInt).map((r) => r as Row);
    fc.assert(
      fc.property(stepsArb(rowArb, 8, 6), (steps) => {
        const { op, out } = make((o) => new OverWindow(o, { width: 3, partitionBy: [0], order, calls }));
        const current: Row[] = [];
        for (const step of steps) {
          op.push(stepBatch(step, current, 3), 0);
          op.flush();
          const expected = reference(current, total);
          const actual = out.net();
          if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
        }
      }),
      { numRuns: 200 },
    );
    t.pass('held for 200 random histories');
  });
}
