// Hostile review of the max-ties rewrite (Nexmark q5: a windowed count joined with its per-window
// MAX becomes a RANK() <= 1 Top-N run by the fused HOP count + ties operator) through the public
// API. After every step the view must equal (a) the same SELECT run by db.query as a snapshot
// over the input's rows, with `+ 0` in the comparison so the rule cannot take it, (b) a brute
// force in JavaScript, and (c) the view's own change stream replayed by a subscriber (every
// retraction names a row that was shown). Inputs: ties (few auctions), NULL auctions, NULL times,
// disorder, rows far behind the watermark, DELETEs on a TABLE. Shapes: HOP and TUMBLE, `>=` and
// `=` with either operand first, extra columns, the max side first, and near-misses that must
// NOT be rewritten (different HOP sizes, a filter on one side).
import t from 'tap';
import fc from 'fast-check';
import { open } from '../../lib/index.js';
import type { Database } from '../../lib/index.js';

interface Case {
  name: string;
  /** the SELECT; `$Z` marks where the oracle adds `+ 0` to the count */
  sql: string;
  /** the view runs the fused operator (else the join) */
  fused: boolean;
  /** a brute force over the input rows, as sorted canonical rows; undefined: only the oracle query */
  brute?: (rows: Bid[]) => string[];
}

type Bid = { auction: number | null; price: number; ts: number | null };

const SUB = (size: number, slide: number, extra = '', where = '') => ({
  a: `SELECT auction, count(*) AS num, window_start AS ws FROM HOP(bid, date_time, INTERVAL '${slide}' SECOND, INTERVAL '${size}' SECOND)${where}
      GROUP BY window_start, auction`,
  c: `SELECT count(*) AS num, window_start AS ws2 FROM HOP(bid, date_time, INTERVAL '${slide}' SECOND, INTERVAL '${size}' SECOND)${extra}
      GROUP BY auction, window_start`,
});

const q5 = (select: string, on: string, o: { size?: number; slide?: number; cWhere?: string; aWhere?: string; swap?: boolean } = {}) => {
  const s = SUB(o.size ?? 3, o.slide ?? 1, o.cWhere ?? '', o.aWhere ?? '');
  const a = `(${s.a}) a`;
  const m = `(SELECT max(c.num) AS maxn, c.ws2 FROM (${s.c}) c GROUP BY c.ws2) m`;
  return `SELECT ${select} FROM ${o.swap ? `${m} JOIN ${a}` : `${a} JOIN ${m}`} ON ${on}`;
};

/** Per window (start), the keys at the window's highest count: [start, key, count] rows. */
function ties(rows: Bid[], sizeMs: number, slideMs: number): [number, number | null, number][] {
  const perWindow = new Map<number, Map<number | null, number>>();
  for (const r of rows) {
    if (r.ts === null) continue;
    const last = Math.floor(r.ts / slideMs) * slideMs;
    for (let start = last; start > r.ts - sizeMs; start -= slideMs) {
      const m = perWindow.get(start) ?? new Map<number | null, number>();
      m.set(r.auction, (m.get(r.auction) ?? 0) + 1);
      perWindow.set(start, m);
    }
  }
  const out: [number, number | null, number][] = [];
  for (const [start, m] of perWindow) {
    const max = Math.max(...m.values());
    for (const [k, c] of m) if (c === max) out.push([start, k, c]);
  }
  return out;
}

const CASES: Case[] = [
  {
    name: 'q5, HOP 3 s / 1 s, >=, extra columns from both sides',
    sql: q5('a.auction, a.num, a.ws, a.ws + INTERVAL \'3\' SECOND AS we, m.maxn, m.ws2', 'a.ws = m.ws2 AND a.num$Z >= m.maxn'),
    fused: true,
    brute: (rows) => ties(rows, 3000, 1000).map(([s, k, c]) => JSON.stringify([k, c, s, s + 3000, c, s])).sort(),
  },
  {
    name: 'TUMBLE (size = slide), `max = count` with the max first, a computed column',
    sql: q5('a.auction, a.num * 10 AS tenfold, a.ws', 'm.ws2 = a.ws AND m.maxn = a.num$Z', { size: 2, slide: 2 }),
    fused: true,
    brute: (rows) => ties(rows, 2000, 2000).map(([s, k, c]) => JSON.stringify([k, c * 10, s])).sort(),
  },
  {
    name: 'the max side first in FROM (left alone: the rule wants the count on the left)',
    sql: q5('a.auction, a.num, a.ws', 'a.ws = m.ws2 AND a.num$Z >= m.maxn', { swap: true }),
    fused: false,
    brute: (rows) => ties(rows, 3000, 1000).map(([s, k, c]) => JSON.stringify([k, c, s])).sort(),
  },
  {
    name: 'different HOP sizes on the two sides: must stay a join',
    sql: q5('a.auction, a.num, a.ws', 'a.ws = m.ws2 AND a.num$Z >= m.maxn', { size: 3, slide: 1 }).replace(/INTERVAL '3' SECOND\)\s+GROUP BY auction, window_start/, "INTERVAL '2' SECOND) GROUP BY auction, window_start"),
    fused: false,
  },
  {
    name: 'a filter on the max side only: must stay a join',
    sql: q5('a.auction, a.num, a.ws', 'a.ws = m.ws2 AND a.num$Z >= m.maxn', { cWhere: ' WHERE price > 50' }),
    fused: false,
  },
  {
    name: 'a filter on the count side only: must stay a join',
    sql: q5('a.auction, a.num, a.ws', 'a.ws = m.ws2 AND a.num$Z >= m.maxn', { aWhere: ' WHERE price > 50' }),
    fused: false,
  },
];

const T0 = Date.UTC(2024, 0, 1);
type Step = { kind: 'insert'; rows: Bid[] } | { kind: 'delete'; auction: number | null; below: number };

const bidArb: fc.Arbitrary<Bid> = fc.record({
  auction: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constant(null) }),
  price: fc.integer({ min: 1, max: 100 }),
  // mostly near the front, some far behind it (late for a source's watermark), a few NULL
  ts: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 9_000 }) }, { weight: 1, arbitrary: fc.constant(null) }),
});

function stepsArb(deletes: boolean): fc.Arbitrary<Step[]> {
  const insert = fc.record({ kind: fc.constant('insert' as const), rows: fc.array(bidArb, { minLength: 1, maxLength: 10 }) });
  const del = fc.record({
    kind: fc.constant('delete' as const),
    auction: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(null)),
    below: fc.integer({ min: 1, max: 101 }),
  });
  return fc.array(deletes ? fc.oneof({ weight: 3, arbitrary: insert }, { weight: 1, arbitrary: del }) : insert, { minLength: 1, maxLength: 12 });
}

const canon = (r: Record<string, unknown>): string =>
  JSON.stringify(Object.values(r).map((v) => (v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(v) : v)));

const INPUTS = [
  { kind: 'TABLE with deletes', ddl: 'CREATE TABLE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP)', deletes: true },
  {
    kind: 'SOURCE with a watermark, rows behind it',
    ddl: "CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '2' SECOND) WITH (retention = '3650 days')",
    deletes: false,
  },
];

async function explain(db: Database, sql: string): Promise<string> {
  const rows = await db.query<Record<string, unknown>>(`EXPLAIN ${sql}`);
  return rows.map((r) => String(Object.values(r)[0])).join('\n');
}

for (const input of INPUTS) {
  for (const c of CASES) {
    t.test(`${input.kind}: ${c.name}`, async (t) => {
      const viewSql = c.sql.replace('$Z', '');
      const oracleSql = c.sql.replace('$Z', ' + 0');
      {
        const db = await open();
        await db.execute(input.ddl);
        const plan = await explain(db, viewSql);
        t.equal(!plan.includes('Join'), c.fused, `${c.fused ? 'rewritten' : 'left a join'}:\n${plan}`);
        t.ok((await explain(db, oracleSql)).includes('Join'), 'the oracle query keeps its join');
        await db.close();
      }
      let compared = 0;
      let retractions = 0;
      await fc.assert(
        fc.asyncProperty(stepsArb(input.deletes), fc.integer({ min: 0, max: 2500 }), async (steps, drift) => {
          const db = await open();
          try {
            await db.execute(input.ddl);
            await db.execute(`CREATE MATERIALIZED VIEW v AS ${viewSql}`);
            // the view's change stream, replayed: a multiset of rows
            const replay = new Map<string, number>();
            db.subscribe('v', {
              onChange: (ch) => {
                const apply = (row: unknown, d: number) => {
                  const k = canon(row as Record<string, unknown>);
                  const n = (replay.get(k) ?? 0) + d;
                  if (n < 0) throw new Error(`retracted a row never shown: ${k}`);
                  if (n === 0) replay.delete(k);
                  else replay.set(k, n);
                };
                if (ch.op !== 'insert') retractions++;
                if (ch.op === 'update') apply(ch.old, -1);
                apply(ch.row, ch.op === 'delete' ? -1 : 1);
              },
            });
            let kept: Bid[] = [];
            let base = T0;
            for (const [n, step] of steps.entries()) {
              if (step.kind === 'insert') {
                base += drift;
                const rows = step.rows.map((r) => ({ ...r, ts: r.ts === null ? null : base + r.ts - 6_000 }));
                db.insert('bid', rows.map((r) => ({ auction: r.auction, price: r.price, date_time: r.ts === null ? null : new Date(r.ts) })));
                kept.push(...rows);
              } else {
                const match = step.auction === null ? 'auction IS NULL' : `auction = ${step.auction}`;
                await db.execute(`DELETE FROM bid WHERE ${match} AND price < ${step.below}`);
                kept = kept.filter((r) => !(r.auction === step.auction && r.price < step.below));
              }
              const view = (await db.query<Record<string, unknown>>('SELECT * FROM v')).map(canon).sort();
              const oracle = (await db.query<Record<string, unknown>>(oracleSql)).map(canon).sort();
              // the rewritten SELECT as a snapshot query (a Top-N run once) agrees too (last step
              // only: every snapshot query with an aggregate or join leaves 16 GB of address space
              // reserved until a GC, and thousands of them exhaust it — see the report of R2)
              if (n === steps.length - 1) {
                const once = (await db.query<Record<string, unknown>>(viewSql)).map(canon).sort();
                if (JSON.stringify(once) !== JSON.stringify(oracle)) throw new Error(`step ${n}: rewritten query ${JSON.stringify(once)} vs +0 query ${JSON.stringify(oracle)}`);
              }
              const replayed = [...replay].flatMap(([k, m]) => Array<string>(m).fill(k)).sort();
              const at = `step ${n} (${JSON.stringify(steps.slice(0, n + 1))}, drift ${drift})`;
              if (JSON.stringify(view) !== JSON.stringify(oracle)) throw new Error(`${at}: view ${JSON.stringify(view)} vs query ${JSON.stringify(oracle)}`);
              if (JSON.stringify(view) !== JSON.stringify(replayed)) throw new Error(`${at}: view ${JSON.stringify(view)} vs its changes ${JSON.stringify(replayed)}`);
              if (c.brute !== undefined) {
                const want = c.brute(kept);
                if (JSON.stringify(view) !== JSON.stringify(want)) throw new Error(`${at}: view ${JSON.stringify(view)} vs brute force ${JSON.stringify(want)}`);
              }
              compared += view.length;
            }
          } finally {
            await db.close();
          }
        }),
        { numRuns: 25, seed: 7 },
      );
      t.ok(compared > 200, `rows compared (${compared})`);
      if (c.fused) t.ok(retractions > 20, `retractions seen (${retractions})`);
    });
  }
}

t.test('a burst of keys deleted, then older windows counted again: the fused counts survive their renumbering', async (t) => {
  const db = await open();
  await db.execute('CREATE TABLE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP)');
  const sql = q5('a.auction, a.num, a.ws', 'a.ws = m.ws2 AND a.num$Z >= m.maxn', { size: 2, slide: 1 });
  await db.execute(`CREATE MATERIALIZED VIEW v AS ${sql.replace('$Z', '')}`);
  t.notMatch(await explain(db, sql.replace('$Z', '')), /Join/, 'fused');
  const kept: Bid[] = [];
  const insert = (rows: Bid[]) => {
    db.insert('bid', rows.map((r) => ({ auction: r.auction, price: r.price, date_time: r.ts === null ? null : new Date(r.ts) })));
    kept.push(...rows);
  };
  const check = async (what: string) => {
    const view = (await db.query<Record<string, unknown>>('SELECT * FROM v')).map(canon).sort();
    const oracle = (await db.query<Record<string, unknown>>(sql.replace('$Z', ' + 0'))).map(canon).sort();
    const brute = ties(kept, 2000, 1000).map(([s, k, c]) => JSON.stringify([k, c, s])).sort();
    t.same(view, brute, `${what}: view = brute force`);
    t.same(oracle, brute, `${what}: query = brute force`);
  };
  // a burst of 300 keys, two rows each
  insert(Array.from({ length: 600 }, (_, i) => ({ auction: 1000 + (i >> 1), price: 2, ts: 2_500 })));
  // then a few keys in old windows and in windows whose slots they share (their counts in overflows)
  insert([1, 2, 3].flatMap((a) => [0, 4_000, 8_000].map((ts) => ({ auction: a, price: 1, ts: ts + 500 + a }))));
  await check('with the burst');
  await db.execute('DELETE FROM bid WHERE auction >= 1000');
  kept.splice(0, kept.length, ...kept.filter((r) => r.auction! < 1000));
  await check('burst deleted');
  // the surviving keys count on in every window, old ones included
  insert([{ auction: 2, price: 1, ts: 600 }, { auction: 3, price: 1, ts: 4_700 }, { auction: 3, price: 1, ts: 4_800 }, { auction: 1, price: 1, ts: 8_900 }]);
  await check('counted again');
  await db.execute('DELETE FROM bid WHERE auction = 3 AND date_time > TIMESTAMP \'1970-01-01 00:00:04.750\'');
  kept.splice(0, kept.length, ...kept.filter((r) => !(r.auction === 3 && r.ts! > 4_750)));
  await check('a count at the max lowered');
  await db.close();
});

// Without late rows only: with them the join plan is not a reference (markEmitOnClose marks the
// first copy of the shared count, the max's copy keeps counting late rows and retracts rows the
// EOWC count already emitted); the rewritten plan's answer for late rows is checked by hand below.
t.test('EMIT ON WINDOW CLOSE: the rewritten view (no fused operator then) equals its +0 twin, a join, at every step', async (t) => {
  const sql = q5('a.auction, a.num, a.ws', 'a.ws = m.ws2 AND a.num$Z >= m.maxn', { size: 2, slide: 1 });
  let compared = 0;
  await fc.assert(
    // each step starts past the previous one's rows (spread 9 s): no row is late
    fc.asyncProperty(stepsArb(false), fc.integer({ min: 9_001, max: 12_000 }), async (steps, drift) => {
      const db = await open();
      try {
        await db.execute("CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '1' SECOND)");
        await db.execute(`CREATE MATERIALIZED VIEW fast AS ${sql.replace('$Z', '')} EMIT ON WINDOW CLOSE`);
        await db.execute(`CREATE MATERIALIZED VIEW slow AS ${sql.replace('$Z', ' + 0')} EMIT ON WINDOW CLOSE`);
        let base = T0;
        for (const step of steps) {
          if (step.kind !== 'insert') continue;
          base += drift;
          db.insert('bid', step.rows.map((r) => ({ auction: r.auction, price: r.price, date_time: r.ts === null ? null : new Date(base + r.ts - 6_000) })));
          const fast = (await db.query<Record<string, unknown>>('SELECT * FROM fast')).map(canon).sort();
          const slow = (await db.query<Record<string, unknown>>('SELECT * FROM slow')).map(canon).sort();
          if (JSON.stringify(fast) !== JSON.stringify(slow)) throw new Error(`rewritten ${JSON.stringify(fast)} vs join ${JSON.stringify(slow)}`);
          compared += fast.length;
        }
      } finally {
        await db.close();
      }
    }),
    { numRuns: 40, seed: 11 },
  );
  t.ok(compared > 100, `rows compared (${compared})`);
});

t.test('EMIT ON WINDOW CLOSE with late rows: ties at each window\'s close, late rows not counted', async (t) => {
  const db = await open();
  await db.execute("CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '1' SECOND)");
  const sql = q5('a.auction, a.num, a.ws', 'a.ws = m.ws2 AND a.num >= m.maxn', { size: 2, slide: 1 });
  await db.execute(`CREATE MATERIALIZED VIEW v AS ${sql} EMIT ON WINDOW CLOSE`);
  const rows = async () => (await db.query<Record<string, unknown>>('SELECT * FROM v')).map(canon).sort();
  const put = (...ts: number[]) => db.insert('bid', ts.map((x) => ({ auction: 1, price: 1, date_time: new Date(x) })));
  put(2, 2_000); // watermark 1 s: window [-1 s, 1 s) closes with one row
  t.same(await rows(), [JSON.stringify([1, 1, -1000])]);
  put(4, 4_000); // 4 ms is late for [-1 s, 1 s), counted in [0, 2 s); watermark 3 s closes [0, 2 s) and [1 s, 3 s)
  t.same(await rows(), [[1, 1, -1000], [1, 1, 1000], [1, 2, 0]].map((r) => JSON.stringify(r)).sort());
  put(5, 4_000); // late for every window it falls in: nothing changes
  t.same(await rows(), [[1, 1, -1000], [1, 1, 1000], [1, 2, 0]].map((r) => JSON.stringify(r)).sort());
  await db.close();
});
