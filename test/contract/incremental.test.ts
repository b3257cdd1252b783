// PRODUCT.md §3 "Semantics": every materialized view equals its SELECT run over the final data,
// whether created before or after the data, after inserts, upserts, updates and deletes — checked
// against the view's own SELECT and against DuckDB as an independent engine.
import t from 'tap';
import { open, Duck, bag, applyChanges, bagOf, sqlLiteral, type Change } from './helpers.js';

// deterministic PRNG so a failure reproduces
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const VIEWS: Record<string, string> = {
  grouped: `SELECT g, count(*) AS n, count(v) AS nv, sum(v) AS s, min(v) AS lo, max(v) AS hi, count(DISTINCT v) AS d,
              sum(v) FILTER (WHERE v > 0) AS pos FROM a GROUP BY g`,
  global: `SELECT count(*) AS n, sum(v) AS s, max(s) AS ms FROM a`,
  having: `SELECT g, sum(v) AS s FROM a GROUP BY g HAVING count(*) > 1`,
  filtered: `SELECT id, v * 2 AS v2, coalesce(s, '-') AS s FROM a WHERE v IS NULL OR v % 3 <> 0`,
  inner_join: `SELECT a.id, a.v, b.w FROM a JOIN b ON a.g = b.g`,
  left_join: `SELECT a.id, b.bid FROM a LEFT JOIN b ON a.g = b.g AND b.w > a.v`,
  full_join: `SELECT a.id AS aid, b.bid FROM a FULL JOIN b ON a.v = b.w`,
  right_join: `SELECT a.id AS aid, b.bid FROM a RIGHT JOIN b ON a.g = b.g`,
  nonequi: `SELECT a.id, b.bid FROM a JOIN b ON a.v < b.w AND a.g <> b.g`,
  exists: `SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.g = a.g)`,
  not_in: `SELECT id FROM a WHERE v NOT IN (SELECT w FROM b)`,
  in_sub: `SELECT id FROM a WHERE v IN (SELECT w FROM b WHERE w IS NOT NULL)`,
  scalar: `SELECT id FROM a WHERE v > (SELECT avg(w) FROM b)`,
  union_all: `SELECT g FROM a UNION ALL SELECT g FROM b`,
  with_cte: `WITH big AS (SELECT g, v FROM a WHERE v >= 0) SELECT g, count(*) AS n FROM big GROUP BY g`,
  topn: `SELECT id, v FROM a WHERE v IS NOT NULL ORDER BY v DESC, id LIMIT 3`,
  row_number: `SELECT id, g, v FROM (SELECT id, g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST, id) AS rn FROM a) x WHERE rn <= 2`,
  rank: `SELECT id, RANK() OVER (PARTITION BY g ORDER BY v) AS r FROM a`,
  sliding: `SELECT id, sum(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3 FROM a`,
  case_expr: `SELECT CASE WHEN v IS NULL THEN 'none' WHEN v < 0 THEN 'neg' ELSE 'pos' END AS kind, count(*) AS n FROM a GROUP BY 1`,
  strings: `SELECT id, lower(s) AS l, length(s) AS len, s || '!' AS bang FROM a WHERE s LIKE '%a%'`,
};

const GROUPS = ['x', 'y', 'z', null, 'ünï'];
const STRINGS = ['abc', 'ABA', 'ça', '', null, 'zz', '😀a'];

function normalize(v: unknown): unknown {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) v = Number(v);
  if (typeof v === 'number') return Number(v.toPrecision(12));
  return v;
}
const norm = (rows: readonly Record<string, unknown>[]): string[] =>
  bag(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalize(v)]))));

t.test('views created before and after random changes equal their SELECT and DuckDB', async (t) => {
  const duck = await Duck.open();
  for (const seed of [1, 2, 3]) {
    const rand = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const db = await open();
    await db.execute(`CREATE TABLE a (id INT PRIMARY KEY, g VARCHAR, v INT, s TEXT);
      CREATE TABLE b (bid INT PRIMARY KEY, g VARCHAR, w INT)`);
    const feeds = new Map<string, { changes: Change[] }>();
    for (const [name, sql] of Object.entries(VIEWS)) {
      await db.execute(`CREATE MATERIALIZED VIEW early_${name} AS ${sql}`);
      const changes: Change[] = [];
      db.subscribe(`early_${name}`, { onChange: (c) => changes.push(c), snapshot: true });
      feeds.set(name, { changes });
    }
    const value = (): number | null => (rand() < 0.15 ? null : Math.floor(rand() * 21) - 8);
    for (let step = 0; step < 60; step++) {
      const r = rand();
      if (r < 0.45) {
        const rows = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => ({ id: Math.floor(rand() * 25), g: pick(GROUPS), v: value(), s: pick(STRINGS) }));
        // duplicate keys within one call: the last one wins (upsert)
        db.insert('a', rows);
      } else if (r < 0.6) {
        db.insert('b', { bid: Math.floor(rand() * 8), g: pick(GROUPS), w: value() });
      } else if (r < 0.75) {
        // moves rows between groups
        await db.execute(`UPDATE a SET g = $1, v = v + 1 WHERE id % 5 = $2`, [pick(GROUPS), Math.floor(rand() * 5)]);
      } else if (r < 0.9) {
        await db.execute(`DELETE FROM a WHERE id % 7 = $1`, [Math.floor(rand() * 7)]);
      } else if (r < 0.95) {
        await db.execute(`DELETE FROM b WHERE bid = $1`, [Math.floor(rand() * 8)]);
      } else {
        // delete the last rows of a group
        await db.execute(`DELETE FROM a WHERE g = $1`, [pick(GROUPS)]);
      }
    }
    await db.flush();
    const aRows = await db.query('SELECT id, g, v, s FROM a');
    const bRows = await db.query('SELECT bid, g, w FROM b');
    await duck.run('CREATE OR REPLACE TABLE a (id INT, g VARCHAR, v INT, s VARCHAR); CREATE OR REPLACE TABLE b (bid INT, g VARCHAR, w INT)');
    if (aRows.length) await duck.run(`INSERT INTO a VALUES ${aRows.map((r) => `(${[r.id, r.g, r.v, r.s].map(sqlLiteral).join(', ')})`).join(', ')}`);
    if (bRows.length) await duck.run(`INSERT INTO b VALUES ${bRows.map((r) => `(${[r.bid, r.g, r.w].map(sqlLiteral).join(', ')})`).join(', ')}`);
    for (const [name, sql] of Object.entries(VIEWS)) {
      await db.execute(`CREATE MATERIALIZED VIEW late_${name} AS ${sql}`);
      const direct = await db.query(sql);
      const early = await db.query(`SELECT * FROM early_${name}`);
      const late = await db.query(`SELECT * FROM late_${name}`);
      t.same(bag(early), bag(direct), `seed ${seed} ${name}: view created before the data = direct SELECT`);
      t.same(bag(late), bag(direct), `seed ${seed} ${name}: view created after the data = direct SELECT`);
      t.same(bagOf(applyChanges(new Map(), feeds.get(name)!.changes)), bag(direct), `seed ${seed} ${name}: the changelog sums to the view`);
      t.same(norm(direct), norm(await duck.query(sql)), `seed ${seed} ${name}: = DuckDB`);
    }
    await db.close();
  }
});
