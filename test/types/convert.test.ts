import t from 'tap';
import { externalConverter, toExternal, toInternal } from '../../lib/types/convert.js';
import { T } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';
import { makeJson } from '../../lib/types/json.js';

t.test('NULL and undefined become NULL for every type', async (t) => {
  for (const type of [T.int, T.varchar, T.timestamp, T.decimal, T.array(T.int)]) {
    t.equal(toInternal(null, type, 'c'), null);
    t.equal(toInternal(undefined, type, 'c'), null);
    t.equal(toExternal(null, type), null);
  }
});

t.test('integers: numbers and bigints, integral and in range', async (t) => {
  t.equal(toInternal(42, T.int, 'c'), 42);
  t.equal(toInternal(42n, T.bigint, 'c'), 42);
  t.equal(toInternal(-0, T.int, 'c'), 0);
  t.throws(() => toInternal(1.5, T.int, 'qty'), { name: 'SchemaError', code: 'INVALID_VALUE', column: 'qty', message: /column "qty" \(INT\).*not an integer/ });
  t.throws(() => toInternal(2 ** 31, T.int, 'c'), { code: 'INVALID_VALUE', message: /out of range/ });
  t.throws(() => toInternal(40000, T.smallint, 'c'), { code: 'INVALID_VALUE' });
  t.throws(() => toInternal(2n ** 60n, T.bigint, 'c'), { code: 'INVALID_VALUE', message: /out of range/ });
  t.throws(() => toInternal('42', T.int, 'c'), { code: 'INVALID_VALUE', message: /string "42"/ });
  t.throws(() => toInternal(NaN, T.bigint, 'c'), { code: 'INVALID_VALUE' });
  t.throws(() => toInternal(true, T.int, 'c'), { code: 'INVALID_VALUE' });
});

t.test('floats, booleans, strings', async (t) => {
  t.equal(toInternal(1.5, T.double, 'c'), 1.5);
  t.equal(toInternal(0.1, T.real, 'c'), Math.fround(0.1));
  t.equal(toInternal(7n, T.double, 'c'), 7);
  t.throws(() => toInternal('1.5', T.double, 'c'), { code: 'INVALID_VALUE' });
  t.equal(toInternal(false, T.boolean, 'c'), false);
  t.throws(() => toInternal(1, T.boolean, 'c'), { code: 'INVALID_VALUE', message: /expected a boolean/ });
  t.equal(toInternal('', T.varchar, 'c'), '');
  t.throws(() => toInternal(5, T.varchar, 'name'), { code: 'INVALID_VALUE', column: 'name' });
});

t.test('decimals from string/number/bigint, exact out', async (t) => {
  const d = toInternal('12.50', T.decimal, 'c') as Decimal;
  t.equal(d.toString(), '12.50');
  t.equal((toInternal(0.1, T.decimal, 'c') as Decimal).toString(), '0.1');
  t.equal((toInternal(12345678901234567890n, T.decimal, 'c') as Decimal).toString(), '12345678901234567890');
  t.equal((toInternal('1.005', { id: 'decimal', precision: 5, scale: 2 }, 'c') as Decimal).toString(), '1.01');
  t.throws(() => toInternal('1000', { id: 'decimal', precision: 5, scale: 2 }, 'c'), { code: 'INVALID_VALUE', message: /overflow/ });
  t.throws(() => toInternal('abc', T.decimal, 'c'), { code: 'INVALID_VALUE' });
  t.throws(() => toInternal(Infinity, T.decimal, 'c'), { code: 'INVALID_VALUE' });
  t.equal(toExternal(Decimal.parse('1.50'), T.decimal), '1.50');
});

t.test('timestamps: Date, epoch ms, ISO/PostgreSQL text; Date out', async (t) => {
  const ms = Date.UTC(2024, 0, 2, 3, 4, 5, 6);
  t.equal(toInternal(new Date(ms), T.timestamp, 'ts'), ms);
  t.equal(toInternal(ms, T.timestamp, 'ts'), ms);
  t.equal(toInternal('2024-01-02T03:04:05.006Z', T.timestamp, 'ts'), ms);
  t.equal(toInternal('2024-01-02 03:04:05.006', T.timestamp, 'ts'), ms, 'no offset is UTC');
  t.equal(toInternal('2024-01-02T05:04:05.006+02:00', T.timestamptz, 'ts'), ms);
  t.throws(() => toInternal('garbage', T.timestamp, 'ts'), { code: 'INVALID_VALUE', column: 'ts' });
  t.throws(() => toInternal(new Date(NaN), T.timestamp, 'ts'), { code: 'INVALID_VALUE', message: /invalid Date/ });
  t.throws(() => toInternal(Infinity, T.timestamp, 'ts'), { code: 'INVALID_VALUE' });
  t.throws(() => toInternal(true, T.timestamp, 'ts'), { code: 'INVALID_VALUE' });
  const out = toExternal(ms + 0.5, T.timestamp) as Date;
  t.ok(out instanceof Date);
  t.equal(out.getTime(), ms, 'microseconds dropped');
  t.equal(toInternal(new Date(Date.UTC(2024, 0, 2, 13)), T.date, 'd'), Date.UTC(2024, 0, 2));
  t.equal((toExternal(Date.UTC(2024, 0, 2), T.date) as Date).toISOString(), '2024-01-02T00:00:00.000Z');
});

t.test('bigint option, intervals, json, arrays', async (t) => {
  t.equal(toExternal(5, T.bigint), 5);
  t.equal(toExternal(5, T.bigint, { bigint: true }), 5n);
  t.equal(toExternal(5, T.int, { bigint: true }), 5, 'only BIGINT becomes bigint');
  t.equal(externalConverter(T.bigint, { bigint: true })(7), 7n);
  t.equal(externalConverter(T.bigint, { bigint: true })(null), null);
  t.equal(toExternal(new Interval(0, 1, 7_200_000_000), T.interval), '1 day 02:00:00');
  t.equal((toInternal('5 seconds', T.interval, 'c') as Interval).micros, 5_000_000);
  t.equal((toInternal(1500, T.interval, 'c') as Interval).micros, 1_500_000);
  t.throws(() => toInternal('soon', T.interval, 'c'), { code: 'INVALID_VALUE' });
  t.same(toInternal({ a: [1, 2] }, T.jsonb, 'j'), makeJson({ a: [1, 2] }));
  t.same(toExternal(makeJson({ a: 1 }), T.jsonb), { a: 1 });
  t.throws(() => toInternal({ x: 1n }, T.jsonb, 'j'), { code: 'INVALID_VALUE' });
  t.same(toInternal([1, null, 3], T.array(T.int), 'xs'), [1, null, 3]);
  t.throws(() => toInternal([1, 'x'], T.array(T.int), 'xs'), { code: 'INVALID_VALUE', column: 'xs[2]' });
  t.same(toExternal([Date.UTC(2024, 0, 1)], T.array(T.timestamp)), [new Date(Date.UTC(2024, 0, 1))]);
  t.same(toInternal(Buffer.from([1, 2]), T.bytea, 'b'), Buffer.from([1, 2]));
});
