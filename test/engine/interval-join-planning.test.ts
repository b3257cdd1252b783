// A join of an append-only source with a changelog windowed aggregate on an event-time band
// (Nexmark q7: bids joined with each tumbling window's MAX(price)) is planned as an interval
// join, whose state the watermark cleans: it stays flat over a long run and the view still
// equals the answer computed from scratch.
import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { windowExtremumRowsRule } from '../../lib/plan/optimizer/window-extremum-rows.js';

const SOURCE = `CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND)`;
const Q7 = `SELECT B.auction, B.price, B.date_time FROM bid B
  JOIN (SELECT MAX(price) AS maxprice, window_end AS date_time FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_end) B1
  ON B.price = B1.maxprice
  WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time`;

const explain = (e: Engine, sql: string): string => e.query(`EXPLAIN ${sql}`).rows.map((r) => String(r[0])).join('\n');

t.test('q7 is an interval join over the windowed maximum; other shapes are not', async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  t.match(explain(e, Q7), /IntervalJoin inner \[0ms, 10000ms\]/);
  t.notMatch(explain(e, Q7), /date_time#\d+ >= \(date_time/, 'no plain join with the band left as a residual');
  // a session window's end moves as sessions merge: not a time column
  const session = Q7.replace("TUMBLE(bid, date_time, INTERVAL '10' SECOND)", "SESSION(bid, date_time, INTERVAL '10' SECOND)");
  t.notMatch(explain(e, session), /IntervalJoin/);
  // an aggregate not grouped by window_end has no event time
  const plain = `SELECT B.auction FROM bid B JOIN (SELECT MAX(price) AS m, auction AS t FROM bid GROUP BY auction) X ON B.price = X.m
    WHERE B.auction BETWEEN X.t - 10 AND X.t`;
  t.notMatch(explain(e, plain), /IntervalJoin/);
});

/** q7 from scratch: bids whose price is the maximum of a window whose end lies in [t, t + 10 s]. */
function reference(rows: [number, number, number][]): string[] {
  const maxByEnd = new Map<number, number>();
  for (const [, price, ts] of rows) {
    const end = Math.floor(ts / 10_000) * 10_000 + 10_000;
    maxByEnd.set(end, Math.max(maxByEnd.get(end) ?? -Infinity, price));
  }
  const out: string[] = [];
  for (const [auction, price, ts] of rows) {
    for (const [end, max] of maxByEnd) if (price === max && ts >= end - 10_000 && ts <= end) out.push(JSON.stringify([auction, price, ts]));
  }
  return out.sort();
}

for (const fused of [true, false]) t.test(`long run with disorder inside the watermark delay: state flat, result exact (${fused ? 'window extremum rows' : 'aggregate + interval join'})`, async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  windowExtremumRowsRule.enabled = fused;
  try {
    e.execute(`CREATE MATERIALIZED VIEW q7 AS ${Q7}`);
  } finally {
    windowExtremumRowsRule.enabled = true;
  }
  const all: [number, number, number][] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const BATCH = 2000;
  const sizes: number[] = [];
  for (let b = 0; b < 150; b++) {
    const auction: number[] = [];
    const price: number[] = [];
    const ts: number[] = [];
    for (let i = 0; i < BATCH; i++) {
      const n = b * BATCH + i;
      auction.push(n % 97);
      // prices repeat so several bids can share a window's maximum
      price.push(Math.floor(rand() * 5000));
      // 1 event per ms, up to 3 s out of order (inside the 4 s watermark delay)
      ts.push(n - Math.floor(rand() * 3000));
      all.push([auction[i]!, price[i]!, ts[i]!]);
    }
    e.insertColumns('bid', [auction, price, ts], BATCH);
    sizes.push(e.viewStateSize('q7'));
  }
  const early = Math.max(...sizes.slice(10, 75));
  const late = Math.max(...sizes.slice(75));
  t.ok(late <= early * 1.1, `join state flat (early max ${early}, late max ${late}, ${all.length} bids)`);
  t.ok(late < all.length / 5, `far below the bids seen (${late} of ${all.length})`);
  // the fused operator keeps only each open window's max ties; the join every bid of open windows
  t.ok(fused ? late < 100 : late > 1000, `the ${fused ? 'fused' : 'join'} plan ran (${late} entries)`);
  const got = e.query('SELECT * FROM q7').rows.map((r) => JSON.stringify(r.map((v) => (v instanceof Date ? v.getTime() : v)))).sort();
  const want = reference(all);
  t.ok(want.length >= 25, `a result per window (${want.length})`);
  t.same(got, want);
});

t.test('the view equals the answer from scratch when created over existing data', async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  const rows: [number, number, number][] = [
    [1, 10, 1_000], [2, 30, 2_000], [3, 30, 9_999], [4, 20, 10_000], [5, 50, 15_000], [6, 50, 20_000], [7, 5, 21_000],
  ];
  e.insertColumns('bid', [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])], rows.length);
  e.execute(`CREATE MATERIALIZED VIEW q7 AS ${Q7}`);
  const got = () => e.query('SELECT * FROM q7').rows.map((r) => JSON.stringify(r.map((v) => (v instanceof Date ? v.getTime() : v)))).sort();
  t.same(got(), reference(rows));
  // a new maximum for the last window replaces the old one
  const more: [number, number, number][] = [[8, 70, 22_000]];
  e.insertColumns('bid', [[8], [70], [22_000]], 1);
  t.same(got(), reference([...rows, ...more]));
});
