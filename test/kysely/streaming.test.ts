// Streaming SQL from Kysely: window table functions as typed table expressions, and materialized
// views (with EMIT clauses) created from Kysely queries, run on a real engine through open().
import t from 'tap';
import { open, tumbleTable, hopTable, sessionTable, cumulateTable, createMaterializedView, type Change } from '../../lib/index.js';

interface DB {
  bid: { auction: number; bidder: number; price: number; channel: string | null; date_time: Date };
}

const SOURCE = `CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, date_time TIMESTAMP,
  WATERMARK FOR date_time AS date_time - INTERVAL '1' SECOND)`;

const BIDS = [
  { auction: 1, bidder: 10, price: 100, channel: 'web', date_time: 1_000 },
  { auction: 1, bidder: 11, price: 300, channel: null, date_time: 4_000 },
  { auction: 2, bidder: 10, price: 50, channel: 'app', date_time: 9_999 },
  { auction: 1, bidder: 12, price: 7, channel: 'web', date_time: 10_000 },
  { auction: 2, bidder: 11, price: 900, channel: null, date_time: 25_000 },
];

const byKey = (a: Record<string, unknown>, b: Record<string, unknown>): number => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;

t.test('a TUMBLE aggregate built with Kysely equals the same SQL written by hand', async (t) => {
  await using db = await open();
  await db.execute(SOURCE);
  db.insert('bid', BIDS);
  const k = db.kysely<DB>();
  const q = k
    .selectFrom(tumbleTable(k, 'bid', 'date_time', '10 seconds'))
    .select((eb) => ['auction', 'window_start', 'window_end', eb.fn.countAll<number>().as('n'), eb.fn.max('price').as('top')])
    .where('price', '>=', 10)
    .groupBy(['auction', 'window_start', 'window_end'])
    .orderBy('window_start')
    .orderBy('auction');
  t.match(q.compile().sql, /from TUMBLE\("bid", "date_time", INTERVAL '10 seconds'\) as "bid"/);
  const built = await q.execute();
  const byHand = await db.query(
    `SELECT auction, window_start, window_end, count(*) AS n, max(price) AS top
       FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND)
      WHERE price >= $1 GROUP BY auction, window_start, window_end ORDER BY window_start, auction`,
    [10],
  );
  t.same(built, byHand);
  t.same(built, [
    { auction: 1, window_start: new Date(0), window_end: new Date(10_000), n: 2, top: 300 },
    { auction: 2, window_start: new Date(0), window_end: new Date(10_000), n: 1, top: 50 },
    { auction: 2, window_start: new Date(20_000), window_end: new Date(30_000), n: 1, top: 900 },
  ]);
  t.ok(built[0]!.window_start instanceof Date, 'window bounds come back as Date');
});

t.test('an alias names the rows of the window; NULL columns pass through', async (t) => {
  await using db = await open();
  await db.execute(SOURCE);
  db.insert('bid', BIDS);
  const k = db.kysely<DB>();
  const rows = await k
    .selectFrom(tumbleTable(k, 'bid', 'date_time', 10_000, { alias: 'w' }))
    .select(['w.bidder', 'w.channel', 'w.window_end'])
    .where('w.channel', 'is', null)
    .orderBy('w.bidder')
    .execute();
  t.same(rows, [
    { bidder: 11, channel: null, window_end: new Date(10_000) },
    { bidder: 11, channel: null, window_end: new Date(30_000) },
  ]);
});

t.test('HOP, SESSION and CUMULATE match their hand-written SQL', async (t) => {
  await using db = await open();
  await db.execute(SOURCE);
  db.insert('bid', BIDS);
  const k = db.kysely<DB>();
  const cases = [
    {
      name: 'hop',
      from: hopTable(k, 'bid', 'date_time', '5 seconds', '10 seconds'),
      sql: "HOP(bid, date_time, INTERVAL '5' SECOND, INTERVAL '10' SECOND)",
    },
    { name: 'session', from: sessionTable(k, 'bid', 'date_time', '3 seconds'), sql: "SESSION(bid, date_time, INTERVAL '3' SECOND)" },
    {
      name: 'cumulate',
      from: cumulateTable(k, 'bid', 'date_time', '5 seconds', '20 seconds'),
      sql: "CUMULATE(bid, date_time, INTERVAL '5' SECOND, INTERVAL '20' SECOND)",
    },
  ];
  for (const c of cases) {
    const built = await k
      .selectFrom(c.from)
      .select((eb) => ['auction', 'window_start', 'window_end', eb.fn.sum<number>('price').as('total')])
      .groupBy(['auction', 'window_start', 'window_end'])
      .execute();
    const byHand = await db.query(`SELECT auction, window_start, window_end, sum(price) AS total FROM ${c.sql} GROUP BY auction, window_start, window_end`);
    t.ok(built.length > 0, `${c.name} has rows`);
    t.same([...built].sort(byKey), [...byHand].sort(byKey), c.name);
  }
});

t.test('bad window arguments fail at the call with INVALID_ARGUMENT', async (t) => {
  await using db = await open();
  await db.execute(SOURCE);
  const k = db.kysely<DB>();
  t.throws(() => tumbleTable(k, 'bid', 'date_time', 'ten seconds'), { code: 'INVALID_ARGUMENT', message: /"ten seconds" is not an interval/ });
  t.throws(() => tumbleTable(k, 'bid', 'date_time', "1 second') ; DROP SOURCE bid; --"), { code: 'INVALID_ARGUMENT' });
  t.throws(() => hopTable(k, 'bid', 'date_time', Number.NaN, '1 minute'), { code: 'INVALID_ARGUMENT', message: /HOP slide/ });
  t.throws(() => cumulateTable(k, 'bid', 'date_time', '1 second', {} as unknown as string), { code: 'INVALID_ARGUMENT', message: /CUMULATE size/ });
  t.throws(() => sessionTable(k, '' as 'bid', 'date_time', '1 second'), { code: 'INVALID_ARGUMENT' });
  // the engine still judges what only it can: a window on a column that is not a timestamp
  await t.rejects(
    k.selectFrom(tumbleTable(k, 'bid', 'price' as 'date_time', '1 second')).selectAll().execute(),
    { code: 'TYPE_MISMATCH', message: /must be a timestamp/ },
  );
});

t.test('an EOWC view built with Kysely emits closed windows only', async (t) => {
  await using db = await open();
  await db.execute(SOURCE);
  const k = db.kysely<DB>();
  const perWindow = k
    .selectFrom(tumbleTable(k, 'bid', 'date_time', '10 seconds'))
    .select((eb) => ['window_start', 'window_end', eb.fn.countAll<number>().as('n')])
    .where('price', '>', 20) // a parameter ($1) inside the view
    .groupBy(['window_start', 'window_end']);
  await createMaterializedView(k, 'per_window', perWindow, { emit: 'window-close' });
  t.match(db.describe('per_window').sql, /EMIT ON WINDOW CLOSE$/);
  const changes: Change[] = [];
  db.subscribe('per_window', { onChange: (c) => changes.push(c) });

  db.insert('bid', BIDS.slice(0, 3)); // watermark 9 s - 1 s: window [0, 10 s) still open
  await db.flush();
  t.same(await db.query('SELECT * FROM per_window'), [], 'an open window is not emitted');
  t.same(changes, []);

  db.insert('bid', [BIDS[3]!, { auction: 3, bidder: 1, price: 99, channel: null, date_time: 11_000 }]); // watermark 10 s
  await db.flush();
  const closed = { window_start: new Date(0), window_end: new Date(10_000), n: 3 };
  t.same(await db.query('SELECT * FROM per_window'), [closed], 'the closed window, filtered by the parameter (price > 20)');
  t.same(changes, [{ op: 'insert', row: closed }], 'one insert, no retractions');

  await createMaterializedView(k, 'per_window', perWindow, { emit: 'window-close', ifNotExists: true });
  await t.rejects(createMaterializedView(k, 'per_window', perWindow), { code: 'DUPLICATE_OBJECT' });
});

t.test('changelog views, EMIT CHANGES, and what createMaterializedView rejects', async (t) => {
  await using db = await open();
  await db.execute(SOURCE);
  const k = db.kysely<DB>();
  const q = k
    .selectFrom(tumbleTable(k, 'bid', 'date_time', '10 seconds'))
    .select((eb) => ['window_end', eb.fn.countAll<number>().as('n')])
    .groupBy(['window_start', 'window_end']);
  await createMaterializedView(k, 'live', q);
  await createMaterializedView(k, 'live_changes', q, { emit: 'changes' });
  t.match(db.describe('live_changes').sql, /EMIT CHANGES$/);
  db.insert('bid', BIDS.slice(0, 1));
  await db.flush();
  const open1 = [{ window_end: new Date(10_000), n: 1 }];
  t.same(await db.query('SELECT * FROM live'), open1, 'without EOWC an open window is visible');
  t.same(await db.query('SELECT * FROM live_changes'), open1);

  await createMaterializedView(k, 'quoted "name"', k.selectFrom('bid').select('auction'));
  t.ok(db.describe('quoted "name"'), 'the view name is quoted as an identifier');

  await t.rejects(createMaterializedView(k, 'x', k.deleteFrom('bid')), { code: 'UNSUPPORTED', message: /defined by a SELECT, not a DeleteQuery/ });
  await t.rejects(createMaterializedView(k, 'x', q, { emit: 'never' as 'changes' }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(createMaterializedView(k, '', q), { code: 'INVALID_ARGUMENT' });
  await t.rejects(createMaterializedView(k, 'x', {} as typeof q), { code: 'INVALID_ARGUMENT' });
  // EOWC needs a window aggregate: the engine's error comes through unchanged
  await t.rejects(createMaterializedView(k, 'x', k.selectFrom('bid').selectAll(), { emit: 'window-close' }), { code: 'UNSUPPORTED', message: /EMIT ON WINDOW CLOSE/ });
  t.throws(() => db.describe('x'), 'nothing was created by the rejected calls');
});

t.test('a view built with a parameter is rebuilt with the same value after a restart (WAL and checkpoint)', async (t) => {
  const dir = t.testdir();
  const counted = async (db: Awaited<ReturnType<typeof open>>) => db.query('SELECT window_start, n FROM big_bids ORDER BY window_start');
  {
    await using db = await open(dir);
    await db.execute(SOURCE);
    const k = db.kysely<DB>();
    const q = k
      .selectFrom(tumbleTable(k, 'bid', 'date_time', '10 seconds'))
      .select((eb) => ['window_start', eb.fn.countAll<number>().as('n')])
      .where('price', '>', 100)
      .groupBy(['window_start', 'window_end']);
    await createMaterializedView(k, 'big_bids', q, { emit: 'window-close' });
    db.insert('bid', [
      { auction: 1, bidder: 1, price: 500, channel: null, date_time: 1_000 },
      { auction: 1, bidder: 1, price: 5, channel: null, date_time: 2_000 },
    ]);
  }
  {
    await using db = await open(dir); // the view comes back from the WAL
    db.insert('bid', [
      { auction: 1, bidder: 1, price: 500, channel: null, date_time: 3_000 },
      { auction: 1, bidder: 1, price: 5, channel: null, date_time: 12_000 },
    ]);
    await db.flush();
    t.same(await counted(db), [{ window_start: new Date(0), n: 2 }], 'price > 100 still filters after replay');
    await db.execute('CHECKPOINT');
  }
  {
    await using db = await open(dir); // and from the checkpoint
    db.insert('bid', [
      { auction: 1, bidder: 1, price: 101, channel: null, date_time: 15_000 },
      { auction: 1, bidder: 1, price: 100, channel: null, date_time: 22_000 },
    ]);
    await db.flush();
    t.same(await counted(db), [
      { window_start: new Date(0), n: 2 },
      { window_start: new Date(10_000), n: 1 },
    ]);
  }
});
