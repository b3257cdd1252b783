// Event-time control through the public API (open()): WITH (allowed_lateness / state_ttl) on
// views, late-row counts and operator state in db.viewMetrics(), idle sources via
// db.source(…).markIdle(), and the ROW_NUMBER dedup route.

import t from 'tap';
import { open } from '../../lib/index.js';
import { CatalogError } from '../../lib/errors.js';

const at = (s: number) => new Date(s * 1000);

t.test('allowed_lateness: late rows are counted in viewMetrics and never change a dropped window', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND);
    CREATE MATERIALIZED VIEW w WITH (allowed_lateness = '2 seconds') AS
      SELECT window_start, count(*) AS n, sum(v) AS s FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end`);
  const ev = db.source<{ k: string; v: number; ts: Date | null }>('ev');
  ev.insertMany([{ k: 'a', v: 1, ts: at(1) }, { k: 'a', v: 2, ts: at(12) }]); // watermark 11 s
  ev.insert({ k: 'a', v: 4, ts: at(2) }); // 1 s past the window's end: within the lateness
  ev.insert({ k: 'a', v: 8, ts: at(14) }); // watermark 13 s: [0,10) is dropped at 12 s
  ev.insert({ k: 'a', v: 100, ts: at(3) }); // too late
  await db.flush();
  const rows = (await db.query('SELECT * FROM w ORDER BY window_start')).map((r) => [(r.window_start as Date).getTime(), r.n, r.s]);
  t.same(rows, [[0, 2, 5], [10000, 2, 10]]);
  const m = db.viewMetrics('w');
  t.equal(m.lateRows, 1, 'one row dropped as late');
  t.ok(m.stateEntries >= 1 && m.stateEntries <= 2, `only the open window is held (${m.stateEntries})`);
  t.throws(() => db.viewMetrics('ev'), CatalogError, 'a source has no view metrics');
  t.throws(() => db.viewMetrics('nope'), CatalogError);
});

t.test('markIdle lets the other source of a TTL join move time on', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE l (k INT, a INT, ts TIMESTAMP, WATERMARK FOR ts AS ts);
    CREATE SOURCE r (k INT, b INT, ts TIMESTAMP, WATERMARK FOR ts AS ts);
    CREATE MATERIALIZED VIEW j WITH (state_ttl = '10 seconds') AS SELECT l.k, a, b FROM l JOIN r ON l.k = r.k`);
  db.insert('r', { k: 1, b: 20, ts: at(1) });
  db.insert('l', [{ k: 1, a: 10, ts: at(1) }, { k: 2, a: 11, ts: at(60) }]);
  t.equal(db.viewMetrics('j').stateEntries, 3, 'r holds the combined watermark at 1 s');
  db.source('r').markIdle();
  t.equal(db.viewMetrics('j').stateEntries, 1, 'r idle: rows older than 60 s - 10 s expired');
  db.insert('r', { k: 2, b: 21, ts: at(61) });
  await db.flush();
  t.same((await db.query('SELECT k, a, b FROM j ORDER BY k')).map((r) => [r.k, r.a, r.b]), [[1, 10, 20], [2, 11, 21]], 'r active again with its next row');
  t.throws(() => db.source('j'), CatalogError, 'a view is not a source');
});

t.test('ROW_NUMBER() = 1 by event time: earliest row per key', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND);
    SET state_ttl = '1 minute';
    CREATE MATERIALIZED VIEW d AS SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM s) WHERE rn = 1`);
  db.insert('s', [{ k: 1, v: 1, ts: at(3) }, { k: 1, v: 2, ts: at(2) }, { k: 2, v: 3, ts: at(9) }, { k: 1, v: 4, ts: null }]);
  await db.flush();
  t.same((await db.query('SELECT * FROM d ORDER BY k')).map((r) => [r.k, r.v]), [[1, 2], [2, 3]]);
});

t.test('onLateRows: the late-row side output delivers dropped rows; close() stops it', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts);
    CREATE MATERIALIZED VIEW w AS SELECT k, window_start, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '10' SECOND)
      GROUP BY k, window_start, window_end EMIT ON WINDOW CLOSE`);
  const late: Record<string, unknown>[] = [];
  const handle = db.onLateRows('w', (rows) => late.push(...rows));
  db.insert('ev', [{ k: 'a', v: 1, ts: at(1) }, { k: 'a', v: 2, ts: at(15) }]); // closes [0,10)
  db.insert('ev', [{ k: 'b', v: 3, ts: at(4) }, { k: 'a', v: 4, ts: at(16) }]); // b is late
  await new Promise((r) => setImmediate(r));
  t.equal(late.length, 1, 'one late row delivered');
  t.match(late[0], { k: 'b', v: 3, ts: at(4), window_start: at(0), window_end: at(10) }, 'with the source columns and its window');
  t.equal(db.viewMetrics('w').lateRows, 1);
  handle.close();
  db.insert('ev', { k: 'c', v: 5, ts: at(2) });
  await new Promise((r) => setImmediate(r));
  t.equal(late.length, 1, 'nothing after close()');
  t.equal(db.viewMetrics('w').lateRows, 2, 'still counted');
  t.same((await db.query('SELECT k, n FROM w')).map((r) => [r.k, r.n]), [['a', 1]], 'late rows never change an emitted window');
  t.throws(() => db.onLateRows('nope', () => undefined), CatalogError);
});
