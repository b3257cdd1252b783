// Views whose plan cannot be partitioned run on shard 0 with all their input there, and still
// give the single-threaded results; placements that would need rows to move are refused.
import t from 'tap';
import { UnsupportedError } from '../../lib/errors.js';
import { canonical, openSharded, openSingle } from './helpers.js';

const rows = Array.from({ length: 300 }, (_, i) => ({ k: i % 17, c: i % 5, v: (i * 37) % 101 }));

t.test('fallback and partitioning decisions', async (t) => {
  const { db, engine } = await openSharded(2);
  const single = await openSingle();
  t.teardown(async () => {
    await db.close();
    await single.close();
  });

  const cases: { name: string; ddl: string[]; partitioned: Record<string, boolean> }[] = [
    {
      name: 'global aggregate',
      ddl: ['CREATE TABLE g (k INT, c INT, v INT)', 'CREATE MATERIALIZED VIEW g_total AS SELECT count(*) AS n, sum(v) AS s FROM g'],
      partitioned: { g: false, g_total: false },
    },
    {
      name: 'key computed by an expression',
      ddl: ['CREATE TABLE e (k INT, c INT, v INT)', 'CREATE MATERIALIZED VIEW e_mod AS SELECT k % 3 AS m, count(*) AS n FROM e GROUP BY k % 3'],
      partitioned: { e: false, e_mod: false },
    },
    {
      name: 'two consumers keyed by different columns',
      ddl: [
        'CREATE TABLE d (k INT, c INT, v INT)',
        'CREATE MATERIALIZED VIEW d_by_k AS SELECT k, sum(v) AS s FROM d GROUP BY k',
        'CREATE MATERIALIZED VIEW d_by_c AS SELECT c, sum(v) AS s FROM d GROUP BY c',
      ],
      partitioned: { d: false, d_by_k: false, d_by_c: false },
    },
    {
      name: 'top-N without partition',
      ddl: ['CREATE TABLE o (k INT, c INT, v INT)', 'CREATE MATERIALIZED VIEW o_top AS SELECT k, v FROM o ORDER BY v DESC, k LIMIT 3'],
      partitioned: { o: false, o_top: false },
    },
    {
      name: 'consumers agreeing on a key, a stateless filter, and a view over a view by the same key',
      ddl: [
        'CREATE TABLE p (k INT, c INT, v INT)',
        'CREATE MATERIALIZED VIEW p_by_k AS SELECT k, count(*) AS n, sum(v) AS s FROM p GROUP BY k',
        'CREATE MATERIALIZED VIEW p_big AS SELECT k, v FROM p WHERE v > 50',
        'CREATE MATERIALIZED VIEW p_rollup AS SELECT k, max(s) AS m FROM p_by_k GROUP BY k',
      ],
      partitioned: { p: true, p_by_k: true, p_big: true, p_rollup: true },
    },
    {
      name: 'top-N per key, a left join and DISTINCT on the key',
      ddl: [
        'CREATE TABLE n (k INT, c INT, v INT)',
        'CREATE TABLE dim (k INT, label VARCHAR)',
        'CREATE MATERIALIZED VIEW n_top2 AS SELECT k, v, rn FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, c) AS rn FROM n) WHERE rn <= 2',
        'CREATE MATERIALIZED VIEW n_labeled AS SELECT n.k, n.v, dim.label FROM n LEFT JOIN dim ON n.k = dim.k',
        'CREATE MATERIALIZED VIEW n_keys AS SELECT DISTINCT k FROM n',
      ],
      partitioned: { n: true, dim: true, n_top2: true, n_labeled: true, n_keys: true },
    },
    {
      name: 'a keyed view over a non-key column of an upstream view',
      ddl: [
        'CREATE TABLE u (k INT, c INT, v INT)',
        'CREATE MATERIALIZED VIEW u_by_k AS SELECT k, count(*) AS n FROM u GROUP BY k',
        'CREATE MATERIALIZED VIEW u_hist AS SELECT n, count(*) AS keys FROM u_by_k GROUP BY n',
      ],
      partitioned: { u: false, u_by_k: false, u_hist: false },
    },
  ];
  for (const c of cases) {
    for (const sql of c.ddl) {
      await db.execute(sql);
      await single.execute(sql);
    }
    const table = c.ddl[0]!.split(' ')[2]!;
    db.insert(table, rows);
    single.insert(table, rows);
    if (c.ddl.some((d) => d.startsWith('CREATE TABLE dim'))) {
      // labels for some keys only: unmatched rows keep NULL labels
      const labels = Array.from({ length: 9 }, (_, i) => ({ k: i * 2, label: `L${i}` }));
      db.insert('dim', labels);
      single.insert('dim', labels);
    }
    await db.flush();
    await single.flush();
    for (const [name, partitioned] of Object.entries(c.partitioned)) {
      t.equal(engine.isPartitioned(name), partitioned, `${c.name}: ${name} ${partitioned ? 'is partitioned' : 'runs on shard 0'}`);
      t.strictSame(canonical(await db.query(`SELECT * FROM ${name}`)), canonical(await single.query(`SELECT * FROM ${name}`)), `${c.name}: ${name} equals the single engine`);
    }
    if (!c.partitioned[table]) t.equal(engine.contentsByShard(table)[1]!.length, 0, `${c.name}: every row of ${table} is on shard 0`);
  }
  t.ok(engine.contentsByShard('p').every((part) => part.length > 0), 'a partitioned table is split across both shards');

  // a join with SELECT-level ORDER BY / LIMIT and aggregates over partitioned views merges correctly
  const q = 'SELECT p_by_k.k, p_by_k.n, p_rollup.m FROM p_by_k JOIN p_rollup ON p_by_k.k = p_rollup.k ORDER BY p_by_k.n DESC, p_by_k.k LIMIT 4';
  t.strictSame(await db.query(q), await single.query(q), 'a one-shot join + ORDER BY + LIMIT over partitioned views');
});

t.test('placements that would move rows are refused, clearly', async (t) => {
  const { db, engine } = await openSharded(2);
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE s (k INT, c INT, v INT)');
  await db.execute('CREATE MATERIALIZED VIEW s_by_k AS SELECT k, count(*) AS n FROM s GROUP BY k');
  db.insert('s', rows);
  await db.flush();
  await t.rejects(db.execute('CREATE MATERIALIZED VIEW s_by_c AS SELECT c, count(*) AS n FROM s GROUP BY c'), UnsupportedError, 'a view keyed differently after rows arrived');
  await t.rejects(db.execute('CREATE MATERIALIZED VIEW s_by_c AS SELECT c, count(*) AS n FROM s GROUP BY c'), /"s" already holds rows partitioned by "k"/);
  t.equal(engine.relation('s_by_c'), undefined, 'the refused view does not exist');
  await t.rejects(db.execute('INSERT INTO s VALUES (1, 2, 3)'), /SQL INSERT cannot touch "s": its rows are partitioned/);
  // a view keyed the same way is still accepted, and sees the earlier rows
  await db.execute('CREATE MATERIALIZED VIEW s_sum AS SELECT k, sum(v) AS total FROM s GROUP BY k');
  t.ok(engine.isPartitioned('s_sum'));
  const [row] = await db.query<{ total: number }>('SELECT sum(total) AS total FROM s_sum');
  t.equal(row!.total, rows.reduce((a, r) => a + r.v, 0));

  // SQL DML pins a relation with no rows yet to shard 0; its views follow it there
  await db.execute('CREATE TABLE w (k INT, v INT)');
  await db.execute('CREATE MATERIALIZED VIEW w_by_k AS SELECT k, sum(v) AS s FROM w GROUP BY k');
  t.ok(engine.isPartitioned('w_by_k'));
  await db.execute('INSERT INTO w VALUES (1, 10), (2, 20), (1, 5)');
  t.notOk(engine.isPartitioned('w_by_k'), 'the view moved to shard 0 with its input');
  db.insert('w', [{ k: 2, v: 1 }]);
  await db.execute("UPDATE w SET v = v + 100 WHERE k = 1");
  t.strictSame(await db.query('SELECT * FROM w_by_k ORDER BY k'), [{ k: 1, s: 215 }, { k: 2, s: 21 }]);
});

t.test('statements refused with threads > 1', async (t) => {
  const { db } = await openSharded(2);
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE x (a INT)');
  await t.rejects(db.execute("CREATE SINK out FROM x WITH (connector = 'file', path = '/tmp/never.jsonl', format = 'jsonl')"), UnsupportedError);
  t.throws(() => db.registerFunction('twice', (x: number) => x * 2, { args: ['int'], returns: 'int' }), /JavaScript functions cannot be shared/);
  await t.rejects(db.execute('INSERT INTO x VALUES (?); INSERT INTO x VALUES (?)', [1, 2]), /must be the only statement/);
  await t.rejects(db.execute('CREATE TABLE y AS SELECT a FROM x'), /CREATE TABLE … AS SELECT is not supported with threads > 1/);
});

t.test('a subscription follows its view from shard 0 to both shards', async (t) => {
  const { db, engine } = await openSharded(2);
  t.teardown(() => db.close());
  await db.execute('CREATE TABLE f (k INT, c INT)');
  await db.execute('CREATE MATERIALIZED VIEW f_by_k AS SELECT k, count(*) AS n FROM f GROUP BY k');
  await db.execute('CREATE MATERIALIZED VIEW f_by_c AS SELECT c, count(*) AS n FROM f GROUP BY c');
  t.notOk(engine.isPartitioned('f_by_k'), 'two keys: single while both views exist');
  const got = new Map<number, number>();
  db.subscribe<{ k: number; n: number }>('f_by_k', { onChange: (c) => (c.op === 'delete' ? got.delete(c.row.k) : got.set(c.row.k, c.row.n)) });
  await db.execute('DROP MATERIALIZED VIEW f_by_c');
  t.ok(engine.isPartitioned('f_by_k'), 'partitioned once the other key is gone (no rows yet)');
  db.insert('f', Array.from({ length: 60 }, (_, i) => ({ k: i % 12, c: 0 })));
  await db.flush();
  t.equal(got.size, 12, 'changes from both shards reach the subscription');
  t.ok([...got.values()].every((n) => n === 5));
});
