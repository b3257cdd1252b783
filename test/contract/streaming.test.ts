// PRODUCT.md §3 streaming and time semantics, through SQL and the public API.
import t from 'tap';
import { open, collect, type Database } from './helpers.js';

const T0 = Date.UTC(2024, 0, 1); // epoch-aligned: a multiple of every window size used here
const at = (ms: number) => new Date(T0 + ms);
const iso = (ms: number) => at(ms).toISOString();
type Row = Record<string, unknown>;
const windows = (rows: Row[]): Row[] =>
  rows.map((r) => ({ ...r, window_start: (r.window_start as Date).toISOString(), window_end: (r.window_end as Date).toISOString() }));

async function eventsDb(delaySeconds = 5, sourceDdl = 'SOURCE ev'): Promise<Database> {
  const db = await open();
  const tail = sourceDdl.startsWith('TABLE') ? ' APPEND ONLY' : '';
  await db.execute(`CREATE ${sourceDdl} (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delaySeconds}' SECOND)${tail}`);
  return db;
}

for (const ddl of ['SOURCE ev', 'TABLE ev']) {
  t.test(`TUMBLE EMIT ON WINDOW CLOSE over ${ddl}: half-open, epoch aligned, closes when the watermark reaches window_end, emits once`, async (t) => {
    const db = await eventsDb(5, ddl);
    t.teardown(() => db.close());
    await db.execute(`CREATE MATERIALIZED VIEW w AS
      SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s
      FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY k, window_start, window_end EMIT ON WINDOW CLOSE`);
    const seen = collect(db, 'w');
    db.insert('ev', [{ k: 'a', v: 1, ts: at(0) }, { k: 'a', v: 2, ts: at(9_999) }, { k: 'b', v: 3, ts: at(3_000) }]);
    db.insert('ev', { k: 'a', v: 4, ts: at(10_000) }); // [10s, 20s): not [0, 10s)
    db.insert('ev', { k: 'a', v: 5, ts: at(14_999) }); // watermark 9.999 s: nothing closed yet
    await db.flush();
    t.same(await db.query('SELECT * FROM w'), [], 'no window closed yet');
    t.same(seen.changes, []);
    db.insert('ev', { k: 'b', v: 6, ts: at(15_000) }); // watermark 10 s = window_end of [0, 10s)
    await db.flush();
    const expected = [
      { k: 'a', window_start: iso(0), window_end: iso(10_000), n: 2, s: 3 },
      { k: 'b', window_start: iso(0), window_end: iso(10_000), n: 1, s: 3 },
    ];
    t.same(windows(await db.query('SELECT * FROM w ORDER BY k')), expected);
    t.same(seen.changes.map((c) => c.op), ['insert', 'insert'], 'each closed window emitted once, as an insert');
    db.insert('ev', { k: 'a', v: 100, ts: at(1_000) }); // late for the closed window: dropped
    db.insert('ev', { k: 'c', v: 1, ts: at(15_001) });
    await db.flush();
    t.same(windows(await db.query('SELECT * FROM w ORDER BY k')), expected, 'a late event does not change a closed window');
    t.equal(seen.changes.length, 2, 'and emits nothing');
    db.insert('ev', { k: 'z', v: 0, ts: at(60_000) });
    await db.flush();
    const later = windows(await db.query(`SELECT k, window_start, window_end, n, s FROM w WHERE window_start = TIMESTAMP '${iso(10_000).replace('T', ' ').replace('Z', '')}' ORDER BY k`));
    t.same(later.map((r) => [r.k, r.n, r.s]), [['a', 2, 9], ['b', 1, 6], ['c', 1, 1]]);
    seen.close();
  });
}

t.test('the watermark advances per insert call, not per row', async (t) => {
  const db = await eventsDb(0);
  t.teardown(() => db.close());
  await db.execute(`CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n
    FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end EMIT ON WINDOW CLOSE`);
  // one call: the first row is not late for its window even though a later row passes window_end
  db.insert('ev', [{ k: 'a', v: 1, ts: at(20_000) }, { k: 'a', v: 1, ts: at(5_000) }]);
  await db.flush();
  t.same((await db.query('SELECT n FROM w')), [{ n: 1 }], '[0,10s) closed with the in-call row counted');
});

t.test('changelog (no EMIT) window aggregate equals the snapshot', async (t) => {
  const db = await eventsDb(5);
  t.teardown(() => db.close());
  const sql = `SELECT k, window_start, window_end, count(*) AS n, max(v) AS m FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY k, window_start, window_end`;
  await db.execute(`CREATE MATERIALIZED VIEW w AS ${sql}`);
  db.insert('ev', [{ k: 'a', v: 1, ts: at(-1) }, { k: 'a', v: 2, ts: at(0) }, { k: null, v: null, ts: at(5_000) }]);
  db.insert('ev', { k: 'a', v: 7, ts: at(-20_000) }); // before 1970-relative T0 and before the watermark
  await db.flush();
  const rows = windows(await db.query('SELECT * FROM w ORDER BY k NULLS LAST, window_start'));
  t.same(rows, windows(await db.query(`${sql} ORDER BY k NULLS LAST, window_start`)));
  t.same(rows.map((r) => [r.k, r.window_start, r.n]), [
    ['a', iso(-20_000), 1],
    ['a', iso(-10_000), 1],
    ['a', iso(0), 1],
    [null, iso(0), 1],
  ]);
});

t.test('timestamps before 1970 fall in epoch-aligned windows', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE ev (v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)`);
  db.insert('ev', [{ v: 1, ts: -1 }, { v: 2, ts: -3_600_000 }, { v: 3, ts: 0 }]);
  const rows = await db.query(`SELECT window_start, window_end, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '1' HOUR) GROUP BY window_start, window_end ORDER BY window_start`);
  t.same(rows.map((r) => [(r.window_start as Date).getTime(), (r.window_end as Date).getTime(), r.n]), [
    [-3_600_000, 0, 2],
    [0, 3_600_000, 1],
  ]);
});

t.test('HOP: an event late for some windows is still counted in the open ones', async (t) => {
  const db = await eventsDb(0);
  t.teardown(() => db.close());
  await db.execute(`CREATE MATERIALIZED VIEW h AS SELECT window_start, window_end, count(*) AS n
    FROM HOP(ev, ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND) GROUP BY window_start, window_end EMIT ON WINDOW CLOSE`);
  db.insert('ev', { k: 'a', v: 1, ts: at(0) });
  db.insert('ev', { k: 'a', v: 1, ts: at(5_000) }); // watermark 5 s closes [-5s, 5s)
  db.insert('ev', { k: 'a', v: 1, ts: at(4_000) }); // late for [-5s,5s), on time for [0,10s)
  db.insert('ev', { k: 'a', v: 1, ts: at(30_000) });
  await db.flush();
  const rows = windows(await db.query('SELECT * FROM h WHERE window_end <= $1 ORDER BY window_start', [at(15_000)]));
  t.same(rows, [
    { window_start: iso(-5_000), window_end: iso(5_000), n: 1 },
    { window_start: iso(0), window_end: iso(10_000), n: 3 },
    { window_start: iso(5_000), window_end: iso(15_000), n: 1 },
  ]);
});

t.test('SESSION windows are per key; touching sessions merge; window_end = last ts + gap', async (t) => {
  const db = await eventsDb(0);
  t.teardown(() => db.close());
  const sql = `SELECT k, window_start, window_end, count(*) AS n FROM SESSION(ev, ts, INTERVAL '3' SECOND) GROUP BY k, window_start, window_end`;
  await db.execute(`CREATE MATERIALIZED VIEW s AS ${sql} EMIT ON WINDOW CLOSE; CREATE MATERIALIZED VIEW sc AS ${sql}`);
  db.insert('ev', [
    { k: 'a', v: 1, ts: at(0) },
    { k: 'b', v: 1, ts: at(2_000) }, // another key: does not extend a's session
    { k: 'a', v: 1, ts: at(3_000) }, // touches [0, 3s): merges
    { k: 'a', v: 1, ts: at(10_000) },
  ]);
  db.insert('ev', { k: 'z', v: 1, ts: at(100_000) });
  await db.flush();
  const expected = [
    { k: 'a', window_start: iso(0), window_end: iso(6_000), n: 2 },
    { k: 'a', window_start: iso(10_000), window_end: iso(13_000), n: 1 },
    { k: 'b', window_start: iso(2_000), window_end: iso(5_000), n: 1 },
  ];
  t.same(windows(await db.query(`SELECT * FROM s ORDER BY k, window_start`)), expected);
  t.same(windows(await db.query(`SELECT * FROM sc WHERE k <> 'z' ORDER BY k, window_start`)), expected);
});

t.test('SESSION: an out-of-order event bridging two open sessions merges them (changelog and EOWC)', async (t) => {
  const db = await eventsDb(10);
  t.teardown(() => db.close());
  const sql = `SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s FROM SESSION(ev, ts, INTERVAL '3' SECOND) GROUP BY k, window_start, window_end`;
  await db.execute(`CREATE MATERIALIZED VIEW sc AS ${sql}; CREATE MATERIALIZED VIEW se AS ${sql} EMIT ON WINDOW CLOSE`);
  db.insert('ev', [{ k: 'q', v: 1, ts: at(200_000) }, { k: 'q', v: 2, ts: at(206_000) }]);
  await db.flush();
  t.same(windows(await db.query(`SELECT * FROM sc ORDER BY window_start`)), [
    { k: 'q', window_start: iso(200_000), window_end: iso(203_000), n: 1, s: 1 },
    { k: 'q', window_start: iso(206_000), window_end: iso(209_000), n: 1, s: 2 },
  ]);
  db.insert('ev', { k: 'q', v: 4, ts: at(203_000) });
  await db.flush();
  const merged = [{ k: 'q', window_start: iso(200_000), window_end: iso(209_000), n: 3, s: 7 }];
  t.same(windows(await db.query(`SELECT * FROM sc`)), merged, 'window_start moves back although window_end stays');
  t.same(windows(await db.query(sql)), merged);
  db.insert('ev', { k: 'other', v: 0, ts: at(300_000) });
  await db.flush();
  t.same(windows(await db.query(`SELECT * FROM se`)), merged, 'EOWC emits the merged session once it closes');
});

t.test('CUMULATE windows share window_start and grow by step', async (t) => {
  const db = await eventsDb(0);
  t.teardown(() => db.close());
  db.insert('ev', [{ k: 'a', v: 1, ts: at(1_000) }, { k: 'a', v: 2, ts: at(6_000) }, { k: 'a', v: 3, ts: at(12_000) }]);
  const rows = windows(await db.query(`SELECT window_start, window_end, sum(v) AS s FROM CUMULATE(ev, ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND)
    GROUP BY window_start, window_end ORDER BY window_start, window_end`));
  t.same(rows, [
    { window_start: iso(0), window_end: iso(5_000), s: 1 },
    { window_start: iso(0), window_end: iso(10_000), s: 3 },
    { window_start: iso(10_000), window_end: iso(15_000), s: 3 },
    { window_start: iso(10_000), window_end: iso(20_000), s: 3 },
  ]);
});

t.test('interval join, ASOF join and temporal join', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`
    CREATE SOURCE clicks (uid INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND);
    CREATE SOURCE buys (uid INT, amount INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND);
    CREATE MATERIALIZED VIEW conv AS SELECT c.uid, b.amount FROM clicks c JOIN buys b
      ON c.uid = b.uid AND b.ts BETWEEN c.ts AND c.ts + INTERVAL '1' HOUR;
    CREATE MATERIALIZED VIEW asof AS SELECT b.uid, b.amount, c.ts AS click_ts FROM buys b ASOF JOIN clicks c ON b.uid = c.uid AND b.ts >= c.ts;
    CREATE TABLE rates (cur VARCHAR PRIMARY KEY, rate DOUBLE);
    CREATE SOURCE orders (cur VARCHAR, amt INT, ts TIMESTAMP, WATERMARK FOR ts AS ts);
    CREATE MATERIALIZED VIEW priced AS SELECT o.amt, r.rate FROM orders o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur`);
  db.insert('clicks', [{ uid: 1, ts: at(0) }, { uid: 2, ts: at(0) }, { uid: 1, ts: at(1_800_000) }]);
  db.insert('buys', [
    { uid: 1, amount: 10, ts: at(1_000_000) }, // within an hour of the first click only
    { uid: 1, amount: 20, ts: at(3_700_000) }, // after the second click only
    { uid: 2, amount: 30, ts: at(3_600_000) }, // exactly at the hour: BETWEEN is inclusive
    { uid: 3, amount: 40, ts: at(10) },
  ]);
  await db.flush();
  const direct = `SELECT c.uid, b.amount FROM clicks c JOIN buys b ON c.uid = b.uid AND b.ts BETWEEN c.ts AND c.ts + INTERVAL '1' HOUR`;
  t.same((await db.query('SELECT * FROM conv ORDER BY amount')), [{ uid: 1, amount: 10 }, { uid: 1, amount: 20 }, { uid: 2, amount: 30 }]);
  t.same((await db.query(`${direct} ORDER BY amount`)), [{ uid: 1, amount: 10 }, { uid: 1, amount: 20 }, { uid: 2, amount: 30 }]);
  const asof = await db.query<{ uid: number; amount: number; click_ts: Date }>('SELECT * FROM asof ORDER BY amount');
  t.same(asof.map((r) => [r.uid, r.amount, r.click_ts.getTime() - T0]), [[1, 10, 0], [1, 20, 1_800_000], [2, 30, 0]]);
  db.insert('rates', { cur: 'EUR', rate: 1.1 });
  db.insert('orders', { cur: 'EUR', amt: 1, ts: at(0) });
  db.insert('rates', { cur: 'EUR', rate: 1.2 }); // upsert: later orders see the new rate
  db.insert('orders', [{ cur: 'EUR', amt: 2, ts: at(1) }, { cur: 'USD', amt: 3, ts: at(2) }]);
  await db.flush();
  t.same(await db.query('SELECT * FROM priced ORDER BY amt'), [{ amt: 1, rate: 1.1 }, { amt: 2, rate: 1.2 }], 'no retraction when the version table changes');
});

t.test('a rejected insert call does not advance the watermark; NULL event time is kept out of windows', async (t) => {
  const db = await eventsDb(0);
  t.teardown(() => db.close());
  await db.execute(`CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '10' SECOND)
      GROUP BY window_start, window_end EMIT ON WINDOW CLOSE;
    CREATE MATERIALIZED VIEW c AS SELECT count(*) AS n, count(ts) AS timed FROM ev`);
  t.throws(() => db.insert('ev', [{ k: 'a', v: 1, ts: at(100_000) }, { k: 'a', v: 'x', ts: at(1) }]));
  db.insert('ev', { k: 'a', v: 1, ts: at(5_000) }); // on time: the failed call's 100 s never counted
  db.insert('ev', { k: 'a', v: 1, ts: null });
  db.insert('ev', { k: 'a', v: 1, ts: at(15_000) });
  await db.flush();
  t.same((await db.query('SELECT * FROM w')).map((r) => [(r.window_start as Date).getTime() - T0, r.n]), [[0, 1]]);
  t.same(await db.query('SELECT * FROM c'), [{ n: 3, timed: 2 }]);
});
