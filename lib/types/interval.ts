// SQL intervals, kept like PostgreSQL: months, days and microseconds are separate fields because
// a month and a day have no fixed length. Parsing accepts PostgreSQL text ('5 seconds',
// '1 day 02:00:00', '1 year 2 mons', '-1 day ago'), SQL-standard unit literals
// (INTERVAL '5' SECOND) and ISO 8601 ('PT5S', 'P1Y2M3DT4H5M6.5S', 'P2W').
import { ExecutionError } from '../errors.js';
import { addMonths, formatTimeOfDay, MS_PER_DAY } from './timestamp.js';

const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_MINUTE = 60_000_000;
const MICROS_PER_HOUR = 3_600_000_000;
const MICROS_PER_DAY = 86_400_000_000;

/** Unit spelling → [months, days, micros] per unit. */
const UNITS: Record<string, readonly [number, number, number]> = {};
function unit(names: string[], v: readonly [number, number, number]): void {
  for (const n of names) UNITS[n] = v;
}
unit(['millennium', 'millennia', 'millenniums', 'mil', 'mils'], [12000, 0, 0]);
unit(['century', 'centuries', 'c', 'cent'], [1200, 0, 0]);
unit(['decade', 'decades', 'dec', 'decs'], [120, 0, 0]);
unit(['year', 'years', 'y', 'yr', 'yrs'], [12, 0, 0]);
unit(['month', 'months', 'mon', 'mons'], [1, 0, 0]);
unit(['week', 'weeks', 'w'], [0, 7, 0]);
unit(['day', 'days', 'd'], [0, 1, 0]);
unit(['hour', 'hours', 'h', 'hr', 'hrs'], [0, 0, MICROS_PER_HOUR]);
unit(['minute', 'minutes', 'm', 'min', 'mins'], [0, 0, MICROS_PER_MINUTE]);
unit(['second', 'seconds', 's', 'sec', 'secs'], [0, 0, MICROS_PER_SECOND]);
unit(['millisecond', 'milliseconds', 'ms', 'msec', 'msecs'], [0, 0, 1000]);
unit(['microsecond', 'microseconds', 'us', 'usec', 'usecs'], [0, 0, 1]);

function invalid(text: string): ExecutionError {
  return new ExecutionError('INVALID_CAST', `invalid input syntax for type interval: "${text}"`);
}

const TIME_PART = /^([+-])?(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?$/;
const ISO = /^P(?:(-?\d+(?:\.\d+)?)Y)?(?:(-?\d+(?:\.\d+)?)M)?(?:(-?\d+(?:\.\d+)?)W)?(?:(-?\d+(?:\.\d+)?)D)?(?:T(?:(-?\d+(?:\.\d+)?)H)?(?:(-?\d+(?:\.\d+)?)M)?(?:(-?\d+(?:\.\d+)?)S)?)?$/i;

export class Interval {
  constructor(
    readonly months: number,
    readonly days: number,
    readonly micros: number,
  ) {}

  static readonly ZERO = new Interval(0, 0, 0);

  static ofMillis(ms: number): Interval {
    return new Interval(0, 0, Math.round(ms * 1000));
  }

  /**
   * Parse interval text. `unit`/`toUnit` come from SQL-standard literals: INTERVAL '5' SECOND
   * (a bare number means that many units), INTERVAL '1 02:00' DAY TO MINUTE.
   */
  static parse(text: string, unit?: string, toUnit?: string): Interval {
    const t = text.trim();
    if (t === '') throw invalid(text);
    if (/^-?P/i.test(t) && !/\s/.test(t)) return parseIso(t, text);
    if (unit?.toUpperCase() === 'MINUTE' && toUnit?.toUpperCase() === 'SECOND' && /^[+-]?\d+:\d+(\.\d*)?$/.test(t)) {
      // INTERVAL '1:30' MINUTE TO SECOND is minutes:seconds
      const neg = t.startsWith('-');
      const [m, sec] = t.replace(/^[+-]/, '').split(':');
      const micros = Number(m) * MICROS_PER_MINUTE + Math.round(Number(sec) * MICROS_PER_SECOND);
      return new Interval(0, 0, neg ? -micros : micros);
    }
    if (unit !== undefined && /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) {
      // INTERVAL '5' SECOND; with TO, a bare number counts the last unit (PostgreSQL).
      return fromUnits(Number(t), (toUnit ?? unit).toLowerCase(), text);
    }
    return parsePostgres(t, text);
  }

  /** Fixed length in milliseconds (a day counts as 24 h). INVALID_ARGUMENT when it has months. */
  toMillis(): number {
    if (this.months !== 0) {
      throw new ExecutionError(
        'INVALID_ARGUMENT',
        `interval '${this.toString()}' has no fixed length (it contains months or years)`,
      );
    }
    return this.days * MS_PER_DAY + this.micros / 1000;
  }

  hasMonths(): boolean {
    return this.months !== 0;
  }

  /** timestamp (epoch ms) + this interval: months by the calendar, then days, then time. */
  addTo(ms: number): number {
    return addMonths(ms, this.months) + this.days * MS_PER_DAY + this.micros / 1000;
  }

  subtractFrom(ms: number): number {
    return addMonths(ms, -this.months) - this.days * MS_PER_DAY - this.micros / 1000;
  }

  add(o: Interval): Interval {
    return new Interval(this.months + o.months, this.days + o.days, this.micros + o.micros);
  }

  sub(o: Interval): Interval {
    return new Interval(this.months - o.months, this.days - o.days, this.micros - o.micros);
  }

  negate(): Interval {
    return new Interval(-this.months, -this.days, -this.micros);
  }

  /** Multiply; fractional months/days spill into the smaller fields as PostgreSQL does. */
  mul(f: number): Interval {
    if (!Number.isFinite(f)) throw new ExecutionError('NUMERIC_OVERFLOW', 'interval out of range');
    const m = this.months * f;
    const months = Math.trunc(m);
    const d = this.days * f + (m - months) * 30;
    const days = Math.trunc(d);
    const micros = Math.round(this.micros * f + (d - days) * MICROS_PER_DAY);
    return new Interval(months, days, micros);
  }

  div(f: number): Interval {
    if (f === 0) throw new ExecutionError('DIVISION_BY_ZERO', 'division by zero');
    return this.mul(1 / f);
  }

  /** Comparison key as PostgreSQL orders intervals: a month is 30 days, a day 24 hours. */
  totalMicros(): number {
    return (this.months * 30 + this.days) * MICROS_PER_DAY + this.micros;
  }

  compare(o: Interval): number {
    const a = this.totalMicros();
    const b = o.totalMicros();
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(o: Interval): boolean {
    return this.totalMicros() === o.totalMicros();
  }

  /** PostgreSQL 'postgres' style: '1 year 2 mons 3 days 04:05:06.5', '-1 days +02:00:00'. */
  toString(): string {
    const parts: string[] = [];
    let prevNegative = false;
    const field = (v: number, one: string, many: string): void => {
      if (v === 0) return;
      const sign = v < 0 ? '' : prevNegative ? '+' : '';
      parts.push(`${sign}${v} ${v === 1 ? one : many}`);
      prevNegative = v < 0;
    };
    const years = Math.trunc(this.months / 12);
    const mons = this.months - years * 12;
    field(years, 'year', 'years');
    field(mons, 'mon', 'mons');
    field(this.days, 'day', 'days');
    if (this.micros !== 0 || parts.length === 0) {
      const neg = this.micros < 0;
      const time = formatTimeOfDay(Math.abs(this.micros));
      parts.push((neg ? '-' : prevNegative ? '+' : '') + time);
    }
    return parts.join(' ');
  }

  /** ISO 8601 duration, e.g. 'P1Y2M3DT4H5M6.5S' (zero is 'PT0S'). */
  toIsoString(): string {
    const years = Math.trunc(this.months / 12);
    const mons = this.months - years * 12;
    let out = 'P';
    if (years) out += years + 'Y';
    if (mons) out += mons + 'M';
    if (this.days) out += this.days + 'D';
    if (this.micros) {
      const h = Math.trunc(this.micros / MICROS_PER_HOUR);
      const mi = Math.trunc((this.micros - h * MICROS_PER_HOUR) / MICROS_PER_MINUTE);
      const s = (this.micros - h * MICROS_PER_HOUR - mi * MICROS_PER_MINUTE) / MICROS_PER_SECOND;
      out += 'T' + (h ? h + 'H' : '') + (mi ? mi + 'M' : '') + (s ? s + 'S' : '');
    }
    return out === 'P' ? 'PT0S' : out;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** n units, with a fractional part spilling into smaller fields (1.5 days = 1 day 12:00:00). */
function fromUnits(n: number, unitName: string, text: string): Interval {
  const u = UNITS[unitName];
  if (!u || !Number.isFinite(n)) throw invalid(text);
  let months = 0;
  let days = 0;
  let micros = 0;
  if (u[0] !== 0) {
    const m = n * u[0];
    months = Math.trunc(m);
    const d = (m - months) * 30;
    days = Math.trunc(d);
    micros = Math.round((d - days) * MICROS_PER_DAY);
  } else if (u[1] !== 0) {
    const d = n * u[1];
    days = Math.trunc(d);
    micros = Math.round((d - days) * MICROS_PER_DAY);
  } else {
    micros = Math.round(n * u[2]);
  }
  return new Interval(months, days, micros);
}

function parsePostgres(t: string, original: string): Interval {
  let tokens = t.replace(/^@\s*/, '').toLowerCase().split(/\s+/);
  let ago = false;
  if (tokens[tokens.length - 1] === 'ago') {
    ago = true;
    tokens = tokens.slice(0, -1);
  }
  let total = Interval.ZERO;
  let i = 0;
  let sawAny = false;
  while (i < tokens.length) {
    const tok = tokens[i]!;
    const time = TIME_PART.exec(tok);
    if (time) {
      const sign = time[1] === '-' ? -1 : 1;
      const micros =
        Number(time[2]) * MICROS_PER_HOUR +
        Number(time[3]) * MICROS_PER_MINUTE +
        Math.round(Number(time[4] ?? '0') * MICROS_PER_SECOND);
      total = total.add(new Interval(0, 0, sign * micros));
      i++;
      sawAny = true;
      continue;
    }
    // '5 seconds', '5seconds', or a bare number (seconds, as PostgreSQL reads '5').
    const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([a-z]+)?$/.exec(tok);
    if (!m) throw invalid(original);
    const n = Number(m[1]);
    let unitName = m[2];
    if (unitName === undefined) {
      const next = tokens[i + 1];
      if (next !== undefined && UNITS[next] !== undefined) {
        unitName = next;
        i++;
      } else if (next === undefined || TIME_PART.test(next)) {
        // a bare number followed by a time ('1 02:00:00') counts days
        unitName = next === undefined ? 'second' : 'day';
      } else throw invalid(original);
    }
    total = total.add(fromUnits(n, unitName, original));
    i++;
    sawAny = true;
  }
  if (!sawAny) throw invalid(original);
  return ago ? total.negate() : total;
}

function parseIso(t: string, original: string): Interval {
  const neg = t.startsWith('-');
  const m = ISO.exec(neg ? t.slice(1) : t);
  if (!m || t.endsWith('T') || /^-?P$/i.test(t)) throw invalid(original);
  const names = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'];
  let total = Interval.ZERO;
  for (let k = 0; k < names.length; k++) {
    const v = m[k + 1];
    if (v !== undefined) total = total.add(fromUnits(Number(v), names[k]!, original));
  }
  return neg ? total.negate() : total;
}
