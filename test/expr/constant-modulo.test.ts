// `integer % constant` compiles to inline code with an int32 fast path (codegen's
// fusedConstantModulo). It must give exactly what the generic helper (arith.imod) gives for
// every integer a column can hold — int32 values, values beyond int32 up to 2^53, negative
// values, zero results (never -0) — and keep NULL and the filter/projection paths right.
import t from 'tap';
import fc from 'fast-check';
import { compileFilter, compileProjection, compileScalar } from '../../lib/exec/expr/compile.js';
import { imod } from '../../lib/functions/arith.js';
import type { BoundExpr } from '../../lib/plan/bound.js';
import { T, type DataType } from '../../lib/types/datatype.js';
import type { Value } from '../../lib/types/value.js';

const col = (index: number, type: DataType): BoundExpr => ({ kind: 'column', index, type });
const lit = (value: Value, type: DataType): BoundExpr => ({ kind: 'literal', value, type });
const mod = (type: DataType, x: BoundExpr, k: BoundExpr, name = '%'): BoundExpr => ({ kind: 'call', name, args: [x, k], type });

const EDGES = [0, 1, -1, 122, 123, -123, 246, -246, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 7, -(2 ** 40) - 3, 2 ** 53 - 1, -(2 ** 53) + 1];
const DIVISORS = [123, -123, 1, -1, 7, 2 ** 31 - 1, -(2 ** 31)];

t.test('the inline remainder equals imod on edge values, for every integer type and divisor', async (t) => {
  for (const type of [T.bigint, T.int, T.smallint]) {
    for (const k of DIVISORS) {
      const f = compileScalar(mod(type, col(0, type), lit(k, type)));
      t.notMatch(f.toString(), /imod/, `${type.id} % ${k} is inlined`);
      for (const x of EDGES) {
        const got = f([[x]], 0) as number;
        t.ok(Object.is(got, imod(x, k)), `${type.id}: ${x} % ${k} = ${imod(x, k)} (got ${got})`);
      }
    }
  }
});

t.test('never -0: a negative multiple of the divisor gives +0', async (t) => {
  const f = compileScalar(mod(T.bigint, col(0, T.bigint), lit(123, T.bigint)));
  t.ok(Object.is(f([[-246]], 0), 0));
  t.ok(Object.is(f([[-(2 ** 40) * 123]], 0), 0), 'beyond int32 too');
  t.ok(Object.is(f([[-0]], 0), 0), '-0 input');
});

t.test('property: equals imod for any safe integer and int32 divisor', async (t) => {
  const f = compileScalar(mod(T.bigint, col(0, T.bigint), lit(97, T.bigint)));
  const neg = compileScalar(mod(T.bigint, col(0, T.bigint), lit(-1000003, T.bigint)));
  fc.assert(
    fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(...EDGES)), (x) => {
      return Object.is(f([[x]], 0), imod(x, 97)) && Object.is(neg([[x]], 0), imod(x, -1000003));
    }),
  );
  t.pass('property held');
});

t.test('NULL in, NULL out; mod() is the same operator', async (t) => {
  const f = compileScalar(mod(T.bigint, col(0, T.bigint), lit(5, T.bigint), 'mod'));
  t.equal(f([[null]], 0), null);
  t.equal(f([[-12]], 0), -2);
  t.notMatch(f.toString(), /imod/);
});

t.test('divisors the fast path does not take still behave: zero, a column, beyond int32', async (t) => {
  t.throws(() => compileScalar(mod(T.bigint, col(0, T.bigint), lit(0, T.bigint)))([[5]], 0), { code: 'DIVISION_BY_ZERO' });
  const byColumn = compileScalar(mod(T.bigint, col(0, T.bigint), col(1, T.bigint)));
  t.equal(byColumn([[17], [5]], 0), 2);
  t.throws(() => byColumn([[17], [0]], 0), { code: 'DIVISION_BY_ZERO' });
  const big = 2 ** 33 + 1;
  const f = compileScalar(mod(T.bigint, col(0, T.bigint), lit(big, T.bigint)));
  t.equal(f([[3 * big + 4]], 0), 4);
  t.equal(compileScalar(mod(T.bigint, lit(-7, T.bigint), lit(3, T.bigint)))([], 0), -1, 'constant operands fold');
});

t.test('filter and projection over a Float64Array column (the Nexmark q2 shape)', async (t) => {
  const auction = Float64Array.from([0, 123, 124, -123, 2 ** 40 * 123, 2 ** 40 * 123 + 1, 246, 5]);
  const pred: BoundExpr = { kind: 'call', name: '=', type: T.boolean, args: [mod(T.bigint, col(0, T.bigint), lit(123, T.bigint)), lit(0, T.bigint)] };
  const sel = compileFilter(pred)({ length: auction.length, columns: [auction], weights: null });
  t.same([...sel], [0, 1, 3, 4, 6]);
  const [out] = compileProjection([mod(T.bigint, col(0, T.bigint), lit(123, T.bigint))])({ length: auction.length, columns: [auction], weights: null });
  t.ok(out instanceof Float64Array, 'a non-NULL input gives a typed output');
  t.same(Array.from(out as Float64Array), [...auction].map((x) => imod(x, 123)));
  const withNull = compileProjection([mod(T.bigint, col(0, T.bigint), lit(123, T.bigint))])({ length: 3, columns: [[250, null, -250]], weights: null });
  t.same(withNull[0], [4, null, -4]);
});
