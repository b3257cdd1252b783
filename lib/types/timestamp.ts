// Timestamps and dates: parsing and PostgreSQL-style formatting, and the proleptic Gregorian
// calendar arithmetic behind them. Internally a TIMESTAMP is epoch milliseconds (UTC) as a
// double whose fraction carries microseconds; a DATE is the epoch milliseconds of its 00:00 UTC.
import { ExecutionError } from '../errors.js';

export const MS_PER_DAY = 86_400_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_MINUTE = 60_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface Civil {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

/** Inverse of daysFromCivil. */
export function civilFromDays(z: number): Civil {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeapYear(y) ? 29 : MONTH_DAYS[m - 1]!;
}

/** Whole days since the epoch of a timestamp (floor, so pre-1970 instants work). */
export function epochDay(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** Integral microseconds of a timestamp (the fraction of ms rounded to whole micros). */
export function toMicros(ms: number): number {
  return Math.round(ms * 1000);
}

// PostgreSQL also accepts unpadded fields ('2024-1-2 3:4:5') and the zone names UTC / GMT.
const TIMESTAMP_TEXT =
  /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?\s*(?:(Z|UTC|GMT)|([+-])(\d{1,2})(?::?(\d{2}))?)?\s*$/i;

export interface ParsedTimestamp {
  /** epoch milliseconds, converted to UTC when the text had an offset */
  ms: number;
  hasTime: boolean;
  hasZone: boolean;
}

/** Parse text, or return null when it is not a timestamp/date. */
export function tryParseTimestampText(text: string): ParsedTimestamp | null {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const hour = m[4] !== undefined ? Number(m[4]) : 0;
  const minute = m[5] !== undefined ? Number(m[5]) : 0;
  const second = m[6] !== undefined ? Number(m[6]) : 0;
  // PostgreSQL accepts 24:00:00 exactly (the next midnight).
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0))) return null;
  let micros = 0;
  if (m[7] !== undefined) {
    // Round to microseconds like PostgreSQL.
    const frac = m[7];
    micros = frac.length <= 6 ? Number(frac.padEnd(6, '0')) : Math.round(Number(frac.slice(0, 7).padEnd(7, '0')) / 10);
  }
  let ms = daysFromCivil(year, month, day) * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * 1000;
  if (micros !== 0) ms += micros / 1000;
  let hasZone = false;
  if (m[8] !== undefined) hasZone = true;
  else if (m[9] !== undefined) {
    hasZone = true;
    const offH = Number(m[10]);
    const offM = m[11] !== undefined ? Number(m[11]) : 0;
    if (offH > 15 || offM > 59) return null;
    const offset = (offH * 60 + offM) * MS_PER_MINUTE;
    ms += m[9] === '+' ? -offset : offset;
  }
  return { ms, hasTime: m[4] !== undefined, hasZone };
}

/**
 * Parse an ISO 8601 / PostgreSQL timestamp ('2024-01-02 03:04:05.123456', '…T…Z',
 * '…+02:00', or a bare date). An offset converts to UTC. INVALID_CAST on bad text.
 */
export function parseTimestamp(text: string): number {
  const p = tryParseTimestampText(text);
  if (p === null) {
    throw new ExecutionError('INVALID_CAST', `invalid input syntax for type timestamp: "${text}"`);
  }
  return p.ms;
}

/** Parse 'YYYY-MM-DD' (a time part is accepted and dropped, as PostgreSQL does). */
export function parseDate(text: string): number {
  const p = tryParseTimestampText(text);
  if (p === null) throw new ExecutionError('INVALID_CAST', `invalid input syntax for type date: "${text}"`);
  return epochDay(p.ms) * MS_PER_DAY;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function formatYear(y: number): string {
  if (y <= 0) return String(1 - y).padStart(4, '0'); // 'BC' suffix added by caller
  return y < 1000 ? String(y).padStart(4, '0') : String(y);
}

/** 'YYYY-MM-DD' of an epoch-ms date or timestamp. */
export function formatDate(ms: number): string {
  const c = civilFromDays(epochDay(ms));
  return `${formatYear(c.year)}-${pad2(c.month)}-${pad2(c.day)}${c.year <= 0 ? ' BC' : ''}`;
}

/** 'HH:MM:SS[.ffffff]' for a time of day in microseconds, trailing fraction zeros trimmed. */
export function formatTimeOfDay(microsOfDay: number): string {
  const secs = Math.floor(microsOfDay / 1_000_000);
  const frac = microsOfDay - secs * 1_000_000;
  const h = Math.floor(secs / 3600);
  const mi = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  let out = `${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
  if (frac !== 0) out += '.' + String(frac).padStart(6, '0').replace(/0+$/, '');
  return out;
}

/** PostgreSQL output format: 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
export function formatTimestamp(ms: number): string {
  const micros = toMicros(ms);
  const day = Math.floor(micros / 86_400_000_000);
  const c = civilFromDays(day);
  const tod = micros - day * 86_400_000_000;
  return `${formatYear(c.year)}-${pad2(c.month)}-${pad2(c.day)} ${formatTimeOfDay(tod)}${c.year <= 0 ? ' BC' : ''}`;
}

/** PostgreSQL output of TIMESTAMPTZ with the session zone fixed at UTC: '…+00'. */
export function formatTimestampTz(ms: number): string {
  const base = formatTimestamp(ms);
  return base.endsWith(' BC') ? base.slice(0, -3) + '+00 BC' : base + '+00';
}

/** Broken-down UTC fields of a timestamp (microsecond precision). */
export interface TimestampFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number; // within the second
  /** 0 = Sunday … 6 = Saturday */
  dow: number;
  /** 1-based day of the year */
  doy: number;
}

export function timestampFields(ms: number): TimestampFields {
  const micros = toMicros(ms);
  const day = Math.floor(micros / 86_400_000_000);
  const c = civilFromDays(day);
  let tod = micros - day * 86_400_000_000;
  const hour = Math.floor(tod / 3_600_000_000);
  tod -= hour * 3_600_000_000;
  const minute = Math.floor(tod / 60_000_000);
  tod -= minute * 60_000_000;
  const second = Math.floor(tod / 1_000_000);
  const us = tod - second * 1_000_000;
  const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const doy = day - daysFromCivil(c.year, 1, 1) + 1;
  return { year: c.year, month: c.month, day: c.day, hour, minute, second, micros: us, dow, doy };
}

/** Epoch ms of a civil date and time (UTC). */
export function makeTimestamp(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  return daysFromCivil(year, month, day) * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * 1000;
}

/** ISO 8601 week number and ISO year (weeks start Monday; week 1 holds the first Thursday). */
export function isoWeek(ms: number): { week: number; year: number } {
  const day = epochDay(ms);
  const isoDow = ((((day + 3) % 7) + 7) % 7) + 1; // Monday = 1
  const thursday = day - isoDow + 4;
  const y = civilFromDays(thursday).year;
  const week = Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1;
  return { week, year: y };
}

/** Add calendar months, clamping the day to the target month's length (as PostgreSQL does). */
export function addMonths(ms: number, months: number): number {
  if (months === 0) return ms;
  const day = epochDay(ms);
  const tod = ms - day * MS_PER_DAY;
  const c = civilFromDays(day);
  const total = c.year * 12 + (c.month - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  const d = Math.min(c.day, daysInMonth(y, m));
  return daysFromCivil(y, m, d) * MS_PER_DAY + tod;
}
