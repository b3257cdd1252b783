// Common-subplan sharing (lib/plan/optimizer/share-subplans.ts): identical subtrees of one plan
// are built once and fan out. Checked through EXPLAIN (the shared instance) and by comparing a
// view whose subqueries are shared with the same query written so nothing can be shared.
import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { shareSubplans, sharedNodes } from '../../lib/plan/optimizer/share-subplans.js';
import * as B from '../../lib/plan/builders.js';
import { T } from '../../lib/types/datatype.js';

const explain = (e: Engine, sql: string): string[] =>
  (e.execute(`EXPLAIN ${sql}`)[0]!.rows as string[][]).map((r) => r[0]!);

// per window and auction, the count and the window's maximum count (q5's shape)
const hot = (secondCount: string): string => `
  SELECT a.auction, a.num FROM (
    SELECT auction, count(*) AS num, window_start AS ws FROM HOP(bid, ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND)
    GROUP BY window_start, auction) a
  JOIN (
    SELECT max(c.num) AS maxn, c.ws2 FROM (
      SELECT ${secondCount} AS num, window_start AS ws2 FROM HOP(bid, ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND)
      GROUP BY auction, window_start) c
    GROUP BY c.ws2) m
  ON a.ws = m.ws2 AND a.num >= m.maxn`;

function engineWithBids(): Engine {
  const e = new Engine();
  e.execute('CREATE TABLE bid (auction BIGINT, price BIGINT, ts TIMESTAMP NOT NULL)');
  return e;
}

const rowsOf = (e: Engine, view: string): string[] =>
  e.query(`SELECT * FROM ${view}`).rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))).sort();

t.test('EXPLAIN shows one shared instance of the identical HOP count', async (t) => {
  const e = engineWithBids();
  t.teardown(() => e.close());
  // `+ 0` keeps the join: `num >= maxn` itself becomes a Top-N (optimizer/max-ties.ts), which
  // reads the count once and so shares nothing
  const lines = explain(e, hot('count(*)').replace('a.num >= m.maxn', 'a.num + 0 >= m.maxn'));
  const tagged = lines.filter((l) => l.includes('[shared #1]'));
  t.equal(tagged.length, 1, 'the shared aggregate is printed once, tagged');
  t.match(tagged[0]!, /Aggregate group=\[.*\] aggs=\[count\(\*\)\]/);
  t.equal(lines.filter((l) => l.trim() === 'Shared #1').length, 1, 'its second consumer points at it');
  t.equal(lines.filter((l) => l.includes('WindowTvf')).length, 1, 'the HOP expansion appears once');
});

t.test('differently computed subqueries are not shared', async (t) => {
  const e = engineWithBids();
  t.teardown(() => e.close());
  const lines = explain(e, hot('count(price)'));
  const counts = lines.filter((l) => /Aggregate .*aggs=\[count/.test(l));
  t.equal(counts.length, 2, 'both counts are planned');
  t.notOk(counts.some((l) => l.includes('shared')), 'neither count is shared');
  // the HOP expansion below them is identical, so it is shared
  t.equal(lines.filter((l) => l.includes('WindowTvf') && l.includes('[shared #1]')).length, 1);
});

t.test('non-deterministic subqueries are never shared', async (t) => {
  const e = engineWithBids();
  t.teardown(() => e.close());
  const sql = 'SELECT x.r, y.r FROM (SELECT auction, random() AS r FROM bid) x JOIN (SELECT auction, random() AS r FROM bid) y ON x.auction = y.auction';
  const randoms = explain(e, sql).filter((l) => l.includes('random()'));
  t.equal(randoms.length, 2, 'both projections are planned');
  t.notOk(randoms.some((l) => l.includes('shared')));
  e.execute("INSERT INTO bid VALUES (1, 10, TIMESTAMP '2024-01-01 00:00:00')");
  const [row] = e.query(sql).rows;
  t.not(row![0], row![1], 'each random() draws its own value');
});

t.test('a shared view gives the same rows as its unshared twin through inserts and deletes', async (t) => {
  const e = engineWithBids();
  t.teardown(() => e.close());
  // count(price) over non-NULL prices equals count(*) but is not shareable with it
  e.execute(`CREATE MATERIALIZED VIEW shared_v AS ${hot('count(*)')}`);
  e.execute(`CREATE MATERIALIZED VIEW twin_v AS ${hot('count(price)')}`);
  const base = Date.UTC(2024, 0, 1);
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let changed = 0;
  for (let step = 0; step < 40; step++) {
    const rows: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ts = new Date(base + rand(20_000)).toISOString().replace('T', ' ').replace('Z', '');
      rows.push(`(${rand(4)}, ${1 + rand(100)}, TIMESTAMP '${ts}')`);
    }
    e.execute(`INSERT INTO bid VALUES ${rows.join(', ')}`);
    if (step % 3 === 2) e.execute(`DELETE FROM bid WHERE auction = ${rand(4)} AND price < ${rand(60)}`);
    const shared = rowsOf(e, 'shared_v');
    t.same(shared, rowsOf(e, 'twin_v'), `step ${step}`);
    if (shared.length > 0) changed++;
  }
  t.ok(changed > 20, 'the views had rows to compare');
  // the one-shot query plans the same way
  t.same(rowsOf(e, `(${hot('count(*)')}) q`), rowsOf(e, 'twin_v'));
});

t.test('shareSubplans leaves a plan without repeats untouched and dedups exact repeats', async (t) => {
  const schema = [B.field('a', T.int)];
  const left = B.values([[1], [2]], schema);
  const right = B.values([[1], [2]], schema);
  const other = B.values([[3]], schema);
  const keys = [{ kind: 'column', index: 0, type: T.int } as const];
  const same = shareSubplans(B.join('inner', left, right, keys, keys));
  t.equal(sharedNodes(same).size, 1, 'the two VALUES become one object');
  const differ = shareSubplans(B.join('inner', left, other, keys, keys));
  t.equal(sharedNodes(differ).size, 0);
});
