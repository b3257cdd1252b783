// ROW_NUMBER() … = 1 over an append-only source, ordered by its event time, runs as per-key
// dedup (earliest / latest row by event time, NULL times ranked as ORDER BY ranks them), with
// state_ttl bounding its state; other Top-N shapes stay on the relational Top-N.

import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { normRows } from './sql-e2e.js';

const SOURCE = `CREATE SOURCE s (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`;
const rn1 = (dir: string, extra = '') => `SELECT k, v FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts ${dir}) AS rn FROM s) WHERE rn = 1${extra}`;

t.test('earliest / latest row per key by event time, out-of-order arrival, NULL times', async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  e.execute(`CREATE MATERIALIZED VIEW first_row AS ${rn1('ASC')}`);
  e.execute(`CREATE MATERIALIZED VIEW last_row AS ${rn1('DESC')}`);
  e.execute(`CREATE MATERIALIZED VIEW last_nulls_last AS ${rn1('DESC NULLS LAST')}`);
  e.execute(`CREATE MATERIALIZED VIEW with_rn AS SELECT * FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM s) WHERE rn = 1`);
  e.insertRows('s', [[1, 10, 5000], [2, 20, 5000]]);
  e.insertRows('s', [[1, 11, 4500], [1, 12, 9000], [2, 21, 4000]]); // earlier rows arrive later
  e.insertRows('s', [[1, 13, null]]);
  t.same(normRows(e.query('SELECT * FROM first_row').rows), normRows([[1, 11], [2, 21]]), 'ASC: the earliest event wins even when it arrives later');
  t.same(normRows(e.query('SELECT * FROM last_row').rows), normRows([[1, 13], [2, 20]]), 'DESC: NULLs first (PostgreSQL default), so the NULL-time row ranks first');
  t.same(normRows(e.query('SELECT * FROM last_nulls_last').rows), normRows([[1, 12], [2, 20]]), 'DESC NULLS LAST: the latest timed row');
  t.same(normRows(e.query('SELECT * FROM with_rn').rows), normRows([[1, 11, 1], [2, 21, 1]]), 'the row number column is 1');
});

t.test('other shapes keep the relational Top-N and give the same answers as before', async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  e.execute(`CREATE MATERIALIZED VIEW by_v AS SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM s) WHERE rn = 1`);
  e.execute(`CREATE MATERIALIZED VIEW top2 AS SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM s) WHERE rn <= 2`);
  e.insertRows('s', [[1, 5, 1000], [1, 7, 3000], [1, 6, 2000]]);
  t.same(normRows(e.query('SELECT * FROM by_v').rows), normRows([[1, 7]]));
  t.same(normRows(e.query('SELECT * FROM top2').rows), normRows([[1, 5], [1, 6]]));
});

t.test('state_ttl bounds dedup state over 1 M events; without it, one row per key is held', async (t) => {
  const e = new Engine();
  e.execute(SOURCE);
  e.execute(`CREATE MATERIALIZED VIEW d WITH (state_ttl = '2 seconds') AS ${rn1('ASC')}`);
  const EVENTS = 1_000_000;
  const BATCH = 8192;
  const samples: number[] = [];
  for (let start = 0; start < EVENTS; start += BATCH) {
    const k: number[] = [];
    const v: number[] = [];
    const ts: number[] = [];
    for (let i = 0; i < BATCH; i++) {
      k.push(Math.floor((start + i) / 4)); // each key 4 times, then never again
      v.push(i);
      ts.push(start + i);
    }
    e.insertColumns('s', [k, v, ts], BATCH);
    samples.push(e.viewStateSize('d'));
  }
  const early = Math.max(...samples.slice(3, 60));
  const late = Math.max(...samples.slice(60));
  t.ok(late > 0 && late <= early * 1.1, `dedup state flat with state_ttl (early max ${early}, late max ${late})`);
  t.ok(late < 10_000, `holds only keys within the TTL (${late}), not all ${EVENTS / 4}`);
  const rows = e.query('SELECT count(*) AS n FROM d').rows[0]![0] as number;
  t.ok(rows >= EVENTS / 4, `the view still holds one row per key (${rows})`);
});
