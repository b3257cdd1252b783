// Joins over the column-stored arrangement: stored rows are copies of the batch's values (a
// batch's arrays can be reused by its producer), typed columns, weights, outer padding from
// stored columns, ids freed by deletes and reused, and residuals over the gathered pairs.
import t from 'tap';
import { Join } from '../../lib/exec/operators/join.js';
import { SemiJoin } from '../../lib/exec/operators/semi-join.js';
import { batchOf, type Batch, type Column } from '../../lib/exec/batch.js';
import { Decimal } from '../../lib/types/decimal.js';
import { deletes, inserts, make, sortRows } from './helpers.js';

const typed = (keys: number[], values: number[], weights?: number[]): Batch =>
  batchOf([Float64Array.from(keys) as unknown as Column, Float64Array.from(values) as unknown as Column], keys.length, weights ? Int32Array.from(weights) : null);

for (const numericKeys of [false, true]) {
  const mode = numericKeys ? 'numeric keys' : 'JS keys';

  t.test(`${mode}: a batch's arrays reused by its producer after the push do not change stored rows`, async (t) => {
    const { op, out } = make((o) => new Join(o, { type: 'inner', leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0], numericKeys }));
    const keys = new Float64Array([1, 2]);
    const vals = new Float64Array([10, 20]);
    op.push(batchOf([keys as unknown as Column, vals as unknown as Column], 2), 0);
    keys[0] = 2;
    vals[0] = 99;
    vals[1] = 98;
    op.push(typed([1, 2], [100, 200]), 1);
    t.same(out.net(), sortRows([
      [1, 10, 1, 100],
      [2, 20, 2, 200],
    ]));
  });

  t.test(`${mode}: weights multiply, outer padding comes from stored columns, freed ids are reused`, async (t) => {
    const { op, out } = make((o) => new Join(o, { type: 'full', leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0], numericKeys }));
    op.push(typed([1, 2, 3], [10, 20, 30], [2, 1, 1]), 0);
    t.same(out.net(), sortRows([
      [1, 10, null, null],
      [1, 10, null, null],
      [2, 20, null, null],
      [3, 30, null, null],
    ]));
    op.push(typed([1, 4], [100, 400], [3, 1]), 1);
    // 2 × 3 copies of the pair; the padded left row 1 retracted (both copies)
    t.equal(out.net().filter((r) => r[0] === 1).length, 6);
    t.same(out.net().filter((r) => r[0] === null), [[null, null, 4, 400]]);
    // delete every left row, then insert new ones (taking the freed ids)
    op.push(typed([1, 2, 3], [10, 20, 30], [-2, -1, -1]), 0);
    t.same(out.net(), sortRows([
      [null, null, 1, 100],
      [null, null, 1, 100],
      [null, null, 1, 100],
      [null, null, 4, 400],
    ]));
    op.push(typed([4, 5], [41, 51]), 0);
    t.same(out.net(), sortRows([
      [4, 41, 4, 400],
      [5, 51, null, null],
      [null, null, 1, 100],
      [null, null, 1, 100],
      [null, null, 1, 100],
    ]));
    t.equal(op.stateSize(), 4, 'two left rows, two distinct right rows');
  });

  t.test(`${mode}: residual over typed columns and stored values`, async (t) => {
    const residual = (b: Batch): boolean[] => Array.from({ length: b.length }, (_, i) => (b.columns[1][i] as number) < (b.columns[3][i] as number));
    const { op, out } = make((o) => new Join(o, { type: 'left', leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0], residual, numericKeys }));
    op.push(typed([1, 1, 2], [100, 200, 5]), 1);
    op.push(typed([1, 2, 2], [150, 1, 9]), 0);
    t.same(out.net(), sortRows([
      [1, 150, 1, 200],
      [2, 1, 2, 5],
      [2, 9, null, null],
    ]));
    // the right row (1, 200) goes: left (1, 150) has no passing match any more
    op.push(typed([1], [200], [-1]), 1);
    t.same(out.net(), sortRows([
      [1, 150, null, null],
      [2, 1, 2, 5],
      [2, 9, null, null],
    ]));
  });
}

t.test('mixed values (text, NULL, decimals, NaN) are stored and found again for retraction', async (t) => {
  const { op, out } = make((o) => new Join(o, { type: 'inner', leftWidth: 3, rightWidth: 2, leftKeys: [0], rightKeys: [0] }));
  const rows = Array.from({ length: 30 }, (_, i) => ['k', i % 3 === 0 ? null : `v${i}`, i % 2 === 0 ? new Decimal(BigInt(i * 10), 1) : NaN]);
  op.push(inserts(...rows), 0);
  op.push(inserts(['k', 1]), 1);
  t.equal(out.net().length, 30);
  // retract with equal (not identical) values: decimals by value, NaN = NaN
  op.push(deletes(...rows.map((r) => [r[0], r[1], r[2] instanceof Decimal ? new Decimal(r[2].unscaled * 10n, 2) : NaN])), 0);
  t.same(out.net(), sortRows([]));
  t.equal(op.stateSize(), 1, 'only the right row remains');
});

t.test('semi and anti joins store rows from the batch columns and emit them by value', async (t) => {
  for (const numericKeys of [false, true]) {
    const semi = make((o) => new SemiJoin(o, { type: 'semi', leftWidth: 2, rightWidth: 1, leftKeys: [0], rightKeys: [0], numericKeys }));
    const anti = make((o) => new SemiJoin(o, { type: 'anti', leftWidth: 2, rightWidth: 1, leftKeys: [0], rightKeys: [0], numericKeys }));
    const keys = new Float64Array([1, 2, 3]);
    const left = batchOf([keys as unknown as Column, Float64Array.from([10, 20, 30]) as unknown as Column], 3);
    semi.op.push(left, 0);
    anti.op.push(left, 0);
    keys.fill(7);
    const right = batchOf([Float64Array.from([2, 3, 3]) as unknown as Column], 3);
    semi.op.push(right, 1);
    anti.op.push(right, 1);
    t.same(semi.out.net(), sortRows([
      [2, 20],
      [3, 30],
    ]), `semi (${numericKeys ? 'numeric' : 'JS'} keys)`);
    t.same(anti.out.net(), sortRows([[1, 10]]), `anti (${numericKeys ? 'numeric' : 'JS'} keys)`);
    const gone = batchOf([Float64Array.from([3, 3]) as unknown as Column], 2, Int32Array.from([-1, -1]));
    semi.op.push(gone, 1);
    anti.op.push(gone, 1);
    t.same(semi.out.net(), sortRows([[2, 20]]));
    t.same(anti.out.net(), sortRows([
      [1, 10],
      [3, 30],
    ]));
  }
});
