// The datagen connector through the public API: what its options say is exactly what arrives.
import t from 'tap';
import { open, type Database } from '../../lib/index.js';

async function finished(db: Database, source: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = db.connectors().find((c) => c.source === source);
    if (s === undefined) throw new Error(`no connector on ${source}`);
    if (s.state !== 'running' && s.state !== 'paused') return;
    if (Date.now() > until) throw new Error(`${source} still ${s.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('bounded sequence, random ranges, string lengths and timestamps are exactly as declared', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (id BIGINT, v INT, score DOUBLE, name VARCHAR, flag BOOLEAN, ts TIMESTAMP)
    WITH (connector = 'datagen', number_of_rows = 2500, batch_size = 1000, seed = 7,
          fields.id.kind = 'sequence', fields.id.start = 10, fields.id.step = 2,
          fields.v.min = -3, fields.v.max = 3, fields.score.min = 1.5, fields.score.max = 2.5,
          fields.name.length = 6, fields.ts.start = '2024-01-01 00:00:00', fields.ts.step = '250 milliseconds')`);
  await finished(db, 's');
  const [agg] = await db.query<Record<string, unknown>>(`SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi,
      min(v) AS vmin, max(v) AS vmax, count(DISTINCT v) AS vs, min(score) AS smin, max(score) AS smax,
      min(length(name)) AS lmin, max(length(name)) AS lmax, count(DISTINCT name) AS names,
      sum(CASE WHEN flag THEN 1 ELSE 0 END) AS trues, min(ts) AS t0, max(ts) AS t1 FROM s`);
  t.same(
    { n: agg!.n, ids: agg!.ids, lo: agg!.lo, hi: agg!.hi, vmin: agg!.vmin, vmax: agg!.vmax, vs: agg!.vs, lmin: agg!.lmin, lmax: agg!.lmax },
    { n: 2500, ids: 2500, lo: 10, hi: 10 + 2 * 2499, vmin: -3, vmax: 3, vs: 7, lmin: 6, lmax: 6 },
  );
  t.ok((agg!.smin as number) >= 1.5 && (agg!.smax as number) < 2.5, `scores in [1.5, 2.5): ${agg!.smin} .. ${agg!.smax}`);
  t.ok((agg!.names as number) > 2490, 'random names are (almost all) distinct');
  t.ok((agg!.trues as number) > 1000 && (agg!.trues as number) < 1500, `booleans are mixed: ${agg!.trues} true of 2500`);
  t.same(agg!.t0, new Date('2024-01-01T00:00:00Z'));
  t.same(agg!.t1, new Date(Date.UTC(2024, 0, 1) + 2499 * 250));
  const [status] = db.connectors();
  t.match(status, { source: 's', connector: 'datagen', state: 'finished', rows: 2500, position: 2500, limit: 2500, batches: 3, error: undefined });
});

t.test('the same seed gives the same rows; another seed other rows', async (t) => {
  const rowsOf = async (seed: number) => {
    const db = await open();
    await db.execute(`CREATE SOURCE s (v INT, name VARCHAR, x DOUBLE) WITH (connector = 'datagen', number_of_rows = 300, batch_size = 7, seed = ${seed})`);
    await finished(db, 's');
    const rows = await db.query('SELECT * FROM s');
    await db.close();
    return rows;
  };
  const a = await rowsOf(1);
  t.equal(a.length, 300);
  t.same(await rowsOf(1), a, 'reproducible (and independent of batch boundaries inside one run)');
  t.notSame(await rowsOf(2), a);
});

t.test('a sequence end bounds the source; number_of_rows bounds it below that', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE a (id INT) WITH (connector = 'datagen', fields.id.kind = 'sequence', fields.id.start = 5, fields.id.end = 104);
    CREATE SOURCE b (id INT) WITH (connector = 'datagen', number_of_rows = 10, fields.id.kind = 'sequence', fields.id.end = 1000);
    CREATE SOURCE c (s VARCHAR, d DECIMAL(10, 2)) WITH (connector = 'datagen', fields.s.kind = 'sequence', fields.s.start = 1, fields.s.end = 3,
      fields.d.min = 1, fields.d.max = 2)`);
  await Promise.all(['a', 'b', 'c'].map((s) => finished(db, s)));
  t.same(await db.query('SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM a'), [{ n: 100, lo: 5, hi: 104 }]);
  t.same(await db.query('SELECT count(*) AS n, max(id) AS hi FROM b'), [{ n: 10, hi: 10 }]);
  const c = await db.query<{ s: string; d: string }>('SELECT s, d FROM c ORDER BY s');
  t.same(c.map((r) => r.s), ['1', '2', '3']);
  for (const r of c) t.ok(Number(r.d) >= 1 && Number(r.d) <= 2 && /^\d\.\d\d$/.test(String(r.d)), `decimal with two places in [1, 2]: ${r.d}`);
});

t.test('null_rate makes NULLs in nullable columns', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (v INT, w INT NOT NULL) WITH (connector = 'datagen', number_of_rows = 4000, fields.v.null_rate = 0.25)`);
  await finished(db, 's');
  const [r] = await db.query<{ nulls: number; wnulls: number }>('SELECT count(*) - count(v) AS nulls, count(*) - count(w) AS wnulls FROM s');
  t.ok(r!.nulls > 800 && r!.nulls < 1200, `about a quarter NULL: ${r!.nulls} of 4000`);
  t.equal(r!.wnulls, 0);
});

t.test('rows_per_second is honoured (roughly) and the event loop stays free', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const start = performance.now();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  await db.execute(`CREATE SOURCE s (id BIGINT) WITH (connector = 'datagen', rows_per_second = 400, number_of_rows = 200)`);
  await finished(db, 's');
  clearInterval(timer);
  const seconds = (performance.now() - start) / 1000;
  t.ok(seconds >= 0.4 && seconds < 3, `200 rows at 400/s took ${seconds.toFixed(2)} s (expected ≈ 0.5)`);
  t.ok(ticks >= 20, `a 10 ms interval kept firing while it produced (${ticks} ticks)`);
  t.equal(db.connectors()[0]!.rows, 200);
  // a rate-limited unbounded source: about rate × time rows
  await db.execute(`CREATE SOURCE u (id BIGINT) WITH (connector = 'datagen', rows_per_second = 1000)`);
  await new Promise((r) => setTimeout(r, 500));
  const rows = db.connectors().find((c) => c.source === 'u')!.rows;
  t.ok(rows >= 250 && rows <= 800, `≈ 500 rows after 0.5 s at 1000/s, got ${rows}`);
});

t.test('watermarks advance as rows arrive: EOWC windows close while the source runs, the rest when it ends', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (id BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
      WITH (connector = 'datagen', rows_per_second = 2000, number_of_rows = 1200, fields.id.kind = 'sequence',
            fields.ts.start = '2024-01-01 00:00:00', fields.ts.step = '10 milliseconds');
    CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n FROM TUMBLE(s, ts, INTERVAL '2' SECOND)
      GROUP BY window_start, window_end EMIT ON WINDOW CLOSE`);
  const seen: number[] = [];
  db.subscribe<{ n: number }>('w', { onChange: (c) => seen.push(c.row.n) });
  // rows 0..1199 cover 12 s of event time: windows [0,2) … [10,12); the first closes at ts 3 s (row 300)
  for (let i = 0; i < 400 && !(seen.length > 0 && db.connectors()[0]!.state === 'running'); i++) await new Promise((r) => setTimeout(r, 5));
  t.equal(db.connectors()[0]!.state, 'running', 'a window closed before the source finished');
  t.ok(seen.length > 0);
  await finished(db, 's');
  t.same(await db.query('SELECT count(*) AS windows, sum(n) AS rows FROM w'), [{ windows: 6, rows: 1200 }], 'every window closed at the end');
});

t.test('a sequence running past its type fails the source: onConnectorError, status and the rows before it', async (t) => {
  const errors: { error: Error; source: string }[] = [];
  const db = await open({ onConnectorError: (error, source) => errors.push({ error, source }) });
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (id SMALLINT) WITH (connector = 'datagen', batch_size = 4, fields.id.kind = 'sequence', fields.id.start = 32760)`);
  await finished(db, 's');
  const [status] = db.connectors();
  t.equal(status!.state, 'failed');
  t.equal(status!.rows, 8, 'the two whole batches before the overflow were inserted');
  t.match(status!.error, { code: 'CONNECTOR_FAILED', message: /source "s".*reached 32771, outside the range of SMALLINT/ });
  t.equal(errors.length, 1);
  t.equal(errors[0]!.source, 's');
  t.equal((errors[0]!.error as { code?: string }).code, 'CONNECTOR_FAILED');
  t.same(await db.query('SELECT max(id) AS hi FROM s'), [{ hi: 32767 }]);
});

t.test('without onConnectorError a failure is a process warning', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
  await db.execute(`CREATE SOURCE s (id SMALLINT) WITH (connector = 'datagen', fields.id.kind = 'sequence', fields.id.start = 32000)`);
  const warning = await warned;
  t.match(warning.message, /the connector of source "s" stopped: .*outside the range of SMALLINT/);
});
