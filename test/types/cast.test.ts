import t from 'tap';
import { castValue, canCast, formatDouble, formatReal, formatValue, makeCast, parseArrayText, rint } from '../../lib/types/cast.js';
import { T, type DataType } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';
import { makeJson } from '../../lib/types/json.js';
import type { Value } from '../../lib/types/value.js';

const cast = (v: Value, from: DataType, to: DataType) => castValue(v, from, to);
const dec = (s: string) => Decimal.parse(s);

t.test('text → integers (PostgreSQL: no fractions, trimmed, range-checked)', async (t) => {
  t.equal(cast('  42 ', T.varchar, T.int), 42);
  t.equal(cast('-7', T.varchar, T.smallint), -7);
  t.equal(cast('+9007199254740991', T.varchar, T.bigint), 9007199254740991);
  t.throws(() => cast('1.5', T.varchar, T.int), { code: 'INVALID_CAST', message: /integer: "1.5"/ });
  t.throws(() => cast('', T.varchar, T.int), { code: 'INVALID_CAST' });
  t.throws(() => cast('12abc', T.varchar, T.bigint), { code: 'INVALID_CAST' });
  t.throws(() => cast('2147483648', T.varchar, T.int), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => cast('32768', T.varchar, T.smallint), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => cast('9223372036854775807', T.varchar, T.bigint), { code: 'NUMERIC_OVERFLOW' }, 'beyond 2^53 is not exact here');
});

t.test('floats → integers round half to even (rint, as PostgreSQL 15)', async (t) => {
  t.equal(cast(2.5, T.double, T.int), 2);
  t.equal(cast(3.5, T.double, T.int), 4);
  t.equal(cast(-2.5, T.double, T.int), -2);
  t.equal(cast(2.4999, T.double, T.bigint), 2);
  t.equal(cast(-0.4, T.double, T.int), -0);
  t.throws(() => cast(3e9, T.double, T.int), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => cast(NaN, T.double, T.int), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => cast(Infinity, T.real, T.bigint), { code: 'NUMERIC_OVERFLOW' });
  t.equal(rint(0.5), 0);
  t.equal(rint(1.5), 2);
  t.equal(rint(-1.5), -2);
});

t.test('numeric → integers round half away from zero', async (t) => {
  t.equal(cast(dec('2.5'), T.decimal, T.int), 3);
  t.equal(cast(dec('-2.5'), T.decimal, T.int), -3);
  t.throws(() => cast(dec('40000'), T.decimal, T.smallint), { code: 'NUMERIC_OVERFLOW' });
});

t.test('integer narrowing is range-checked, widening is free', async (t) => {
  t.equal(cast(70000, T.bigint, T.int), 70000);
  t.throws(() => cast(70000, T.int, T.smallint), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => cast(2 ** 40, T.bigint, T.int), { code: 'NUMERIC_OVERFLOW' });
  t.equal(cast(5, T.smallint, T.bigint), 5);
});

t.test('booleans', async (t) => {
  t.equal(cast(5, T.int, T.boolean), true);
  t.equal(cast(0, T.bigint, T.boolean), false);
  t.equal(cast(true, T.boolean, T.int), 1);
  for (const s of ['t', 'TRUE', ' yes ', 'on', '1', 'y']) t.equal(cast(s, T.varchar, T.boolean), true, s);
  for (const s of ['f', 'false', 'no', 'off', '0', 'N']) t.equal(cast(s, T.varchar, T.boolean), false, s);
  for (const s of ['', 'maybe', '2', 'o']) t.throws(() => cast(s, T.varchar, T.boolean), { code: 'INVALID_CAST' }, s);
  t.equal(cast(true, T.boolean, T.varchar), 'true', "::text gives 'true'");
  t.equal(formatValue(true, T.boolean), 't', "output function gives 't'");
  t.notOk(canCast(T.double, T.boolean));
  t.throws(() => makeCast(T.double, T.boolean), { name: 'SqlTypeError', code: 'TYPE_MISMATCH' });
});

t.test('decimals (PostgreSQL 15 reference values)', async (t) => {
  t.equal((cast('1.5', T.varchar, { id: 'decimal', precision: 10, scale: 0 }) as Decimal).toString(), '2');
  t.equal((cast(0.1, T.double, T.decimal) as Decimal).toString(), '0.1');
  t.equal((cast(1 / 3, T.double, T.decimal) as Decimal).toString(), '0.333333333333333', 'float8 → numeric keeps 15 digits');
  t.equal((cast(dec('12345.678'), T.decimal, { id: 'decimal', precision: 7, scale: 2 }) as Decimal).toString(), '12345.68');
  t.throws(() => cast(dec('123456.7'), T.decimal, { id: 'decimal', precision: 7, scale: 2 }), { code: 'NUMERIC_OVERFLOW' });
  t.equal((cast(42, T.int, T.decimal) as Decimal).toString(), '42');
  t.equal(cast(dec('1.25'), T.decimal, T.double), 1.25);
  t.throws(() => cast('abc', T.varchar, T.decimal), { code: 'INVALID_CAST', message: /numeric/ });
  t.throws(() => cast(NaN, T.double, T.decimal), { code: 'INVALID_CAST' });
  t.equal((cast(' 1e3 ', T.varchar, T.decimal) as Decimal).toString(), '1000');
});

t.test('floats print like PostgreSQL', async (t) => {
  t.equal(formatDouble(1.5), '1.5');
  t.equal(formatDouble(0.00001), '1e-05');
  t.equal(formatDouble(1e15), '1e+15');
  t.equal(formatDouble(123456789012345678), '1.2345678901234568e+17');
  t.equal(formatDouble(0.1 + 0.2), '0.30000000000000004');
  t.equal(formatDouble(1e20), '1e+20');
  t.equal(formatDouble(100), '100');
  t.equal(formatDouble(-0), '-0');
  t.equal(formatDouble(Infinity), 'Infinity');
  t.equal(formatDouble(NaN), 'NaN');
  t.equal(formatReal(Math.fround(1.5)), '1.5');
  t.equal(formatReal(Math.fround(1e6)), '1e+06');
  t.equal(formatReal(Math.fround(0.1)), '0.1');
  t.ok(Number.isNaN(cast('NaN', T.varchar, T.double)));
  t.equal(cast('-Infinity', T.varchar, T.double), -Infinity);
  t.equal(cast('1e3', T.varchar, T.real), 1000);
  t.throws(() => cast('1e400', T.varchar, T.double), { code: 'NUMERIC_OVERFLOW' });
  t.throws(() => cast('x', T.varchar, T.double), { code: 'INVALID_CAST', message: /double precision/ });
});

t.test('timestamps, dates, intervals', async (t) => {
  const ts = Date.UTC(2024, 0, 2, 3, 4, 5, 500);
  t.equal(cast('2024-01-02 03:04:05.5', T.varchar, T.timestamp), ts);
  t.equal(cast(ts, T.timestamp, T.varchar), '2024-01-02 03:04:05.5');
  t.equal(cast(ts, T.timestamptz, T.varchar), '2024-01-02 03:04:05.5+00');
  t.equal(cast(ts, T.timestamp, T.date), Date.UTC(2024, 0, 2));
  t.equal(cast(Date.UTC(1969, 11, 31, 12), T.timestamp, T.date), Date.UTC(1969, 11, 31), 'pre-epoch floors');
  t.equal(cast(Date.UTC(2024, 0, 2), T.date, T.timestamp), Date.UTC(2024, 0, 2));
  t.equal(cast(Date.UTC(2024, 0, 2), T.date, T.varchar), '2024-01-02');
  t.equal((cast('1 day 2 hours', T.varchar, T.interval) as Interval).toString(), '1 day 02:00:00');
  t.equal(cast(new Interval(0, 1, 0), T.interval, T.varchar), '1 day');
  t.throws(() => cast('yesterday-ish', T.varchar, T.timestamp), { code: 'INVALID_CAST' });
  t.notOk(canCast(T.int, T.timestamp));
  t.notOk(canCast(T.timestamp, T.int));
});

t.test('arrays, json, bytea', async (t) => {
  t.same(cast('{1,2,3}', T.varchar, T.array(T.int)), [1, 2, 3]);
  t.same(cast('{"a b",NULL,c}', T.varchar, T.array(T.varchar)), ['a b', null, 'c']);
  t.same(cast('{{1,2},{3,4}}', T.varchar, T.array(T.array(T.int))), [[1, 2], [3, 4]]);
  t.same(cast('{}', T.varchar, T.array(T.int)), []);
  t.throws(() => cast('{1,2', T.varchar, T.array(T.int)), { code: 'INVALID_CAST' });
  t.throws(() => cast('{1,x}', T.varchar, T.array(T.int)), { code: 'INVALID_CAST' });
  t.equal(cast([1, 2, 3], T.array(T.int), T.varchar), '{1,2,3}');
  t.equal(cast(['a b', null, 'c', '', 'NULL', 'q"x'], T.array(T.varchar), T.varchar), '{"a b",NULL,c,"","NULL","q\\"x"}');
  t.equal(cast([true, false], T.array(T.boolean), T.varchar), '{t,f}');
  t.same(cast([1, null], T.array(T.int), T.array(T.varchar)), ['1', null]);
  t.same(parseArrayText(' { 1 , 2 } '), ['1', '2']);
  t.same(cast('{"b":1,"a":[1,2]}', T.varchar, T.jsonb), makeJson({ b: 1, a: [1, 2] }));
  t.equal(cast(makeJson({ b: 1, a: [1, 2] }), T.jsonb, T.varchar), '{"a": [1, 2], "b": 1}', 'jsonb key order and spacing');
  t.throws(() => cast('{bad json', T.varchar, T.jsonb), { code: 'INVALID_CAST' });
  t.equal(cast(makeJson(5), T.jsonb, T.int), 5);
  t.throws(() => cast(makeJson('x'), T.jsonb, T.int), { code: 'INVALID_CAST', message: /string/ });
  t.same(cast('\\x0aff', T.varchar, T.bytea), new Uint8Array([10, 255]));
  t.equal(cast(new Uint8Array([1, 171]), T.bytea, T.varchar), '\\x01ab');
  t.throws(() => cast('\\x0', T.varchar, T.bytea), { code: 'INVALID_CAST' });
});

t.test('NULL casts to NULL and TRY_CAST gives NULL on bad input', async (t) => {
  t.equal(cast(null, T.varchar, T.int), null);
  t.equal(cast(null, T.null, T.timestamp), null);
  t.equal(castValue('1.5', T.varchar, T.int, true), null);
  t.equal(castValue('15', T.varchar, T.int, true), 15);
  t.equal(castValue(1e12, T.bigint, T.int, true), null);
});
