// Streaming SQL through the Engine: window TVFs with changelog and EMIT ON WINDOW CLOSE output,
// watermarks from sources, interval / ASOF / temporal joins — hand-computed answers.

import t from 'tap';
import { engineWith, rowsOf } from './helpers.js';

const S = 1000;

t.test('TUMBLE / HOP aggregates, changelog vs EMIT ON WINDOW CLOSE', (t) => {
  const e = engineWith("CREATE SOURCE bid (auction INT, price INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
  e.execute(`CREATE MATERIALIZED VIEW changes AS
    SELECT auction, window_start, window_end, count(*) AS n, max(price) AS top
    FROM TUMBLE(bid, ts, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end`);
  e.execute(`CREATE MATERIALIZED VIEW closed AS
    SELECT auction, window_end, count(*) AS n FROM TUMBLE(bid, ts, INTERVAL '10' SECOND)
    GROUP BY auction, window_end EMIT ON WINDOW CLOSE`);
  e.insertRows('bid', [[1, 10, 1 * S], [1, 20, 5 * S], [2, 5, 9 * S]]);
  t.same(rowsOf(e, 'SELECT * FROM changes ORDER BY 1'), [[1, 0, 10 * S, 2, 20], [2, 0, 10 * S, 1, 5]]);
  t.same(rowsOf(e, 'SELECT * FROM closed'), [], 'nothing closed: watermark 8 s < window end 10 s');
  e.insertRows('bid', [[1, 7, 12 * S]]);
  t.same(rowsOf(e, 'SELECT * FROM closed ORDER BY 1'), [[1, 10 * S, 2], [2, 10 * S, 1]], 'watermark 11 s closed [0, 10 s)');
  t.same(rowsOf(e, 'SELECT auction, window_start, n FROM changes ORDER BY 1, 2'), [[1, 0, 2], [1, 10 * S, 1], [2, 0, 1]]);
  // the same SELECT as a one-shot query over the retained source rows
  t.same(
    rowsOf(e, "SELECT auction, window_start, count(*) FROM TUMBLE(bid, ts, INTERVAL '10' SECOND) GROUP BY 1, 2 ORDER BY 1, 2"),
    [[1, 0, 2], [1, 10 * S, 1], [2, 0, 1]],
  );
  t.same(
    rowsOf(e, "SELECT window_start, count(*) FROM HOP(bid, ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND) GROUP BY 1 ORDER BY 1"),
    [[-5 * S, 1], [0, 3], [5 * S, 3], [10 * S, 1]],
  );
  t.end();
});

t.test('interval join', (t) => {
  const e = engineWith(
    "CREATE SOURCE a (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)",
    "CREATE SOURCE b (k INT, ts TIMESTAMP, v INT, WATERMARK FOR ts AS ts)",
  );
  const sql = "SELECT a.k, a.ts, b.v FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '10' SECOND";
  e.execute(`CREATE MATERIALIZED VIEW j AS ${sql}`);
  e.insertRows('a', [[1, 1 * S], [2, 2 * S]]);
  e.insertRows('b', [[1, 5 * S, 7], [1, 20 * S, 8], [2, 2 * S, 9], [3, 3 * S, 1]]);
  t.same(rowsOf(e, 'SELECT * FROM j ORDER BY 1'), [[1, 1 * S, 7], [2, 2 * S, 9]]);
  t.same(rowsOf(e, `${sql} ORDER BY 1`), [[1, 1 * S, 7], [2, 2 * S, 9]]);
  t.end();
});

t.test('ASOF and temporal joins', (t) => {
  const e = engineWith(
    'CREATE SOURCE trades (sym VARCHAR, ts TIMESTAMP, qty INT, WATERMARK FOR ts AS ts)',
    'CREATE SOURCE quotes (sym VARCHAR, ts TIMESTAMP, px INT, WATERMARK FOR ts AS ts)',
    'CREATE TABLE rates (sym VARCHAR PRIMARY KEY, rate INT)',
  );
  e.execute('CREATE MATERIALIZED VIEW asof_v AS SELECT t.sym, t.ts, q.px FROM trades t ASOF LEFT JOIN quotes q ON t.sym = q.sym AND t.ts >= q.ts');
  e.execute('CREATE MATERIALIZED VIEW temporal_v AS SELECT t.sym, t.qty, r.rate FROM trades t JOIN rates FOR SYSTEM_TIME AS OF t.ts AS r ON t.sym = r.sym');
  e.execute("INSERT INTO rates VALUES ('A', 2)");
  e.insertRows('quotes', [['A', 1 * S, 10], ['A', 3 * S, 11]]);
  e.insertRows('trades', [['A', 2 * S, 5], ['A', 4 * S, 6], ['B', 4 * S, 7]]);
  e.insertRows('quotes', [['A', 9 * S, 12]]);
  e.execute("UPDATE rates SET rate = 3 WHERE sym = 'A'");
  t.same(rowsOf(e, 'SELECT * FROM asof_v ORDER BY 2, 1'), [['A', 2 * S, 10], ['A', 4 * S, 11], ['B', 4 * S, null]]);
  t.same(rowsOf(e, 'SELECT * FROM temporal_v ORDER BY 2'), [['A', 5, 2], ['A', 6, 2]], 'temporal joins do not retract when the table changes');
  e.insertRows('trades', [['A', 10 * S, 8]]);
  t.same(rowsOf(e, 'SELECT rate FROM temporal_v WHERE qty = 8'), [[3]], 'later probes see the new version');
  t.end();
});

t.test('SESSION windows per key and CUMULATE', (t) => {
  const e = engineWith('CREATE SOURCE c (u INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)');
  e.insertRows('c', [[1, 1 * S], [1, 2 * S], [2, 1.5 * S], [1, 9 * S]]);
  t.same(
    rowsOf(e, "SELECT u, window_start, window_end, count(*) FROM SESSION(c, ts, INTERVAL '3' SECOND) GROUP BY u, window_start, window_end ORDER BY 1, 2"),
    [[1, 1 * S, 5 * S, 2], [1, 9 * S, 12 * S, 1], [2, 1.5 * S, 4.5 * S, 1]],
  );
  t.same(
    rowsOf(e, "SELECT u, window_start, window_end, count(*) FROM CUMULATE(c, ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
    [[1, 0, 2 * S, 1], [1, 0, 4 * S, 2], [1, 8 * S, 10 * S, 1], [1, 8 * S, 12 * S, 1], [2, 0, 2 * S, 1], [2, 0, 4 * S, 1]],
  );
  t.end();
});
