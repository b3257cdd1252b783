import t from 'tap';
import { Interval } from '../../lib/types/interval.js';
import { formatTimestamp, parseTimestamp } from '../../lib/types/timestamp.js';

const p = (s: string, u?: string, to?: string) => Interval.parse(s, u, to);

t.test('PostgreSQL text forms parse and print as PostgreSQL 15 prints them', async (t) => {
  const cases: [string, string][] = [
    ['5 seconds', '00:00:05'],
    ['1 day 02:00:00', '1 day 02:00:00'],
    ['PT5S', '00:00:05'],
    ['1 year 2 months 3 days 04:05:06.5', '1 year 2 mons 3 days 04:05:06.5'],
    ['-1 day', '-1 days'],
    ['-1 year 2 days', '-1 years +2 days'],
    ['1.5 hours', '01:30:00'],
    ['1 day -02:00:00', '1 day -02:00:00'],
    ['2 weeks', '14 days'],
    ['90 minutes', '01:30:00'],
    ['0 seconds', '00:00:00'],
    ['1 mon', '1 mon'],
    ['3 mons', '3 mons'],
    ['2 years', '2 years'],
    ['10 ms', '00:00:00.01'],
    ['1 microsecond', '00:00:00.000001'],
    ['@ 1 minute ago', '-00:01:00'],
    ['1.5 days', '1 day 12:00:00'],
    ['0.5 months', '15 days'],
    ['10', '00:00:10'],
    ['1d 2h', '1 day 02:00:00'],
  ];
  for (const [input, out] of cases) t.equal(p(input).toString(), out, input);
});

t.test('SQL-standard unit literals', async (t) => {
  t.equal(p('5', 'SECOND').toString(), '00:00:05');
  t.equal(p('4', 'second').toMillis(), 4000);
  t.equal(p('10', 'MINUTE').toString(), '00:10:00');
  t.equal(p('1', 'HOUR').toMillis(), 3_600_000);
  t.equal(p('2', 'YEAR').months, 24);
  t.equal(p('3', 'DAY').days, 3);
  t.equal(p('1 02:00:00', 'DAY', 'SECOND').toString(), '1 day 02:00:00');
});

t.test('ISO 8601 durations', async (t) => {
  t.equal(p('P1Y2M3DT4H5M6.5S').toString(), '1 year 2 mons 3 days 04:05:06.5');
  t.equal(p('P2W').toString(), '14 days');
  t.equal(p('PT0.25S').toMillis(), 250);
  t.equal(p('-PT5S').toString(), '-00:00:05');
  t.equal(p('PT1H30M').toIsoString(), 'PT1H30M');
  t.equal(Interval.ZERO.toIsoString(), 'PT0S');
});

t.test('bad text is INVALID_CAST', async (t) => {
  for (const bad of ['', 'five seconds', '5 fortnights', 'P', 'PT', '1:2:3:4', '5 seconds extra']) {
    t.throws(() => p(bad), { code: 'INVALID_CAST' }, JSON.stringify(bad));
  }
  t.throws(() => p('x', 'SECOND'), { code: 'INVALID_CAST' });
});

t.test('toMillis is fixed length only', async (t) => {
  t.equal(p('1 day 01:00:00').toMillis(), 90_000_000);
  t.equal(p('-5 seconds').toMillis(), -5000);
  t.throws(() => p('1 month').toMillis(), { code: 'INVALID_ARGUMENT' });
  t.ok(p('1 year').hasMonths());
});

t.test('adding to timestamps follows the calendar', async (t) => {
  const ts = (s: string) => parseTimestamp(s);
  t.equal(formatTimestamp(p('1 year').addTo(ts('2024-02-29 23:59:59.123456'))), '2025-02-28 23:59:59.123456');
  t.equal(formatTimestamp(p('1 month').addTo(ts('2024-01-31'))), '2024-02-29 00:00:00');
  t.equal(formatTimestamp(p('1 month 1 day').subtractFrom(ts('2024-03-31'))), '2024-02-28 00:00:00');
  t.equal(formatTimestamp(p('36 hours').addTo(ts('2024-01-01'))), '2024-01-02 12:00:00');
  t.equal(formatTimestamp(p('-1 mon').addTo(ts('2024-01-15 10:00'))), '2023-12-15 10:00:00');
});

t.test('arithmetic and comparison', async (t) => {
  t.equal(p('1 day').add(p('2 hours')).toString(), '1 day 02:00:00');
  t.equal(p('1 day').sub(p('2 days')).toString(), '-1 days');
  t.equal(p('1 hour').mul(2.5).toString(), '02:30:00');
  t.equal(p('1 mon').mul(1.5).toString(), '1 mon 15 days');
  t.equal(p('1 day').div(4).toString(), '06:00:00');
  t.throws(() => p('1 day').div(0), { code: 'DIVISION_BY_ZERO' });
  t.ok(p('1 day').equals(p('24 hours')), "PostgreSQL: '1 day' = '24 hours'");
  t.ok(p('1 mon').equals(p('30 days')));
  t.equal(p('1 hour').compare(p('59 minutes')), 1);
  t.equal(p('-1 hour').compare(p('1 second')), -1);
  t.equal(p('1 day').negate().toString(), '-1 days');
});
