// String functions (PostgreSQL names and semantics). Positions are 1-based and count Unicode
// code points like PostgreSQL with UTF-8, so strings with surrogate pairs are handled per
// character where it matters (length, substring, left/right, reverse, lpad/rpad).
import { createHash } from 'node:crypto';
import { ExecutionError } from '../errors.js';
import { formatValue } from '../types/cast.js';
import type { DataType } from '../types/datatype.js';
import { T } from '../types/datatype.js';
import type { Value } from '../types/value.js';
import { define, type Signature } from './signature.js';

const sigs: Signature[] = [];
const add = (s: Signature[]): void => {
  sigs.push(...s);
};

/** Surrogate pairs present? Then index by code points, else plain UTF-16 indexing is exact. */
const HAS_SURROGATE = /[\uD800-\uDFFF]/;

function chars(s: string): string[] {
  return Array.from(s);
}

export function charLength(s: string): number {
  if (!HAS_SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** substring(s, start[, count]) with PostgreSQL's treatment of start < 1 and negative counts. */
export function substring(s: string, start: number, count?: number): string {
  if (count !== undefined && count < 0) throw new ExecutionError('INVALID_ARGUMENT', 'negative substring length not allowed');
  const from = Math.max(start, 1);
  const to = count === undefined ? Infinity : start + count; // exclusive, 1-based
  if (to <= from) return '';
  if (!HAS_SURROGATE.test(s)) return s.slice(from - 1, to === Infinity ? undefined : to - 1);
  const cs = chars(s);
  return cs.slice(from - 1, to === Infinity ? undefined : to - 1).join('');
}

function left(s: string, n: number): string {
  const cs = HAS_SURROGATE.test(s) ? chars(s) : null;
  const len = cs ? cs.length : s.length;
  const k = n >= 0 ? Math.min(n, len) : Math.max(len + n, 0);
  return cs ? cs.slice(0, k).join('') : s.slice(0, k);
}

function right(s: string, n: number): string {
  const cs = HAS_SURROGATE.test(s) ? chars(s) : null;
  const len = cs ? cs.length : s.length;
  const k = n >= 0 ? Math.min(n, len) : Math.max(len + n, 0);
  return cs ? cs.slice(len - k).join('') : s.slice(len - k);
}

function pad(s: string, n: number, fill: string, atStart: boolean): string {
  const cs = chars(s);
  if (n <= cs.length) return cs.slice(0, Math.max(n, 0)).join('');
  if (fill === '') return s;
  const fc = chars(fill);
  const need = n - cs.length;
  let p = '';
  for (let i = 0; i < need; i++) p += fc[i % fc.length];
  return atStart ? p + s : s + p;
}

function trimChars(s: string, set: string, leading: boolean, trailing: boolean): string {
  const cs = chars(s);
  const drop = new Set(chars(set));
  let a = 0;
  let b = cs.length;
  if (leading) while (a < b && drop.has(cs[a]!)) a++;
  if (trailing) while (b > a && drop.has(cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

function initcap(s: string): string {
  return s.toLowerCase().replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function splitPart(s: string, delim: string, n: number): string {
  if (n === 0) throw new ExecutionError('INVALID_ARGUMENT', 'field position must not be zero');
  if (delim === '') return n === 1 || n === -1 ? s : '';
  if (n > 0) {
    // walk to the n-th field without splitting the whole string
    let start = 0;
    for (let k = 1; k < n; k++) {
      const at = s.indexOf(delim, start);
      if (at < 0) return '';
      start = at + delim.length;
    }
    const end = s.indexOf(delim, start);
    return end < 0 ? s.slice(start) : s.slice(start, end);
  }
  const parts = s.split(delim);
  const idx = n > 0 ? n - 1 : parts.length + n;
  return parts[idx] ?? '';
}

function position(sub: string, s: string): number {
  const i = s.indexOf(sub);
  if (i < 0) return 0;
  return HAS_SURROGATE.test(s) ? charLength(s.slice(0, i)) + 1 : i + 1;
}

function repeat(s: string, n: number): string {
  if (n <= 0) return '';
  if (s.length * n > 1 << 28) throw new ExecutionError('INVALID_ARGUMENT', 'requested length too large');
  return s.repeat(n);
}

function overlay(s: string, r: string, from: number, count?: number): string {
  const n = count ?? charLength(r);
  return substring(s, 1, from - 1) + r + substring(s, from + n);
}

function translate(s: string, from: string, to: string): string {
  const f = chars(from);
  const t = chars(to);
  let out = '';
  for (const c of s) {
    const i = f.indexOf(c);
    if (i < 0) out += c;
    else if (i < t.length) out += t[i];
  }
  return out;
}

// concat / concat_ws print non-NULL arguments of any type and skip NULLs (not strict).
function concatFn(args: Value[], types: DataType[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) if (args[i] !== null) out += formatValue(args[i]!, types[i]!);
  return out;
}

const s = T.varchar;
add(define('lower', ['varchar'], s, (a: string) => a.toLowerCase(), { inline: ([a]) => `${a}.toLowerCase()` }));
add(define('upper', ['varchar'], s, (a: string) => a.toUpperCase(), { inline: ([a]) => `${a}.toUpperCase()` }));
add(define(['length', 'char_length', 'character_length'], ['varchar'], T.int, charLength));
add(define('octet_length', ['varchar'], T.int, (a: string) => Buffer.byteLength(a, 'utf8')));
add(define('bit_length', ['varchar'], T.int, (a: string) => Buffer.byteLength(a, 'utf8') * 8));
add(define(['substring', 'substr'], ['varchar', 'int'], s, (a: string, b: number) => substring(a, b)));
add(define(['substring', 'substr'], ['varchar', 'int', 'int'], s, substring));
add(define('position', ['varchar', 'varchar'], T.int, position));
add(define('strpos', ['varchar', 'varchar'], T.int, (a: string, b: string) => position(b, a)));
add(define('replace', ['varchar', 'varchar', 'varchar'], s, (a: string, f: string, t: string) => (f === '' ? a : a.split(f).join(t))));
add(define('split_part', ['varchar', 'varchar', 'int'], s, splitPart));
add(define('btrim', ['varchar'], s, (a: string) => trimChars(a, ' ', true, true)));
add(define('btrim', ['varchar', 'varchar'], s, (a: string, c: string) => trimChars(a, c, true, true)));
add(define('trim', ['varchar'], s, (a: string) => trimChars(a, ' ', true, true)));
add(define('ltrim', ['varchar'], s, (a: string) => trimChars(a, ' ', true, false)));
add(define('ltrim', ['varchar', 'varchar'], s, (a: string, c: string) => trimChars(a, c, true, false)));
add(define('rtrim', ['varchar'], s, (a: string) => trimChars(a, ' ', false, true)));
add(define('rtrim', ['varchar', 'varchar'], s, (a: string, c: string) => trimChars(a, c, false, true)));
add(define('lpad', ['varchar', 'int'], s, (a: string, n: number) => pad(a, n, ' ', true)));
add(define('lpad', ['varchar', 'int', 'varchar'], s, (a: string, n: number, f: string) => pad(a, n, f, true)));
add(define('rpad', ['varchar', 'int'], s, (a: string, n: number) => pad(a, n, ' ', false)));
add(define('rpad', ['varchar', 'int', 'varchar'], s, (a: string, n: number, f: string) => pad(a, n, f, false)));
add(define('left', ['varchar', 'int'], s, left));
add(define('right', ['varchar', 'int'], s, right));
add(define('repeat', ['varchar', 'int'], s, repeat));
add(define('reverse', ['varchar'], s, (a: string) => chars(a).reverse().join('')));
add(define('initcap', ['varchar'], s, initcap));
add(define('starts_with', ['varchar', 'varchar'], T.boolean, (a: string, b: string) => a.startsWith(b)));
add(define('ends_with', ['varchar', 'varchar'], T.boolean, (a: string, b: string) => a.endsWith(b)));
add(define('overlay', ['varchar', 'varchar', 'int'], s, (a: string, r: string, f: number) => overlay(a, r, f)));
add(define('overlay', ['varchar', 'varchar', 'int', 'int'], s, overlay));
add(define('translate', ['varchar', 'varchar', 'varchar'], s, translate));
add(define('ascii', ['varchar'], T.int, (a: string) => (a === '' ? 0 : a.codePointAt(0)!)));
add(
  define('chr', ['int'], s, (n: number) => {
    if (n <= 0 || n > 0x10ffff) throw new ExecutionError('INVALID_ARGUMENT', `character number ${n} is out of range`);
    return String.fromCodePoint(n);
  }),
);
add(define('md5', ['varchar'], s, (a: string) => createHash('md5').update(a, 'utf8').digest('hex')));
add(define('sha256', ['varchar'], s, (a: string) => createHash('sha256').update(a, 'utf8').digest('hex')));
add(define('to_hex', ['bigint'], s, (n: number) => (n < 0 ? (BigInt.asUintN(64, BigInt(n))).toString(16) : n.toString(16))));
add(
  define('concat', [], s, (...args: Value[]) => concatFn(args.slice(0, -1), args[args.length - 1] as unknown as DataType[]), {
    variadic: 'any',
    minVariadic: 1,
    strict: false,
    wantsTypes: true,
  }),
);
add(
  define(
    'concat_ws',
    ['varchar'],
    s,
    (...args: Value[]) => {
      const types = args[args.length - 1] as unknown as DataType[];
      const sep = args[0];
      if (sep === null) return null;
      const parts: string[] = [];
      for (let i = 1; i < args.length - 1; i++) if (args[i] !== null) parts.push(formatValue(args[i]!, types[i]!));
      return parts.join(sep as string);
    },
    { variadic: 'any', minVariadic: 1, strict: false, wantsTypes: true },
  ),
);
add(define('quote_literal', ['varchar'], s, (a: string) => "'" + a.replace(/'/g, "''") + "'"));
add(define('quote_ident', ['varchar'], s, (a: string) => (/^[a-z_][a-z0-9_]*$/.test(a) ? a : '"' + a.replace(/"/g, '""') + '"')));
add(define('string_to_array', ['varchar', 'varchar'], T.array(s), (a: string, d: string) => (a === '' ? [] : d === '' ? [a] : a.split(d))));

export const stringSignatures: Signature[] = sigs;
