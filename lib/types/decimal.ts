// Exact decimal numbers: an unscaled bigint and a scale (value = unscaled / 10^scale).
// Arithmetic follows PostgreSQL's numeric: + and - keep the larger scale, * adds scales,
// / picks a scale giving at least 16 significant digits (select_div_scale), rounding is half
// away from zero. Instances are immutable; trailing zeros are kept (they are the display scale).
import { ExecutionError } from '../errors.js';

const POW10: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let p = POW10[n];
    if (p === undefined) {
      p = 10n ** BigInt(n);
      POW10[n] = p;
    }
    return p;
  }
  return 10n ** BigInt(n);
}

/** Largest display scale PostgreSQL allows for numeric results. */
const MAX_SCALE = 1000;
/** At least this many significant digits in a quotient (PostgreSQL NUMERIC_MIN_SIG_DIGITS). */
const MIN_SIG_DIGITS = 16;

const DECIMAL_TEXT = /^\s*([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?\s*$/;

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

/** Divide and round half away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  if (abs(r) * 2n >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** 10^k as exact doubles, k ≤ 22 */
const POW10_NUM: number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** a · 10^k as a number when it stays a safe integer, else undefined */
function scaleUpSafe(a: number, k: number): number | undefined {
  if (k === 0) return a;
  if (k > 15) return undefined;
  const r = a * POW10_NUM[k];
  return Number.isSafeInteger(r) ? r : undefined;
}

export class Decimal {
  /**
   * The unscaled value. Held as a JS number whenever it is a safe integer (every operation on two
   * such values whose exact result is also safe stays in doubles — no BigInt allocation) and as a
   * bigint otherwise. The choice is canonical, so two equal (unscaled, scale) pairs have equal
   * fields.
   */
  private readonly u: number | bigint;
  readonly scale: number;

  /** `unscaled` may be a number only when it is a safe integer. */
  constructor(unscaled: bigint | number, scale: number) {
    if (typeof unscaled === 'number') this.u = unscaled + 0; // -0 → 0
    else this.u = unscaled >= -MAX_SAFE && unscaled <= MAX_SAFE ? Number(unscaled) : unscaled;
    this.scale = scale;
  }

  /** The unscaled value when it is held as a number (a safe integer), else NaN — no allocation. */
  get safeUnscaled(): number {
    const u = this.u;
    return typeof u === 'number' ? u : NaN;
  }

  /** The unscaled value as a bigint (allocates when the value is held as a number). */
  get unscaled(): bigint {
    const u = this.u;
    return typeof u === 'number' ? BigInt(u) : u;
  }

  static readonly ZERO = new Decimal(0n, 0);

  /** Parse SQL numeric text: '12', '-1.50', '.5', '1e3'. Throws INVALID_CAST on anything else. */
  static parse(text: string): Decimal {
    const d = Decimal.tryParse(text);
    if (d === null) {
      throw new ExecutionError('INVALID_CAST', `invalid input syntax for type numeric: "${text}"`);
    }
    return d;
  }

  static tryParse(text: string): Decimal | null {
    const m = DECIMAL_TEXT.exec(text);
    if (!m) return null;
    const intPart = m[2] ?? '';
    const frac = m[3] ?? m[4] ?? '';
    let scale = frac.length;
    let unscaled = BigInt((intPart + frac) || '0');
    if (m[5] !== undefined) {
      const exp = Number(m[5]);
      if (Math.abs(exp) > MAX_SCALE) return null;
      scale -= exp;
      if (scale < 0) {
        unscaled *= pow10(-scale);
        scale = 0;
      }
    }
    if (m[1] === '-') unscaled = -unscaled;
    return new Decimal(unscaled, scale);
  }

  static fromBigInt(v: bigint): Decimal {
    return new Decimal(v, 0);
  }

  /** unscaled / 10^scale for a safe-integer `unscaled` (no BigInt on the way). */
  static fromScaled(unscaled: number, scale: number): Decimal {
    if (!Number.isSafeInteger(unscaled)) throw new RangeError(`Decimal.fromScaled: ${unscaled} is not a safe integer`);
    return new Decimal(unscaled, scale);
  }

  /** An integral JS number exactly; a fractional one via its shortest round-trip text. */
  static fromNumber(v: number): Decimal {
    if (!Number.isFinite(v)) {
      throw new ExecutionError('INVALID_CAST', `cannot convert ${v} to numeric`);
    }
    if (Number.isSafeInteger(v)) return new Decimal(v, 0);
    return Decimal.parse(String(v));
  }

  isZero(): boolean {
    return this.u === 0;
  }

  sign(): number {
    const u = this.u;
    return u < 0 ? -1 : u > 0 ? 1 : 0;
  }

  negate(): Decimal {
    const u = this.u;
    return new Decimal(typeof u === 'number' ? -u : -u, this.scale);
  }

  abs(): Decimal {
    return this.u < 0 ? this.negate() : this;
  }

  /** The unscaled value at a larger (or equal) scale. */
  private at(scale: number): bigint {
    return scale === this.scale ? this.unscaled : this.unscaled * pow10(scale - this.scale);
  }

  /** The unscaled value at a larger (or equal) scale as a safe number, if it is one. */
  private atSafe(scale: number): number | undefined {
    const u = this.u;
    return typeof u === 'number' ? scaleUpSafe(u, scale - this.scale) : undefined;
  }

  add(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    const a = this.atSafe(s);
    const b = o.atSafe(s);
    if (a !== undefined && b !== undefined) {
      const r = a + b;
      if (Number.isSafeInteger(r)) return new Decimal(r, s);
    }
    return new Decimal(this.at(s) + o.at(s), s);
  }

  sub(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    const a = this.atSafe(s);
    const b = o.atSafe(s);
    if (a !== undefined && b !== undefined) {
      const r = a - b;
      if (Number.isSafeInteger(r)) return new Decimal(r, s);
    }
    return new Decimal(this.at(s) - o.at(s), s);
  }

  mul(o: Decimal): Decimal {
    const a = this.u;
    const b = o.u;
    if (typeof a === 'number' && typeof b === 'number') {
      // a rounded product outside the safe range is itself outside it, so this test is exact
      const r = a * b;
      if (Number.isSafeInteger(r)) return new Decimal(r, this.scale + o.scale);
    }
    return new Decimal(this.unscaled * o.unscaled, this.scale + o.scale);
  }

  /** PostgreSQL numeric division; DIVISION_BY_ZERO on a zero divisor. */
  div(o: Decimal): Decimal {
    if (o.unscaled === 0n) throw new ExecutionError('DIVISION_BY_ZERO', 'division by zero');
    return this.divToScale(o, divisionScale(this, o));
  }

  /** this / o rounded half away from zero to `scale` digits. */
  divToScale(o: Decimal, scale: number): Decimal {
    if (o.unscaled === 0n) throw new ExecutionError('DIVISION_BY_ZERO', 'division by zero');
    // value = (u1/10^s1) / (u2/10^s2); scaled by 10^scale → u1 * 10^(scale - s1 + s2) / u2
    const shift = scale - this.scale + o.scale;
    let n = this.unscaled;
    let d = o.unscaled;
    if (shift >= 0) n *= pow10(shift);
    else d *= pow10(-shift);
    return new Decimal(divRound(n, d), scale);
  }

  /** Remainder with the sign of the dividend (PostgreSQL numeric %). */
  mod(o: Decimal): Decimal {
    if (o.unscaled === 0n) throw new ExecutionError('DIVISION_BY_ZERO', 'division by zero');
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.at(s) % o.at(s), s);
  }

  /** Round half away from zero to `digits` after the point (negative rounds left of it). */
  round(digits = 0): Decimal {
    if (digits >= this.scale) return digits === this.scale ? this : new Decimal(this.at(digits), digits);
    const q = divRound(this.unscaled, pow10(this.scale - digits));
    return digits >= 0 ? new Decimal(q, digits) : new Decimal(q * pow10(-digits), 0);
  }

  /** Truncate toward zero to `digits` after the point. */
  trunc(digits = 0): Decimal {
    if (digits >= this.scale) return digits === this.scale ? this : new Decimal(this.at(digits), digits);
    const q = this.unscaled / pow10(this.scale - digits);
    return digits >= 0 ? new Decimal(q, digits) : new Decimal(q * pow10(-digits), 0);
  }

  floor(): Decimal {
    if (this.scale <= 0) return this;
    const p = pow10(this.scale);
    let q = this.unscaled / p;
    if (this.unscaled < 0n && q * p !== this.unscaled) q -= 1n;
    return new Decimal(q, 0);
  }

  ceil(): Decimal {
    if (this.scale <= 0) return this;
    const p = pow10(this.scale);
    let q = this.unscaled / p;
    if (this.unscaled > 0n && q * p !== this.unscaled) q += 1n;
    return new Decimal(q, 0);
  }

  compare(o: Decimal): number {
    const s0 = Math.max(this.scale, o.scale);
    const a0 = this.atSafe(s0);
    const b0 = o.atSafe(s0);
    if (a0 !== undefined && b0 !== undefined) return a0 < b0 ? -1 : a0 > b0 ? 1 : 0;
    if (this.scale === o.scale) {
      return this.unscaled < o.unscaled ? -1 : this.unscaled > o.unscaled ? 1 : 0;
    }
    const s = Math.max(this.scale, o.scale);
    const a = this.at(s);
    const b = o.at(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(o: Decimal): boolean {
    return this.compare(o) === 0;
  }

  /** Same value with trailing fractional zeros removed (for hashing: 1.0 and 1.00 are equal). */
  normalize(): Decimal {
    const n = this.u;
    if (typeof n === 'number') {
      if (this.scale <= 0 || n % 10 !== 0) return this;
      if (n === 0) return Decimal.ZERO;
      let v = n;
      let s = this.scale;
      while (s > 0 && v % 10 === 0) {
        v /= 10;
        s--;
      }
      return new Decimal(v, s);
    }
    if (this.scale <= 0 || this.unscaled % 10n !== 0n) return this;
    let u = this.unscaled;
    let s = this.scale;
    if (u === 0n) return Decimal.ZERO;
    while (s > 0 && u % 10n === 0n) {
      u /= 10n;
      s--;
    }
    return new Decimal(u, s);
  }

  /** Number of digits before the point (0 for |x| < 1), for precision checks. */
  integerDigits(): number {
    const intPart = abs(this.unscaled) / pow10(Math.max(0, this.scale));
    return intPart === 0n ? 0 : intPart.toString().length;
  }

  /**
   * Fit to DECIMAL(precision, scale): round to `scale`, then NUMERIC_OVERFLOW when more than
   * precision - scale integer digits remain (PostgreSQL "numeric field overflow").
   */
  fit(precision: number | undefined, scale: number | undefined): Decimal {
    if (precision === undefined) return scale === undefined ? this : this.round(scale);
    const s = scale ?? 0;
    const r = this.round(s);
    if (r.integerDigits() > precision - s) {
      throw new ExecutionError(
        'NUMERIC_OVERFLOW',
        `numeric field overflow: ${this.toString()} does not fit DECIMAL(${precision},${s})`,
      );
    }
    return r;
  }

  /** Integral value as bigint, rounding half away from zero. */
  toBigInt(): bigint {
    return this.scale <= 0 ? this.unscaled * pow10(-this.scale) : divRound(this.unscaled, pow10(this.scale));
  }

  toNumber(): number {
    const u = this.u;
    if (this.scale === 0) return Number(u);
    // both operands exact and the division correctly rounded: the same double as parsing the text
    if (typeof u === 'number' && this.scale > 0 && this.scale <= 22) return u / POW10_NUM[this.scale];
    return Number(this.toString());
  }

  toString(): string {
    const u = this.u;
    if (this.scale <= 0) {
      return this.scale === 0 ? u.toString() : (this.unscaled * pow10(-this.scale)).toString();
    }
    const neg = u < 0;
    let digits = typeof u === 'number' ? String(neg ? -u : u) : abs(u).toString();
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Weight (in base-10000 groups) and leading group of |d|, as PostgreSQL stores numerics. */
function weightAndFirstGroup(d: Decimal): { weight: number; first: number } {
  const u = abs(d.unscaled);
  if (u === 0n) return { weight: 0, first: 0 };
  const digits = u.toString();
  // Digits before the point: may be ≤ 0 for values below 1.
  const intDigits = digits.length - d.scale;
  // Groups of 4 digits are aligned at the decimal point; `weight` indexes the leading one.
  const weight = Math.floor((intDigits - 1) / 4);
  const e = -4 * weight - d.scale;
  const first = Number(e >= 0 ? u * pow10(e) : u / pow10(-e));
  return { weight, first };
}

/** PostgreSQL select_div_scale: at least 16 significant digits, not less than either scale. */
export function divisionScale(a: Decimal, b: Decimal): number {
  const wa = weightAndFirstGroup(a);
  const wb = weightAndFirstGroup(b);
  let qweight = wa.weight - wb.weight;
  if (wa.first <= wb.first) qweight--;
  let rscale = MIN_SIG_DIGITS - qweight * 4;
  rscale = Math.max(rscale, a.scale, b.scale, 0);
  return Math.min(rscale, MAX_SCALE);
}
