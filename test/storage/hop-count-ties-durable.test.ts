// A q5-shaped view (max-ties rewrite → fused HOP count + ties operator) in a durable database:
// its counts go through a checkpoint and the WAL, and after reopening the view continues exactly
// like the join it replaces, run by a database that never stopped (ties, a count overtaking them,
// windows closing under allowed lateness, late rows).
import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { openDurable, tempDir } from './helpers.js';

const SOURCE = `CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '1' SECOND)`;
const q5 = (cmp: string) => `CREATE MATERIALIZED VIEW q5 WITH (allowed_lateness = '1 second') AS
  SELECT a.auction, a.num, a.ws FROM (
    SELECT auction, count(*) AS num, window_start AS ws FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '4' SECOND)
    GROUP BY window_start, auction) a
  JOIN (
    SELECT max(c.num) AS maxn, c.ws2 FROM (
      SELECT count(*) AS num, window_start AS ws2 FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '4' SECOND)
      GROUP BY auction, window_start) c
    GROUP BY c.ws2) m
  ON a.ws = m.ws2 AND ${cmp}`;

type Bid = { auction: number; price: number; date_time: number };
const bids = (...rows: [number, number][]): Bid[] => rows.map(([auction, date_time]) => ({ auction, price: 1, date_time }));
const STEPS: Bid[][] = [
  bids([1, 500], [2, 700], [1, 2_500]),
  bids([2, 2_600], [3, 3_000], [3, 3_100]),
  // after the checkpoint: auction 3 overtakes, 2 catches up, the windows before 2 s close
  bids([3, 3_200], [2, 3_300], [2, 3_400], [4, 6_000]),
  // late for the closed windows, counted in the open one
  bids([1, 1_900], [4, 6_100], [5, 9_000]),
];

const norm = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r.map((v) => (v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(v) : v)))).sort();

t.test('checkpoint, WAL and reopen: the view continues like the never-stopped join', async (t) => {
  const ref = new Engine();
  ref.execute(SOURCE);
  ref.execute(q5('a.num + 0 >= m.maxn'));
  const dir = tempDir(t);
  let { db } = await openDurable(dir);
  await db.execute(SOURCE);
  await db.execute(q5('a.num >= m.maxn'));
  // (the view under test is the rewritten one: no join left in its plan)
  const plan = (await db.query<Record<string, unknown>>(`EXPLAIN ${q5('a.num >= m.maxn').replace(/^CREATE MATERIALIZED VIEW q5 WITH \([^)]*\) AS/, '')}`)).map((r) => String(Object.values(r)[0]));
  t.notOk(plan.some((l) => l.includes('Join')), `rewritten:\n${plan.join('\n')}`);
  t.ok(plan.some((l) => l.includes('TopN')), 'a Top-N');
  let rows = 0;
  for (const [k, step] of STEPS.entries()) {
    db.insert('bid', step);
    ref.insertRows('bid', step.map((r) => [r.auction, r.price, r.date_time]));
    if (k === 1) await db.execute('CHECKPOINT');
    if (k === 1 || k === 2) {
      await db.close();
      ({ db } = await openDurable(dir));
    }
    const want = norm(ref.query('SELECT * FROM q5').rows);
    const got = norm((await db.query('SELECT * FROM q5')).map((r) => [r.auction, r.num, r.ws]));
    t.same(got, want, `after step ${k + 1}`);
    rows += got.length;
  }
  t.ok(rows > 10, `rows compared (${rows})`);
  await db.close();
  ref.close();
});
