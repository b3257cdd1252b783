import t from 'tap';
import fc from 'fast-check';
import { SemiJoin, type SemiJoinType } from '../../lib/exec/operators/semi-join.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Row } from '../../lib/types/value.js';
import { deletes, inserts, make, smallInt, sortRows, stepBatch, stepsArb } from './helpers.js';

// left [k, a], right [k, b]; residual: a <> b
const residual = (b: Batch): boolean[] => {
  const out: boolean[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.columns[1][i] !== null && b.columns[3][i] !== null && b.columns[1][i] !== b.columns[3][i]);
  return out;
};

function reference(type: SemiJoinType, left: Row[], right: Row[], withResidual: boolean): Row[] {
  const match = (l: Row, r: Row) =>
    l[0] !== null && r[0] !== null && l[0] === r[0] && (!withResidual || (l[1] !== null && r[1] !== null && l[1] !== r[1]));
  return sortRows(
    left.filter((l) => {
      const any = right.some((r) => match(l, r));
      if (type === 'semi') return any;
      if (type === 'anti') return !any;
      // NOT IN, three-valued: kept only when the predicate is TRUE
      if (right.length === 0) return true;
      if (l[0] === null) return false;
      if (any) return false;
      return !right.some((r) => r[0] === null);
    }),
  );
}

const mk = (type: SemiJoinType, withResidual = false) =>
  make((o) => new SemiJoin(o, { type, leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0], residual: withResidual ? residual : undefined }));

t.test('semi join (EXISTS / IN): a row appears once however many matches', async (t) => {
  const { op, out } = mk('semi');
  op.push(inserts([1, 'a'], [2, 'b'], [null, 'n']), 0);
  t.same(out.net(), []);
  op.push(inserts([1, 'x'], [1, 'y'], [null, 'm']), 1);
  t.same(out.net(), [[1, 'a']], 'NULL never matches NULL');
  op.push(deletes([1, 'x']), 1);
  t.same(out.net(), [[1, 'a']]);
  op.push(deletes([1, 'y']), 1);
  t.same(out.net(), []);
});

t.test('anti join (NOT EXISTS)', async (t) => {
  const { op, out } = mk('anti');
  op.push(inserts([1, 'a'], [null, 'n']), 0);
  t.same(out.net(), sortRows([[1, 'a'], [null, 'n']]));
  op.push(inserts([1, 'x'], [null, 'm']), 1);
  t.same(out.net(), [[null, 'n']], 'a NULL-keyed row has no match, so NOT EXISTS keeps it');
});

t.test('null-aware anti join (NOT IN)', async (t) => {
  const { op, out } = mk('anti-null-aware');
  op.push(inserts([1, 'a'], [2, 'b'], [null, 'n']), 0);
  t.same(out.net(), sortRows([[1, 'a'], [2, 'b'], [null, 'n']]), 'x NOT IN (empty) is true even for NULL x');
  op.push(inserts([1, 'x']), 1);
  t.same(out.net(), [[2, 'b']], 'NULL NOT IN (1) is unknown; 1 NOT IN (1) is false');
  op.push(inserts([null, 'y']), 1);
  t.same(out.net(), [], 'any NULL on the right makes NOT IN unknown for every row');
  op.push(deletes([null, 'y']), 1);
  t.same(out.net(), [[2, 'b']]);
  op.push(deletes([1, 'x']), 1);
  t.same(out.net(), sortRows([[1, 'a'], [2, 'b'], [null, 'n']]));
  t.throws(() => mk('anti-null-aware', true), { code: 'INVALID_ARGUMENT' });
});

t.test('snapshot/restore', async (t) => {
  const a = mk('anti-null-aware');
  a.op.push(inserts([1, 'a'], [null, 'n']), 0);
  a.op.push(inserts([2, 'x']), 1);
  const b = mk('anti-null-aware');
  b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
  t.equal(b.op.stateSize(), a.op.stateSize());
  b.op.push(deletes([2, 'x']), 1);
  t.same(b.out.net(), [[null, 'n']], 'the right side became empty: NULL NOT IN () is true');
});

for (const type of ['semi', 'anti', 'anti-null-aware'] as SemiJoinType[]) {
  for (const withResidual of type === 'anti-null-aware' ? [false] : [false, true]) {
    t.test(`property: ${type}${withResidual ? ' with residual' : ''} equals the batch answer`, async (t) => {
      const rowArb = fc.tuple(smallInt, smallInt).map((r) => r as Row);
      const steps = fc.array(fc.tuple(fc.constantFrom(0, 1), stepsArb(rowArb, 1, 5).map((s) => s[0])), { minLength: 1, maxLength: 10 });
      fc.assert(
        fc.property(steps, (steps) => {
          const { op, out } = mk(type, withResidual);
          const current: [Row[], Row[]] = [[], []];
          for (const [side, ops] of steps) {
            op.push(stepBatch(ops, current[side], 2), side);
            const expected = reference(type, current[0], current[1], withResidual);
            const actual = out.net();
            if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
          }
        }),
        { numRuns: 250 },
      );
      t.pass('held for 250 random histories');
    });
  }
}
