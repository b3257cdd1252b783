// Idle sources (lib/engine/idle-sources.ts): two sources unioned or joined, one goes idle —
// explicitly (setSourceIdle / db.source().markIdle()) or by CREATE SOURCE … WITH (idle_timeout)
// — and the windows over the combination still close; its next rows make it active again.

import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { open } from '../../lib/index.js';
import { normRows } from './sql-e2e.js';

const S = 1000;
const sources = (e: Engine, bOptions = '') => {
  e.execute(`CREATE SOURCE a (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  e.execute(`CREATE SOURCE b (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)${bOptions}`);
};
const windowsOf = (rel: string) =>
  `SELECT window_start, count(*) AS n FROM TUMBLE(${rel}, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end EMIT ON WINDOW CLOSE`;
const rows = (e: Engine, view: string) => normRows(e.query(`SELECT * FROM ${view}`).rows);

t.test('UNION ALL: an idle source stops holding the windows back; its rows make it active again', async (t) => {
  const e = new Engine();
  sources(e);
  e.execute(`CREATE VIEW u AS SELECT k, ts FROM a UNION ALL SELECT k, ts FROM b`);
  e.execute(`CREATE MATERIALIZED VIEW w AS ${windowsOf('u')}`);
  e.insertRows('b', [[1, 1 * S]]);
  e.insertRows('a', [[1, 2 * S], [2, 12 * S], [3, 25 * S]]);
  t.same(rows(e, 'w'), [], 'b (at 1 s) holds the union back: nothing closed');
  e.setSourceIdle('b');
  t.same(rows(e, 'w'), normRows([[0, 2], [10 * S, 1]]), 'b idle: time follows a (25 s), [0,10) and [10,20) close');
  e.insertRows('b', [[2, 26 * S]]);
  e.insertRows('a', [[4, 45 * S]]);
  t.same(rows(e, 'w'), normRows([[0, 2], [10 * S, 1]]), 'b active again at 26 s: it holds [20,30) open although a is at 45 s');
  e.insertRows('b', [[3, 41 * S]]);
  t.same(rows(e, 'w'), normRows([[0, 2], [10 * S, 1], [20 * S, 2]]), 'b at 41 s: [20,30) closes with both sources’ rows');
  t.equal(e.viewLateRows('w'), 0);
});

t.test('interval join: an idle right source lets windows over the join output close', async (t) => {
  const e = new Engine();
  sources(e);
  e.execute(`CREATE VIEW j AS SELECT a.k, a.ts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '1' SECOND AND a.ts + INTERVAL '1' SECOND`);
  e.execute(`CREATE MATERIALIZED VIEW w AS ${windowsOf('j')}`);
  e.insertRows('b', [[1, 3 * S]]);
  e.insertRows('a', [[1, 3 * S], [2, 30 * S]]);
  t.same(rows(e, 'w'), [], 'the join waits for b (at 3 s)');
  e.setSourceIdle('b');
  t.same(rows(e, 'w'), normRows([[0, 1]]), 'b idle: [0,10) closes with the matched row');
  e.setSourceIdle('b', false);
  e.insertRows('a', [[3, 50 * S]]);
  t.same(rows(e, 'w'), normRows([[0, 1]]), 'marked active: b holds time again');
});

t.test('ASOF join: an idle right source no longer holds pending left rows back', async (t) => {
  const e = new Engine();
  sources(e);
  e.execute(`CREATE VIEW q AS SELECT a.k, a.ts FROM a ASOF LEFT JOIN b ON a.k = b.k AND b.ts <= a.ts`);
  e.execute(`CREATE MATERIALIZED VIEW w AS ${windowsOf('q')}`);
  e.insertRows('b', [[1, 1 * S]]);
  e.insertRows('a', [[1, 5 * S], [2, 25 * S]]);
  t.same(rows(e, 'w'), [], 'a row at 5 s may still get a later b match: held');
  e.setSourceIdle('b');
  t.same(rows(e, 'w'), normRows([[0, 1]]), 'b idle: [0,10) closes');
});

t.test('idle_timeout: a source without rows for that long goes idle when another source gets rows', async (t) => {
  const e = new Engine();
  sources(e, ` WITH (idle_timeout = '40 milliseconds')`);
  e.execute(`CREATE VIEW u AS SELECT k, ts FROM a UNION ALL SELECT k, ts FROM b`);
  e.execute(`CREATE MATERIALIZED VIEW w AS ${windowsOf('u')}`);
  e.insertRows('b', [[1, 1 * S]]);
  e.insertRows('a', [[1, 15 * S]]);
  t.same(rows(e, 'w'), [], 'b was active moments ago: it holds time');
  await new Promise((r) => setTimeout(r, 60));
  e.insertRows('a', [[2, 16 * S]]);
  t.same(rows(e, 'w'), normRows([[0, 1]]), 'after 60 ms without rows b is idle: [0,10) closes');
  e.insertRows('b', [[3, 17 * S]]);
  e.insertRows('a', [[4, 35 * S]]);
  t.same(rows(e, 'w'), normRows([[0, 1]]), 'b is active again with its row at 17 s: [10,20) waits for it');
  e.insertRows('b', [[5, 21 * S]]);
  t.same(rows(e, 'w'), normRows([[0, 1], [10 * S, 3]]), 'b at 21 s: [10,20) closes with a’s two rows and b’s');
  e.execute('DROP MATERIALIZED VIEW w');
  e.execute('DROP VIEW u');
  e.execute('DROP SOURCE b');
  e.insertRows('a', [[5, 50 * S]]);
  t.pass('a dropped source with a timeout is forgotten');
});

t.test('idle_timeout is validated; markIdle through the public API', async (t) => {
  const e = new Engine();
  t.throws(() => e.execute(`CREATE SOURCE x (ts TIMESTAMP) WITH (idle_timeout = '1 second')`), { code: 'INVALID_ARGUMENT', message: /idle_timeout needs a source with a WATERMARK/ });
  t.throws(() => e.execute(`CREATE SOURCE y (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (idle_timeout = 'soon')`), { code: 'INVALID_ARGUMENT', message: /idle_timeout must be an interval/ });
  t.throws(() => e.execute(`CREATE SOURCE z (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (idle_timeout = -5)`), { code: 'INVALID_ARGUMENT', message: /non-negative/ });
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE a (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts);
    CREATE SOURCE b (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (idle_timeout = '1 hour');
    CREATE VIEW u AS SELECT k, ts FROM a UNION ALL SELECT k, ts FROM b;
    CREATE MATERIALIZED VIEW w AS ${windowsOf('u')}`);
  db.insert('b', { k: 1, ts: new Date(1 * S) });
  db.insert('a', { k: 2, ts: new Date(12 * S) });
  db.source('b').markIdle();
  await db.flush();
  t.same((await db.query('SELECT n FROM w')).map((r) => r.n), [1], 'markIdle closes [0,10) before the hour is up');
});

t.test('a view created while a source is idle does not wait for it either', async (t) => {
  const e = new Engine();
  sources(e);
  e.execute(`CREATE VIEW u AS SELECT k, ts FROM a UNION ALL SELECT k, ts FROM b`);
  e.insertRows('b', [[1, 1 * S]]);
  e.setSourceIdle('b');
  e.execute(`CREATE MATERIALIZED VIEW w AS ${windowsOf('u')}`);
  e.insertRows('a', [[2, 5 * S], [3, 15 * S]]);
  t.same(rows(e, 'w'), normRows([[0, 2]]), 'b idle before the view existed: [0,10) closes on a’s time');
  e.insertRows('b', [[4, 16 * S]]);
  e.insertRows('a', [[5, 40 * S]]);
  t.same(rows(e, 'w'), normRows([[0, 2]]), 'b active again: [10,20) waits for it');
});
