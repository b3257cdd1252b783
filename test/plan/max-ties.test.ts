// The max-ties rewrite (lib/plan/optimizer/max-ties.ts): a count joined with its per-group MAX on
// `count >= max` becomes a RANK() <= 1 Top-N, and over HOP / TUMBLE the fused count + ties
// operator (lib/plan/hop-ties-fusion.ts, lib/exec/stream/hop-count-ties.ts). Each rewritten view
// is compared, step by step on random inputs (fast-check), with its twin written with `+ 0` in
// the residual, which the rule does not take: the twin runs the join as the query says.
import t from 'tap';
import fc from 'fast-check';
import { Engine } from '../../lib/engine/engine.js';
import type { Row, Value } from '../../lib/types/value.js';

const explain = (e: Engine, sql: string): string[] => (e.execute(`EXPLAIN ${sql}`)[0]!.rows as string[][]).map((r) => r[0]!);

const nodeNames = (e: Engine, view: string): string[] => e.storageState().subgraphs.get(view)!.nodes.map((n) => n.name ?? '');

const canon = (rows: readonly Row[]): string[] =>
  rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))).sort();

interface Shape {
  name: string;
  /** the query; `$CMP` is the residual comparison, `$Z` what the twin adds to the count */
  sql: string;
  /** DDL of the input relation `bid` */
  ddl: string;
  /** view options */
  withOptions?: string;
  /** the rewritten view runs the fused operator */
  fused: boolean;
  /** the input takes DELETEs (a table) */
  deletes: boolean;
}

const hop = (fn: string) => fn;
const SHAPES: Shape[] = [
  {
    name: 'q5 shape: HOP, per window_start, one key, over a table with deletes',
    ddl: 'CREATE TABLE bid (auction BIGINT, channel VARCHAR, price BIGINT, ts TIMESTAMP NOT NULL)',
    sql: `SELECT a.auction, a.num FROM (
        SELECT auction, count(*) AS num, window_start AS ws FROM ${hop("HOP(bid, ts, INTERVAL '1' SECOND, INTERVAL '3' SECOND)")}
        GROUP BY window_start, auction) a
      JOIN (
        SELECT max(c.num) AS maxn, c.ws2 FROM (
          SELECT count(*) AS num, window_start AS ws2 FROM HOP(bid, ts, INTERVAL '1' SECOND, INTERVAL '3' SECOND)
          GROUP BY auction, window_start) c
        GROUP BY c.ws2) m
      ON a.ws = m.ws2 AND a.num$Z >= m.maxn`,
    fused: true,
    deletes: true,
  },
  {
    name: 'TUMBLE per window_end, two key columns (NULLs among them), max written first, all columns out',
    ddl: 'CREATE TABLE bid (auction BIGINT, channel VARCHAR, price BIGINT, ts TIMESTAMP NOT NULL)',
    sql: `SELECT * FROM (
        SELECT window_end AS we, channel, auction, count(*) AS num FROM TUMBLE(bid, ts, INTERVAL '4' SECOND)
        GROUP BY auction, channel, window_end) a
      JOIN (
        SELECT c.we2, max(c.num) AS maxn FROM (
          SELECT window_end AS we2, count(*) AS num FROM TUMBLE(bid, ts, INTERVAL '4' SECOND)
          GROUP BY window_end, channel, auction) c
        GROUP BY c.we2) m
      ON m.we2 = a.we AND m.maxn <= a.num$Z`,
    fused: true,
    deletes: true,
  },
  {
    name: 'HOP over a watermarked source with allowed lateness: windows close, late rows are dropped',
    ddl: "CREATE SOURCE bid (auction BIGINT, channel VARCHAR, price BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)",
    withOptions: "WITH (allowed_lateness = '1 second')",
    sql: `SELECT a.auction, a.ws, a.num, m.maxn FROM (
        SELECT auction, count(*) AS num, window_start AS ws FROM HOP(bid, ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND)
        GROUP BY window_start, auction) a
      JOIN (
        SELECT max(c.num) AS maxn, c.ws2 FROM (
          SELECT count(*) AS num, window_start AS ws2 FROM HOP(bid, ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND)
          GROUP BY auction, window_start) c
        GROUP BY c.ws2) m
      ON a.ws = m.ws2 AND a.num$Z = m.maxn`,
    fused: true,
    deletes: false,
  },
  {
    name: 'the count also read by another branch (UNION ALL): the aggregate keeps working for it',
    ddl: 'CREATE TABLE bid (auction BIGINT, channel VARCHAR, price BIGINT, ts TIMESTAMP NOT NULL)',
    sql: `SELECT a.auction, a.num, 'top' AS what FROM (
        SELECT auction, count(*) AS num, window_start AS ws FROM HOP(bid, ts, INTERVAL '1' SECOND, INTERVAL '2' SECOND)
        GROUP BY window_start, auction) a
      JOIN (
        SELECT max(c.num) AS maxn, c.ws2 FROM (
          SELECT count(*) AS num, window_start AS ws2 FROM HOP(bid, ts, INTERVAL '1' SECOND, INTERVAL '2' SECOND)
          GROUP BY auction, window_start) c
        GROUP BY c.ws2) m
      ON a.ws = m.ws2 AND a.num$Z >= m.maxn
      UNION ALL
      SELECT auction, count(*) AS num, 'all' AS what FROM HOP(bid, ts, INTERVAL '1' SECOND, INTERVAL '2' SECOND) GROUP BY window_start, auction`,
    fused: true,
    deletes: true,
  },
];

const rewritten = (s: Shape) => s.sql.replace('$Z', '');
const twin = (s: Shape) => s.sql.replace('$Z', ' + 0');

t.test('EXPLAIN: the join becomes a Top-N; the twin keeps its join', async (t) => {
  for (const s of SHAPES) {
    const e = new Engine();
    e.execute(s.ddl);
    const plan = explain(e, rewritten(s));
    t.notOk(plan.some((l) => l.includes('Join')), `${s.name}: no join`);
    t.ok(plan.some((l) => /TopN limit=1 .*rank=rank/.test(l)), `${s.name}: a rank Top-N`);
    t.equal(plan.filter((l) => l.includes('Aggregate')).length, 1, `${s.name}: one aggregate`);
    t.ok(explain(e, twin(s)).some((l) => l.includes('Join')), `${s.name}: the twin joins`);
    e.close();
  }
});

t.test('shapes the rule must leave alone', async (t) => {
  const e = new Engine();
  e.execute(SHAPES[0]!.ddl);
  const q5 = rewritten(SHAPES[0]!);
  const cases: [string, string][] = [
    ['num > maxn keeps no row and is not a tie', q5.replace('a.num >= m.maxn', 'a.num > m.maxn')],
    ['num <= maxn keeps every row', q5.replace('a.num >= m.maxn', 'a.num <= m.maxn')],
    ['a LEFT JOIN pads rows below the max', q5.replace('JOIN (', 'LEFT JOIN (')],
    ['min instead of max', q5.replace('max(c.num)', 'min(c.num)')],
    ['the key is not the max aggregate\'s group', q5.replace('a.ws = m.ws2', 'a.ws = m.ws2 + INTERVAL \'1\' SECOND')],
    ['the max of a different count', q5.replace('SELECT count(*) AS num, window_start AS ws2', 'SELECT count(price) AS num, window_start AS ws2')],
    ['count(x), not count(*), on both sides', q5.replace(/count\(\*\)/g, 'count(price)')],
    ['a sum, not a count', q5.replace('count(*) AS num, window_start AS ws FROM', 'sum(price) AS num, window_start AS ws FROM').replace('SELECT count(*) AS num, window_start AS ws2', 'SELECT sum(price) AS num, window_start AS ws2')],
  ];
  for (const [name, sql] of cases) t.ok(explain(e, sql).some((l) => l.includes('Join')), name);
  // no window: exact as a Top-N too, but the relational Top-N holds every row of a group in a
  // sorted array (slower than the join), so only what the fused operator runs is rewritten
  const e2 = new Engine();
  e2.execute('CREATE TABLE bid (auction BIGINT, channel VARCHAR NOT NULL, price BIGINT, ts TIMESTAMP NOT NULL)');
  const perChannel = `SELECT a.channel, a.auction, a.num FROM (
      SELECT channel, auction, count(*) AS num FROM bid GROUP BY channel, auction) a
    JOIN (
      SELECT channel AS ch, max(num) AS maxn FROM (SELECT channel, auction, count(*) AS num FROM bid GROUP BY channel, auction) c
      GROUP BY channel) m
    ON a.channel = m.ch AND a.num >= m.maxn`;
  t.ok(explain(e2, perChannel).some((l) => l.includes('Join')), 'no window below the count');
  // per (window, channel): a Top-N partition that is not the window alone
  const perWindowChannel = q5
    .replace('SELECT auction, count(*) AS num, window_start AS ws FROM', 'SELECT auction, channel, count(*) AS num, window_start AS ws FROM')
    .replace('GROUP BY window_start, auction) a', 'GROUP BY window_start, auction, channel) a')
    .replace('SELECT max(c.num) AS maxn, c.ws2 FROM (', 'SELECT max(c.num) AS maxn, c.ws2, c.ch FROM (')
    .replace('SELECT count(*) AS num, window_start AS ws2 FROM', 'SELECT count(*) AS num, window_start AS ws2, channel AS ch FROM')
    .replace('GROUP BY auction, window_start) c', 'GROUP BY auction, window_start, channel) c')
    .replace('GROUP BY c.ws2) m', 'GROUP BY c.ws2, c.ch) m')
    .replace('a.ws = m.ws2', 'a.ws = m.ws2 AND a.channel = m.ch');
  t.equal(perWindowChannel.split('channel').length, 6, 'the query groups by channel on both sides');
  t.ok(explain(e2, perWindowChannel).some((l) => l.includes('Join')), 'partitioned by window and a NOT NULL column');
  e.close();
  e2.close();
});

const T0 = Date.UTC(2024, 0, 1);

type Step =
  | { kind: 'insert'; rows: { auction: number | null; channel: string | null; price: number; at: number | null }[] }
  | { kind: 'delete'; auction: number; below: number };

const rowArb = fc.record({
  auction: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(null) }),
  channel: fc.constantFrom('a', 'b', null),
  price: fc.integer({ min: 1, max: 100 }),
  at: fc.oneof({ weight: 19, arbitrary: fc.integer({ min: 0, max: 12_000 }) }, { weight: 1, arbitrary: fc.constant(null) }),
});

function stepsArb(deletes: boolean): fc.Arbitrary<Step[]> {
  const insert = fc.record({ kind: fc.constant('insert' as const), rows: fc.array(rowArb, { minLength: 1, maxLength: 8 }) });
  const del = fc.record({ kind: fc.constant('delete' as const), auction: fc.integer({ min: 1, max: 5 }), below: fc.integer({ min: 1, max: 100 }) });
  return fc.array(deletes ? fc.oneof({ weight: 4, arbitrary: insert }, { weight: 1, arbitrary: del }) : insert, { minLength: 1, maxLength: 14 });
}

function run(s: Shape, steps: Step[], timeStep: number): { mismatch?: string; rows: number } {
  const e = new Engine();
  try {
    e.execute(s.ddl);
    e.execute(`CREATE MATERIALIZED VIEW fast ${s.withOptions ?? ''} AS ${rewritten(s)}`);
    e.execute(`CREATE MATERIALIZED VIEW slow ${s.withOptions ?? ''} AS ${twin(s)}`);
    let base = T0;
    let rows = 0;
    for (const [n, step] of steps.entries()) {
      if (step.kind === 'insert') {
        // time mostly moves forward (so windows close over a source), with disorder inside a step
        base += timeStep;
        const batch: Row[] = step.rows
          .filter((r) => s.deletes === false || r.at !== null)
          .map((r) => [r.auction, r.channel ?? (s.ddl.includes('channel VARCHAR NOT NULL') ? 'z' : null), r.price, r.at === null ? null : base + r.at - 6_000] as Value[]);
        if (batch.length === 0) continue;
        e.insertRows('bid', batch);
      } else e.execute(`DELETE FROM bid WHERE auction = ${step.auction} AND price < ${step.below}`);
      const fast = canon(e.query('SELECT * FROM fast').rows);
      const slow = canon(e.query('SELECT * FROM slow').rows);
      rows += fast.length;
      if (JSON.stringify(fast) !== JSON.stringify(slow)) return { mismatch: `step ${n}: rewritten ${JSON.stringify(fast)} vs join ${JSON.stringify(slow)}`, rows };
    }
    return { rows };
  } finally {
    e.close();
  }
}

for (const s of SHAPES) {
  t.test(`rewritten = join on random inputs: ${s.name}`, async (t) => {
    const e = new Engine();
    e.execute(s.ddl);
    e.execute(`CREATE MATERIALIZED VIEW fast ${s.withOptions ?? ''} AS ${rewritten(s)}`);
    const names = nodeNames(e, 'fast');
    t.equal(names.includes('hop-count-ties'), s.fused, `the fused operator ${s.fused ? 'runs' : 'does not apply'} (${names.join(' ')})`);
    e.close();
    let rows = 0;
    fc.assert(
      fc.property(stepsArb(s.deletes), fc.integer({ min: 0, max: 3000 }), (steps, timeStep) => {
        const r = run(s, steps, timeStep);
        rows += r.rows;
        if (r.mismatch !== undefined) throw new Error(r.mismatch);
      }),
      { numRuns: 60, seed: 42 },
    );
    t.ok(rows > 100, `the views had rows to compare (${rows})`);
  });
}

t.test('q5 by hand: ties, a count overtaking them, a retraction that lowers the max', async (t) => {
  const e = new Engine();
  e.execute(SHAPES[0]!.ddl);
  e.execute(`CREATE MATERIALIZED VIEW fast AS ${rewritten(SHAPES[0]!)}`);
  const changes: string[] = [];
  e.subscribe('fast', (cs) => {
    for (const c of cs) changes.push(`${c.op} ${JSON.stringify(c.row, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}`);
  });
  const view = () => canon(e.query('SELECT * FROM fast').rows);
  // one 3 s window per second; all these rows share the windows starting at T0-2s .. T0
  e.insertRows('bid', [[1, null, 5, T0 + 100], [2, null, 5, T0 + 200]]);
  t.same(view(), canon([[1, 1], [1, 1], [1, 1], [2, 1], [2, 1], [2, 1]]), 'auctions 1 and 2 tie at 1 in each window');
  changes.length = 0;
  e.insertRows('bid', [[2, null, 7, T0 + 300]]);
  t.same(view(), canon([[2, 2], [2, 2], [2, 2]]), 'auction 2 overtakes');
  t.equal(changes.filter((c) => c.startsWith('delete')).length, 6, 'both tied rows of each window retracted');
  e.execute('DELETE FROM bid WHERE price = 7');
  t.same(view(), canon([[1, 1], [1, 1], [1, 1], [2, 1], [2, 1], [2, 1]]), 'the max falls back to the tie');
  // the aggregate built for the Top-N's input is read by nothing else: it holds no state
  const nodes = e.storageState().subgraphs.get('fast')!.nodes;
  t.equal(nodes.find((n) => n.name === 'window-aggregate')!.op.stateSize(), 0, 'the unread aggregate does no work');
  t.equal(nodes.find((n) => n.name === 'hop-count-ties')!.op.stateSize(), 6, 'two auctions in three windows');
  e.execute('DELETE FROM bid');
  t.same(view(), [], 'no rows, no windows');
  e.close();
});
