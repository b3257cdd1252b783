// Date/time functions: extract/date_part, date_trunc, date_bin, to_char, to_timestamp, to_date,
// make_date/make_timestamp, age, now. EXTRACT returns numeric and date_part double precision, as
// in PostgreSQL 14+. now()/current_timestamp are fixed when the expression is compiled (once
// per statement), as PostgreSQL fixes them per transaction.
import { ExecutionError } from '../errors.js';
import { T } from '../types/datatype.js';
import { Decimal } from '../types/decimal.js';
import { Interval } from '../types/interval.js';
import {
  addMonths,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  epochDay,
  isoWeek,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  timestampFields,
  toMicros,
} from '../types/timestamp.js';
import type { Value } from '../types/value.js';
import { compileDateFormat, parseWithFormat } from './datetime-format.js';
import { compileNumberFormat } from './number-format.js';
import { decimalFromDouble } from '../types/cast.js';
import { define, type Signature } from './signature.js';

const sigs: Signature[] = [];
const add = (s: Signature[]): void => {
  sigs.push(...s);
};

function badUnit(unit: string, type: string): ExecutionError {
  return new ExecutionError('INVALID_ARGUMENT', `unit "${unit}" not supported for type ${type}`);
}

const SMALL_DECIMALS: Decimal[] = [];
/** Integral Decimal without allocating for the common small values. */
function intDecimal(n: number): Decimal {
  if (n >= 0 && n < 4096) {
    let d = SMALL_DECIMALS[n];
    if (d === undefined) SMALL_DECIMALS[n] = d = new Decimal(BigInt(n), 0);
    return d;
  }
  return new Decimal(BigInt(n), 0);
}

/** A field of a timestamp as an exact value: integers, or micro-scaled for second/epoch. */
type FieldValue = { int: number } | { micros: number } | { millis: number };

/** hour/minute of a timestamp without a calendar conversion (the common streaming case) */
function timeOfDayField(unit: string): ((ms: number) => number) | undefined {
  switch (unit.toLowerCase()) {
    case 'hour':
    case 'hours':
      return (ms) => Math.floor((ms - Math.floor(ms / MS_PER_DAY) * MS_PER_DAY) / MS_PER_HOUR);
    case 'minute':
    case 'minutes':
      return (ms) => Math.floor((ms - Math.floor(ms / MS_PER_HOUR) * MS_PER_HOUR) / MS_PER_MINUTE);
    default:
      return undefined;
  }
}

function timestampField(unit: string, ms: number): FieldValue {
  const u = unit.toLowerCase();
  if (u === 'epoch') return { micros: toMicros(ms) };
  const f = timestampFields(ms);
  switch (u) {
    case 'year':
    case 'years':
      return { int: f.year };
    case 'month':
    case 'months':
      return { int: f.month };
    case 'day':
    case 'days':
      return { int: f.day };
    case 'hour':
    case 'hours':
      return { int: f.hour };
    case 'minute':
    case 'minutes':
      return { int: f.minute };
    case 'second':
    case 'seconds':
      return { micros: f.second * 1_000_000 + f.micros };
    case 'millisecond':
    case 'milliseconds':
      return { millis: f.second * 1_000_000 + f.micros };
    case 'microsecond':
    case 'microseconds':
      return { int: f.second * 1_000_000 + f.micros };
    case 'dow':
      return { int: f.dow };
    case 'isodow':
      return { int: f.dow === 0 ? 7 : f.dow };
    case 'doy':
      return { int: f.doy };
    case 'week':
      return { int: isoWeek(ms).week };
    case 'isoyear':
      return { int: isoWeek(ms).year };
    case 'quarter':
      return { int: Math.floor((f.month - 1) / 3) + 1 };
    case 'decade':
      return { int: Math.floor(f.year / 10) };
    case 'century':
      return { int: f.year > 0 ? Math.floor((f.year + 99) / 100) : -Math.floor((99 - (f.year - 1)) / 100) };
    case 'millennium':
      return { int: f.year > 0 ? Math.floor((f.year + 999) / 1000) : -Math.floor((999 - (f.year - 1)) / 1000) };
    case 'julian':
      return { int: epochDay(ms) + 2440588 };
    default:
      throw badUnit(unit, 'timestamp');
  }
}

function intervalField(unit: string, v: Interval): FieldValue {
  const u = unit.toLowerCase();
  switch (u) {
    case 'epoch': {
      // PostgreSQL: a year is 365.25 days, a month 30 days
      const years = Math.trunc(v.months / 12);
      const months = v.months - years * 12;
      const secs = years * 365.25 * 86400 + months * 30 * 86400 + v.days * 86400;
      return { micros: Math.round(secs * 1_000_000) + v.micros };
    }
    case 'year':
    case 'years':
      return { int: Math.trunc(v.months / 12) };
    case 'month':
    case 'months':
      return { int: v.months % 12 };
    case 'day':
    case 'days':
      return { int: v.days };
    case 'hour':
    case 'hours':
      return { int: Math.trunc(v.micros / 3_600_000_000) };
    case 'minute':
    case 'minutes':
      return { int: Math.trunc((v.micros % 3_600_000_000) / 60_000_000) };
    case 'second':
    case 'seconds':
      return { micros: v.micros % 60_000_000 };
    case 'millisecond':
    case 'milliseconds':
      return { millis: v.micros % 60_000_000 };
    case 'microsecond':
    case 'microseconds':
      return { int: v.micros % 60_000_000 };
    case 'quarter':
      return { int: Math.floor((v.months % 12) / 3) + 1 };
    case 'decade':
      return { int: Math.trunc(v.months / 120) };
    case 'century':
      return { int: Math.trunc(v.months / 1200) };
    case 'millennium':
      return { int: Math.trunc(v.months / 12000) };
    default:
      throw badUnit(unit, 'interval');
  }
}

/** seconds carry 6 fractional digits, milliseconds 3 (PostgreSQL's numeric scales) */
function asDecimal(f: FieldValue): Decimal {
  if ('int' in f) return intDecimal(f.int);
  if ('millis' in f) return new Decimal(BigInt(f.millis), 3);
  return new Decimal(BigInt(f.micros), 6);
}

function asDouble(f: FieldValue): number {
  return 'int' in f ? f.int : 'millis' in f ? f.millis / 1000 : f.micros / 1_000_000;
}

for (const ts of ['timestamp', 'timestamptz'] as const) {
  add(
    define('extract', ['varchar', ts], T.decimal, (u: string, ms: number) => asDecimal(timestampField(u, ms)), {
      specialize: (c) => {
        if (typeof c[0] !== 'string') return undefined;
        const unit = c[0];
        timestampField(unit, 0); // reject a bad unit at compile time
        const fast = timeOfDayField(unit);
        if (fast) return (_u: string, ms: number) => intDecimal(fast(ms));
        return (_u: string, ms: number) => asDecimal(timestampField(unit, ms));
      },
    }),
  );
  add(define('date_part', ['varchar', ts], T.double, (u: string, ms: number) => asDouble(timestampField(u, ms))));
}
add(define('extract', ['varchar', 'date'], T.decimal, (u: string, ms: number) => asDecimal(timestampField(u, ms))));
add(define('date_part', ['varchar', 'date'], T.double, (u: string, ms: number) => asDouble(timestampField(u, ms))));
add(define('extract', ['varchar', 'interval'], T.decimal, (u: string, v: Interval) => asDecimal(intervalField(u, v))));
add(define('date_part', ['varchar', 'interval'], T.double, (u: string, v: Interval) => asDouble(intervalField(u, v))));

/** date_trunc(unit, ts): the start of the unit containing ts (weeks start on Monday). */
export function dateTrunc(unit: string, ms: number): number {
  const u = unit.toLowerCase();
  switch (u) {
    case 'microseconds':
    case 'microsecond':
      return Math.floor(toMicros(ms)) / 1000;
    case 'milliseconds':
    case 'millisecond':
      return Math.floor(ms);
    case 'second':
    case 'seconds':
      return Math.floor(ms / 1000) * 1000;
    case 'minute':
    case 'minutes':
      return Math.floor(ms / MS_PER_MINUTE) * MS_PER_MINUTE;
    case 'hour':
    case 'hours':
      return Math.floor(ms / MS_PER_HOUR) * MS_PER_HOUR;
    case 'day':
    case 'days':
      return epochDay(ms) * MS_PER_DAY;
    case 'week':
    case 'weeks': {
      const day = epochDay(ms);
      const isoDow = ((((day + 3) % 7) + 7) % 7) + 1;
      return (day - isoDow + 1) * MS_PER_DAY;
    }
    default: {
      const c = civilFromDays(epochDay(ms));
      let y = c.year;
      let m = c.month;
      switch (u) {
        case 'month':
        case 'months':
          break;
        case 'quarter':
          m = Math.floor((m - 1) / 3) * 3 + 1;
          break;
        case 'year':
        case 'years':
          m = 1;
          break;
        case 'decade':
          y = Math.floor(y / 10) * 10;
          m = 1;
          break;
        case 'century':
          y = Math.floor((y - 1) / 100) * 100 + 1;
          m = 1;
          break;
        case 'millennium':
          y = Math.floor((y - 1) / 1000) * 1000 + 1;
          m = 1;
          break;
        default:
          throw badUnit(unit, 'timestamp');
      }
      return daysFromCivil(y, m, 1) * MS_PER_DAY;
    }
  }
}

for (const ts of ['timestamp', 'timestamptz'] as const) {
  add(
    define('date_trunc', ['varchar', ts], { id: ts }, dateTrunc, {
      specialize: (c) => {
        if (typeof c[0] !== 'string') return undefined;
        const unit = c[0];
        dateTrunc(unit, 0);
        return (_u: string, ms: number) => dateTrunc(unit, ms);
      },
    }),
  );
}
add(
  define('date_trunc', ['varchar', 'interval'], T.interval, (u: string, v: Interval) => {
    const unit = u.toLowerCase();
    const order = ['microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'month', 'year'];
    const micros: Record<string, number> = { microsecond: 1, millisecond: 1000, second: 1e6, minute: 6e7, hour: 3.6e9 };
    const k = order.indexOf(unit.replace(/s$/, ''));
    if (k < 0) throw badUnit(u, 'interval');
    const name = order[k]!;
    if (name === 'year') return new Interval(Math.trunc(v.months / 12) * 12, 0, 0);
    if (name === 'month') return new Interval(v.months, 0, 0);
    if (name === 'day') return new Interval(v.months, v.days, 0);
    const step = micros[name]!;
    return new Interval(v.months, v.days, Math.trunc(v.micros / step) * step);
  }),
);

/** date_bin(stride, ts, origin): the start of the stride-sized bin containing ts. */
function dateBin(stride: Interval, ms: number, origin: number): number {
  if (stride.months !== 0) throw new ExecutionError('INVALID_ARGUMENT', 'timestamps cannot be binned into intervals containing months or years');
  const step = stride.toMillis();
  if (step <= 0) throw new ExecutionError('INVALID_ARGUMENT', 'stride must be greater than zero');
  return origin + Math.floor((ms - origin) / step) * step;
}
add(define('date_bin', ['interval', 'timestamp', 'timestamp'], T.timestamp, dateBin));
add(define('date_bin', ['interval', 'timestamptz', 'timestamptz'], T.timestamptz, dateBin));

// --- to_char / to_timestamp / to_date ---------------------------------------------------------
const toCharCache = new Map<string, (ms: number) => string>();
function toChar(ms: number, fmt: string): string {
  let f = toCharCache.get(fmt);
  if (!f) {
    f = compileDateFormat(fmt);
    if (toCharCache.size > 256) toCharCache.clear();
    toCharCache.set(fmt, f);
  }
  return f(ms);
}
for (const ts of ['timestamp', 'timestamptz', 'date'] as const) {
  add(
    define('to_char', [ts, 'varchar'], T.varchar, toChar, {
      specialize: (c) => {
        if (typeof c[1] !== 'string') return undefined;
        const f = compileDateFormat(c[1]);
        return (ms: number) => f(ms);
      },
    }),
  );
}
const numberFormats = new Map<string, (v: Decimal) => string>();
function numberToChar(v: Decimal, fmt: string): string {
  let f = numberFormats.get(fmt);
  if (!f) {
    f = compileNumberFormat(fmt);
    if (numberFormats.size > 256) numberFormats.clear();
    numberFormats.set(fmt, f);
  }
  return f(v);
}
add(
  define('to_char', ['decimal', 'varchar'], T.varchar, numberToChar, {
    specialize: (c) => {
      if (typeof c[1] !== 'string') return undefined;
      const f = compileNumberFormat(c[1]);
      return (v: Decimal) => f(v);
    },
  }),
);
add(define('to_char', ['double', 'varchar'], T.varchar, (v: number, fmt: string) => numberToChar(decimalFromDouble(v), fmt)));
add(
  define('to_char', ['interval', 'varchar'], T.varchar, (v: Interval, fmt: string) =>
    // an interval prints like the time since the epoch it spans (PostgreSQL does similar)
    toChar(v.micros / 1000 + v.days * MS_PER_DAY, fmt),
  ),
);

add(
  define('to_timestamp', ['double'], T.timestamptz, (secs: number) => {
    if (!Number.isFinite(secs)) throw new ExecutionError('INVALID_ARGUMENT', 'timestamp cannot be NaN or infinite');
    return Math.round(secs * 1_000_000) / 1000;
  }),
);
add(define('to_timestamp', ['varchar', 'varchar'], T.timestamptz, (s: string, fmt: string) => parseWithFormat(s, fmt)));
add(define('to_date', ['varchar', 'varchar'], T.date, (s: string, fmt: string) => epochDay(parseWithFormat(s, fmt)) * MS_PER_DAY));

// --- constructors and current time -------------------------------------------------------------
function checkDate(y: number, m: number, d: number): void {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || y === 0) {
    throw new ExecutionError('INVALID_ARGUMENT', `date field value out of range: ${y}-${m}-${d}`);
  }
}
add(
  define('make_date', ['int', 'int', 'int'], T.date, (y: number, m: number, d: number) => {
    checkDate(y, m, d);
    return daysFromCivil(y < 0 ? y + 1 : y, m, d) * MS_PER_DAY;
  }),
);
add(
  define('make_timestamp', ['int', 'int', 'int', 'int', 'int', 'double'], T.timestamp, (y: number, mo: number, d: number, h: number, mi: number, s: number) => {
    checkDate(y, mo, d);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s >= 61) {
      throw new ExecutionError('INVALID_ARGUMENT', `time field value out of range: ${h}:${mi}:${s}`);
    }
    return daysFromCivil(y, mo, d) * MS_PER_DAY + h * MS_PER_HOUR + mi * MS_PER_MINUTE + Math.round(s * 1_000_000) / 1000;
  }),
);
add(
  define('make_interval', ['int', 'int', 'int', 'int', 'int', 'int', 'double'], T.interval, (y: number, mo: number, w: number, d: number, h: number, mi: number, s: number) =>
    new Interval(y * 12 + mo, w * 7 + d, Math.round(h * 3_600_000_000 + mi * 60_000_000 + s * 1_000_000)),
  ),
);

/** age(a, b): symbolic difference in years, months, days and time (PostgreSQL's algorithm). */
export function age(a: number, b: number): Interval {
  const f1 = timestampFields(a);
  const f2 = timestampFields(b);
  const neg = a < b;
  const sg = neg ? -1 : 1;
  let us = sg * (f1.micros - f2.micros);
  let sec = sg * (f1.second - f2.second);
  let min = sg * (f1.minute - f2.minute);
  let hour = sg * (f1.hour - f2.hour);
  let day = sg * (f1.day - f2.day);
  let mon = sg * (f1.month - f2.month);
  let year = sg * (f1.year - f2.year);
  while (us < 0) {
    us += 1_000_000;
    sec--;
  }
  while (sec < 0) {
    sec += 60;
    min--;
  }
  while (min < 0) {
    min += 60;
    hour--;
  }
  while (hour < 0) {
    hour += 24;
    day--;
  }
  while (day < 0) {
    // borrow the month length of the earlier timestamp
    const f = neg ? f1 : f2;
    day += daysInMonth(f.year, f.month);
    mon--;
  }
  while (mon < 0) {
    mon += 12;
    year--;
  }
  const micros = ((hour * 60 + min) * 60 + sec) * 1_000_000 + us;
  return new Interval(sg * (year * 12 + mon), sg * day, sg * micros);
}
add(define('age', ['timestamp', 'timestamp'], T.interval, age));

const nowSpecialize = (): ((...a: Value[]) => Value) => {
  const t = Date.now();
  return () => t;
};
add(define(['now', 'current_timestamp', 'transaction_timestamp', 'statement_timestamp'], [], T.timestamptz, () => Date.now(), { volatile: true, specialize: nowSpecialize }));
add(define(['localtimestamp'], [], T.timestamp, () => Date.now(), { volatile: true, specialize: nowSpecialize }));
add(define('clock_timestamp', [], T.timestamptz, () => Date.now(), { volatile: true }));
add(
  define('current_date', [], T.date, () => epochDay(Date.now()) * MS_PER_DAY, {
    volatile: true,
    specialize: () => {
      const t = epochDay(Date.now()) * MS_PER_DAY;
      return () => t;
    },
  }),
);
add(define('justify_days', ['interval'], T.interval, (v: Interval) => new Interval(v.months + Math.trunc(v.days / 30), v.days % 30, v.micros)));
add(
  define('justify_hours', ['interval'], T.interval, (v: Interval) =>
    new Interval(v.months, v.days + Math.trunc(v.micros / 86_400_000_000), v.micros % 86_400_000_000),
  ),
);
add(define('add_months', ['timestamp', 'int'], T.timestamp, addMonths));

export const datetimeSignatures: Signature[] = sigs;
