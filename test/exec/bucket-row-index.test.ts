import t from 'tap';
import fc from 'fast-check';
import { BucketRowIndex, CHAIN_LIMIT } from '../../lib/exec/operators/bucket-row-index.js';
import { Arrangement } from '../../lib/exec/operators/arrangement.js';
import { Decimal } from '../../lib/types/decimal.js';
import type { Row, Value } from '../../lib/types/value.js';

/** Stored rows column by column (ids index them), as an arrangement keeps them. */
function store(rows: Row[]): Value[][] {
  const width = rows[0]!.length;
  const columns: Value[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let c = 0; c < width; c++) columns[c]!.push(row[c] ?? null);
  return columns;
}
/** A probe row as one-row columns. */
const probe = (row: Row): Value[][] => row.map((v) => [v]);

t.test('rows found by value, with SQL equality of their first and other columns', async (t) => {
  const stored = store([
    [1, 'x', 10],
    [1, 'y', 10],
    [NaN, 0, null],
    [new Decimal(150n, 2), 'd', null],
  ]);
  const idx = new BucketRowIndex(stored, 3, [0, 1, 2, 3]);
  t.equal(idx.get(probe([1, 'x', 10]), 0), 0, 'an equal row finds it');
  t.equal(idx.get(probe([1, 'y', 10]), 0), 1, 'rows sharing a first value are told apart');
  t.equal(idx.get(probe([1, 'z', 10]), 0), -1);
  t.equal(idx.get(probe([2, 'x', 10]), 0), -1);
  t.equal(idx.get(probe([NaN, -0, null]), 0), 2, 'NaN = NaN and -0 = 0 as in consolidation');
  t.equal(idx.get(probe([new Decimal(15n, 1), 'd', null]), 0), 3, 'decimals compare by value (1.50 = 1.5)');
  t.equal(idx.get(probe([null, 0, null]), 0), -1, 'NULL is not NaN');
  t.equal(idx.get(stored, 1), 1, 'a probe can be a row of other columns (here the stored ones)');
  idx.delete(0);
  t.equal(idx.get(probe([1, 'x', 10]), 0), -1, 'a deleted entry is gone');
  t.equal(idx.get(probe([1, 'y', 10]), 0), 1, 'its neighbour with the same first value stays');
  idx.delete(1);
  t.equal(idx.get(probe([1, 'y', 10]), 0), -1);
  idx.add(0);
  t.equal(idx.get(probe([1, 'x', 10]), 0), 0, 'and can come back');
  t.notOk(idx.byWholeRow);
});

t.test(`more than ${CHAIN_LIMIT} rows with one first value: whole-row keys, same answers`, async (t) => {
  const rows: Row[] = [];
  for (let i = 0; i <= CHAIN_LIMIT + 5; i++) rows.push(['same', i]);
  const stored = store(rows);
  const idx = new BucketRowIndex(stored, 2);
  for (let i = 0; i < rows.length; i++) {
    idx.add(i);
    t.equal(idx.byWholeRow, i + 1 > CHAIN_LIMIT, `${i + 1} rows`);
  }
  for (let i = 0; i < rows.length; i++) t.equal(idx.get(probe(['same', i]), 0), i);
  idx.delete(3);
  t.equal(idx.get(probe(['same', 3]), 0), -1);
  t.equal(idx.get(probe(['same', 4]), 0), 4);
});

t.test('zero-width rows are all equal', async (t) => {
  const idx = new BucketRowIndex([], 0, [7]);
  t.equal(idx.get([], 0), 7);
  idx.delete(7);
  t.equal(idx.get([], 0), -1);
});

// An arrangement bucket big enough to be indexed, driven by random inserts and retractions,
// against a multiset kept by JSON text: the net weight of every row must agree.
t.test('arrangement buckets equal a multiset under random updates (indexed buckets)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(1, -1, 2)), { minLength: 1, maxLength: 400 }),
      fc.constantFrom(0, 1),
      (ops, firstColumnSpread) => {
        const a = new Arrangement();
        const model = new Map<string, number>();
        for (const [x, y, w] of ops) {
          // firstColumnSpread 0: one first value for every row (exercises the whole-row switch)
          const row: Row = firstColumnSpread === 1 ? [x, y] : ['k', x * 4 + y];
          a.add(5, row, w, 0);
          const k = JSON.stringify(row);
          const n = (model.get(k) ?? 0) + w;
          if (n === 0) model.delete(k);
          else model.set(k, n);
        }
        const got = new Map<string, number>();
        // before any retraction equal rows may sit in separate entries; after one, never
        const merged = ops.some(([, , w]) => w < 0);
        for (const id of a.bucket(5) ?? []) {
          const k = JSON.stringify(a.rowOf(id));
          if (merged && got.has(k)) return false;
          got.set(k, (got.get(k) ?? 0) + a.weight(id));
        }
        if (got.size !== model.size) return false;
        for (const [k, w] of model) if (got.get(k) !== w) return false;
        return !merged || a.size === model.size;
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random update sequences agree with the multiset');
});
