// Pattern matching: LIKE / ILIKE / SIMILAR TO, the ~ ~* operators and the regexp_* functions.
// Patterns are translated to JavaScript RegExp once: at compile time when the pattern is a
// constant (the `specialize` hooks), otherwise through a small cache keyed by pattern text.
// PostgreSQL's ARE syntax and JavaScript's agree on the common constructs (classes, groups,
// alternation, quantifiers, anchors, \d \w \s).
import { ExecutionError } from '../errors.js';
import { T } from '../types/datatype.js';
import type { Value } from '../types/value.js';
import { define, type ImplFn, type Signature } from './signature.js';

const sigs: Signature[] = [];
const add = (s: Signature[]): void => {
  sigs.push(...s);
};

const CACHE_LIMIT = 256;

/** A bounded cache of compiled patterns for non-constant pattern arguments. */
function cached<V>(build: (key: string) => V): (key: string) => V {
  const map = new Map<string, V>();
  return (key) => {
    let v = map.get(key);
    if (v === undefined) {
      v = build(key);
      if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value as string);
      map.set(key, v);
    }
    return v;
  };
}

function escapeRegex(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

function invalidPattern(msg: string): ExecutionError {
  return new ExecutionError('INVALID_ARGUMENT', msg);
}

/** A LIKE pattern as a matcher; plain prefix/suffix/infix patterns avoid RegExp entirely. */
export function compileLike(pattern: string, caseInsensitive: boolean, escape = '\\'): (s: string) => boolean {
  if (escape.length > 1) throw invalidPattern('invalid escape string: must be empty or one character');
  let re = '';
  let literal = '';
  const pieces: (string | '%' | '_')[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== '' && c === escape) {
      if (i + 1 >= pattern.length) throw invalidPattern('LIKE pattern must not end with escape character');
      literal += pattern[++i];
    } else if (c === '%' || c === '_') {
      if (literal) pieces.push(literal);
      literal = '';
      pieces.push(c === '%' ? '%' : '_');
    } else literal += c;
  }
  if (literal) pieces.push(literal);
  if (!caseInsensitive) {
    // Fast paths for the shapes that dominate real queries.
    const lits = pieces.filter((p) => p !== '%' && p !== '_');
    const hasUnderscore = pieces.some((p) => p === '_');
    if (!hasUnderscore && lits.length <= 1) {
      const lit = (lits[0] as string | undefined) ?? '';
      const startsWild = pieces[0] === '%';
      const endsWild = pieces[pieces.length - 1] === '%';
      if (pieces.length === 0) return (s) => s === '';
      if (lits.length === 0) return () => true; // only '%'
      if (!startsWild && !endsWild) return (s) => s === lit;
      if (!startsWild && endsWild) return (s) => s.startsWith(lit);
      if (startsWild && !endsWild) return (s) => s.endsWith(lit);
      return (s) => s.includes(lit);
    }
  }
  for (const p of pieces) re += p === '%' ? '.*' : p === '_' ? '.' : escapeRegex(p as string);
  const rx = new RegExp('^' + re + '$', caseInsensitive ? 'isu' : 'su');
  return (s) => rx.test(s);
}

/** SQL-standard SIMILAR TO pattern → RegExp (anchored; % and _ are wildcards). */
export function similarToRegex(pattern: string, escape = '\\'): RegExp {
  let re = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== '' && c === escape) {
      if (i + 1 >= pattern.length) throw invalidPattern('SIMILAR TO pattern must not end with escape character');
      re += escapeRegex(pattern[++i]!);
    } else if (inClass) {
      if (c === ']') inClass = false;
      re += c === '\\' ? '\\\\' : c;
    } else if (c === '[') {
      inClass = true;
      re += c;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else if ('|*+?{}()'.includes(c)) re += c === '(' ? '(?:' : c;
    else re += escapeRegex(c);
  }
  try {
    return new RegExp('^(?:' + re + ')$', 'su');
  } catch (e) {
    throw invalidPattern(`invalid SIMILAR TO pattern: ${(e as Error).message}`);
  }
}

/** PostgreSQL regex flags → JavaScript flags ('g' handled by the caller). */
function jsFlags(flags: string, allowGlobal: boolean): { flags: string; global: boolean } {
  let out = '';
  let global = false;
  for (const f of flags) {
    if (f === 'i') out += 'i';
    else if (f === 'c') out = out.replace('i', '');
    else if (f === 'g' && allowGlobal) global = true;
    else if (f === 'n' || f === 'm') out += 'm';
    else if (f === 's') continue;
    else throw invalidPattern(`invalid regular expression option: "${f}"`);
  }
  if (!out.includes('m')) out += 's';
  return { flags: [...new Set(out)].join(''), global };
}

/**
 * Unicode mode costs V8 about 2x on plain patterns, so it is used only when the pattern needs it
 * (astral characters, \p{…}, \u{…}); otherwise '.' matches one UTF-16 unit, which differs from
 * PostgreSQL only on characters outside the Basic Multilingual Plane.
 */
function needsUnicode(pattern: string): boolean {
  return /[\uD800-\uDFFF]|\\[pP]\{|\\u\{/.test(pattern);
}

function buildRegex(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, needsUnicode(pattern) ? flags + 'u' : flags);
  } catch (e) {
    throw invalidPattern(`invalid regular expression: ${(e as Error).message}`);
  }
}

const regexCache = cached((key) => {
  const sep = key.indexOf('\u0000');
  return buildRegex(key.slice(sep + 1), key.slice(0, sep));
});
function regexFor(pattern: string, flags: string, allowGlobal = false): { rx: RegExp; global: boolean } {
  const f = jsFlags(flags, allowGlobal);
  return { rx: regexCache(f.flags + '\u0000' + pattern), global: f.global };
}

const likeCache = cached((key) => compileLike(key.slice(2), key[0] === 'i', key[1] === '\u0001' ? '' : key[1]));
function likeMatcher(pattern: string, ci: boolean, escape = '\\'): (s: string) => boolean {
  return likeCache((ci ? 'i' : 'c') + (escape === '' ? '\u0001' : escape) + pattern);
}

// --- LIKE / ILIKE / SIMILAR TO ----------------------------------------------------------------
function likeSignatures(name: string, ci: boolean): void {
  add(
    define(name, ['varchar', 'varchar'], T.boolean, (s: string, p: string) => likeMatcher(p, ci)(s), {
      specialize: (c) => {
        if (typeof c[1] !== 'string') return undefined;
        const m = compileLike(c[1], ci);
        return (s: string) => m(s);
      },
    }),
  );
  add(
    define(name, ['varchar', 'varchar', 'varchar'], T.boolean, (s: string, p: string, e: string) => likeMatcher(p, ci, e)(s), {
      specialize: (c) => {
        if (typeof c[1] !== 'string' || typeof c[2] !== 'string') return undefined;
        const m = compileLike(c[1], ci, c[2]);
        return (s: string) => m(s);
      },
    }),
  );
}
likeSignatures('like', false);
likeSignatures('ilike', true);

const similarCache = cached((key) => similarToRegex(key.slice(1), key[0] === '\u0001' ? '' : key[0]));
add(
  define('similar_to', ['varchar', 'varchar'], T.boolean, (s: string, p: string) => similarCache('\\' + p).test(s), {
    specialize: (c) => {
      if (typeof c[1] !== 'string') return undefined;
      const rx = similarToRegex(c[1]);
      return (s: string) => rx.test(s);
    },
  }),
);
add(
  define('similar_to', ['varchar', 'varchar', 'varchar'], T.boolean, (s: string, p: string, e: string) =>
    similarCache((e === '' ? '\u0001' : e) + p).test(s),
  ),
);

// --- ~ and ~* ---------------------------------------------------------------------------------
function matchOp(name: string, flags: string): void {
  add(
    define(name, ['varchar', 'varchar'], T.boolean, (s: string, p: string) => regexFor(p, flags).rx.test(s), {
      specialize: (c) => {
        if (typeof c[1] !== 'string') return undefined;
        const rx = buildRegex(c[1], jsFlags(flags, false).flags);
        return (s: string) => rx.test(s);
      },
    }),
  );
}
matchOp('regex_match', '');
matchOp('regex_imatch', 'i');
add(define('regexp_like', ['varchar', 'varchar'], T.boolean, (s: string, p: string) => regexFor(p, '').rx.test(s)));
add(define('regexp_like', ['varchar', 'varchar', 'varchar'], T.boolean, (s: string, p: string, f: string) => regexFor(p, f).rx.test(s)));

// --- regexp_match / regexp_matches / regexp_replace / regexp_substr / regexp_count -------------
function groupsOf(m: RegExpExecArray): Value[] {
  if (m.length === 1) return [m[0]];
  const out: Value[] = [];
  for (let i = 1; i < m.length; i++) out.push(m[i] ?? null);
  return out;
}

function regexpMatch(s: string, rx: RegExp): Value {
  rx.lastIndex = 0;
  const m = rx.exec(s);
  return m ? groupsOf(m) : null;
}

function constantRegex(c: (Value | undefined)[], patternIndex: number, flagsIndex: number | undefined, allowGlobal: boolean) {
  const p = c[patternIndex];
  const f = flagsIndex === undefined ? '' : c[flagsIndex];
  if (typeof p !== 'string' || typeof f !== 'string') return undefined;
  const jf = jsFlags(f, allowGlobal);
  return { rx: buildRegex(p, jf.flags + (jf.global ? 'g' : '')), global: jf.global };
}

/**
 * regexp_match(s, pattern[, flags])[k] without building the group array: the compiler fuses
 * this common shape (Nexmark's URL parsing) when pattern, flags and k are constants.
 */
export function regexpMatchElement(pattern: string, flags: string, k: number): (s: string) => Value {
  if (flags.includes('g')) throw invalidPattern('regexp_match() does not support the "global" option; use regexp_matches');
  const rx = buildRegex(pattern, jsFlags(flags, false).flags);
  return (s) => {
    const m = rx.exec(s);
    if (m === null) return null;
    if (m.length === 1) return k === 1 ? m[0] : null;
    return k >= 1 && k < m.length ? (m[k] ?? null) : null;
  };
}

const textArray = T.array(T.varchar);
add(
  define('regexp_match', ['varchar', 'varchar'], textArray, (s: string, p: string) => regexpMatch(s, regexFor(p, '').rx), {
    specialize: (c) => {
      const r = constantRegex(c, 1, undefined, false);
      return r ? (s: string) => regexpMatch(s, r.rx) : undefined;
    },
  }),
);
add(
  define('regexp_match', ['varchar', 'varchar', 'varchar'], textArray, (s: string, p: string, f: string) => {
    if (f.includes('g')) throw invalidPattern('regexp_match() does not support the "global" option; use regexp_matches');
    return regexpMatch(s, regexFor(p, f).rx);
  }),
);

/** regexp_matches as a scalar: all matches' group arrays (PostgreSQL returns them as a set). */
function allMatches(s: string, p: string, f: string): Value {
  const { rx } = regexFor(p, f, true);
  const g = new RegExp(rx.source, rx.flags + 'g');
  const out: Value[] = [];
  for (const m of s.matchAll(g)) out.push(groupsOf(m as RegExpExecArray));
  return out;
}
add(define('regexp_matches', ['varchar', 'varchar'], T.array(textArray), (s: string, p: string) => allMatches(s, p, 'g')));
add(define('regexp_matches', ['varchar', 'varchar', 'varchar'], T.array(textArray), allMatches));

/** PostgreSQL replacement text uses \1 … \9 and \& for the whole match. */
function jsReplacement(r: string): string {
  return r.replace(/\$/g, '$$$$').replace(/\\(\d|&|\\)/g, (_m, g: string) => (g === '&' ? '$&' : g === '\\' ? '\\' : '$' + g));
}
function regexpReplace(s: string, p: string, r: string, f = ''): string {
  const { rx, global } = regexFor(p, f, true);
  const use = global ? new RegExp(rx.source, rx.flags + 'g') : rx;
  return s.replace(use, jsReplacement(r));
}
add(
  define('regexp_replace', ['varchar', 'varchar', 'varchar'], T.varchar, (s: string, p: string, r: string) => regexpReplace(s, p, r), {
    specialize: (c) => {
      const rx = constantRegex(c, 1, undefined, false);
      if (!rx || typeof c[2] !== 'string') return undefined;
      const rep = jsReplacement(c[2]);
      return (s: string) => s.replace(rx.rx, rep);
    },
  }),
);
add(
  define('regexp_replace', ['varchar', 'varchar', 'varchar', 'varchar'], T.varchar, regexpReplace, {
    specialize: (c) => {
      const rx = constantRegex(c, 1, 3, true);
      if (!rx || typeof c[2] !== 'string') return undefined;
      const rep = jsReplacement(c[2]);
      return (s: string) => {
        rx.rx.lastIndex = 0;
        return s.replace(rx.rx, rep);
      };
    },
  }),
);
// substring(s FROM pattern): the first parenthesised group if any, else the whole match
add(
  define('substring', ['varchar', 'varchar'], T.varchar, (s: string, p: string) => {
    const m = regexFor(p, '').rx.exec(s);
    if (!m) return null;
    return m.length > 1 ? (m[1] ?? null) : m[0];
  }),
);
const substrFn: ImplFn = (s: string, p: string) => {
  const m = regexFor(p, '').rx.exec(s);
  return m ? m[0] : null;
};
add(define('regexp_substr', ['varchar', 'varchar'], T.varchar, substrFn));
add(
  define('regexp_count', ['varchar', 'varchar'], T.int, (s: string, p: string) => {
    const { rx } = regexFor(p, '');
    return [...s.matchAll(new RegExp(rx.source, rx.flags + 'g'))].length;
  }),
);
add(
  define('regexp_split_to_array', ['varchar', 'varchar'], textArray, (s: string, p: string) => {
    const { rx } = regexFor(p, '');
    return s.split(rx);
  }),
);

export const regexpSignatures: Signature[] = sigs;
