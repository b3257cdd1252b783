// A q7-shaped view (fused window extremum rows operator) in a durable database: its state goes
// through a checkpoint and the WAL, and after reopening the view continues exactly like a
// database that never stopped (ties, a window-boundary row waiting beyond the max, a new max).
import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { openDurable, tempDir } from './helpers.js';

const SOURCE = `CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND)`;
const Q7 = `CREATE MATERIALIZED VIEW q7 AS SELECT B.auction, B.price, B.date_time FROM bid B
  JOIN (SELECT MAX(price) AS maxprice, window_end AS date_time FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_end) B1
  ON B.price = B1.maxprice WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time`;

type Bid = { auction: number; price: number | null; date_time: number };
const STEPS: Bid[][] = [
  [{ auction: 1, price: 5, date_time: 1_000 }, { auction: 2, price: 9, date_time: 10_000 }, { auction: 3, price: 5, date_time: 2_000 }],
  [{ auction: 4, price: null, date_time: 3_000 }, { auction: 5, price: 7, date_time: 12_000 }],
  // after the checkpoint: the window [0, 10 s) reaches 9 (the boundary row at 10 s matches it)
  [{ auction: 6, price: 9, date_time: 9_000 }, { auction: 7, price: 7, date_time: 13_000 }],
  [{ auction: 8, price: 11, date_time: 15_000 }, { auction: 9, price: 1, date_time: 31_000 }],
];

const norm = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify([r.auction, r.price, r.date_time instanceof Date ? r.date_time.getTime() : r.date_time])).sort();

t.test('checkpoint, WAL and reopen: the view continues like a never-stopped one', async (t) => {
  const ref = new Engine();
  ref.execute(SOURCE);
  ref.execute(Q7);
  t.match(ref.query('EXPLAIN SELECT B.auction FROM bid B JOIN (SELECT MAX(price) AS m, window_end AS e FROM TUMBLE(bid, date_time, INTERVAL \'10\' SECOND) GROUP BY window_end) B1 ON B.price = B1.m WHERE B.date_time BETWEEN B1.e - INTERVAL \'10\' SECOND AND B1.e').rows.map((r) => String(r[0])).join('\n'), /as window max rows/);
  const dir = tempDir(t);
  let { db } = await openDurable(dir);
  await db.execute(SOURCE);
  await db.execute(Q7);
  for (const [k, rows] of STEPS.entries()) {
    db.insert('bid', rows);
    ref.insertRows('bid', rows.map((r) => [r.auction, r.price, r.date_time]));
    if (k === 1) await db.execute('CHECKPOINT');
    if (k === 1 || k === 2) {
      await db.close();
      ({ db } = await openDurable(dir));
    }
    const want = norm(ref.query('SELECT * FROM q7').rows.map((r) => ({ auction: r[0], price: r[1], date_time: r[2] })));
    t.same(norm(await db.query('SELECT * FROM q7')), want, `after step ${k + 1}`);
  }
  t.ok(norm(await db.query('SELECT * FROM q7')).includes(JSON.stringify([2, 9, 10_000])), 'the boundary row matched the raised max after recovery');
  await db.close();
});
