import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';

const rows = (e: Engine, sql: string): unknown[][] => e.query(sql).rows;

t.test('retention by rows keeps the newest rows; existing views keep everything', (t) => {
  const e = new Engine();
  e.execute('CREATE SOURCE s (v INT) WITH (retention_rows = 3)');
  e.execute('CREATE MATERIALIZED VIEW total AS SELECT count(*) AS n, sum(v) AS s FROM s');
  e.insertRows('s', [[1], [2], [3], [4], [5]]);
  t.same(rows(e, 'SELECT v FROM s ORDER BY v'), [[3], [4], [5]]);
  t.same(rows(e, 'SELECT n, s FROM total'), [[5, 15]], 'the view saw every row');
  e.execute('CREATE MATERIALIZED VIEW later AS SELECT count(*) AS n FROM s');
  t.same(rows(e, 'SELECT n FROM later'), [[3]], 'a later view is back-filled from the retained rows');
  t.end();
});

t.test('retention by event time drops rows older than watermark - retention', (t) => {
  const e = new Engine();
  e.execute("CREATE SOURCE s (v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (retention = '10 seconds')");
  // TIMESTAMP values inside the engine are epoch milliseconds
  const at = (sec: number): number => Date.UTC(2026, 0, 1, 0, 0, sec);
  e.insertRows('s', [[1, at(0)], [2, at(5)], [3, at(9)]]);
  t.same(rows(e, 'SELECT v FROM s ORDER BY v'), [[1], [2], [3]], 'watermark 9 s: cutoff -1 s drops nothing');
  e.insertRows('s', [[4, at(16)]]);
  t.same(rows(e, 'SELECT v FROM s ORDER BY v'), [[3], [4]], 'watermark 16 s: cutoff 6 s drops the rows at 0 s and 5 s');
  t.end();
});

t.test('bad retention options are refused and nothing is created', (t) => {
  const e = new Engine();
  t.throws(() => e.execute('CREATE SOURCE a (v INT) WITH (retention_rows = 0)'), { code: 'INVALID_ARGUMENT' });
  t.throws(() => e.execute("CREATE SOURCE b (v INT, ts TIMESTAMP) WITH (retention = '1 minute')"), { code: 'INVALID_ARGUMENT' });
  t.throws(() => e.query('SELECT * FROM a'));
  t.throws(() => e.query('SELECT * FROM b'));
  t.end();
});
