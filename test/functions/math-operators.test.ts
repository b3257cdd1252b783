import t from 'tap';
import { compileScalar } from '../../lib/exec/expr/compile.js';
import { resolveOperator } from '../../lib/functions/registry.js';
import { T } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import { ev, i, big, f, s, b, type Arg } from './eval.js';

const n = (x: string): Arg => [Decimal.parse(x), T.decimal];
const str = (v: unknown) => (v === null ? null : String(v));

t.test('integer arithmetic: truncating division, remainder sign, overflow', async (t) => {
  t.equal(ev('/', i(7), i(2)), 3);
  t.equal(ev('/', i(-7), i(2)), -3);
  t.equal(ev('%', i(-7), i(3)), -1);
  t.equal(ev('%', i(7), i(-3)), 1);
  t.equal(ev('mod', i(10), i(4)), 2);
  t.equal(ev('/', big(9007199254740991), big(3)), 3002399751580330, 'exact near 2^53');
  t.throws(() => ev('/', i(1), i(0)), { name: 'ExecutionError', code: 'DIVISION_BY_ZERO' });
  t.throws(() => ev('%', i(1), i(0)), { code: 'DIVISION_BY_ZERO' });
  t.throws(() => ev('+', i(2147483647), i(1)), { code: 'NUMERIC_OVERFLOW', message: /integer out of range/ });
  t.throws(() => ev('*', i(65536), i(65536)), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => ev('/', i(-2147483648), i(-1)), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => ev('neg', [-32768, T.smallint]), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => ev('*', big(2 ** 40), big(2 ** 20)), { code: 'NUMERIC_OVERFLOW', message: /bigint/ });
  t.equal(ev('+', i(2147483647), big(1)), 2147483648, 'int + bigint is bigint');
  t.equal(ev('+', i(null), i(1)), null);
});

t.test('float and numeric arithmetic', async (t) => {
  t.equal(ev('/', f(1), f(4)), 0.25);
  t.throws(() => ev('/', f(1), f(0)), { code: 'DIVISION_BY_ZERO' }, 'PostgreSQL raises for floats too');
  t.equal(ev('^', i(2), i(10)), 1024);
  t.throws(() => ev('^', f(0), f(-1)), { code: 'INVALID_ARGUMENT' });
  t.equal(str(ev('/', n('10'), n('4'))), '2.5000000000000000');
  t.equal(str(ev('/', i(1), n('7'))), '0.14285714285714285714');
  t.equal(str(ev('*', n('0.5'), n('0.25'))), '0.125');
  t.equal(str(ev('+', n('1.10'), n('2.205'))), '3.305');
  t.equal(str(ev('%', n('5.0'), i(3))), '2.0');
  t.equal(ev('+', i(1), f(0.5)), 1.5);
  t.equal(str(ev('neg', n('1.5'))), '-1.5');
  t.equal(ev('+', [1.5, T.real], [0.25, T.real]), 1.75);
});

t.test('math functions (PostgreSQL 15 reference values)', async (t) => {
  t.equal(str(ev('round', n('2.5'))), '3');
  t.equal(str(ev('round', n('-2.5'))), '-3');
  t.equal(ev('round', f(2.5)), 2, 'float round is half-even');
  t.equal(str(ev('round', n('3.14159'), i(2))), '3.14');
  t.equal(str(ev('round', n('1234.5'), i(-2))), '1200');
  t.equal(str(ev('round', i(5))), '5');
  t.equal(str(ev('trunc', n('-2.7'))), '-2');
  t.equal(str(ev('ceil', n('-2.5'))), '-2');
  t.equal(str(ev('floor', n('-2.5'))), '-3');
  t.equal(ev('floor', f(-2.5)), -3);
  t.equal(ev('sign', i(-3)), -1);
  t.ok(Object.is(ev('sign', f(-0)), 0), 'sign(-0.0) is 0, not -0');
  t.equal(ev('abs', i(-7)), 7);
  t.throws(() => ev('abs', i(-2147483648)), { code: 'NUMERIC_OVERFLOW' });
  t.equal(str(ev('abs', n('-1.50'))), '1.50');
  t.equal(ev('sqrt', f(16)), 4);
  t.throws(() => ev('sqrt', f(-1)), { code: 'INVALID_ARGUMENT' });
  t.equal(ev('ln', f(1)), 0);
  t.throws(() => ev('ln', f(0)), { code: 'INVALID_ARGUMENT' });
  t.equal(ev('log', f(100)), 2);
  t.ok(Math.abs((ev('log', f(2), f(8)) as number) - 3) < 1e-12);
  t.equal(ev('power', f(2), f(3)), 8);
  t.equal(ev('exp', f(0)), 1);
  t.equal(ev('gcd', i(12), i(18)), 6);
  t.equal(ev('width_bucket', f(5.35), f(0.024), f(10.06), i(5)), 3);
  const random = compileScalar({ kind: 'call', name: 'random', args: [], type: T.double });
  const draws = new Set([random([], 0), random([], 0), random([], 0)]);
  t.ok([...draws].every((r) => typeof r === 'number' && r >= 0 && r < 1));
  t.ok(draws.size > 1, 'random() is evaluated per call, not folded');
});

t.test('comparisons across types and NULL', async (t) => {
  t.equal(ev('<', i(1), big(2)), true);
  t.equal(ev('=', i(1), f(1.0)), true);
  t.equal(ev('=', n('1.0'), n('1.00')), true);
  t.equal(ev('<', n('-1'), i(0)), true);
  t.equal(ev('<>', s('a'), s('b')), true);
  t.equal(ev('>=', s('b'), s('a')), true);
  t.equal(ev('=', f(NaN), f(NaN)), true, 'NaN = NaN in PostgreSQL');
  t.equal(ev('>', f(NaN), f(Infinity)), true);
  t.equal(ev('<', b(false), b(true)), true);
  t.equal(ev('=', i(null), i(1)), null);
  t.equal(ev('=', [[1, 2], T.array(T.int)], [[1, 2], T.array(T.int)]), true);
  t.throws(() => resolveOperator('=', [T.varchar, T.int]), { code: 'TYPE_MISMATCH', message: /operator does not exist/ });
  t.equal(resolveOperator('=', [T.timestamp, T.varchar], { unknownLiterals: [false, true] }).argTypes[1]!.id, 'timestamp');
});

t.test('boolean operators and IS tests', async (t) => {
  t.equal(ev('not', b(true)), false);
  t.equal(ev('not', b(null)), null);
  t.equal(ev('is_null', i(null)), true);
  t.equal(ev('is_not_null', i(null)), false);
  t.equal(ev('is_true', b(null)), false);
  t.equal(ev('is_not_true', b(null)), true);
  t.equal(ev('is_false', b(false)), true);
  t.equal(ev('is_not_false', b(null)), true);
  t.equal(ev('is_unknown', b(null)), true);
  t.equal(ev('is_distinct_from', i(null), i(null)), false);
  t.equal(ev('is_distinct_from', i(1), i(null)), true);
  t.equal(ev('is_distinct_from', i(1), big(1)), false);
  t.equal(ev('is_not_distinct_from', n('1.0'), n('1')), true);
  t.equal(ev('is_not_distinct_from', s(null), s('x')), false);
});

t.test('|| concatenation', async (t) => {
  t.equal(ev('||', s('a'), s('b')), 'ab');
  t.equal(ev('||', s('a'), i(1)), 'a1');
  t.equal(ev('||', s('a'), b(true)), 'atrue', "text || boolean uses ::text ('true')");
  t.equal(ev('||', s(null), s('b')), null);
  t.same(ev('||', [[1], T.array(T.int)], [[2, 3], T.array(T.int)]), [1, 2, 3]);
  t.same(ev('||', [[1], T.array(T.int)], i(2)), [1, 2]);
  t.same(ev('||', [null, T.array(T.int)], i(2)), [2], 'NULL array || x is {x}');
});
