import t from 'tap';
import { compileDateFormat } from '../../lib/functions/datetime-format.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';
import { T } from '../../lib/types/datatype.js';
import { formatTimestamp, parseTimestamp } from '../../lib/types/timestamp.js';
import { ev, i, s, ts, f, type Arg } from './eval.js';

const at = (text: string) => ts(parseTimestamp(text));
const iv = (text: string): Arg => [Interval.parse(text), T.interval];
const str = (v: unknown) => (v === null ? null : (v as Decimal | Interval).toString());

t.test('extract returns numeric like PostgreSQL 15', async (t) => {
  const x = at('2024-03-05 14:07:09.5');
  t.equal(str(ev('extract', s('second'), x)), '9.500000');
  t.equal(str(ev('extract', s('epoch'), x)), '1709647629.500000');
  t.equal(str(ev('extract', s('millisecond'), x)), '9500.000');
  t.equal(str(ev('extract', s('hour'), x)), '14');
  t.equal(str(ev('extract', s('minute'), x)), '7');
  t.equal(str(ev('extract', s('year'), x)), '2024');
  t.equal(str(ev('extract', s('month'), x)), '3');
  t.equal(str(ev('extract', s('day'), x)), '5');
  t.equal(str(ev('extract', s('dow'), at('2024-03-05'))), '2');
  t.equal(str(ev('extract', s('isodow'), at('2024-03-03'))), '7');
  t.equal(str(ev('extract', s('doy'), at('2024-03-05'))), '65');
  t.equal(str(ev('extract', s('week'), at('2024-01-01'))), '1');
  t.equal(str(ev('extract', s('quarter'), at('2024-08-01'))), '3');
  t.equal(str(ev('extract', s('century'), at('2000-12-31'))), '20');
  t.equal(str(ev('extract', s('HOUR'), x)), '14', 'unit is case-insensitive');
  t.equal(str(ev('extract', s('epoch'), iv('1 day 01:00:00'))), '90000.000000');
  t.equal(str(ev('extract', s('hour'), iv('1 day 05:30:00'))), '5');
  t.equal(ev('date_part', s('second'), x), 9.5);
  t.throws(() => ev('extract', s('fortnight'), x), { code: 'INVALID_ARGUMENT', message: /fortnight/ });
  t.equal(ev('extract', s('hour'), ts(null)), null);
});

t.test('date_trunc', async (t) => {
  const tr = (u: string, x: string) => formatTimestamp(ev('date_trunc', s(u), at(x)) as number);
  t.equal(tr('week', '2024-03-07 10:00'), '2024-03-04 00:00:00');
  t.equal(tr('quarter', '2024-08-17 10:00'), '2024-07-01 00:00:00');
  t.equal(tr('hour', '2024-08-17 10:59:59.9'), '2024-08-17 10:00:00');
  t.equal(tr('century', '2024-08-17'), '2001-01-01 00:00:00');
  t.equal(tr('decade', '2024-08-17'), '2020-01-01 00:00:00');
  t.equal(tr('day', '1969-12-31 23:00'), '1969-12-31 00:00:00');
  t.equal(tr('minute', '2024-01-01 10:05:59.999999'), '2024-01-01 10:05:00');
  t.equal(tr('millisecond', '2024-01-01 10:05:59.123456'), '2024-01-01 10:05:59.123');
  t.throws(() => tr('eon', '2024-01-01'), { code: 'INVALID_ARGUMENT' });
  t.equal(str(ev('date_trunc', s('hour'), iv('1 day 05:30:00'))), '1 day 05:00:00');
  t.equal(formatTimestamp(ev('date_bin', iv('15 minutes'), at('2024-01-01 10:37'), at('2000-01-01')) as number), '2024-01-01 10:30:00');
});

t.test('to_char patterns (PostgreSQL 15 reference output)', async (t) => {
  const x = at('2024-03-05 14:07:09.123456');
  t.equal(
    ev('to_char', x, s('YYYY-MM-DD HH24:MI:SS.MS US Mon MON Month Day Dy D DDD Q WW IW HH12 AM am FMDD FMMonth "lit" YY')),
    '2024-03-05 14:07:09.123 123456 Mar MAR March     Tuesday   Tue 3 065 1 10 10 02 PM pm 5 March lit 24',
  );
  t.equal(ev('to_char', at('2024-01-01 00:30'), s('HH12:MI AM')), '12:30 AM');
  t.equal(ev('to_char', at('2024-01-01 10:00'), s('YYYY-MM-DD')), '2024-01-01');
  t.equal(ev('to_char', at('2024-01-01 10:00'), s('HH24:MI')), '10:00');
  t.equal(ev('to_char', at('2024-01-01 10:00'), s('\\YYYY')), 'Y024', 'backslash escapes one character');
  t.equal(ev('to_char', ts(null), s('YYYY')), null);
});

t.test('to_char reuses its last result only within the same day/minute', async (t) => {
  const day = compileDateFormat('YYYY-MM-DD');
  const minute = compileDateFormat('HH24:MI');
  const seq = ['2024-01-01 23:59:59.999', '2024-01-02 00:00', '2024-01-01 12:00', '1969-12-31 23:00', '1970-01-01 00:00', '2024-01-02 00:00:30'];
  for (const x of seq) {
    const ms = parseTimestamp(x);
    t.equal(day(ms), x.slice(0, 10), `day of ${x}`);
    t.equal(minute(ms), x.slice(11, 16), `minute of ${x}`);
  }
  const ms3 = compileDateFormat('SS.MS');
  t.equal(ms3(parseTimestamp('2024-01-01 00:00:01.5')), '01.500');
  t.equal(ms3(parseTimestamp('2024-01-01 00:00:01.25')), '01.250');
});

t.test('to_timestamp / to_date / make_*', async (t) => {
  t.equal(ev('to_timestamp', f(1709647629.5)), Date.UTC(2024, 2, 5, 14, 7, 9, 500));
  t.equal(ev('to_timestamp', s('2024-03-05 14:07'), s('YYYY-MM-DD HH24:MI')), Date.UTC(2024, 2, 5, 14, 7));
  t.equal(ev('to_timestamp', s('05 Mar 2024 02:07 PM'), s('DD Mon YYYY HH12:MI AM')), Date.UTC(2024, 2, 5, 14, 7));
  t.equal(ev('to_date', s('2024/03/05'), s('YYYY/MM/DD')), Date.UTC(2024, 2, 5));
  t.throws(() => ev('to_timestamp', s('2024-13-05'), s('YYYY-MM-DD')), { code: 'INVALID_CAST' });
  t.throws(() => ev('to_timestamp', s('abc'), s('YYYY')), { code: 'INVALID_CAST' });
  t.throws(() => ev('to_timestamp', f(NaN)), { code: 'INVALID_ARGUMENT' });
  t.equal(ev('make_date', i(2024), i(2), i(29)), Date.UTC(2024, 1, 29));
  t.throws(() => ev('make_date', i(2023), i(2), i(29)), { code: 'INVALID_ARGUMENT' });
  t.equal(ev('make_timestamp', i(2024), i(1), i(2), i(3), i(4), f(5.5)), Date.UTC(2024, 0, 2, 3, 4, 5, 500));
});

t.test('timestamp and date arithmetic operators', async (t) => {
  const fmt = (v: unknown) => formatTimestamp(v as number);
  t.equal(fmt(ev('+', at('2024-02-29 23:59:59.123456'), iv('1 year'))), '2025-02-28 23:59:59.123456');
  t.equal(fmt(ev('+', at('2024-01-31'), iv('1 month'))), '2024-02-29 00:00:00');
  t.equal(fmt(ev('-', at('2024-01-01 00:00:04'), iv('4 seconds'))), '2024-01-01 00:00:00');
  t.equal(str(ev('-', at('2024-03-01'), at('2024-02-28 12:00'))), '1 day 12:00:00');
  t.equal(str(ev('-', at('2024-01-01'), at('2024-01-01 00:00:01'))), '-00:00:01');
  const d = (x: string): Arg => [parseTimestamp(x), T.date];
  t.equal(ev('-', d('2024-03-01'), d('2024-02-01')), 29);
  t.equal(ev('+', d('2024-01-31'), i(1)), Date.UTC(2024, 1, 1));
  t.equal(str(ev('+', iv('1 day'), iv('2 hours'))), '1 day 02:00:00');
  t.equal(str(ev('*', iv('1 hour'), f(2.5))), '02:30:00');
  t.equal(str(ev('age', at('2024-03-01'), at('2023-01-31 12:00'))), '1 year 1 mon 12:00:00');
  t.equal(str(ev('age', at('2023-01-31'), at('2024-03-01'))), '-1 years -1 mons -1 days');
  t.equal(ev('+', ts(null), iv('1 day')), null);
});

t.test('now() is fixed within one compiled expression', async (t) => {
  const a = ev('now') as number;
  t.ok(Math.abs(a - Date.now()) < 5000);
  t.equal(ev('current_date'), Math.floor(Date.now() / 86_400_000) * 86_400_000);
});
