import t from 'tap';
import fc from 'fast-check';
import { Join, type JoinType } from '../../lib/exec/operators/join.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Row } from '../../lib/types/value.js';
import { deletes, inserts, make, smallInt, sortRows, stepBatch, stepsArb } from './helpers.js';

// left rows [k, a], right rows [k, b]; residual (when used): a <= b
const residual = (b: Batch): boolean[] => {
  const out: boolean[] = [];
  for (let i = 0; i < b.length; i++) {
    const a = b.columns[1][i];
    const c = b.columns[3][i];
    out.push(a !== null && c !== null && (a as number) <= (c as number));
  }
  return out;
};

function reference(type: JoinType, left: Row[], right: Row[], withResidual: boolean, keyed: boolean): Row[] {
  const out: Row[] = [];
  const matches = (l: Row, r: Row): boolean =>
    (!keyed || (l[0] !== null && r[0] !== null && l[0] === r[0])) &&
    (!withResidual || (l[1] !== null && r[1] !== null && (l[1] as number) <= (r[1] as number)));
  for (const l of left) {
    let any = false;
    for (const r of right) if (matches(l, r)) {
      out.push([...l, ...r]);
      any = true;
    }
    if (!any && (type === 'left' || type === 'full')) out.push([...l, null, null]);
  }
  if (type === 'right' || type === 'full') {
    for (const r of right) if (!left.some((l) => matches(l, r))) out.push([null, null, ...r]);
  }
  return sortRows(out);
}

const make2 = (type: JoinType, withResidual = false, keyed = true) =>
  make(
    (o) =>
      new Join(o, {
        type,
        leftWidth: 2,
        rightWidth: 2,
        leftKeys: keyed ? [0] : [],
        rightKeys: keyed ? [0] : [],
        residual: withResidual ? residual : undefined,
      }),
  );

t.test('inner join: inserts, deletes, NULL keys never match', async (t) => {
  const { op, out } = make2('inner');
  op.push(inserts([1, 'a'], [null, 'n'], [2, 'b']), 0);
  op.push(inserts([1, 'x'], [null, 'm'], [1, 'y']), 1);
  t.same(out.net(), sortRows([[1, 'a', 1, 'x'], [1, 'a', 1, 'y']]));
  op.push(deletes([1, 'a']), 0);
  t.same(out.net(), []);
  t.equal(op.stateSize(), 3, 'left [2,b], right [1,x], [1,y]: NULL-keyed rows are not stored');
});

t.test('left join: padded row retracted on first match and re-emitted on last delete', async (t) => {
  const { op, out } = make2('left');
  op.push(inserts([1, 'a']), 0);
  t.same(out.changes(), [[[1, 'a', null, null], 1]]);
  out.clear();
  op.push(inserts([1, 'x']), 1);
  t.same(sortRows(out.changes().map(([r, w]) => [...r, w])), sortRows([[1, 'a', null, null, -1], [1, 'a', 1, 'x', 1]]));
  out.clear();
  op.push(inserts([1, 'y']), 1);
  t.same(out.changes(), [[[1, 'a', 1, 'y'], 1]], 'a second match does not touch the padded row');
  out.clear();
  op.push(deletes([1, 'x'], [1, 'y']), 1);
  t.same(
    sortRows(out.changes().map(([r, w]) => [...r, w])),
    sortRows([[1, 'a', 1, 'x', -1], [1, 'a', 1, 'y', -1], [1, 'a', null, null, 1]]),
  );
  out.clear();
  op.push(inserts([null, 'z']), 0);
  t.same(out.changes(), [[[null, 'z', null, null], 1]], 'a NULL key keeps its padded row');
  out.clear();
  op.push(deletes([null, 'z']), 0);
  t.same(out.changes(), [[[null, 'z', null, null], -1]]);
});

t.test('right and full joins pad the other side', async (t) => {
  const r = make2('right');
  r.op.push(inserts([1, 'x']), 1);
  r.op.push(inserts([1, 'a'], [2, 'b']), 0);
  t.same(r.out.net(), [[1, 'a', 1, 'x']]);
  const f = make2('full');
  f.op.push(inserts([1, 'a'], [2, 'b']), 0);
  f.op.push(inserts([1, 'x'], [3, 'y']), 1);
  t.same(f.out.net(), sortRows([[1, 'a', 1, 'x'], [2, 'b', null, null], [null, null, 3, 'y']]));
});

t.test('residual predicate decides matches for outer joins', async (t) => {
  const { op, out } = make2('left', true);
  op.push(inserts([1, 5]), 0);
  op.push(inserts([1, 3]), 1);
  t.same(out.net(), [[1, 5, null, null]], '5 <= 3 is false: still unmatched');
  op.push(inserts([1, 7]), 1);
  t.same(out.net(), [[1, 5, 1, 7]]);
});

t.test('cross join without keys', async (t) => {
  const { op, out } = make2('inner', false, false);
  op.push(inserts([1, 'a'], [2, 'b']), 0);
  op.push(inserts([null, 'x']), 1);
  t.same(out.net(), sortRows([[1, 'a', null, 'x'], [2, 'b', null, 'x']]));
});

t.test('snapshot/restore keeps match counts', async (t) => {
  const a = make2('full');
  a.op.push(inserts([1, 'a'], [2, 'b']), 0);
  a.op.push(inserts([1, 'x']), 1);
  const b = make2('full');
  b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
  b.op.push(deletes([1, 'x']), 1);
  t.same(
    sortRows(b.out.changes().map(([r, w]) => [...r, w])),
    sortRows([[1, 'a', 1, 'x', -1], [1, 'a', null, null, 1]]),
    'the padded row comes back on the restored copy',
  );
});

for (const type of ['inner', 'left', 'right', 'full'] as JoinType[]) {
  for (const withResidual of [false, true]) {
    t.test(`property: ${type} join${withResidual ? ' with residual' : ''} equals the batch answer`, async (t) => {
      const rowArb = fc.tuple(smallInt, smallInt).map((r) => r as Row);
      const sideSteps = fc.array(fc.tuple(fc.constantFrom(0, 1), stepsArb(rowArb, 1, 5).map((s) => s[0])), { minLength: 1, maxLength: 10 });
      fc.assert(
        fc.property(sideSteps, fc.boolean(), (steps, keyed) => {
          const { op, out } = make2(type, withResidual, keyed);
          const current: [Row[], Row[]] = [[], []];
          for (const [side, ops] of steps) {
            op.push(stepBatch(ops, current[side], 2), side);
            const expected = reference(type, current[0], current[1], withResidual, keyed);
            const actual = out.net();
            if (JSON.stringify(actual) !== JSON.stringify(expected)) {
              throw new Error(`got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
            }
          }
        }),
        { numRuns: 200 },
      );
      t.pass('held for 200 random histories');
    });
  }
}

t.test('self join: one batch on both ports follows the delta rule', async (t) => {
  const { op, out } = make2('inner');
  const b = inserts([1, 'a'], [1, 'b']);
  op.push(b, 0);
  op.push(b, 1);
  t.equal(out.net().length, 4, '2 × 2 pairs, none counted twice');
});

t.test('property: wide buckets (many distinct rows per key, hash-indexed) stay exact', async (t) => {
  const rowArb = fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 40 })).map((r) => r as Row);
  const sideSteps = fc.array(fc.tuple(fc.constantFrom(0, 1), stepsArb(rowArb, 1, 12).map((s) => s[0])), { minLength: 1, maxLength: 14 });
  for (const type of ['inner', 'full'] as JoinType[]) {
    fc.assert(
      fc.property(sideSteps, (steps) => {
        const { op, out } = make2(type, true);
        const current: [Row[], Row[]] = [[], []];
        for (const [side, ops] of steps) {
          op.push(stepBatch(ops, current[side], 2), side);
          const expected = reference(type, current[0], current[1], true, true);
          if (JSON.stringify(out.net()) !== JSON.stringify(expected)) throw new Error('mismatch');
        }
      }),
      { numRuns: 150 },
    );
  }
  t.pass('held');
});
