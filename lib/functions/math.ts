// Mathematical functions (PostgreSQL names and semantics). Float rounding functions use rint-
// style half-to-even like PostgreSQL's float8 round; decimal rounding is half away from zero.
import { ExecutionError } from '../errors.js';
import { rint } from '../types/cast.js';
import type { DataType, TypeId } from '../types/datatype.js';
import { T } from '../types/datatype.js';
import { Decimal } from '../types/decimal.js';
import { i2, i4, i8 } from './arith.js';
import { define, type Signature } from './signature.js';

const sigs: Signature[] = [];
const add = (s: Signature[]): void => {
  sigs.push(...s);
};

function invalid(msg: string): ExecutionError {
  return new ExecutionError('INVALID_ARGUMENT', msg);
}

const INT_CHECK: [TypeId, (x: number) => number][] = [
  ['smallint', i2],
  ['int', i4],
  ['bigint', i8],
];

for (const [id, check] of INT_CHECK) {
  const t: DataType = { id };
  add(define('abs', [id], t, (a: number) => check(Math.abs(a)), { inline: ([a]) => `h.${id === 'smallint' ? 'i2' : id === 'int' ? 'i4' : 'i8'}(Math.abs(${a}))` }));
  add(define('sign', [id], t, (a: number) => Math.sign(a) + 0)); // + 0: sign(-0.0) is 0
  add(define(['gcd'], [id, id], t, (a: number, b: number) => check(gcd(a, b))));
}
for (const id of ['real', 'double'] as TypeId[]) {
  const t: DataType = { id };
  add(define('abs', [id], t, (a: number) => Math.abs(a), { inline: ([a]) => `Math.abs(${a})` }));
  add(define('sign', [id], t, (a: number) => Math.sign(a) + 0)); // + 0: sign(-0.0) is 0
}
add(define('abs', ['decimal'], T.decimal, (a: Decimal) => a.abs()));
add(define('sign', ['decimal'], T.decimal, (a: Decimal) => new Decimal(BigInt(a.sign()), 0)));

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

// round / trunc / ceil / floor
add(define('round', ['double'], T.double, (a: number) => rint(a)));
add(define('round', ['decimal'], T.decimal, (a: Decimal) => a.round(0)));
add(define('round', ['decimal', 'int'], T.decimal, (a: Decimal, n: number) => a.round(n)));
add(define('trunc', ['double'], T.double, (a: number) => Math.trunc(a)));
add(define('trunc', ['decimal'], T.decimal, (a: Decimal) => a.trunc(0)));
add(define('trunc', ['decimal', 'int'], T.decimal, (a: Decimal, n: number) => a.trunc(n)));
add(define(['ceil', 'ceiling'], ['double'], T.double, (a: number) => Math.ceil(a)));
add(define(['ceil', 'ceiling'], ['decimal'], T.decimal, (a: Decimal) => a.ceil()));
add(define('floor', ['double'], T.double, (a: number) => Math.floor(a)));
add(define('floor', ['decimal'], T.decimal, (a: Decimal) => a.floor()));

// roots, powers, logarithms
add(
  define('sqrt', ['double'], T.double, (a: number) => {
    if (a < 0) throw invalid('cannot take square root of a negative number');
    return Math.sqrt(a);
  }),
);
add(define('cbrt', ['double'], T.double, (a: number) => Math.cbrt(a)));
add(
  define(['power', 'pow'], ['double', 'double'], T.double, (a: number, b: number) => {
    if (a === 0 && b < 0) throw invalid('zero raised to a negative power is undefined');
    if (a < 0 && !Number.isInteger(b)) throw invalid('a negative number raised to a non-integer power yields a complex result');
    return Math.pow(a, b);
  }),
);
add(define('exp', ['double'], T.double, (a: number) => Math.exp(a)));
function positiveLog(what: string, a: number): void {
  if (a === 0) throw invalid(`cannot take logarithm of zero`);
  if (a < 0) throw invalid(`cannot take logarithm of a negative number (${what})`);
}
add(
  define('ln', ['double'], T.double, (a: number) => {
    positiveLog('ln', a);
    return Math.log(a);
  }),
);
add(
  define(['log', 'log10'], ['double'], T.double, (a: number) => {
    positiveLog('log', a);
    return Math.log10(a);
  }),
);
add(
  define('log', ['double', 'double'], T.double, (b: number, a: number) => {
    positiveLog('log', a);
    positiveLog('log', b);
    if (b === 1) throw new ExecutionError('DIVISION_BY_ZERO', 'division by zero');
    return Math.log(a) / Math.log(b);
  }),
);
add(define('pi', [], T.double, () => Math.PI));
add(define('degrees', ['double'], T.double, (a: number) => (a * 180) / Math.PI));
add(define('radians', ['double'], T.double, (a: number) => (a * Math.PI) / 180));
for (const [name, f] of [
  ['sin', Math.sin], ['cos', Math.cos], ['tan', Math.tan], ['asin', Math.asin], ['acos', Math.acos],
  ['atan', Math.atan], ['sinh', Math.sinh], ['cosh', Math.cosh], ['tanh', Math.tanh],
] as [string, (x: number) => number][]) {
  add(define(name, ['double'], T.double, (a: number) => f(a)));
}
add(define('atan2', ['double', 'double'], T.double, (a: number, b: number) => Math.atan2(a, b)));
add(define('random', [], T.double, () => Math.random(), { volatile: true }));

// width_bucket(operand, low, high, count) as PostgreSQL
add(
  define('width_bucket', ['double', 'double', 'double', 'int'], T.int, (x: number, lo: number, hi: number, n: number) => {
    if (n <= 0) throw invalid('count must be greater than zero');
    if (lo === hi) throw invalid('lower bound cannot equal upper bound');
    if (lo < hi) {
      if (x < lo) return 0;
      if (x >= hi) return n + 1;
      return Math.floor(((x - lo) / (hi - lo)) * n) + 1;
    }
    if (x > lo) return 0;
    if (x <= hi) return n + 1;
    return Math.floor(((lo - x) / (lo - hi)) * n) + 1;
  }),
);

export const mathSignatures: Signature[] = sigs;
