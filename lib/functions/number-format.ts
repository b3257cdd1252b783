// to_char(number, template) with PostgreSQL's numeric template patterns: 9 (digit, blank when
// a leading zero), 0 (digit, always), . or D (decimal point), , or G (group separator), S (sign
// + or -), MI (trailing minus), PR (<negative>), FM (no padding, no trailing fractional zeros
// in 9 positions). A number too wide for the template prints '#' in every digit position.
import { ExecutionError } from '../errors.js';
import { Decimal } from '../types/decimal.js';

interface NumberTemplate {
  intPattern: string; // 9, 0 and , characters before the point
  fracPattern: string; // 9 and 0 characters after the point
  point: boolean;
  sign: 'default' | 'S-lead' | 'S-trail' | 'MI' | 'PR';
  fm: boolean;
}

function parseTemplate(fmt: string): NumberTemplate {
  let f = fmt;
  let fm = false;
  if (/^FM/i.test(f)) {
    fm = true;
    f = f.slice(2);
  }
  let sign: NumberTemplate['sign'] = 'default';
  if (/^S/i.test(f)) {
    sign = 'S-lead';
    f = f.slice(1);
  } else if (/S$/i.test(f)) {
    sign = 'S-trail';
    f = f.slice(0, -1);
  } else if (/MI$/i.test(f)) {
    sign = 'MI';
    f = f.slice(0, -2);
  } else if (/PR$/i.test(f)) {
    sign = 'PR';
    f = f.slice(0, -2);
  }
  f = f.replace(/[Dd]/g, '.').replace(/[Gg]/g, ',');
  if (!/^[90,]*(\.[90]*)?$/.test(f)) {
    throw new ExecutionError('INVALID_ARGUMENT', `to_char: unsupported numeric template "${fmt}"`);
  }
  const dot = f.indexOf('.');
  return {
    intPattern: dot < 0 ? f : f.slice(0, dot),
    fracPattern: dot < 0 ? '' : f.slice(dot + 1),
    point: dot >= 0,
    sign,
    fm,
  };
}

function render(value: Decimal, t: NumberTemplate): string {
  const rounded = value.round(t.fracPattern.length);
  const negative = rounded.sign() < 0;
  const text = rounded.abs().toString();
  const [intDigitsRaw, fracDigitsRaw = ''] = text.split('.');
  const intDigits = intDigitsRaw === '0' ? '' : intDigitsRaw!;
  const digitSlots = t.intPattern.replace(/,/g, '').length;
  const overflow = intDigits.length > digitSlots;
  // integer part, right to left
  let out = '';
  let d = intDigits.length - 1;
  const firstZero = t.intPattern.indexOf('0');
  for (let k = t.intPattern.length - 1; k >= 0; k--) {
    const p = t.intPattern[k]!;
    const forced = firstZero >= 0 && k >= firstZero;
    if (p === ',') {
      out = (d >= 0 || forced ? ',' : ' ') + out;
      continue;
    }
    if (overflow) out = '#' + out;
    else if (d >= 0) out = intDigits[d--] + out;
    else out = (forced ? '0' : ' ') + out;
  }
  let frac = '';
  if (t.point) {
    frac = overflow ? '#'.repeat(t.fracPattern.length) : fracDigitsRaw.padEnd(t.fracPattern.length, '0');
    if (t.fm && !overflow) {
      // FM drops trailing zeros that sit in '9' positions
      let end = frac.length;
      while (end > 0 && frac[end - 1] === '0' && t.fracPattern[end - 1] === '9') end--;
      frac = frac.slice(0, end);
    }
    frac = (overflow ? '.' : '.') + frac;
  }
  const pad = out.length - out.trimStart().length;
  const body = out.trimStart() + frac;
  let result: string;
  switch (t.sign) {
    case 'default':
      result = ' '.repeat(pad) + (negative ? '-' : ' ') + body;
      break;
    case 'S-lead':
      result = ' '.repeat(pad) + (negative ? '-' : '+') + body;
      break;
    case 'S-trail':
      result = ' '.repeat(pad) + body + (negative ? '-' : '+');
      break;
    case 'MI':
      result = ' '.repeat(pad) + body + (negative ? '-' : ' ');
      break;
    case 'PR':
      result = ' '.repeat(pad) + (negative ? '<' + body + '>' : ' ' + body + ' ');
      break;
  }
  return t.fm ? result.trim() : result;
}

/** Compile a numeric to_char template once; the result formats Decimals. */
export function compileNumberFormat(fmt: string): (v: Decimal) => string {
  const t = parseTemplate(fmt);
  return (v) => render(v, t);
}
