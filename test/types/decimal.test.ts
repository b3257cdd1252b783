import t from 'tap';
import fc from 'fast-check';
import { Decimal, divisionScale } from '../../lib/types/decimal.js';

const d = (s: string) => Decimal.parse(s);

t.test('parse and toString keep the written scale', async (t) => {
  t.equal(d('12').toString(), '12');
  t.equal(d('-1.50').toString(), '-1.50');
  t.equal(d('.5').toString(), '0.5');
  t.equal(d('-.05').toString(), '-0.05');
  t.equal(d('1e3').toString(), '1000');
  t.equal(d('1.5e-3').toString(), '0.0015');
  t.equal(d('  42 ').toString(), '42');
  t.equal(d('+7').toString(), '7');
  t.equal(d('0.000').toString(), '0.000');
  for (const bad of ['', 'abc', '1.2.3', '1e', '--1', '1 2', 'NaN']) {
    t.throws(() => d(bad), { code: 'INVALID_CAST' }, bad);
  }
  t.equal(Decimal.tryParse('x'), null);
});

t.test('addition and subtraction use the larger scale', async (t) => {
  t.equal(d('1.10').add(d('2.205')).toString(), '3.305');
  t.equal(d('1').sub(d('0.001')).toString(), '0.999');
  t.equal(d('-5.5').add(d('5.5')).toString(), '0.0');
  t.equal(d('99999999999999999999').add(d('1')).toString(), '100000000000000000000');
});

t.test('multiplication adds scales', async (t) => {
  t.equal(d('0.5').mul(d('0.25')).toString(), '0.125');
  t.equal(d('1.10').mul(d('2.0')).toString(), '2.200');
  t.equal(d('-3').mul(d('0.1')).toString(), '-0.3');
});

t.test('division follows PostgreSQL select_div_scale (checked against PostgreSQL 15)', async (t) => {
  t.equal(d('1').div(d('3')).toString(), '0.33333333333333333333');
  t.equal(d('10').div(d('3')).toString(), '3.3333333333333333');
  t.equal(d('6').div(d('3')).toString(), '2.0000000000000000');
  t.equal(d('10').div(d('4')).toString(), '2.5000000000000000');
  t.equal(d('1').div(d('7')).toString(), '0.14285714285714285714');
  t.equal(d('100').div(d('3')).toString(), '33.3333333333333333');
  t.equal(d('0.05').div(d('7')).toString(), '0.00714285714285714286');
  t.equal(d('12345.678').div(d('0.003')).toString(), '4115226.000000000000');
  t.equal(d('-1').div(d('3')).toString(), '-0.33333333333333333333');
  t.equal(d('2').div(d('3')).toString(), '0.66666666666666666667', 'rounds half away from zero');
  t.throws(() => d('1').div(d('0.00')), { name: 'ExecutionError', code: 'DIVISION_BY_ZERO' });
  t.equal(divisionScale(d('1.123456789012345678901'), d('1')), 21, 'never below an input scale');
});

t.test('modulo keeps the dividend sign', async (t) => {
  t.equal(d('5.0').mod(d('3')).toString(), '2.0');
  t.equal(d('-7').mod(d('3')).toString(), '-1');
  t.throws(() => d('1').mod(d('0')), { code: 'DIVISION_BY_ZERO' });
});

t.test('round, trunc, floor, ceil', async (t) => {
  t.equal(d('2.5').round().toString(), '3');
  t.equal(d('-2.5').round().toString(), '-3');
  t.equal(d('3.14159').round(2).toString(), '3.14');
  t.equal(d('1234.5').round(-2).toString(), '1200');
  t.equal(d('1.5').round(3).toString(), '1.500');
  t.equal(d('-2.7').trunc().toString(), '-2');
  t.equal(d('-2.5').floor().toString(), '-3');
  t.equal(d('-2.5').ceil().toString(), '-2');
  t.equal(d('2.1').ceil().toString(), '3');
  t.equal(d('2.0').floor().toString(), '2');
});

t.test('compare and equality ignore trailing zeros', async (t) => {
  t.equal(d('1.0').compare(d('1.00')), 0);
  t.ok(d('1.0').equals(d('1')));
  t.equal(d('-1').compare(d('0.5')), -1);
  t.equal(d('10').compare(d('9.999')), 1);
  t.equal(d('1.500').normalize().toString(), '1.5');
  t.equal(d('0.000').normalize().toString(), '0');
});

t.test('fit to DECIMAL(p,s) rounds and checks precision', async (t) => {
  t.equal(d('12345.678').fit(7, 2).toString(), '12345.68');
  t.equal(d('1.5').fit(10, 0).toString(), '2');
  t.throws(() => d('123456.7').fit(7, 2), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => d('99.995').fit(4, 2), { code: 'NUMERIC_OVERFLOW' }, 'rounding up can overflow');
  t.equal(d('0.001').fit(3, 3).toString(), '0.001');
});

t.test('conversions', async (t) => {
  t.equal(Decimal.fromNumber(42).toString(), '42');
  t.equal(Decimal.fromNumber(0.1).toString(), '0.1');
  t.throws(() => Decimal.fromNumber(NaN), { code: 'INVALID_CAST' });
  t.equal(d('2.5').toBigInt(), 3n);
  t.equal(d('-2.5').toBigInt(), -3n);
  t.equal(d('1.25').toNumber(), 1.25);
  t.equal(JSON.stringify({ x: d('1.50') }), '{"x":"1.50"}');
});

t.test('property: arithmetic matches exact rational arithmetic on scaled bigints', async (t) => {
  const dec = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 8 })).map(([u, s]) => new Decimal(u, s));
  fc.assert(
    fc.property(dec, dec, (a, b) => {
      const sum = a.add(b).sub(b);
      if (sum.compare(a) !== 0) return false;
      if (a.mul(b).compare(b.mul(a)) !== 0) return false;
      if (!b.isZero()) {
        // |a/b - q| ≤ half a unit in the last place of the quotient's scale
        const q = a.div(b);
        const err = q.mul(b).sub(a).abs();
        const ulp = new Decimal(1n, q.scale).mul(b.abs());
        if (err.compare(ulp) > 0) return false;
      }
      return Decimal.parse(a.toString()).compare(a) === 0;
    }),
    { numRuns: 500 },
  );
});
