// Decimals whose unscaled value is a safe integer are computed in doubles; these tests pin that
// every such result equals the exact bigint arithmetic to the last digit, including at and just
// past the 2^53 boundary where the fast path must hand over to bigints.
import t from 'tap';
import fc from 'fast-check';
import { Decimal } from '../../lib/types/decimal.js';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** Exact reference: value = u / 10^s as a (numerator, scale) pair, formatted independently. */
function text(u: bigint, s: number): string {
  const neg = u < 0n;
  let digits = (neg ? -u : u).toString();
  if (s === 0) return (neg ? '-' : '') + digits;
  if (digits.length <= s) digits = '0'.repeat(s - digits.length + 1) + digits;
  return (neg ? '-' : '') + digits.slice(0, digits.length - s) + '.' + digits.slice(digits.length - s);
}
const at = (u: bigint, s: number, to: number) => u * 10n ** BigInt(to - s);

// unscaled values biased to the interesting places: small, near ±2^53, and just beyond
const unscaled = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: MAX - 5000n, max: MAX + 5000n }),
  fc.bigInt({ min: -MAX - 5000n, max: -MAX + 5000n }),
  fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }),
);
const dec = fc.tuple(unscaled, fc.integer({ min: 0, max: 9 }));

t.test('add, sub, mul, compare, toString agree with bigint arithmetic on both sides of 2^53', async (t) => {
  fc.assert(
    fc.property(dec, dec, ([ua, sa], [ub, sb]) => {
      const a = new Decimal(ua, sa);
      const b = new Decimal(ub, sb);
      const s = Math.max(sa, sb);
      const sum = at(ua, sa, s) + at(ub, sb, s);
      const diff = at(ua, sa, s) - at(ub, sb, s);
      const cmp = diff < 0n ? -1 : diff > 0n ? 1 : 0;
      return (
        a.add(b).toString() === text(sum, s) &&
        a.add(b).unscaled === sum &&
        a.sub(b).toString() === text(diff, s) &&
        a.mul(b).toString() === text(ua * ub, sa + sb) &&
        a.mul(b).unscaled === ua * ub &&
        a.compare(b) === cmp &&
        a.toString() === text(ua, sa) &&
        a.negate().unscaled === -ua &&
        a.sign() === (ua < 0n ? -1 : ua > 0n ? 1 : 0) &&
        a.toNumber() === Number(text(ua, sa))
      );
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 random pairs agreed');
});

t.test('products and sums that leave the safe range are exact (bigint fallback)', async (t) => {
  const big = Decimal.fromScaled(Number.MAX_SAFE_INTEGER, 0);
  t.equal(big.add(Decimal.fromScaled(1, 0)).toString(), '9007199254740992');
  t.equal(big.add(Decimal.fromScaled(2, 0)).toString(), '9007199254740993'); // not representable as a double
  t.equal(big.mul(Decimal.fromScaled(3, 0)).toString(), '27021597764222973');
  t.equal(big.sub(Decimal.fromScaled(-1, 3)).toString(), '9007199254740991.001');
  t.equal(Decimal.fromScaled(-Number.MAX_SAFE_INTEGER, 2).sub(Decimal.fromScaled(1, 2)).toString(), '-90071992547409.92');
  // scale alignment itself overflows: 9007199254740991 · 10^9
  t.equal(big.add(Decimal.fromScaled(1, 9)).toString(), '9007199254740991.000000001');
  t.equal(big.compare(Decimal.fromScaled(1, 9)), 1);
  t.equal(Decimal.parse('0.908').mul(Decimal.fromScaled(9007199254740, 0)).toString(), '8178536923303.920');
});

t.test('the representation is canonical: equal values built either way have equal fields', async (t) => {
  t.same(new Decimal(5n, 1), Decimal.fromScaled(5, 1));
  t.same(Decimal.parse('-0.00'), Decimal.fromScaled(0, 2));
  t.same(Decimal.fromScaled(-3, 0).mul(Decimal.fromScaled(0, 0)), new Decimal(0n, 0)); // no -0
  t.same(new Decimal(MAX + 1n, 0).sub(Decimal.fromScaled(1, 0)), Decimal.fromScaled(Number.MAX_SAFE_INTEGER, 0));
  t.equal(typeof new Decimal(7n, 0).unscaled, 'bigint');
  t.throws(() => Decimal.fromScaled(0.5, 0), RangeError);
  t.throws(() => Decimal.fromScaled(2 ** 53, 0), RangeError);
});

t.test('normalize and integer conversions on number-held values', async (t) => {
  t.equal(Decimal.fromScaled(12000, 3).normalize().toString(), '12');
  t.equal(Decimal.fromScaled(-1200, 3).normalize().toString(), '-1.2');
  t.equal(Decimal.fromScaled(0, 3).normalize().toString(), '0');
  t.equal(Decimal.fromScaled(1005, 1).toBigInt(), 101n);
  t.equal(Decimal.fromScaled(-1005, 1).round(0).toString(), '-101');
  t.equal(Decimal.fromScaled(1, 25).toNumber(), 1e-25);
  t.equal(Decimal.fromScaled(123, 2).toNumber(), 1.23);
});
