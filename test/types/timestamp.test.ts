import t from 'tap';
import fc from 'fast-check';
import {
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTimestamp,
  formatTimestampTz,
  isoWeek,
  parseDate,
  parseTimestamp,
  timestampFields,
} from '../../lib/types/timestamp.js';

t.test('parses ISO 8601 and PostgreSQL text as UTC', async (t) => {
  t.equal(parseTimestamp('2024-01-02 03:04:05'), Date.UTC(2024, 0, 2, 3, 4, 5));
  t.equal(parseTimestamp('2024-01-02T03:04:05'), Date.UTC(2024, 0, 2, 3, 4, 5));
  t.equal(parseTimestamp('2024-01-02t03:04'), Date.UTC(2024, 0, 2, 3, 4));
  t.equal(parseTimestamp('2024-01-02'), Date.UTC(2024, 0, 2));
  t.equal(parseTimestamp('2024-01-02 03:04:05.123'), Date.UTC(2024, 0, 2, 3, 4, 5, 123));
  t.equal(parseTimestamp('2024-01-02 03:04:05.123456'), Date.UTC(2024, 0, 2, 3, 4, 5, 123) + 0.456);
  t.equal(parseTimestamp('2024-01-02 03:04:05.1234567'), Date.UTC(2024, 0, 2, 3, 4, 5, 123) + 0.457, 'rounds to microseconds');
  t.equal(parseTimestamp('  2024-01-02 03:04:05  '), Date.UTC(2024, 0, 2, 3, 4, 5));
});

t.test('zone offsets convert to UTC', async (t) => {
  t.equal(parseTimestamp('2024-01-02T03:04:05Z'), Date.UTC(2024, 0, 2, 3, 4, 5));
  t.equal(parseTimestamp('2024-01-02T03:04:05+02:00'), Date.UTC(2024, 0, 2, 1, 4, 5));
  t.equal(parseTimestamp('2024-01-02 03:04:05-0530'), Date.UTC(2024, 0, 2, 8, 34, 5));
  t.equal(parseTimestamp('2024-01-02 00:30:00+01'), Date.UTC(2024, 0, 1, 23, 30));
});

t.test('rejects invalid text with INVALID_CAST', async (t) => {
  for (const bad of ['', 'now', '2024-13-01', '2024-02-30', '2023-02-29', '2024-01-01 25:00', '2024-01-01 10:60', '2024/01/01', '2024-01-01 10:00 junk', '2024-01-01+99']) {
    t.throws(() => parseTimestamp(bad), { code: 'INVALID_CAST' }, bad);
  }
  t.equal(parseTimestamp('2024-02-29'), Date.UTC(2024, 1, 29), 'leap day');
  t.equal(parseTimestamp('2024-01-01 24:00:00'), Date.UTC(2024, 0, 2), '24:00 is the next midnight');
});

t.test('formats in PostgreSQL output style', async (t) => {
  t.equal(formatTimestamp(Date.UTC(2024, 0, 1, 10, 0, 0)), '2024-01-01 10:00:00');
  t.equal(formatTimestamp(Date.UTC(2024, 0, 1, 10, 0, 0, 500)), '2024-01-01 10:00:00.5');
  t.equal(formatTimestamp(Date.UTC(2024, 0, 1, 10, 0, 0, 123) + 0.456), '2024-01-01 10:00:00.123456');
  t.equal(formatTimestamp(Date.UTC(1969, 11, 31, 23, 59, 59, 999)), '1969-12-31 23:59:59.999');
  t.equal(formatTimestamp(-62135596800000), '0001-01-01 00:00:00');
  t.equal(formatTimestampTz(Date.UTC(2024, 0, 1)), '2024-01-01 00:00:00+00');
  t.equal(formatDate(Date.UTC(2024, 2, 5, 13)), '2024-03-05');
  t.equal(parseDate('2024-03-05 13:00'), Date.UTC(2024, 2, 5));
  t.throws(() => parseDate('x'), { code: 'INVALID_CAST' });
});

t.test('fields, weeks and calendar helpers', async (t) => {
  const f = timestampFields(Date.UTC(2024, 2, 5, 14, 7, 9, 123) + 0.456);
  t.same(f, { year: 2024, month: 3, day: 5, hour: 14, minute: 7, second: 9, micros: 123456, dow: 2, doy: 65 });
  t.same(isoWeek(Date.UTC(2024, 0, 1)), { week: 1, year: 2024 });
  t.same(isoWeek(Date.UTC(2021, 0, 3)), { week: 53, year: 2020 });
  t.same(isoWeek(Date.UTC(2024, 11, 30)), { week: 1, year: 2025 });
  t.equal(timestampFields(Date.UTC(1969, 11, 31, 23)).dow, 3, 'pre-epoch weekday');
});

t.test('property: civil ⇄ days round trip matches Date.UTC', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (day) => {
      const c = civilFromDays(day);
      // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999
      const viaDate = new Date(0).setUTCFullYear(c.year, c.month - 1, c.day);
      return daysFromCivil(c.year, c.month, c.day) === day && viaDate === day * 86_400_000;
    }),
  );
});

t.test('property: format then parse is the identity at microsecond precision', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 999 }), (ms, us) => {
      const ts = ms + us / 1000;
      return Math.round(parseTimestamp(formatTimestamp(ts)) * 1000) === Math.round(ts * 1000);
    }),
    { numRuns: 2000 },
  );
});
