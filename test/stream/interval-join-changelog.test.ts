// An interval join whose right side is a changelog (a windowed aggregate's rows, updated as
// retract-old/insert-new): a right row must stay until the right watermark passes it, even when
// the left watermark is already past it, or a retraction arriving after the left watermark
// finds no row and leaves its pairs in the output.
import t from 'tap';
import { IntervalJoinOperator } from '../../lib/exec/stream/interval-join.js';
import { Engine } from '../../lib/engine/engine.js';
import { windowExtremumRowsRule } from '../../lib/plan/optimizer/window-extremum-rows.js';
import { batch, col, Recorder, sortRows } from './harness.js';

// left [price, ts], right [max, end]; match on price = max when end - ts ∈ [0, 10]
function join(r: Recorder, rightRetracts: boolean): IntervalJoinOperator {
  return new IntervalJoinOperator(r, {
    joinKind: 'inner',
    leftKeys: [col(0)],
    rightKeys: [col(0)],
    leftTimeColumn: 1,
    rightTimeColumn: 1,
    lowerMs: 0,
    upperMs: 10,
    leftWidth: 2,
    rightWidth: 2,
    rightRetracts,
  });
}

t.test('a changelog right row outlives the left watermark until the right watermark passes it', async (t) => {
  const r = new Recorder();
  const op = join(r, true);
  op.push(batch([[5, 3], [7, 8]]), 0);
  op.push(batch([[5, 10]]), 1);
  op.flush();
  t.same(r.net(), [[5, 3, 5, 10]]);
  // the left watermark passes the right row's time first (another path of the same step) …
  op.watermark(12, 0);
  // … then the aggregate's update of that window arrives: it must retract the old pair
  op.push(batch([[5, 10], [7, 10]], [-1, 1]), 1);
  op.flush();
  t.same(r.net(), [[7, 8, 7, 10]], 'old pair retracted, new pair emitted');
  t.equal(op.unmatchedRetractions, 0);
  op.watermark(12, 1);
  t.equal(op.stateSize(), 2, 'the right row went once both watermarks passed it; the left rows can still match right rows at 12');
  op.watermark(30, 0);
  op.watermark(30, 1);
  t.equal(op.stateSize(), 0);
});

t.test('an append-only right side keeps the old bound (left watermark alone)', async (t) => {
  const r = new Recorder();
  const op = join(r, false);
  op.push(batch([[5, 3]]), 0);
  op.push(batch([[5, 10]]), 1);
  op.watermark(12, 0);
  t.equal(op.stateSize(), 1, 'the right row went with the left watermark; the left row waits for the right one');
  t.same(sortRows(r.net()), [[5, 3, 5, 10]]);
});

t.test('SQL: a window max raised in the step that moves the watermark past the window', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '1' SECOND)`);
  // the aggregate + interval join plan, not the fused operator q7's shape gets by default
  windowExtremumRowsRule.enabled = false;
  t.teardown(() => {
    windowExtremumRowsRule.enabled = true;
  });
  e.execute(`CREATE MATERIALIZED VIEW q7 AS SELECT B.auction, B.price, B.date_time FROM bid B
    JOIN (SELECT MAX(price) AS maxprice, window_end AS date_time FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_end) B1
    ON B.price = B1.maxprice WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time`);
  e.insertColumns('bid', [[1], [10], [5_000]], 1);
  // one insert: a higher price in window [0, 10 s) and an event that moves the watermark to 11 s
  e.insertColumns('bid', [[2, 3], [20, 1], [9_000, 12_000]], 2);
  const rows = e.query('SELECT auction, price FROM q7 ORDER BY auction').rows;
  t.same(rows, [[2, 20], [3, 1]], 'the replaced maximum left the view');
});
