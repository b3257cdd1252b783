// allowed_lateness / state_ttl from SET and WITH through the Engine: a changelog windowed
// aggregate drops windows closed past the lateness (and keeps the default "view == SELECT"),
// a regular join of two sources runs as a TTL join when state_ttl is set.

import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { normRows } from './sql-e2e.js';
import { SqlTypeError } from '../../lib/errors.js';

const SOURCE = `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`;
const AGG = `SELECT k, window_start, count(*) AS n, sum(v) AS s FROM TUMBLE(ev, ts, INTERVAL '10' SECOND) GROUP BY k, window_start, window_end`;

t.test('WITH (allowed_lateness): late rows within the lateness update the view, later ones do not', async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  e.execute(`CREATE MATERIALIZED VIEW lax AS ${AGG}`);
  e.execute(`CREATE MATERIALIZED VIEW strict WITH (allowed_lateness = '5 seconds') AS ${AGG}`);
  e.insertRows('ev', [['a', 1, 1000], ['a', 2, 14000]]); // watermark 13 s: [0,10) closed 3 s ago
  e.insertRows('ev', [['a', 10, 2000]]); // within 5 s lateness
  t.same(normRows(e.query('SELECT * FROM strict').rows), normRows([['a', 0, 2, 11], ['a', 10000, 1, 2]]), 'late row inside the lateness counted');
  e.insertRows('ev', [['a', 0, 16000]]); // watermark 15 s: [0,10) dropped at 15 s
  e.insertRows('ev', [['a', 100, 3000]]); // beyond the lateness
  t.same(normRows(e.query('SELECT * FROM strict').rows), normRows([['a', 0, 2, 11], ['a', 10000, 2, 2]]), 'row beyond the lateness ignored');
  t.equal(e.viewLateRows('strict'), 1, 'the dropped row is counted');
  t.equal(e.viewLateRows('lax'), 0, 'nothing is late without a lateness bound');
  t.same(normRows(e.query('SELECT * FROM lax').rows), normRows(e.query(AGG).rows), 'default lateness: view equals the SELECT over all data');
  t.same(normRows(e.query('SELECT * FROM lax').rows), normRows([['a', 0, 3, 111], ['a', 10000, 2, 2]]));
});

t.test('SET allowed_lateness applies to views created afterwards; WITH overrides it', async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  e.execute(`SET allowed_lateness = '0 seconds'`);
  e.execute(`CREATE MATERIALIZED VIEW zero AS ${AGG}`);
  e.execute(`CREATE MATERIALIZED VIEW wide WITH (allowed_lateness = 60000) AS ${AGG}`);
  e.insertRows('ev', [['a', 1, 1000], ['a', 2, 12000]]); // watermark 11 s closes [0,10)
  e.insertRows('ev', [['a', 5, 2000]]);
  t.same(normRows(e.query('SELECT * FROM zero').rows), normRows([['a', 0, 1, 1], ['a', 10000, 1, 2]]), 'lateness 0: a row for a closed window is dropped');
  t.same(normRows(e.query('SELECT * FROM wide').rows), normRows([['a', 0, 2, 6], ['a', 10000, 1, 2]]), 'WITH 60000 ms keeps the window open');
});

t.test('invalid durations are refused with a clear error', async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  t.throws(() => e.execute(`CREATE MATERIALIZED VIEW bad WITH (allowed_lateness = 'soon') AS ${AGG}`), { name: SqlTypeError.name, message: /allowed_lateness must be an interval/ });
  t.throws(() => e.execute(`CREATE MATERIALIZED VIEW bad WITH (state_ttl = -5) AS ${AGG}`), { message: /state_ttl/ });
  t.equal(e.relation('bad'), undefined, 'no view was created');
});

t.test('state_ttl routes a join of two sources to the TTL join; its state stays bounded', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE l (k INT, a INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  e.execute(`CREATE SOURCE r (k INT, b INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  e.execute(`CREATE MATERIALIZED VIEW plain AS SELECT l.k, a, b FROM l JOIN r ON l.k = r.k`);
  e.execute(`CREATE MATERIALIZED VIEW ttl WITH (state_ttl = '10 seconds') AS SELECT l.k, a, b FROM l JOIN r ON l.k = r.k`);
  e.insertRows('l', [[1, 10, 1000]]);
  e.insertRows('r', [[1, 20, 2000]]);
  t.same(normRows(e.query('SELECT * FROM ttl').rows), normRows([[1, 10, 20]]), 'rows within the TTL join');
  e.insertRows('l', [[2, 0, 30000]]);
  e.insertRows('r', [[2, 0, 30000]]);
  e.insertRows('r', [[1, 21, 31000]]); // l's key-1 row (1 s) is 30 s behind: forgotten by the TTL join
  t.same(normRows(e.query('SELECT * FROM ttl').rows), normRows([[1, 10, 20], [2, 0, 0]]), 'expired left row no longer matches');
  t.same(normRows(e.query('SELECT * FROM plain').rows), normRows([[1, 10, 20], [1, 10, 21], [2, 0, 0]]), 'without state_ttl the join keeps everything');
  // long run: keys never repeat, watermark moves; the TTL join's state stays flat
  const samples: number[] = [];
  for (let round = 0; round < 50; round++) {
    const rows = Array.from({ length: 200 }, (_, i) => [100 + round * 200 + i, i, 40000 + round * 1000 + i]);
    e.insertRows('l', rows);
    e.insertRows('r', rows);
    samples.push(e.viewStateSize('ttl'));
  }
  t.ok(Math.max(...samples.slice(25)) <= Math.max(...samples.slice(10, 25)) * 1.1, `TTL join state flat: ${samples.slice(-3).join(',')}`);
  t.ok(e.viewStateSize('plain') > 15000, 'the plain join holds every row');
});

t.test('an idle source stops holding back a TTL join; its next row makes it active again', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE l (k INT, a INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  e.execute(`CREATE SOURCE r (k INT, b INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  e.execute(`CREATE MATERIALIZED VIEW j WITH (state_ttl = '10 seconds') AS SELECT l.k, a, b FROM l JOIN r ON l.k = r.k`);
  e.insertRows('r', [[1, 20, 1000]]);
  e.insertRows('l', [[1, 10, 1000]]);
  e.insertRows('l', [[2, 11, 60000]]);
  t.equal(e.viewStateSize('j'), 3, 'r is at 1 s: the combined watermark holds every row');
  e.setSourceIdle('r');
  t.equal(e.viewStateSize('j'), 1, 'r idle: time follows l (60 s) and the 1 s rows expire');
  t.same(normRows(e.query('SELECT * FROM j').rows), normRows([[1, 10, 20]]), 'emitted results stay');
  e.insertRows('r', [[2, 21, 61000]]);
  t.same(normRows(e.query('SELECT * FROM j').rows), normRows([[1, 10, 20], [2, 11, 21]]), 'r active again with its next row');
  t.throws(() => e.setSourceIdle('j'), { code: 'WRONG_OBJECT_KIND' }, 'only sources can be idle');
  t.throws(() => e.setSourceIdle('nope'), /nope/);
});
