// PostgreSQL template patterns for to_char / to_timestamp / to_date: a format string is compiled
// once into a list of field printers (or parsers). Supported: YYYY YYY YY Y IYYY MM DD DDD D ID
// HH HH12 HH24 MI SS MS US FF1-FF6 AM PM am pm A.M. P.M. Mon MON mon Month MONTH month Dy DY dy
// Day DAY day Q WW IW J TZ OF, the FM (no padding) prefix, "quoted text" and \ escapes.
import { ExecutionError } from '../errors.js';
import { daysFromCivil, daysInMonth, isoWeek, MS_PER_DAY, timestampFields, type TimestampFields } from '../types/timestamp.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Printer = (f: TimestampFields, ms: number) => string;

function num(width: number, get: (f: TimestampFields, ms: number) => number): (fm: boolean) => Printer {
  return (fm) => (f, ms) => {
    const v = get(f, ms);
    if (fm) return String(v);
    const s = String(Math.abs(v)).padStart(width, '0');
    return v < 0 ? '-' + s : s;
  };
}

function text(get: (f: TimestampFields) => string, width: number): (fm: boolean) => Printer {
  return (fm) => (f) => (fm ? get(f) : get(f).padEnd(width, ' '));
}

const hour12 = (f: TimestampFields): number => (f.hour % 12 === 0 ? 12 : f.hour % 12);

/** Longest tokens first so 'HH24' wins over 'HH' and 'MONTH' over 'MON'. */
const TOKENS: [string, (fm: boolean) => Printer][] = [
  ['YYYY', num(4, (f) => f.year)],
  ['IYYY', num(4, (_f, ms) => isoWeek(ms).year)],
  ['YYY', num(3, (f) => f.year % 1000)],
  ['YY', num(2, (f) => f.year % 100)],
  ['Y', num(1, (f) => f.year % 10)],
  ['MONTH', text((f) => MONTHS[f.month - 1]!.toUpperCase(), 9)],
  ['Month', text((f) => MONTHS[f.month - 1]!, 9)],
  ['month', text((f) => MONTHS[f.month - 1]!.toLowerCase(), 9)],
  ['MON', text((f) => MONTHS[f.month - 1]!.slice(0, 3).toUpperCase(), 3)],
  ['Mon', text((f) => MONTHS[f.month - 1]!.slice(0, 3), 3)],
  ['mon', text((f) => MONTHS[f.month - 1]!.slice(0, 3).toLowerCase(), 3)],
  ['MM', num(2, (f) => f.month)],
  ['DAY', text((f) => DAYS[f.dow]!.toUpperCase(), 9)],
  ['Day', text((f) => DAYS[f.dow]!, 9)],
  ['day', text((f) => DAYS[f.dow]!.toLowerCase(), 9)],
  ['DY', text((f) => DAYS[f.dow]!.slice(0, 3).toUpperCase(), 3)],
  ['Dy', text((f) => DAYS[f.dow]!.slice(0, 3), 3)],
  ['dy', text((f) => DAYS[f.dow]!.slice(0, 3).toLowerCase(), 3)],
  ['DDD', num(3, (f) => f.doy)],
  ['DD', num(2, (f) => f.day)],
  ['ID', num(1, (f) => (f.dow === 0 ? 7 : f.dow))],
  ['D', num(1, (f) => f.dow + 1)],
  ['HH24', num(2, (f) => f.hour)],
  ['HH12', num(2, hour12)],
  ['HH', num(2, hour12)],
  ['MI', num(2, (f) => f.minute)],
  ['SS', num(2, (f) => f.second)],
  ['MS', num(3, (f) => Math.floor(f.micros / 1000))],
  ['US', num(6, (f) => f.micros)],
  ['FF1', num(1, (f) => Math.floor(f.micros / 100000))],
  ['FF2', num(2, (f) => Math.floor(f.micros / 10000))],
  ['FF3', num(3, (f) => Math.floor(f.micros / 1000))],
  ['FF4', num(4, (f) => Math.floor(f.micros / 100))],
  ['FF5', num(5, (f) => Math.floor(f.micros / 10))],
  ['FF6', num(6, (f) => f.micros)],
  ['A.M.', () => (f) => (f.hour < 12 ? 'A.M.' : 'P.M.')],
  ['P.M.', () => (f) => (f.hour < 12 ? 'A.M.' : 'P.M.')],
  ['a.m.', () => (f) => (f.hour < 12 ? 'a.m.' : 'p.m.')],
  ['p.m.', () => (f) => (f.hour < 12 ? 'a.m.' : 'p.m.')],
  ['AM', () => (f) => (f.hour < 12 ? 'AM' : 'PM')],
  ['PM', () => (f) => (f.hour < 12 ? 'AM' : 'PM')],
  ['am', () => (f) => (f.hour < 12 ? 'am' : 'pm')],
  ['pm', () => (f) => (f.hour < 12 ? 'am' : 'pm')],
  ['Q', num(1, (f) => Math.floor((f.month - 1) / 3) + 1)],
  ['WW', num(2, (f) => Math.floor((f.doy - 1) / 7) + 1)],
  ['IW', num(2, (_f, ms) => isoWeek(ms).week)],
  ['J', num(1, (_f, ms) => Math.floor(ms / MS_PER_DAY) + 2440588)],
  ['TZ', () => () => 'UTC'],
  ['tz', () => () => 'utc'],
  ['OF', () => () => '+00'],
];

interface Piece {
  literal?: string;
  token?: string;
  fm?: boolean;
}

function tokenize(fmt: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i]!;
    if (c === '"') {
      const end = fmt.indexOf('"', i + 1);
      const stop = end < 0 ? fmt.length : end;
      out.push({ literal: fmt.slice(i + 1, stop).replace(/\\(.)/g, '$1') });
      i = stop + 1;
      continue;
    }
    if (c === '\\' && i + 1 < fmt.length) {
      out.push({ literal: fmt[i + 1] });
      i += 2;
      continue;
    }
    let fm = false;
    let j = i;
    if (fmt.startsWith('FM', i) || fmt.startsWith('fm', i)) {
      fm = true;
      j += 2;
    }
    const tok = TOKENS.find(([name]) => fmt.startsWith(name, j));
    if (tok) {
      out.push({ token: tok[0], fm });
      i = j + tok[0].length;
      continue;
    }
    out.push({ literal: c });
    i++;
  }
  return out;
}

const TOKEN_MAP = new Map(TOKENS);

/** The finest time unit (in ms) a token reads; 1 for sub-second tokens. */
function tokenResolution(token: string): number {
  switch (token) {
    case 'HH24':
    case 'HH12':
    case 'HH':
    case 'A.M.':
    case 'P.M.':
    case 'a.m.':
    case 'p.m.':
    case 'AM':
    case 'PM':
    case 'am':
    case 'pm':
      return 3_600_000;
    case 'MI':
      return 60_000;
    case 'SS':
      return 1000;
    case 'MS':
    case 'US':
    case 'FF1':
    case 'FF2':
    case 'FF3':
    case 'FF4':
    case 'FF5':
    case 'FF6':
      return 0;
    default:
      return MS_PER_DAY;
  }
}

/**
 * Compile a to_char template into a function of epoch ms. Event streams format many nearby
 * timestamps, so the last result is reused while the input stays within the same unit of the
 * finest field the template prints (the same day for 'YYYY-MM-DD').
 */
export function compileDateFormat(fmt: string): (ms: number) => string {
  const pieces = tokenize(fmt);
  const printers: Printer[] = pieces.map((p) => {
    if (p.literal !== undefined) {
      const lit = p.literal;
      return () => lit;
    }
    return TOKEN_MAP.get(p.token!)!(p.fm ?? false);
  });
  if (printers.length === 0) return () => '';
  const format = (ms: number): string => {
    const f = timestampFields(ms);
    let out = '';
    for (let k = 0; k < printers.length; k++) out += printers[k]!(f, ms);
    return out;
  };
  const resolution = Math.min(...pieces.map((p) => (p.token ? tokenResolution(p.token) : MS_PER_DAY)));
  if (resolution === 0) return format;
  let lastKey = NaN;
  let last = '';
  return (ms) => {
    const key = Math.floor(ms / resolution);
    if (key !== lastKey) {
      last = format(ms);
      lastKey = key;
    }
    return last;
  };
}

function parseError(s: string, fmt: string, why: string): ExecutionError {
  return new ExecutionError('INVALID_CAST', `cannot parse "${s}" with format "${fmt}": ${why}`);
}

/** to_timestamp(text, format): parse the fields the template names; the rest default. */
export function parseWithFormat(s: string, fmt: string): number {
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let micros = 0;
  let pm: boolean | undefined;
  let pos = 0;
  const readNum = (maxDigits: number, token: string): number => {
    while (s[pos] === ' ') pos++;
    const m = /^[+-]?\d+/.exec(s.slice(pos, pos + maxDigits + 1));
    if (!m) throw parseError(s, fmt, `expected a number for ${token} at position ${pos + 1}`);
    let digits = m[0];
    if (digits.length > maxDigits && /^\d/.test(digits)) digits = digits.slice(0, maxDigits);
    pos += digits.length;
    return Number(digits);
  };
  const readName = (names: string[], len: number | undefined, token: string): number => {
    const rest = s.slice(pos).toLowerCase();
    for (let k = 0; k < names.length; k++) {
      const n = (len ? names[k]!.slice(0, len) : names[k]!).toLowerCase();
      if (rest.startsWith(n)) {
        pos += n.length;
        return k;
      }
    }
    throw parseError(s, fmt, `invalid value for ${token}`);
  };
  for (const p of tokenize(fmt)) {
    if (p.literal !== undefined) {
      // literals and separators match any single non-alphanumeric character (PostgreSQL is lax)
      if (pos < s.length && !/[A-Za-z0-9]/.test(s[pos]!)) pos++;
      else if (s.startsWith(p.literal, pos)) pos += p.literal.length;
      continue;
    }
    const t = p.token!.toUpperCase();
    switch (t) {
      case 'YYYY':
      case 'IYYY':
        year = readNum(4, t);
        break;
      case 'YY':
        year = 2000 + readNum(2, t);
        if (year > 2069) year -= 100;
        break;
      case 'MM':
        month = readNum(2, t);
        break;
      case 'MON':
        month = readName(MONTHS, 3, t) + 1;
        break;
      case 'MONTH':
        month = readName(MONTHS, undefined, t) + 1;
        break;
      case 'DD':
        day = readNum(2, t);
        break;
      case 'HH24':
        hour = readNum(2, t);
        break;
      case 'HH':
      case 'HH12':
        hour = readNum(2, t);
        break;
      case 'MI':
        minute = readNum(2, t);
        break;
      case 'SS':
        second = readNum(2, t);
        break;
      case 'MS':
        micros = readNum(3, t) * 1000;
        break;
      case 'US':
        micros = readNum(6, t);
        break;
      case 'AM':
      case 'PM':
      case 'A.M.':
      case 'P.M.': {
        const r = s.slice(pos, pos + t.length).toUpperCase();
        pm = r.startsWith('P');
        pos += t.length;
        break;
      }
      case 'DY':
        readName(DAYS, 3, t);
        break;
      case 'DAY':
        readName(DAYS, undefined, t);
        break;
      default:
        throw parseError(s, fmt, `template pattern ${p.token} is not supported in to_timestamp`);
    }
  }
  if (pm !== undefined) {
    if (hour < 1 || hour > 12) throw parseError(s, fmt, `hour "${hour}" is invalid for the 12-hour clock`);
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw parseError(s, fmt, 'date out of range');
  if (hour > 23 || minute > 59 || second > 59) throw parseError(s, fmt, 'time out of range');
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + micros / 1000;
}
