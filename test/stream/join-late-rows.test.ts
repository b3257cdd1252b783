// Late rows of interval and ASOF joins reach the view's side output (db.onLateRows), each side in
// its own source's columns, and never change the join's result.

import t from 'tap';
import { open } from '../../lib/index.js';

const at = (s: number) => new Date(s * 1000);
const tick = () => new Promise((r) => setImmediate(r));

t.test('interval join: a late row of either side is delivered with that side’s columns', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE a (k INT, x INT, ts TIMESTAMP, WATERMARK FOR ts AS ts);
    CREATE SOURCE b (k INT, y VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts);
    CREATE MATERIALIZED VIEW j AS SELECT a.k, x, y FROM a JOIN b
      ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '2' SECOND AND a.ts + INTERVAL '2' SECOND`);
  const late: Record<string, unknown>[] = [];
  db.onLateRows('j', (rows) => late.push(...rows));
  db.insert('a', [{ k: 1, x: 10, ts: at(10) }, { k: 1, x: 11, ts: at(20) }]); // a's watermark 20 s
  db.insert('b', [{ k: 1, y: 'p', ts: at(11) }, { k: 1, y: 'q', ts: at(30) }]); // b's watermark 30 s
  db.insert('a', { k: 1, x: 12, ts: at(5) }); // behind a's watermark: late
  db.insert('b', { k: 1, y: 'r', ts: at(21) }); // behind b's watermark (would match x = 11): late
  db.insert('b', { k: 2, y: 's', ts: null }); // no time: never matches, not late
  await tick();
  t.same(
    late.map((r) => ({ ...r })),
    [
      { k: 1, x: 12, ts: at(5) },
      { k: 1, y: 'r', ts: at(21) },
    ],
    'both late rows, in arrival order, each with its own source columns only',
  );
  t.equal(db.viewMetrics('j').lateRows, 2, 'counted as well');
  await db.flush();
  t.same((await db.query('SELECT k, x, y FROM j ORDER BY x')).map((r) => [r.k, r.x, r.y]), [[1, 10, 'p']], 'late rows joined nothing');
});

t.test('ASOF join: late left and right rows are delivered; a closed handle stops delivery', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE q (k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND);
    CREATE SOURCE p (k INT, px INT, ts TIMESTAMP, WATERMARK FOR ts AS ts);
    CREATE MATERIALIZED VIEW v AS SELECT q.k, q.ts, p.px FROM q ASOF JOIN p ON q.k = p.k AND p.ts <= q.ts`);
  const late: Record<string, unknown>[] = [];
  const handle = db.onLateRows('v', (rows) => late.push(...rows));
  db.insert('p', [{ k: 1, px: 100, ts: at(4) }, { k: 1, px: 101, ts: at(9) }]); // p's watermark 9 s
  db.insert('q', { k: 1, ts: at(10) }); // q's watermark 9 s
  db.insert('p', { k: 1, px: 999, ts: at(8) }); // late right row: must not become q@10's match
  db.insert('q', { k: 1, ts: at(7) }); // within q's 1 s delay? no: 7 < 9, late
  await tick();
  t.same(late.map((r) => ({ ...r })), [{ k: 1, px: 999, ts: at(8) }, { k: 1, ts: at(7) }], 'right then left late row');
  t.equal(db.viewMetrics('v').lateRows, 2);
  handle.close();
  db.insert('q', { k: 1, ts: at(1) });
  await tick();
  t.equal(late.length, 2, 'nothing delivered after close()');
  t.equal(db.viewMetrics('v').lateRows, 3, 'still counted');
  db.insert('p', { k: 1, px: 102, ts: at(20) });
  db.insert('q', { k: 1, ts: at(30) });
  await db.flush();
  t.same(
    (await db.query('SELECT px FROM v ORDER BY ts')).map((r) => r.px),
    [101, 102],
    'q@10 kept its match 101 (the late 999 never joined); late q rows produced nothing',
  );
});
