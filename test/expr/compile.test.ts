import t from 'tap';
import fc from 'fast-check';
import { applySelection, compileFilter, compileFilterProject, compileMask, compileProjection, compileScalar, evaluateConstant } from '../../lib/exec/expr/compile.js';
import { UdfRegistry } from '../../lib/exec/expr/udf.js';
import type { BoundExpr } from '../../lib/plan/bound.js';
import { T, type DataType } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import type { Value } from '../../lib/types/value.js';
import type { Batch } from '../../lib/exec/batch.js';

const col = (index: number, type: DataType = T.int): BoundExpr => ({ kind: 'column', index, type });
const lit = (value: Value, type: DataType = T.int): BoundExpr => ({ kind: 'literal', value, type });
const call = (name: string, type: DataType, ...args: BoundExpr[]): BoundExpr => ({ kind: 'call', name, args, type });
const bool = (i: number) => col(i, T.boolean);
const batch = (columns: Value[][], weights: Int32Array | null = null): Batch => ({ length: columns[0]?.length ?? 0, columns, weights });

const TV: (boolean | null)[] = [true, false, null];

t.test('three-valued AND/OR/NOT truth tables', async (t) => {
  const and = compileScalar(call('and', T.boolean, bool(0), bool(1)));
  const or = compileScalar(call('or', T.boolean, bool(0), bool(1)));
  const not = compileScalar(call('not', T.boolean, bool(0)));
  const sqlAnd = (a: boolean | null, b: boolean | null) => (a === false || b === false ? false : a === null || b === null ? null : true);
  const sqlOr = (a: boolean | null, b: boolean | null) => (a === true || b === true ? true : a === null || b === null ? null : false);
  for (const a of TV) {
    t.equal(not([[a]], 0), a === null ? null : !a, `NOT ${a}`);
    for (const b of TV) {
      t.equal(and([[a], [b]], 0), sqlAnd(a, b), `${a} AND ${b}`);
      t.equal(or([[a], [b]], 0), sqlOr(a, b), `${a} OR ${b}`);
    }
  }
  // n-ary form from a flattened binder
  const and3 = compileScalar(call('and', T.boolean, bool(0), bool(1), bool(2)));
  t.equal(and3([[true], [null], [false]], 0), false);
  t.equal(and3([[true], [null], [true]], 0), null);
});

t.test('AND/OR short-circuit: the deciding operand stops evaluation', async (t) => {
  const boom = call('=', T.boolean, call('/', T.int, lit(1), col(0)), lit(1));
  const f = compileScalar(call('and', T.boolean, lit(false, T.boolean), boom));
  t.equal(f([[0]], 0), false, 'no division by zero');
  const g = compileScalar(call('or', T.boolean, lit(true, T.boolean), boom));
  t.equal(g([[0]], 0), true);
  const h = compileScalar(call('and', T.boolean, lit(true, T.boolean), boom));
  t.throws(() => h([[0]], 0), { code: 'DIVISION_BY_ZERO' });
});

t.test('NULL propagation through nested strict calls', async (t) => {
  const e = call('+', T.int, call('*', T.int, col(0), lit(2)), call('abs', T.int, col(1)));
  const f = compileScalar(e);
  t.equal(f([[3], [-4]], 0), 10);
  t.equal(f([[null], [-4]], 0), null);
  t.equal(f([[3], [null]], 0), null);
  t.equal(compileScalar(call('+', T.int, col(0), lit(null)))([[1]], 0), null, 'NULL literal');
  t.equal(compileScalar(call('lower', T.varchar, lit(null, T.varchar)))([], 0), null);
});

t.test('CASE: first TRUE branch wins, NULL conditions fall through, lazy branches', async (t) => {
  const e: BoundExpr = {
    kind: 'case',
    whens: [
      { when: call('>', T.boolean, col(0), lit(10)), then: lit('big', T.varchar) },
      { when: call('>', T.boolean, col(0), lit(0)), then: lit('small', T.varchar) },
    ],
    else: lit(null, T.varchar),
    type: T.varchar,
  };
  const f = compileScalar(e);
  t.equal(f([[11]], 0), 'big');
  t.equal(f([[5]], 0), 'small');
  t.equal(f([[-1]], 0), null);
  t.equal(f([[null]], 0), null, 'NULL condition is not TRUE');
  const lazy = compileScalar({
    kind: 'case',
    whens: [{ when: call('=', T.boolean, col(0), lit(0)), then: lit(0) }],
    else: call('/', T.int, lit(1), col(0)),
    type: T.int,
  });
  t.equal(lazy([[0]], 0), 0, 'ELSE branch not evaluated');
  // branches of different numeric types are coerced to the CASE type
  const mixed = compileScalar({ kind: 'case', whens: [{ when: bool(0), then: lit(1) }], else: lit(Decimal.parse('2.5'), T.decimal), type: T.decimal });
  t.equal(String(mixed([[true]], 0)), '1');
  t.equal(String(mixed([[false]], 0)), '2.5');
});

t.test('COALESCE evaluates lazily', async (t) => {
  const f = compileScalar(call('coalesce', T.int, col(0), call('/', T.int, lit(1), col(1))));
  t.equal(f([[5], [0]], 0), 5, 'second argument not evaluated');
  t.throws(() => f([[null], [0]], 0), { code: 'DIVISION_BY_ZERO' });
  t.equal(f([[null], [1]], 0), 1);
});

t.test('IN lists: constant sets and general lists with NULL semantics', async (t) => {
  const inConst = compileScalar(call('in', T.boolean, col(0, T.varchar), lit('a', T.varchar), lit('b', T.varchar)));
  t.equal(inConst([['a']], 0), true);
  t.equal(inConst([['z']], 0), false);
  t.equal(inConst([[null]], 0), null);
  const withNull = compileScalar(call('in', T.boolean, col(0), lit(1), lit(null)));
  t.equal(withNull([[1]], 0), true);
  t.equal(withNull([[2]], 0), null);
  const general = compileScalar(call('in', T.boolean, col(0), col(1), col(2)));
  t.equal(general([[3], [1], [3]], 0), true);
  t.equal(general([[3], [null], [4]], 0), null);
  t.equal(general([[3], [1], [4]], 0), false);
  const decimals = compileScalar(call('in', T.boolean, col(0, T.decimal), lit(Decimal.parse('1.50'), T.decimal)));
  t.equal(decimals([[Decimal.parse('1.5')]], 0), true, 'decimals compare by value');
  const casted = compileScalar(call('in', T.boolean, col(0, T.bigint), { kind: 'cast', expr: lit(7), type: T.bigint, try: false }));
  t.equal(casted([[7]], 0), true);
});

t.test('casts and TRY_CAST inside expressions', async (t) => {
  const c = compileScalar({ kind: 'cast', expr: col(0, T.varchar), type: T.int, try: false });
  t.equal(c([['42']], 0), 42);
  t.equal(c([[null]], 0), null);
  t.throws(() => c([['4.2']], 0), { code: 'INVALID_CAST' });
  const tc = compileScalar({ kind: 'cast', expr: col(0, T.varchar), type: T.int, try: true });
  t.equal(tc([['4.2']], 0), null);
  t.equal(tc([['7']], 0), 7);
  const widen = compileScalar({ kind: 'cast', expr: col(0), type: T.bigint, try: false });
  t.equal(widen([[5]], 0), 5);
  const dec = compileScalar({ kind: 'cast', expr: col(0, T.decimal), type: { id: 'decimal', precision: 4, scale: 1 }, try: false });
  t.equal(String(dec([[Decimal.parse('12.345')]], 0)), '12.3');
  t.throws(() => dec([[Decimal.parse('12345')]], 0), { code: 'NUMERIC_OVERFLOW' });
});

t.test('special constants are hoisted, not printed', async (t) => {
  t.ok(Number.isNaN(evaluateConstant(lit(NaN, T.double))));
  t.ok(Object.is(evaluateConstant(lit(-0, T.double)), -0));
  t.equal(evaluateConstant(lit(-Infinity, T.double)), -Infinity);
  t.equal(evaluateConstant(lit('quote "\' \n', T.varchar)), 'quote "\' \n');
  t.equal(evaluateConstant(call('-', T.int, lit(-5), lit(-3))), -2);
  t.equal(evaluateConstant(call('neg', T.int, lit(-5))), 5);
  t.equal(String(evaluateConstant(call('+', T.decimal, lit(Decimal.parse('0.1'), T.decimal), lit(Decimal.parse('0.2'), T.decimal)))), '0.3');
});

t.test('constant folding: folded when it succeeds, left to run time when it fails', async (t) => {
  const folded = compileScalar(call('>=', T.boolean, col(0, T.decimal), { kind: 'cast', expr: lit(8), type: T.decimal, try: false }));
  t.notMatch(folded.toString(), /k\d+\(8\)/, 'the cast of 8 to numeric happens once, at compile time');
  t.equal(folded([[Decimal.parse('9')]], 0), true);
  const guarded = compileScalar({
    kind: 'case',
    whens: [{ when: call('>', T.boolean, col(0), lit(0)), then: lit(1) }],
    else: call('/', T.int, lit(1), lit(0)),
    type: T.int,
  });
  t.equal(guarded([[5]], 0), 1, 'an erroring constant in an untaken branch is harmless');
  t.throws(() => guarded([[-5]], 0), { code: 'DIVISION_BY_ZERO' });
  const badCast = compileScalar({ kind: 'cast', expr: lit('x', T.varchar), type: T.int, try: false });
  t.throws(() => badCast([], 0), { code: 'INVALID_CAST' });
  t.equal(compileScalar(call('upper', T.varchar, lit('ab', T.varchar)))([], 0), 'AB');
});

t.test('regexp_match(s, const)[const] is fused and agrees with the general path', async (t) => {
  const rm = (pattern: BoundExpr, k: number) =>
    compileScalar(call('subscript', T.varchar, call('regexp_match', T.array(T.varchar), col(0, T.varchar), pattern), lit(k)));
  const subjects = ['x?channel_id=12&y', 'channel_id=7', 'nothing', null, 'a&channel_id=&b'];
  for (const k of [0, 1, 2, 3]) {
    const fused = rm(lit('(&|^)channel_id=([^&]*)', T.varchar), k);
    const general = rm(col(1, T.varchar), k);
    for (const sub of subjects) t.equal(fused([[sub]], 0), general([[sub], ['(&|^)channel_id=([^&]*)']], 0), `[${k}] of ${sub}`);
  }
  t.equal(rm(lit('b', T.varchar), 1)([['abc']], 0), 'b', 'no groups: element 1 is the whole match');
  t.equal(rm(lit('b', T.varchar), 2)([['abc']], 0), null);
  const bad = rm(lit('(', T.varchar), 1);
  t.throws(() => bad([['abc']], 0), { code: 'INVALID_ARGUMENT' }, 'a bad constant pattern still errors when evaluated');
});

t.test('projection: one loop, typed outputs when non-NULL is provable, pass-through columns', async (t) => {
  const p = compileProjection(
    [col(1, T.varchar), call('+', T.bigint, col(0, T.bigint), lit(1, T.bigint)), call('upper', T.varchar, col(1, T.varchar)), call('*', T.int, col(2), lit(2))],
    { nonNullInputs: [true, false, false] },
  );
  const input = batch([[1, 2, 3], ['a', null, 'c'], [1, null, 3]]);
  const out = p(input);
  t.equal(out[0], input.columns[1], 'bare column is passed through');
  t.ok(out[1] instanceof Float64Array, 'non-NULL bigint arithmetic → Float64Array');
  t.same([...(out[1] as Float64Array)], [2, 3, 4]);
  t.same(out[2], ['A', null, 'C']);
  t.ok(Array.isArray(out[3]), 'nullable input → plain array');
  t.same(out[3], [2, null, 6]);
  const empty = p(batch([[], [], []]));
  t.equal(empty[1]!.length, 0);
  const ints = compileProjection([call('+', T.int, col(0), lit(1))], { nonNullInputs: [true] })(batch([[1, 2]]));
  t.ok(ints[0] instanceof Int32Array);
  t.throws(() => compileProjection([call('/', T.int, col(0), col(1))])(batch([[1, 2], [1, 0]])), { code: 'DIVISION_BY_ZERO' });
});

t.test('without declared nullability, typed-array inputs are recognised per batch', async (t) => {
  const p = compileProjection([call('*', T.bigint, col(0, T.bigint), lit(3, T.bigint))]);
  const typed = p(batch([new Float64Array([1, 2]) as unknown as Value[]]));
  t.ok(typed[0] instanceof Float64Array, 'typed input → typed output');
  t.same([...(typed[0] as Float64Array)], [3, 6]);
  const plain = p(batch([[1, null]]));
  t.same(plain[0], [3, null], 'plain input with NULLs still works with the same function');
  t.ok((p(batch([new Float64Array([5]) as unknown as Value[]]))[0] as Float64Array)[0] === 15);
  const f = compileFilter(call('>', T.boolean, col(0), lit(1)));
  t.same([...f(batch([new Int32Array([1, 2, 3]) as unknown as Value[]]))], [1, 2]);
  t.same([...f(batch([[null, 2, 3]]))], [1, 2]);
  const m = compileMask(call('>', T.boolean, col(0), lit(1)));
  t.same([...m(batch([[null, 2, 0]]))], [0, 1, 0]);
});

t.test('filter: selection of TRUE rows; applySelection keeps weights and typed arrays', async (t) => {
  const f = compileFilter(call('>', T.boolean, col(0), lit(1)));
  const input = batch([new Int32Array([1, 2, 3, 0]) as unknown as Value[], ['a', 'b', 'c', 'd']], new Int32Array([1, -1, 2, 1]));
  const sel = f(input);
  t.same([...sel], [1, 2]);
  const out = applySelection(input, sel);
  t.equal(out.length, 2);
  t.ok(out.columns[0] instanceof Int32Array);
  t.same([...(out.columns[0] as Int32Array)], [2, 3]);
  t.same(out.columns[1], ['b', 'c']);
  t.same([...out.weights!], [-1, 2]);
  t.same([...f(batch([[null, 5]]))], [1], 'NULL predicate drops the row');
  const all = f(batch([[5, 6]]));
  t.equal(applySelection(batch([[5, 6]]), all).length, 2);
  const fp = compileFilterProject(call('is_not_null', T.boolean, col(0)), [call('*', T.int, col(0), lit(10))]);
  const r = fp(batch([[1, null, 3]], new Int32Array([1, 1, -1])));
  t.same(r.columns[0], [10, 30]);
  t.same([...r.weights!], [1, -1]);
});

t.test('UDFs: called with NULLs, undefined → NULL, errors become UDF_ERROR', async (t) => {
  const udfs = new UdfRegistry();
  udfs.register('Twice', (x) => (x === null ? -1 : (x as number) * 2), [T.int], T.int);
  udfs.register('nothing', () => undefined, [], T.int);
  udfs.register('fails', () => {
    throw new Error('nope');
  }, [T.int], T.int);
  const e = (name: string, ...args: BoundExpr[]): BoundExpr => ({ kind: 'udf', name, args, type: T.int });
  t.equal(compileScalar(e('twice', col(0)), { udfs })([[21]], 0), 42);
  t.equal(compileScalar(e('TWICE', col(0)), { udfs })([[null]], 0), -1);
  t.equal(compileScalar(e('nothing'), { udfs })([], 0), null);
  t.throws(() => compileScalar(e('fails', lit(1)), { udfs })([], 0), { name: 'ExecutionError', code: 'UDF_ERROR', message: /function fails failed: nope/ });
  t.throws(() => compileScalar(e('missing'), { udfs }), { code: 'UNKNOWN_OBJECT' });
  t.throws(() => compileScalar(e('twice', lit(1))), { code: 'UNKNOWN_FUNCTION' });
  t.throws(() => udfs.register('bad name', () => 1, [], T.int), { code: 'INVALID_ARGUMENT' });
  t.throws(() => udfs.checkArity('twice', 2), { code: 'TYPE_MISMATCH' });
  t.same(udfs.names().sort(), ['fails', 'nothing', 'twice']);
  udfs.registerUdf('plus1', (x) => (x as number) + 1, [T.int], T.int);
  t.equal(compileScalar(e('plus1', lit(1)), { udfs })([], 0), 2);
  t.ok(udfs.unregister('PLUS1'));
  t.notOk(udfs.has('plus1'));
});

t.test('property: compiled arithmetic/comparison equals a reference interpreter', async (t) => {
  type Tree = { op: '+' | '-' | '*'; l: Tree; r: Tree } | { col: number } | { lit: number };
  const leaf: fc.Arbitrary<Tree> = fc.oneof(fc.integer({ min: 0, max: 2 }).map((c) => ({ col: c })), fc.integer({ min: -1000, max: 1000 }).map((v) => ({ lit: v })));
  const tree = fc.letrec<{ t: Tree }>((tie) => ({
    t: fc.oneof({ depthSize: 'small' }, leaf, fc.record({ op: fc.constantFrom('+' as const, '-' as const, '*' as const), l: tie('t'), r: tie('t') })),
  })).t;
  const toExpr = (x: Tree): BoundExpr => ('col' in x ? col(x.col, T.bigint) : 'lit' in x ? lit(x.lit, T.bigint) : call(x.op, T.bigint, toExpr(x.l), toExpr(x.r)));
  const interp = (x: Tree, row: (number | null)[]): number | null => {
    if ('col' in x) return row[x.col]!;
    if ('lit' in x) return x.lit;
    const a = interp(x.l, row);
    const b = interp(x.r, row);
    if (a === null || b === null) return null;
    return x.op === '+' ? a + b : x.op === '-' ? a - b : a * b;
  };
  fc.assert(
    fc.property(tree, fc.array(fc.option(fc.integer({ min: -100, max: 100 })), { minLength: 3, maxLength: 3 }), (x, row) => {
      const want = interp(x, row);
      if (want !== null && !Number.isSafeInteger(want)) return true;
      try {
        return compileScalar(toExpr(x))(row.map((v) => [v]), 0) === want;
      } catch (e) {
        return (e as { code?: string }).code === 'NUMERIC_OVERFLOW';
      }
    }),
    { numRuns: 300 },
  );
  t.pass();
});
