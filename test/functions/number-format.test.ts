import t from 'tap';
import { T } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';
import { ev, s, i, type Arg } from './eval.js';

const n = (x: string): Arg => [Decimal.parse(x), T.decimal];

t.test('to_char(number, template) matches PostgreSQL 15', async (t) => {
  const cases: [Arg, string, string][] = [
    [n('1234.567'), '9999.99', ' 1234.57'],
    [n('1234.567'), 'FM9,999.00', '1,234.57'],
    [n('-12.5'), '999.9', ' -12.5'],
    [n('5'), '000', ' 005'],
    [n('-5'), 'S999', '  -5'],
    [n('5'), 'S999', '  +5'],
    [n('123456'), '999', ' ###'],
    [n('0.5'), '9.99', '  .50'],
    [n('0.5'), 'FM0.99', '0.5'],
    [n('12'), 'FM999MI', '12'],
    [n('-12'), '999MI', ' 12-'],
    [n('-12'), '999PR', ' <12>'],
    [n('12'), '999PR', '  12 '],
    [n('1234567'), '9G999G999', ' 1,234,567'],
    [[3.14159, T.double], 'FM990.000', '3.142'],
    [i(42), '999D9', '  42.0'],
  ];
  for (const [v, fmt, want] of cases) t.equal(ev('to_char', v, s(fmt)), want, `to_char(${String(v[0])}, '${fmt}')`);
  t.throws(() => ev('to_char', n('1'), s('XYZ')), { code: 'INVALID_ARGUMENT', message: /template/ });
  t.equal(ev('to_char', [null, T.decimal], s('999')), null);
});

t.test('substring(s FROM pattern) and MINUTE TO SECOND intervals', async (t) => {
  t.equal(ev('substring', s('foobar'), s('o.b')), 'oob');
  t.equal(ev('substring', s('foobar'), s('o(.)b')), 'o');
  t.equal(ev('substring', s('foobar'), s('x')), null);
  t.equal(Interval.parse('1:30', 'MINUTE', 'SECOND').toString(), '00:01:30');
  t.equal(Interval.parse('-1:30.5', 'MINUTE', 'SECOND').toString(), '-00:01:30.5');
});
