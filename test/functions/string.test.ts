import t from 'tap';
import { resolveFunction } from '../../lib/functions/registry.js';
import { T } from '../../lib/types/datatype.js';
import { ev, s, i } from './eval.js';

t.test('case, length, substring (PostgreSQL 15 reference values)', async (t) => {
  t.equal(ev('lower', s('HeLLo')), 'hello');
  t.equal(ev('upper', s('héllo')), 'HÉLLO');
  t.equal(ev('length', s('héllo')), 5);
  t.equal(ev('char_length', s('😀a')), 2, 'code points, not UTF-16 units');
  t.equal(ev('octet_length', s('é')), 2);
  t.equal(ev('substring', s('hello'), i(0), i(3)), 'he');
  t.equal(ev('substring', s('hello'), i(-2)), 'hello');
  t.equal(ev('substr', s('hello'), i(2), i(2)), 'el');
  t.equal(ev('substring', s('😀bc'), i(2), i(1)), 'b');
  t.throws(() => ev('substring', s('hello'), i(1), i(-1)), { code: 'INVALID_ARGUMENT' });
  t.equal(ev('lower', s(null)), null, 'NULL in, NULL out');
  t.equal(ev('substring', s('abc'), i(null)), null);
});

t.test('searching and splitting', async (t) => {
  t.equal(ev('position', s('lo'), s('hello')), 4);
  t.equal(ev('position', s('z'), s('hello')), 0);
  t.equal(ev('strpos', s('hello'), s('l')), 3);
  t.equal(ev('split_part', s('a/b/c'), s('/'), i(2)), 'b');
  t.equal(ev('split_part', s('a/b/c'), s('/'), i(-1)), 'c');
  t.equal(ev('split_part', s('a/b/c'), s('/'), i(5)), '');
  t.equal(ev('split_part', s('https://www.nexmark.com/a/b/item.htm'), s('/'), i(4)), 'a');
  t.throws(() => ev('split_part', s('a'), s('/'), i(0)), { code: 'INVALID_ARGUMENT' });
  t.equal(ev('replace', s('aXbXc'), s('X'), s('--')), 'a--b--c');
  t.equal(ev('replace', s('abc'), s(''), s('z')), 'abc');
  t.equal(ev('starts_with', s('hello'), s('he')), true);
  t.equal(ev('ends_with', s('hello'), s('he')), false);
  t.same(ev('string_to_array', s('a,b,,c'), s(',')), ['a', 'b', '', 'c']);
});

t.test('trimming and padding', async (t) => {
  t.equal(ev('btrim', s('  hi  ')), 'hi');
  t.equal(ev('btrim', s('xxhixx'), s('x')), 'hi');
  t.equal(ev('ltrim', s('xyhi'), s('yx')), 'hi');
  t.equal(ev('rtrim', s('hi  ')), 'hi');
  t.equal(ev('lpad', s('hi'), i(5), s('xy')), 'xyxhi');
  t.equal(ev('rpad', s('hello'), i(3)), 'hel');
  t.equal(ev('lpad', s('hi'), i(4)), '  hi');
  t.equal(ev('lpad', s('hi'), i(-1)), '');
  t.equal(ev('rpad', s('hi'), i(5), s('')), 'hi');
});

t.test('left/right/repeat/reverse/initcap/translate', async (t) => {
  t.equal(ev('left', s('hello'), i(2)), 'he');
  t.equal(ev('left', s('hello'), i(-2)), 'hel');
  t.equal(ev('right', s('hello'), i(2)), 'lo');
  t.equal(ev('right', s('hello'), i(-2)), 'llo');
  t.equal(ev('repeat', s('ab'), i(3)), 'ababab');
  t.equal(ev('repeat', s('ab'), i(-1)), '');
  t.equal(ev('reverse', s('a😀b')), 'b😀a');
  t.equal(ev('initcap', s('hELLO wORLD-foo bar_baz')), 'Hello World-Foo Bar_Baz');
  t.equal(ev('translate', s('12345'), s('143'), s('ax')), 'a2x5');
  t.equal(ev('overlay', s('Txxxxas'), s('hom'), i(2), i(4)), 'Thomas');
  t.equal(ev('ascii', s('A')), 65);
  t.equal(ev('chr', i(65)), 'A');
  t.throws(() => ev('chr', i(0)), { code: 'INVALID_ARGUMENT' });
  t.equal(ev('md5', s('abc')), '900150983cd24fb0d6963f7d28e17f72');
  t.equal(ev('quote_literal', s("O'Reilly")), "'O''Reilly'");
});

t.test('concat and concat_ws skip NULLs and print values with output functions', async (t) => {
  t.equal(ev('concat', s('a'), s(null), i(1), [true, T.boolean]), 'a1t');
  t.equal(ev('concat_ws', s(','), s('a'), s(null), i(2)), 'a,2');
  t.equal(ev('concat_ws', s(null), s('a')), null);
  t.equal(ev('concat', [Date.UTC(2024, 0, 1, 10), T.timestamp], s('|'), [1.5, T.double]), '2024-01-01 10:00:00|1.5');
  t.equal(ev('concat', s(null)), '');
});

t.test('unknown functions and wrong argument types are bind errors', async (t) => {
  t.throws(() => resolveFunction('no_such_fn', [T.int]), { name: 'SqlTypeError', code: 'UNKNOWN_FUNCTION' });
  t.throws(() => resolveFunction('lower', [T.int]), { name: 'SqlTypeError', code: 'TYPE_MISMATCH', message: /lower\(int\)/ });
  t.throws(() => resolveFunction('lower', []), { code: 'TYPE_MISMATCH' });
  t.throws(() => resolveFunction('sum', [T.int]), { code: 'TYPE_MISMATCH', message: /aggregate/ });
  t.equal(resolveFunction('LOWER', [T.varchar]).returnType.id, 'varchar', 'names are case-insensitive');
});
