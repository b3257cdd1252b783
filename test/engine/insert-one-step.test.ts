// An insert into a watermarked source pushes its rows and advances the watermark in ONE dataflow
// step (lib/engine/dml.ts pushBatch): one flush and one delivery per insert call.
import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import type { Dataflow } from '../../lib/exec/runtime/dataflow.js';

const SOURCE = "CREATE SOURCE bid (auction BIGINT, price BIGINT NOT NULL, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)";
const at = (ms: number): string => `TIMESTAMP '${new Date(Date.UTC(2024, 0, 1) + ms).toISOString().replace('T', ' ').replace('Z', '')}'`;

/** Counts the dataflow steps run while `fn` runs (white box: the engine's Dataflow). */
function countSteps(e: Engine, fn: () => void): number {
  const flow = (e as unknown as { state: { flow: Dataflow } }).state.flow as unknown as { runStep(f: () => void): void };
  const original = flow.runStep;
  let steps = 0;
  flow.runStep = function (this: unknown, f: () => void) {
    steps++;
    return original.call(this, f);
  };
  try {
    fn();
  } finally {
    flow.runStep = original;
  }
  return steps;
}

t.test('a single-row insert that raises the watermark costs one step', async (t) => {
  const e = new Engine();
  t.teardown(() => e.close());
  e.execute(SOURCE);
  e.execute('CREATE MATERIALIZED VIEW agg AS SELECT auction, count(*) AS n, max(price) AS top FROM bid GROUP BY auction');
  const seen: number[] = [];
  e.subscribe('agg', (changes) => seen.push(changes.length));
  t.equal(countSteps(e, () => e.insertRows('bid', [[1, 10, Date.UTC(2024, 0, 1)]])), 1, 'insertRows');
  t.equal(countSteps(e, () => e.execute(`INSERT INTO bid VALUES (1, 20, ${at(500)})`)), 1, 'INSERT');
  t.equal(countSteps(e, () => e.insertColumns('bid', [[2], new Float64Array([5]), new Float64Array([Date.UTC(2024, 0, 1) + 900])], 1)), 1, 'insertColumns');
  // an event time that does not raise the maximum needs no watermark step either
  t.equal(countSteps(e, () => e.insertRows('bid', [[2, 1, Date.UTC(2024, 0, 1)]])), 1, 'older row');
  t.same(e.query('SELECT * FROM agg ORDER BY auction').rows, [[1, 2, 20], [2, 2, 5]]);
  t.equal(seen.length, 4, 'one delivery per insert');
});

t.test('rows and the windows their watermark closes arrive as one change set', async (t) => {
  const e = new Engine();
  t.teardown(() => e.close());
  e.execute(SOURCE);
  e.execute("CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n FROM TUMBLE(bid, ts, INTERVAL '1' SECOND) GROUP BY window_start, window_end EMIT ON WINDOW CLOSE");
  const deliveries: number[] = [];
  e.subscribe('w', (changes) => deliveries.push(changes.length));
  e.execute(`INSERT INTO bid VALUES (1, 1, ${at(0)}), (1, 1, ${at(300)})`);
  e.execute(`INSERT INTO bid VALUES (1, 1, ${at(1500)})`);
  t.same(deliveries, [], 'watermark 0.5 s closes nothing');
  // this row's own watermark (2.5 s) closes [0, 1 s) and [1 s, 2 s) in the insert's step
  t.equal(countSteps(e, () => e.execute(`INSERT INTO bid VALUES (1, 1, ${at(3500)})`)), 1);
  t.same(deliveries, [2], 'one delivery with both closed windows');
  t.same(e.query('SELECT n FROM w ORDER BY window_start').rows, [[2], [1]]);
  // a late row (behind the watermark) is not counted
  e.execute(`INSERT INTO bid VALUES (1, 1, ${at(100)})`);
  t.same(e.query('SELECT n FROM w ORDER BY window_start').rows, [[2], [1]]);
});

t.test('a rejected insert neither changes the rows nor advances the watermark', async (t) => {
  const e = new Engine();
  t.teardown(() => e.close());
  e.execute(SOURCE);
  e.execute("CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n FROM TUMBLE(bid, ts, INTERVAL '1' SECOND) GROUP BY window_start, window_end EMIT ON WINDOW CLOSE");
  e.execute(`INSERT INTO bid VALUES (1, 1, ${at(0)})`);
  t.throws(() => e.execute(`INSERT INTO bid VALUES (1, NULL, ${at(60_000)})`), { code: 'NOT_NULL_VIOLATION' });
  t.throws(() => e.insertRows('bid', [[1, null, Date.UTC(2024, 0, 1) + 60_000]]), { code: 'NOT_NULL_VIOLATION' });
  // had the failed rows moved the watermark to 59 s, this row would be late and [0, 1 s) closed
  e.execute(`INSERT INTO bid VALUES (1, 1, ${at(200)})`);
  t.same(e.query('SELECT count(*) FROM w').rows, [[0]], 'no window closed yet');
  e.execute(`INSERT INTO bid VALUES (1, 1, ${at(2500)})`);
  t.same(e.query('SELECT n FROM w').rows, [[2]], 'both on-time rows of [0, 1 s) counted');
});
