// Operators' close hook: DROP, DROP … CASCADE, db.close() and a CREATE that fails while
// back-filling free the native state stores of the view's operators at once (not at garbage
// collection), so the process-wide store count and native bytes go back down.
import t from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { stateStoreStats } from '../../lib/native/state-store.js';
import { SubgraphBuilder, Dataflow } from '../../lib/exec/runtime/dataflow.js';
import type { Operator } from '../../lib/exec/operator.js';
import { TableStore } from '../../lib/exec/runtime/table-store.js';
import { Join } from '../../lib/exec/operators/join.js';
import { TopN } from '../../lib/exec/operators/top-n.js';
import { OverWindow } from '../../lib/exec/operators/over-window.js';
import { inserts } from './helpers.js';

// keys beyond 2^31 move a numeric join's key index to the native store at its first batch
const BIG = 3_000_000_000;

function engineWithKeys(n: number): Engine {
  const e = new Engine();
  e.execute('CREATE TABLE a (k BIGINT, v INT); CREATE TABLE b (k BIGINT, w INT)');
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(`(${BIG + i}, ${i})`);
  e.execute(`INSERT INTO a VALUES ${rows.join(', ')}`);
  e.execute(`INSERT INTO b VALUES ${rows.join(', ')}`);
  return e;
}

t.test('DROP MATERIALIZED VIEW frees the native key indexes of its join', async (t) => {
  const before = stateStoreStats();
  const e = engineWithKeys(2000);
  e.execute('CREATE MATERIALIZED VIEW j AS SELECT a.k, v, w FROM a JOIN b ON a.k = b.k');
  t.equal(e.query('SELECT count(*) FROM j').rows[0]![0], 2000);
  const during = stateStoreStats();
  t.ok(during.open >= before.open + 2, `both join sides hold a native index (${before.open} → ${during.open})`);
  t.ok(during.bytes > before.bytes, 'native bytes grew');
  e.execute('DROP MATERIALIZED VIEW j');
  const after = stateStoreStats();
  t.equal(after.open, before.open, 'store count back down');
  t.equal(after.bytes, before.bytes, 'native bytes back down');
  // the tables still work and a new view builds fresh stores
  e.execute('CREATE MATERIALIZED VIEW j2 AS SELECT a.k FROM a JOIN b ON a.k = b.k');
  t.equal(e.query('SELECT count(*) FROM j2').rows[0]![0], 2000);
  e.close();
  t.equal(stateStoreStats().open, before.open, 'db.close() frees the remaining view');
});

t.test('DROP TABLE … CASCADE frees the dependent views', async (t) => {
  const before = stateStoreStats();
  const e = engineWithKeys(500);
  e.execute('CREATE MATERIALIZED VIEW j AS SELECT a.k FROM a JOIN b ON a.k = b.k');
  e.execute('CREATE MATERIALIZED VIEW j2 AS SELECT k, count(*) AS c FROM j GROUP BY k');
  t.ok(stateStoreStats().open > before.open);
  e.execute('DROP TABLE a CASCADE');
  t.equal(stateStoreStats().open, before.open);
  t.throws(() => e.query('SELECT * FROM j2'), /j2/);
  e.close();
});

t.test('a subgraph that fails while back-filling frees what it built (a failed CREATE)', async (t) => {
  const before = stateStoreStats();
  const df = new Dataflow();
  const left = df.addRoot((o) => new TableStore(o, { columnNames: ['k', 'v'], primaryKey: [0] }), 'a');
  const right = df.addRoot((o) => new TableStore(o, { columnNames: ['k', 'w'], primaryKey: [0] }), 'b');
  const rows: [number, number][] = [];
  for (let i = 0; i < 300; i++) rows.push([BIG + i, i]);
  df.push(left, inserts(...rows));
  df.push(right, inserts(...rows));
  const b = df.builder();
  let join: Join | undefined;
  const j = b.add((o) => (join = new Join(o, { type: 'inner', leftWidth: 2, rightWidth: 2, leftKeys: [0], rightKeys: [0], numericKeys: true })), [left, right]);
  let opened = 0;
  b.add(
    () => ({
      push() {
        // the join below has its native indexes by now
        opened = stateStoreStats().open;
        throw new Error('back-fill failed');
      },
      watermark() {},
      flush() {},
      snapshot: () => null,
      restore() {},
      stateSize: () => 0,
    }),
    [j],
  );
  t.throws(() => b.commit(), /back-fill failed/);
  t.ok(opened >= before.open + 2, `the join held native indexes while back-filling (${opened})`);
  t.equal(stateStoreStats().open, before.open, 'closed when the subgraph was removed');
  t.equal(join!.stateSize(), 0, 'the join dropped its rows');
  t.equal(df.size, 2, 'only the tables are left');
});

t.test('db.close() closes every view operator once; later calls are refused', async (t) => {
  const before = stateStoreStats();
  const e = engineWithKeys(300);
  e.execute('CREATE MATERIALIZED VIEW j AS SELECT a.k FROM a JOIN b ON a.k = b.k');
  t.ok(stateStoreStats().open > before.open);
  e.close();
  e.close(); // twice is harmless
  t.equal(stateStoreStats().open, before.open);
  t.throws(() => e.query('SELECT * FROM j'), /closed/i);
});

t.test('a throwing close hook does not keep the other operators from closing', async (t) => {
  const flow = new Dataflow();
  const closed: string[] = [];
  const op = (name: string, fail: boolean): Operator => ({
    push() {},
    watermark() {},
    flush() {},
    snapshot: () => null,
    restore() {},
    stateSize: () => 0,
    close() {
      closed.push(name);
      if (fail) throw new Error('boom');
    },
  });
  const b: SubgraphBuilder = flow.builder();
  b.add(() => op('first', true));
  b.add(() => op('second', false));
  b.abandon();
  t.same(closed, ['first', 'second']);
  t.throws(() => b.commit(), /committed/, 'an abandoned builder cannot be committed');
});

t.test('DROP frees the native row index of a DISTINCT view (string rows)', async (t) => {
  const before = stateStoreStats();
  const e = new Engine();
  e.execute('CREATE TABLE s (name VARCHAR, n INT)');
  e.execute(`INSERT INTO s VALUES ('a', 1), ('b', 2), ('a', 1), (NULL, 3)`);
  e.execute('CREATE MATERIALIZED VIEW d AS SELECT DISTINCT name, n FROM s');
  t.equal(e.query('SELECT count(*) FROM d').rows[0]![0], 3);
  t.ok(stateStoreStats().open > before.open, 'the DISTINCT holds a native store');
  e.execute(`DELETE FROM s WHERE name = 'a'`);
  t.equal(e.query('SELECT count(*) FROM d').rows[0]![0], 2, 'both copies deleted: the row goes');
  e.execute('DROP MATERIALIZED VIEW d');
  t.equal(stateStoreStats().open, before.open, 'store count back down');
  t.equal(stateStoreStats().bytes, before.bytes, 'native bytes back down');
  e.close();
});

t.test('DROP frees the native key indexes of a semi join (IN over a numeric key)', async (t) => {
  const before = stateStoreStats();
  const e = engineWithKeys(200);
  e.execute('INSERT INTO a VALUES (NULL, -1)');
  e.execute('CREATE MATERIALIZED VIEW s AS SELECT v FROM a WHERE k IN (SELECT k FROM b WHERE w < 50)');
  t.equal(e.query('SELECT count(*) FROM s').rows[0]![0], 50);
  t.ok(stateStoreStats().open >= before.open + 2, 'both sides hold a native index');
  e.execute(`DELETE FROM b WHERE w < 10`);
  t.equal(e.query('SELECT count(*) FROM s').rows[0]![0], 40, 'emptied keys leave the semi join');
  e.execute('DROP MATERIALIZED VIEW s');
  t.equal(stateStoreStats().open, before.open, 'store count back down');
  t.equal(stateStoreStats().bytes, before.bytes, 'native bytes back down');
  e.close();
});

t.test('close() frees the native partition indexes of a Top-N and an OVER window operator', async (t) => {
  const before = stateStoreStats();
  const sink = { push() {}, watermark() {} };
  const topN = new TopN(sink, { width: 2, partitionBy: [0], order: [{ column: 1, desc: true }], limit: 2, keyIndex: 'native' });
  const over = new OverWindow(sink, { width: 2, partitionBy: [0], order: [{ column: 1, desc: false }], calls: [{ fn: 'row_number', frame: { mode: 'rows' } }], keyIndex: 'auto' });
  const rows = { length: 3, columns: [['a', 7, null], [1, 2, 3]], weights: null };
  topN.push(rows, 0);
  topN.flush();
  over.push(rows, 0);
  over.flush();
  t.equal(stateStoreStats().open, before.open + 3, 'Top-N: number and byte stores; OVER (auto): the number store');
  topN.close();
  t.equal(stateStoreStats().open, before.open + 1);
  over.close();
  t.equal(stateStoreStats().open, before.open, 'store count back down');
  t.equal(stateStoreStats().bytes, before.bytes, 'native bytes back down');
});

t.test('a Top-N view keeps number partition keys in the native store; DROP frees it', async (t) => {
  const before = stateStoreStats();
  const e = new Engine();
  e.execute('CREATE TABLE bids (auction BIGINT, price INT)');
  e.execute('INSERT INTO bids VALUES (1, 10), (1, 30), (1, 20), (2, 5), (2, 7)');
  e.execute(`CREATE MATERIALIZED VIEW top AS SELECT auction, price FROM (
    SELECT auction, price, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bids) WHERE rn <= 2`);
  t.same(e.query('SELECT auction, price FROM top ORDER BY auction, price').rows, [[1, 20], [1, 30], [2, 5], [2, 7]]);
  t.ok(stateStoreStats().open > before.open, 'the partition index is a native store');
  e.execute('DELETE FROM bids WHERE auction = 2');
  t.same(e.query('SELECT auction, price FROM top ORDER BY auction, price').rows, [[1, 20], [1, 30]], 'an emptied partition goes');
  e.execute('DROP MATERIALIZED VIEW top');
  t.equal(stateStoreStats().open, before.open, 'store count back down');
  t.equal(stateStoreStats().bytes, before.bytes, 'native bytes back down');
  e.close();
});
