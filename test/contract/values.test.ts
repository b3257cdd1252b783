// PRODUCT.md §2 "Inserted values" / "Returned values": conversion at the API boundary.
import t from 'tap';
import { open, thrown } from './helpers.js';
import { SchemaError } from '../../lib/index.js';

t.test('TIMESTAMP: Date, epoch ms, ISO and PostgreSQL strings, read as UTC, returned as Date', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (id INT, ts TIMESTAMP)');
  const inputs: [unknown, string][] = [
    [new Date('2024-03-10T02:30:00.123Z'), '2024-03-10T02:30:00.123Z'],
    [Date.UTC(2024, 2, 10, 2, 30, 0, 123), '2024-03-10T02:30:00.123Z'],
    ['2024-03-10T02:30:00.123Z', '2024-03-10T02:30:00.123Z'],
    ['2024-03-10T02:30:00.123', '2024-03-10T02:30:00.123Z'], // no zone: UTC, not local time
    ['2024-03-10 02:30:00.123', '2024-03-10T02:30:00.123Z'], // PostgreSQL text form
    ['2024-03-10 02:30:00', '2024-03-10T02:30:00.000Z'], // a US DST gap hour is still valid in UTC
    ['2024-10-27 01:30:00', '2024-10-27T01:30:00.000Z'], // an EU DST repeated hour
    ['1969-12-31 23:59:59.999', '1969-12-31T23:59:59.999Z'], // before 1970
    [-1, '1969-12-31T23:59:59.999Z'],
    ['1900-01-01 00:00:00', '1900-01-01T00:00:00.000Z'],
    ['2024-02-29 23:59:59.999', '2024-02-29T23:59:59.999Z'],
    ['2024-03-10 04:30:00+02', '2024-03-10T02:30:00.000Z'], // an explicit offset is honoured
    [0, '1970-01-01T00:00:00.000Z'],
    ['2024-01-01 00:00:00 UTC', '2024-01-01T00:00:00.000Z'], // PostgreSQL zone name
    ['2024-1-2 3:4:5', '2024-01-02T03:04:05.000Z'], // PostgreSQL accepts unpadded fields
    ['2024-01-01', '2024-01-01T00:00:00.000Z'], // a bare date is midnight
    ['2024-01-01 00:00:00.123456', '2024-01-01T00:00:00.123Z'], // microseconds kept to ms at least
  ];
  db.insert('t', inputs.map(([ts], id) => ({ id, ts })));
  db.insert('t', { id: 99, ts: null });
  const rows = await db.query<{ id: number; ts: Date | null }>('SELECT id, ts FROM t ORDER BY id');
  for (const [i, [input, iso]] of inputs.entries()) {
    t.ok(rows[i]!.ts instanceof Date, `${String(input)} comes back as a Date`);
    t.equal(rows[i]!.ts!.toISOString(), iso, `${String(input)}`);
  }
  t.equal(rows.at(-1)!.ts, null);
  // comparisons with a literal and with a parameter agree with the stored UTC instant
  t.same(await db.query(`SELECT id FROM t WHERE ts = TIMESTAMP '1969-12-31 23:59:59.999' ORDER BY id`), [{ id: 7 }, { id: 8 }]);
  t.same(await db.query('SELECT id FROM t WHERE ts = $1 ORDER BY id', [new Date(0)]), [{ id: 12 }]);
  t.same(await db.query(`SELECT extract(hour FROM ts)::INT AS h FROM t WHERE id = 5`), [{ h: 2 }], 'extract reads UTC');
  for (const bad of ['2024-13-01 00:00:00', '2024-02-30 00:00:00', 'yesterday', '', true, {}]) {
    const e = thrown(() => db.insert('t', { id: 1, ts: bad }));
    t.ok(e instanceof SchemaError, `${JSON.stringify(bad)} rejected`);
    t.equal(e.column, 'ts');
  }
  for (const bad of [NaN, Infinity, new Date('invalid')]) {
    t.ok(thrown(() => db.insert('t', { id: 1, ts: bad })) instanceof SchemaError, `${String(bad)} rejected`);
  }
});

t.test('integers, floats, booleans, strings and NULL', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (id INT, i INT, b BIGINT, r REAL, d DOUBLE, ok BOOLEAN, s VARCHAR, x STRING, y TEXT)');
  db.insert('t', [
    { id: 1, i: 2147483647, b: Number.MAX_SAFE_INTEGER, r: 1.5, d: 1e308, ok: true, s: 'héllo 😀 日本', x: '', y: "it's" },
    { id: 2, i: -2147483648, b: -Number.MAX_SAFE_INTEGER, r: -0.25, d: 5e-324, ok: false, s: 'a\u0000b', x: ' ', y: 'line\nbreak' },
    { id: 3 },
  ]);
  const rows = await db.query('SELECT i, b, r, d, ok, s, x, y FROM t ORDER BY id');
  t.same(rows[0], { i: 2147483647, b: Number.MAX_SAFE_INTEGER, r: 1.5, d: 1e308, ok: true, s: 'héllo 😀 日本', x: '', y: "it's" });
  t.same(rows[1], { i: -2147483648, b: -Number.MAX_SAFE_INTEGER, r: -0.25, d: 5e-324, ok: false, s: 'a\u0000b', x: ' ', y: 'line\nbreak' });
  t.same(rows[2], { i: null, b: null, r: null, d: null, ok: null, s: null, x: null, y: null }, 'missing columns are NULL → null');
  t.equal(typeof rows[0]!.b, 'number');
  t.ok(thrown(() => db.insert('t', { i: 2147483648 })) instanceof SchemaError, 'INT overflow rejected');
  t.ok(thrown(() => db.insert('t', { ok: 'true' })) instanceof SchemaError, 'a string is not a boolean');
  t.same(await db.query(`SELECT length(s) AS n, upper(s) AS u FROM t WHERE id = 1`), [{ n: 10, u: 'HÉLLO 😀 日本' }], 'length counts characters');
  t.same(await db.query(`SELECT id FROM t WHERE s = 'héllo 😀 日本'`), [{ id: 1 }]);
});

t.test('bigint option returns BIGINT as bigint (and only BIGINT)', async (t) => {
  const db = await open({ bigint: true });
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (i INT, b BIGINT)');
  db.insert('t', [{ i: 1, b: 9007199254740991n }, { i: 2, b: 5 }, { i: 3, b: null }]);
  const rows = await db.query('SELECT i, b, count(*) AS n FROM t GROUP BY i, b ORDER BY i');
  t.same(rows, [
    { i: 1, b: 9007199254740991n, n: 1n },
    { i: 2, b: 5n, n: 1n },
    { i: 3, b: null, n: 1n },
  ]);
  t.equal(typeof rows[0]!.i, 'number', 'INT stays a number');
});

t.test('DECIMAL is exact and returned as a string', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (id INT, m DECIMAL(20,2), n NUMERIC(10,4))');
  db.insert('t', [
    { id: 1, m: '0.10', n: '1.0001' },
    { id: 2, m: '0.20', n: 2 },
    { id: 3, m: '123456789012345678.99', n: null },
    { id: 4, m: -0.3, n: '-0.5' },
  ]);
  const rows = await db.query('SELECT id, m, n FROM t ORDER BY id');
  t.same(rows, [
    { id: 1, m: '0.10', n: '1.0001' },
    { id: 2, m: '0.20', n: '2.0000' },
    { id: 3, m: '123456789012345678.99', n: null },
    { id: 4, m: '-0.30', n: '-0.5000' },
  ]);
  t.same(await db.query('SELECT sum(m) AS s FROM t WHERE id <= 2'), [{ s: '0.30' }], '0.1 + 0.2 = 0.3 exactly');
  t.same(await db.query('SELECT sum(m) AS s FROM t'), [{ s: '123456789012345678.99' }], 'no float rounding on large values');
  t.ok(thrown(() => db.insert('t', { m: 'abc' })) instanceof SchemaError);
});
