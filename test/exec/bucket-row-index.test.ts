import t from 'tap';
import fc from 'fast-check';
import { BucketRowIndex, CHAIN_LIMIT } from '../../lib/exec/operators/bucket-row-index.js';
import { Arrangement } from '../../lib/exec/operators/arrangement.js';
import { Decimal } from '../../lib/types/decimal.js';
import type { Row } from '../../lib/types/value.js';

const entry = (row: Row) => ({ row });

t.test('rows found by value, with SQL equality of their first and other columns', async (t) => {
  const a = entry([1, 'x', 10]);
  const b = entry([1, 'y', 10]);
  const n = entry([NaN, 0, null]);
  const d = entry([new Decimal(150n, 2), 'd']);
  const idx = new BucketRowIndex([a, b, n, d]);
  t.equal(idx.get([1, 'x', 10]), a, 'a fresh array equal to a stored row finds it');
  t.equal(idx.get([1, 'y', 10]), b, 'rows sharing a first value are told apart');
  t.equal(idx.get([1, 'z', 10]), undefined);
  t.equal(idx.get([2, 'x', 10]), undefined);
  t.equal(idx.get([NaN, -0, null]), n, 'NaN = NaN and -0 = 0 as in consolidation');
  t.equal(idx.get([new Decimal(15n, 1), 'd']), d, 'decimals compare by value (1.50 = 1.5)');
  t.equal(idx.get([null, 0, null]), undefined, 'NULL is not NaN');
  idx.delete(a);
  t.equal(idx.get([1, 'x', 10]), undefined, 'a deleted entry is gone');
  t.equal(idx.get([1, 'y', 10]), b, 'its neighbour with the same first value stays');
  idx.delete(b);
  t.equal(idx.get([1, 'y', 10]), undefined);
  idx.add(a);
  t.equal(idx.get([1, 'x', 10]), a, 'and can come back');
  t.notOk(idx.byWholeRow);
});

t.test(`more than ${CHAIN_LIMIT} rows with one first value: whole-row keys, same answers`, async (t) => {
  const idx = new BucketRowIndex<{ row: Row }>();
  const entries = [];
  for (let i = 0; i <= CHAIN_LIMIT + 5; i++) {
    const e = entry(['same', i]);
    entries.push(e);
    idx.add(e);
    t.equal(idx.byWholeRow, i + 1 > CHAIN_LIMIT, `${i + 1} rows`);
  }
  for (const e of entries) t.equal(idx.get(['same', e.row[1]!]), e);
  idx.delete(entries[3]!);
  t.equal(idx.get(['same', 3]), undefined);
  t.equal(idx.get(['same', 4]), entries[4]);
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
        for (const e of a.bucket(5) ?? []) {
          const k = JSON.stringify(e.row);
          if (merged && got.has(k)) return false;
          got.set(k, (got.get(k) ?? 0) + e.weight);
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
