// Hostile review of packed DECIMAL view logs (lib/exec/runtime/packed-log.ts): everything a user
// reads through the public API from an append-only view whose DECIMAL columns were packed must
// be what an unpacked view gives — text (scale, sign, trailing zeros), NULLs, values beyond 2^53
// unscaled, mixed scales — through queries with ORDER BY / GROUP BY, Arrow, snapshot
// subscriptions, views built on it, DROP and re-CREATE, deletes, and a durable restart.
import t from 'tap';
import { open } from '../../lib/index.js';
import { openDurable, tempDir } from '../storage/helpers.js';

const N = 700; // well past the 128 rows a batch needs to be packed

/** Rows whose `d` text covers both signs, zero, trailing zeros, several scales and huge values. */
function rows(from: number, n: number): { id: number; d: string | null; g: number }[] {
  const out = [];
  for (let id = from; id < from + n; id++) {
    const k = id % 9;
    const d =
      k === 0 ? null
      : k === 1 ? `-${id}.50`
      : k === 2 ? '0.000'
      : k === 3 ? `${id}`
      : k === 4 ? `123456789012345678901234.${id}`
      : k === 5 ? `-0.${String(id).padStart(6, '0')}`
      : k === 6 ? '-0'
      : k === 7 ? `9007199254740993.1`
      : `${id}.1000`;
    out.push({ id, d, g: id % 5 });
  }
  return out;
}

/** What the database should return for `d` of a row: numeric text as PostgreSQL prints it. */
function expectedText(d: string | null): string | null {
  if (d === null) return null;
  return d === '-0' ? '0' : d;
}

t.test('values read back from a packed view equal the inserted text through every read path', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (id INT, d DECIMAL, g INT)');
  // a pass-through view (no expression) and a computed one, both append-only logs
  await db.execute('CREATE MATERIALIZED VIEW v AS SELECT id, d, g FROM t');
  await db.execute('CREATE MATERIALIZED VIEW w AS SELECT id, d * 2 AS d2, CAST(d AS DECIMAL(40, 3)) AS d3 FROM t');
  const data = rows(0, N);
  db.insert('t', data);
  await db.flush();
  const want = data.map((r) => ({ id: r.id, d: expectedText(r.d), g: r.g }));
  t.same(await db.query('SELECT id, d, g FROM v ORDER BY id'), want, 'ORDER BY id');
  // the same values read from the table (never packed) and from the view agree pairwise
  const fromTable = await db.query('SELECT id, d * 2 AS d2, CAST(d AS DECIMAL(40, 3)) AS d3 FROM t ORDER BY id');
  t.same(await db.query('SELECT id, d2, d3 FROM w ORDER BY id'), fromTable, 'computed decimals equal the snapshot answer');
  // ORDER BY the decimal itself (NULLs last ascending), ties broken by id
  t.same(
    await db.query('SELECT id, d FROM v ORDER BY d DESC, id'),
    await db.query('SELECT id, d FROM t ORDER BY d DESC, id'),
    'ORDER BY d DESC',
  );
  // GROUP BY the decimal: -0, 0 and 0.000 are one group; 1.5 and 1.50 would be too
  t.same(
    await db.query('SELECT d, count(*) AS n, sum(d) AS s FROM v GROUP BY d ORDER BY d NULLS FIRST'),
    await db.query('SELECT d, count(*) AS n, sum(d) AS s FROM t GROUP BY d ORDER BY d NULLS FIRST'),
    'GROUP BY d',
  );
  t.same(
    await db.query('SELECT g, sum(d) AS s, min(d) AS lo, max(d) AS hi, count(d) AS n FROM v GROUP BY g ORDER BY g'),
    await db.query('SELECT g, sum(d) AS s, min(d) AS lo, max(d) AS hi, count(d) AS n FROM t GROUP BY g ORDER BY g'),
    'GROUP BY another column, aggregates over the packed decimals',
  );
  // DECIMAL inside arrays (not packed: the column holds arrays) next to a packed DECIMAL column
  await db.execute('CREATE MATERIALIZED VIEW arr AS SELECT id, ARRAY[d, d * 2] AS a, d FROM t');
  t.same(await db.query('SELECT id, a, d FROM arr ORDER BY id'), await db.query('SELECT id, ARRAY[d, d * 2] AS a, d FROM t ORDER BY id'), 'arrays of decimals');
  // Arrow output of the packed view
  const table = (await db.queryArrow('SELECT id, d FROM v ORDER BY id')) as { numRows: number; toArray(): { id: number; d: unknown }[] };
  t.equal(table.numRows, N);
  const tableOfT = (await db.queryArrow('SELECT id, d FROM t ORDER BY id')) as { toArray(): { id: number; d: unknown }[] };
  t.same(
    table.toArray().map((r) => [r.id, r.d === null ? null : String(r.d)]),
    tableOfT.toArray().map((r) => [r.id, r.d === null ? null : String(r.d)]),
    'Arrow rows of the packed view equal those of its table',
  );
  // a snapshot subscription opened after packing delivers the same rows
  const snap: { id: number; d: string | null; g: number }[] = [];
  const sub = db.subscribe<{ id: number; d: string | null; g: number }>('v', { snapshot: true, onChange: (c) => snap.push(c.row) });
  t.same(snap.sort((a, b) => a.id - b.id), want, 'snapshot subscription');
  // the next step's live changes carry the step's own values, then those rows are packed too
  const more = rows(N, 200);
  db.insert('t', more);
  await db.flush();
  t.same(snap.slice(N).sort((a, b) => a.id - b.id), more.map((r) => ({ id: r.id, d: expectedText(r.d), g: r.g })), 'live changes');
  sub.close();
  t.same(
    await db.query('SELECT id, d, g FROM v ORDER BY id'),
    [...data, ...more].map((r) => ({ id: r.id, d: expectedText(r.d), g: r.g })),
    'after a second packed step',
  );
});

t.test('views built on a packed view, deletes, DROP and re-CREATE read the current values', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE t (id INT, d DECIMAL, g INT)');
  await db.execute('CREATE MATERIALIZED VIEW v AS SELECT id, d, g FROM t');
  const data = rows(0, N);
  db.insert('t', data);
  await db.flush();
  // back-filled from the packed log: an append-only view over it, and an aggregate
  await db.execute('CREATE MATERIALIZED VIEW vv AS SELECT id, d FROM v WHERE d IS NOT NULL');
  await db.execute('CREATE MATERIALIZED VIEW agg AS SELECT g, sum(d) AS s, count(*) AS n FROM v GROUP BY g');
  const aggOfTable = 'SELECT g, sum(d) AS s, count(*) AS n FROM t GROUP BY g ORDER BY g';
  t.same(await db.query('SELECT id, d FROM vv ORDER BY id'), await db.query('SELECT id, d FROM t WHERE d IS NOT NULL ORDER BY id'));
  t.same(await db.query('SELECT g, s, n FROM agg ORDER BY g'), await db.query(aggOfTable));
  // deletes and updates retract rows of packed batches: every view follows exactly
  await db.execute('DELETE FROM t WHERE id % 4 = 1');
  await db.execute("UPDATE t SET d = d + 0.01 WHERE id % 7 = 3");
  t.same(await db.query('SELECT id, d, g FROM v ORDER BY id'), await db.query('SELECT id, d, g FROM t ORDER BY id'), 'v after delete/update');
  t.same(await db.query('SELECT id, d FROM vv ORDER BY id'), await db.query('SELECT id, d FROM t WHERE d IS NOT NULL ORDER BY id'), 'vv after delete/update');
  t.same(await db.query('SELECT g, s, n FROM agg ORDER BY g'), await db.query(aggOfTable), 'agg after delete/update');
  // DROP and re-CREATE under the same name with other values: no stale rows from the old log
  await db.execute('DROP MATERIALIZED VIEW agg');
  await db.execute('DROP MATERIALIZED VIEW vv');
  await db.execute('DROP MATERIALIZED VIEW v');
  await db.execute('CREATE MATERIALIZED VIEW v AS SELECT id, d * -1 AS d, g FROM t');
  t.same(await db.query('SELECT id, d, g FROM v ORDER BY id'), await db.query('SELECT id, d * -1 AS d, g FROM t ORDER BY id'), 're-created view');
  db.insert('t', rows(N, 300));
  await db.flush();
  t.same(await db.query('SELECT id, d, g FROM v ORDER BY id'), await db.query('SELECT id, d * -1 AS d, g FROM t ORDER BY id'), 're-created view after more rows');
});

t.test('a packed view of a source survives CHECKPOINT and reopen with the same text', async (t) => {
  const dir = tempDir(t);
  let before: unknown[];
  {
    const { db } = await openDurable(dir);
    await db.execute('CREATE SOURCE s (id INT, d DECIMAL, g INT)');
    await db.execute('CREATE MATERIALIZED VIEW v AS SELECT id, d, d / 3 AS third, g FROM s WHERE g <> 2');
    db.insert('s', rows(0, N));
    await db.flush();
    await db.execute('CHECKPOINT');
    db.insert('s', rows(N, 300)); // after the checkpoint: replayed from the WAL
    await db.flush();
    before = await db.query('SELECT id, d, third, g FROM v ORDER BY id');
    t.equal(before.length, Math.round(((N + 300) * 4) / 5));
    await db.close();
  }
  const { db, warnings } = await openDurable(dir);
  t.teardown(() => db.close());
  t.same(warnings, []);
  t.same(await db.query('SELECT id, d, third, g FROM v ORDER BY id'), before, 'same rows and text after reopen');
  const want = rows(0, N + 300).filter((r) => r.g !== 2).map((r) => expectedText(r.d));
  t.same((await db.query<{ d: string | null }>('SELECT d FROM v ORDER BY id')).map((r) => r.d), want, 'd as inserted');
});
