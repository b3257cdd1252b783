import t from 'tap';
import { compileLike, similarToRegex } from '../../lib/functions/regexp.js';
import { T } from '../../lib/types/datatype.js';
import { ev, s } from './eval.js';

t.test('LIKE: wildcards, escapes, fast paths and the general case agree', async (t) => {
  const cases: [string, string, boolean][] = [
    ['abc', 'abc', true],
    ['abc', 'ab', false],
    ['abc', 'a%', true],
    ['abc', '%c', true],
    ['abc', '%b%', true],
    ['abc', '%', true],
    ['', '%', true],
    ['', '', true],
    ['a', '', false],
    ['abc', '_b_', true],
    ['abc', '__', false],
    ['ab_c', 'ab\\_c', true],
    ['abxc', 'ab\\_c', false],
    ['a%', 'a\\%', true],
    ['a.c', 'a.c', true],
    ['abc', 'a.c', false],
    ['a\nb', 'a_b', true],
    ['(x)', '(%)', true],
    ['a[b', 'a[%', true],
    ['multi line\ntext', '%line%', true],
  ];
  for (const [str, pat, want] of cases) {
    t.equal(ev('like', s(str), s(pat)), want, `'${str}' LIKE '${pat}'`);
    t.equal(compileLike(pat, false)(str), want);
  }
  t.equal(ev('like', s('a#_b'), s('a##_b'), s('#')), true, '## is a literal #');
  t.equal(ev('like', s('a#b'), s('a##_b'), s('#')), false);
  t.equal(ev('like', s('a_b'), s('a#_b'), s('#')), true);
  t.equal(ev('like', s('a\\b'), s('a\\b'), s('')), true, 'empty ESCAPE disables escaping');
  t.throws(() => ev('like', s('a'), s('a\\')), { code: 'INVALID_ARGUMENT', message: /escape/ });
  t.equal(ev('like', s(null), s('%')), null);
  t.equal(ev('like', s('a'), s(null)), null);
});

t.test('ILIKE is case-insensitive', async (t) => {
  t.equal(ev('ilike', s('HeLLo'), s('hel%')), true);
  t.equal(ev('ilike', s('HeLLo'), s('%LLO')), true);
  t.equal(ev('ilike', s('HeLLo'), s('x%')), false);
});

t.test('SIMILAR TO', async (t) => {
  t.equal(ev('similar_to', s('abc'), s('%(b|d)%')), true);
  t.equal(ev('similar_to', s('abc'), s('(a|b)')), false);
  t.equal(ev('similar_to', s('abc'), s('a_c')), true);
  t.equal(ev('similar_to', s('a.c'), s('a.c')), true, '. is literal');
  t.equal(ev('similar_to', s('abc'), s('a.c')), false);
  t.equal(ev('similar_to', s('aaa'), s('a+')), true);
  t.equal(ev('similar_to', s('ab'), s('[a-c]*')), true);
  t.ok(similarToRegex('x%').test('xyz'));
});

t.test('~ and ~* (POSIX regex match)', async (t) => {
  t.equal(ev('regex_match', s('abc'), s('^a')), true);
  t.equal(ev('regex_match', s('abc'), s('^b')), false);
  t.equal(ev('regex_imatch', s('ABC'), s('b')), true);
  t.equal(ev('regex_match', s('ABC'), s('b')), false);
  t.throws(() => ev('regex_match', s('a'), s('(')), { code: 'INVALID_ARGUMENT', message: /invalid regular expression/ });
});

t.test('regexp_match returns the groups (or the whole match) as text[]', async (t) => {
  t.same(ev('regexp_match', s('foobarbequebaz'), s('(bar)(beque)')), ['bar', 'beque']);
  t.same(ev('regexp_match', s('abc'), s('b')), ['b']);
  t.equal(ev('regexp_match', s('abc'), s('x')), null);
  t.same(ev('regexp_match', s('ab'), s('(a)(x)?')), ['a', null], 'unmatched group is NULL');
  t.same(ev('regexp_match', s('ABC'), s('b'), s('i')), ['B']);
  t.throws(() => ev('regexp_match', s('a'), s('a'), s('g')), { code: 'INVALID_ARGUMENT' });
  t.throws(() => ev('regexp_match', s('a'), s('a'), s('z')), { code: 'INVALID_ARGUMENT', message: /option/ });
  // Nexmark q-style channel extraction
  const url = 'https://www.nexmark.com/bid?x=1&channel_id=1234&y=2';
  t.same(ev('regexp_match', s(url), s('(&|^)channel_id=([^&]*)')), ['&', '1234']);
  t.same(ev('regexp_matches', s('a1b22'), s('(\\d+)')), [['1'], ['22']]);
});

t.test('regexp_replace: first match, g, i, back references', async (t) => {
  t.equal(ev('regexp_replace', s('foobarbaz'), s('b..'), s('X')), 'fooXbaz');
  t.equal(ev('regexp_replace', s('foobarbaz'), s('b..'), s('X'), s('g')), 'fooXX');
  t.equal(ev('regexp_replace', s('fooBARbaz'), s('b(.)(.)'), s('[\\2\\1]'), s('gi')), 'foo[RA][za]');
  t.equal(ev('regexp_replace', s('abc'), s('b'), s('[\\&]')), 'a[b]c');
  t.equal(ev('regexp_replace', s('abc'), s('b'), s('$1')), 'a$1c', '$ is literal in PostgreSQL replacements');
  t.equal(ev('regexp_replace', s('aaa'), s('a'), s('b'), s('g')), 'bbb');
  t.equal(ev('regexp_substr', s('abc123def'), s('\\d+')), '123');
  t.equal(ev('regexp_substr', s('abc'), s('\\d+')), null);
  t.equal(ev('regexp_count', s('a1b22c333'), s('\\d+')), 3);
  t.same(ev('regexp_split_to_array', s('a1b22c'), s('\\d+')), ['a', 'b', 'c']);
  t.equal(ev('regexp_like', s('Abc'), s('^a'), s('i')), true);
  t.equal(T.varchar.id, 'varchar');
});
