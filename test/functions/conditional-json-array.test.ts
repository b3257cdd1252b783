import t from 'tap';
import { T } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import { makeJson } from '../../lib/types/json.js';
import type { JsonValue } from '../../lib/types/value.js';
import { ev, i, big, s, type Arg } from './eval.js';

const arr = (v: unknown[] | null, el = T.int): Arg => [v as never, T.array(el)];
const j = (v: unknown): Arg => [makeJson(v), T.jsonb];

t.test('coalesce, nullif, greatest, least, IN (PostgreSQL semantics)', async (t) => {
  t.equal(ev('coalesce', i(null), i(2), i(3)), 2);
  t.equal(ev('coalesce', i(null), i(null)), null);
  t.equal(ev('coalesce', i(1), big(2)), 1);
  t.equal(ev('nullif', i(1), i(1)), null);
  t.equal(ev('nullif', i(1), i(2)), 1);
  t.equal(ev('nullif', i(null), i(2)), null);
  t.equal(ev('nullif', i(1), i(null)), 1);
  t.equal(ev('greatest', i(1), i(null), i(3)), 3);
  t.equal(ev('least', i(null), i(null)), null);
  t.equal(String(ev('greatest', i(1), [Decimal.parse('1.5'), T.decimal])), '1.5');
  t.equal(ev('least', s('b'), s('a')), 'a');
  t.equal(ev('in', i(1), i(1), i(null)), true);
  t.equal(ev('in', i(2), i(1), i(null)), null);
  t.equal(ev('in', i(null), i(1)), null);
  t.equal(ev('in', i(2), i(1), i(3)), false);
  t.equal(ev('in', i(3), big(1), big(3)), true);
});

t.test('arrays: constructor, 1-based subscripts, lengths', async (t) => {
  t.same(ev('array', i(1), i(null), i(3)), [1, null, 3]);
  t.equal(ev('subscript', arr([10, 20, 30]), i(2)), 20);
  t.equal(ev('subscript', arr([10, 20, 30]), i(5)), null);
  t.equal(ev('subscript', arr([10, 20, 30]), big(3)), 30, 'bigint subscript');
  t.equal(ev('subscript', arr([10, 20, 30]), i(0)), null);
  t.equal(ev('subscript', arr(null), i(1)), null);
  t.same(ev('subscript', arr([1, 2, 3, 4]), i(2), i(3)), [2, 3]);
  t.equal(ev('array_length', arr([1, 2]), i(1)), 2);
  t.equal(ev('array_length', arr([]), i(1)), null);
  t.equal(ev('cardinality', [[[1, 2], [3, 4]], T.array(T.array(T.int))]), 4);
  t.equal(ev('cardinality', arr([])), 0);
  t.equal(ev('array_position', arr([5, 6, 7]), i(7)), 3);
  t.equal(ev('array_position', arr([5, null]), i(null)), 2);
  t.same(ev('array_append', arr([1]), i(2)), [1, 2]);
  t.same(ev('array_remove', arr([1, 2, 1]), i(1)), [2]);
  t.equal(ev('array_to_string', arr([1, null, 3]), s(',')), '1,3');
  t.equal(ev('array_to_string', arr([1, null, 3]), s(','), s('*')), '1,*,3');
  t.equal(ev('@>', arr([1, 2, 3]), arr([3, 1])), true);
  t.equal(ev('<@', arr([1, 4]), arr([1, 2, 3])), false);
  t.equal(ev('&&', arr([1, 4]), arr([4, 5])), true);
});

t.test('json -> and ->>', async (t) => {
  const doc = j({ a: { b: [1, 2] }, s: 'x', n: null });
  t.same(ev('->', doc, s('a')), makeJson({ b: [1, 2] }));
  t.equal(ev('->>', doc, s('s')), 'x');
  t.equal(ev('->>', doc, s('n')), null, 'JSON null is SQL NULL for ->>');
  t.same(ev('->', doc, s('n')), makeJson(null), 'but a JSON null for ->');
  t.equal(ev('->', doc, s('missing')), null);
  t.equal(ev('->>', j([1, 'x', null]), i(1)), 'x');
  t.equal(ev('->>', j([1, 'x']), i(-1)), 'x', 'negative index counts from the end');
  t.equal(ev('->>', j({ a: { b: 1 } }), s('a')), '{"b": 1}');
  t.equal(ev('->', j([1]), s('a')), null);
  t.equal(ev('jsonb_typeof', doc), 'object');
  t.equal(ev('jsonb_array_length', j([1, 2, 3])), 3);
  t.throws(() => ev('jsonb_array_length', j({})), { code: 'INVALID_ARGUMENT' });
  t.equal(ev('jsonb_extract_path_text', doc, s('a'), s('b'), s('1')), '2');
  t.same((ev('jsonb_build_object', s('k'), i(1), s('t'), [Date.UTC(2024, 0, 1), T.timestamp]) as JsonValue).json, { k: 1, t: '2024-01-01T00:00:00' });
  t.same((ev('to_jsonb', [Decimal.parse('1.5'), T.decimal]) as JsonValue).json, 1.5);
});
