import t from 'tap';
import { Dataflow, type DataflowNode } from '../../lib/exec/runtime/dataflow.js';
import { TableStore } from '../../lib/exec/runtime/table-store.js';
import { SourceStore } from '../../lib/exec/runtime/source-store.js';
import { ViewStore } from '../../lib/exec/runtime/view-store.js';
import { ChangeFeed } from '../../lib/exec/runtime/change-feed.js';
import { HashAggregate } from '../../lib/exec/operators/hash-aggregate.js';
import { Join } from '../../lib/exec/operators/join.js';
import { Filter } from '../../lib/exec/operators/filter.js';
import { Sort } from '../../lib/exec/operators/sort.js';
import { Values } from '../../lib/exec/operators/values.js';
import { Project, columnProjection } from '../../lib/exec/operators/project.js';
import type { EngineChange } from '../../lib/engine/types.js';
import type { Operator, Output } from '../../lib/exec/operator.js';
import type { Batch } from '../../lib/exec/batch.js';
import { rowAt } from '../../lib/exec/runtime/batch-builder.js';
import { deletes, inserts, sortRows } from './helpers.js';

/** orders(id PK, customer, amount) → view: customer, count(*), sum(amount) */
function ordersGraph() {
  const df = new Dataflow();
  const orders = df.addRoot((o) => new TableStore(o, { columnNames: ['id', 'customer', 'amount'], primaryKey: [0] }), 'orders');
  const b = df.builder();
  const agg = b.add((o) => new HashAggregate(o, { groupBy: [1], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 2 }] }), [orders]);
  const view = b.add((o) => new ViewStore(o, 3, { uniqueKey: [0] }), [agg], 'totals');
  const sub = b.commit();
  return { df, orders, view, sub, store: df.operator<ViewStore>(view) };
}

t.test('insert flows through, flush consolidates, subscribers get one update per key', async (t) => {
  const { df, orders, view, store } = ordersGraph();
  const calls: EngineChange[][] = [];
  df.subscribe(view, (c) => calls.push(c));
  df.push(orders, inserts([1, 'ann', 10], [2, 'bob', 5], [3, 'ann', 1]));
  t.same(sortRows(store.scan()), sortRows([['ann', 2, 11], ['bob', 1, 5]]), 'view is current when push returns');
  t.equal(calls.length, 1, 'one delivery per step');
  t.same(calls[0].map((c) => c.op).sort(), ['insert', 'insert']);
  df.push(orders, inserts([1, 'ann', 100])); // upsert on the primary key
  t.same(calls[1], [{ op: 'update', row: ['ann', 2, 101], old: ['ann', 2, 11] }]);
  df.push(orders, deletes([2, 'bob', 5]));
  t.same(calls[2], [{ op: 'delete', row: ['bob', 1, 5] }]);
  df.push(orders, inserts([9, 'cy', 1]));
  df.push(orders, deletes([9, 'cy', 1]));
  t.equal(calls.length, 5);
  df.transaction(() => {
    df.push(orders, inserts([7, 'dee', 1]));
    df.push(orders, deletes([7, 'dee', 1]));
  });
  t.equal(calls.length, 5, 'changes cancelling inside one step are not delivered');
});

t.test('back-fill: a view created after the data sees it; views over views', async (t) => {
  const df = new Dataflow();
  const tbl = df.addRoot((o) => new TableStore(o, { columnNames: ['k', 'v'] }), 't');
  df.push(tbl, inserts([1, 'a'], [1, 'a'], [2, 'b']));
  const b1 = df.builder();
  const agg = b1.add((o) => new HashAggregate(o, { groupBy: [0], aggregates: [{ fn: 'count_star' }] }), [tbl]);
  const v1 = b1.add((o) => new ViewStore(o, 2, { uniqueKey: [0] }), [agg]);
  b1.commit();
  t.same(sortRows(df.operator<ViewStore>(v1).scan()), [[1, 2], [2, 1]]);
  const b2 = df.builder();
  const f = b2.add((o) => new Filter(o, (batch) => Array.from({ length: batch.length }, (_, i) => (batch.columns[1][i] as number) > 1)), [v1]);
  const v2 = b2.add((o) => new ViewStore(o, 2), [f]);
  const sub2 = b2.commit();
  t.same(df.operator<ViewStore>(v2).scan(), [[1, 2]]);
  df.push(tbl, inserts([2, 'c']));
  t.same(sortRows(df.operator<ViewStore>(v2).scan()), [[1, 2], [2, 2]], 'the view over a view follows');
  const bad = df.builder();
  bad.add((o) => new Filter(o, () => []), [agg]);
  t.throws(() => bad.commit(), { code: 'INVALID_ARGUMENT' }, 'subgraphs read stores, not inner operators');
  const b3 = df.builder();
  b3.add((o) => new ViewStore(o, 2), [v1]);
  b3.commit();
  t.throws(() => df.removeNodes([v1]), { code: 'DEPENDENT_OBJECTS' });
  sub2.remove();
  df.push(tbl, inserts([3, 'z']));
  t.same(sortRows(df.operator<ViewStore>(v2).scan()), [[1, 2], [2, 2]], 'a removed view no longer changes');
  t.throws(() => df.push(v2, inserts([1, 1])), { code: 'INVALID_ARGUMENT' });
});

t.test('a push from a subscriber callback is queued until the step ends', async (t) => {
  const { df, orders, view, store } = ordersGraph();
  let depth = 0;
  let maxDepth = 0;
  const seen: number[] = [];
  df.subscribe(view, (changes) => {
    depth++;
    maxDepth = Math.max(maxDepth, depth);
    seen.push(changes.length);
    if (seen.length === 1) {
      df.push(orders, inserts([50, 'echo', 1]));
      t.equal(store.scan().length, 1, 'the queued push has not run yet');
    }
    depth--;
  });
  df.push(orders, inserts([1, 'ann', 10]));
  t.equal(maxDepth, 1, 'never re-entered');
  t.same(seen, [1, 1]);
  t.equal(store.scan().length, 2, 'the queued push ran after the step');
});

t.test('snapshot subscription, close, and a throwing listener does not starve others', async (t) => {
  const { df, orders, view } = ordersGraph();
  df.push(orders, inserts([1, 'ann', 10]));
  const got: EngineChange[][] = [];
  const sub = df.subscribe(view, (c) => got.push(c), { snapshot: true });
  t.same(got, [[{ op: 'insert', row: ['ann', 1, 10] }]]);
  df.subscribe(view, () => {
    throw new Error('listener bug');
  });
  t.throws(() => df.push(orders, inserts([2, 'bob', 1])), /listener bug/);
  t.equal(got.length, 2, 'the healthy listener still got the step');
  sub.close();
  t.throws(() => df.push(orders, inserts([3, 'cy', 1])), /listener bug/);
  t.equal(got.length, 2, 'closed subscriptions receive nothing');
});

t.test('table store: upserts, multisets, NULL primary keys rejected whole', async (t) => {
  const df = new Dataflow();
  const keyed = df.addRoot((o) => new TableStore(o, { columnNames: ['id', 'v'], primaryKey: [0] }));
  const ks = df.operator<TableStore>(keyed);
  t.throws(() => df.push(keyed, inserts([1, 'a'], [null, 'b'])), { code: 'NOT_NULL_VIOLATION', column: 'id', rowIndex: 1 });
  t.equal(ks.size, 0, 'nothing of a rejected batch is applied');
  df.push(keyed, inserts([1, 'a'], [1, 'b']));
  t.same(ks.rows(), [[1, 'b']], 'last write of a key wins');
  t.same(ks.get([1]), [1, 'b']);
  df.push(keyed, deletes([2, 'x']));
  t.equal(ks.size, 1, 'deleting an absent key is a no-op');
  const bag = df.addRoot((o) => new TableStore(o, { columnNames: ['v'] }));
  const bs = df.operator<TableStore>(bag);
  df.push(bag, inserts(['a'], ['a']));
  df.push(bag, deletes(['a'], ['a'], ['a']));
  t.equal(bs.size, 0, 'deleting more copies than exist leaves none, never negative');
  t.throws(() => df.push(bag, inserts([1, 2])), { code: 'INVALID_ROW' });
  const restored = new TableStore({ push() {}, watermark() {} }, { columnNames: ['id', 'v'], primaryKey: [0] });
  restored.restore(JSON.parse(JSON.stringify(ks.snapshot())));
  t.same(restored.rows(), [[1, 'b']]);
});

t.test('source store: append-only, retention, back-fill from retained rows', async (t) => {
  const df = new Dataflow();
  const src = df.addRoot((o) => new SourceStore(o, 2, { maxRows: 3 }), 'events');
  t.throws(() => df.push(src, deletes([1, 1])), { code: 'INVALID_ARGUMENT' });
  df.push(src, inserts([1, 10], [2, 20]));
  df.push(src, inserts([3, 30], [4, 40]));
  const s = df.operator<SourceStore>(src);
  t.equal(s.size, 3);
  const b = df.builder();
  const v = b.add((o) => new ViewStore(o, 2), [src]);
  b.commit();
  t.same(sortRows(df.operator<ViewStore>(v).scan()), [[2, 20], [3, 30], [4, 40]]);
  const timed = df.addRoot((o) => new SourceStore(o, 2, { retentionMs: 100, eventTimeColumn: 1 }));
  df.push(timed, inserts([1, 1000], [2, 1050], [3, 1200]));
  df.advanceWatermark(timed, 1150);
  t.same(df.operator<SourceStore>(timed).contents().flatMap((batch) => Array.from({ length: batch.length }, (_, i) => rowAt(batch, i))), [[2, 1050], [3, 1200]]);
  t.throws(() => new SourceStore({ push() {}, watermark() {} }, 2, { retentionMs: 5 }), { code: 'INVALID_ARGUMENT' });
});

class WatermarkProbe implements Operator {
  seen: [number, number][] = [];
  constructor(private readonly out: Output) {}
  push(batch: Batch): void {
    this.out.push(batch);
  }
  watermark(wm: number, port: number): void {
    this.seen.push([wm, port]);
  }
  flush(): void {}
  snapshot(): unknown {
    return null;
  }
  restore(): void {}
  stateSize(): number {
    return 0;
  }
}

t.test('watermarks: join forwards the minimum; late subgraphs get the current one', async (t) => {
  const df = new Dataflow();
  const a = df.addRoot((o) => new SourceStore(o, 1));
  const c = df.addRoot((o) => new SourceStore(o, 1));
  const b = df.builder();
  const j = b.add((o) => new Join(o, { type: 'inner', leftWidth: 1, rightWidth: 1, leftKeys: [0], rightKeys: [0] }), [a, c]);
  let probe!: WatermarkProbe;
  b.add((o) => (probe = new WatermarkProbe(o)), [j]);
  b.commit();
  df.advanceWatermark(a, 100);
  t.same(probe.seen, []);
  df.advanceWatermark(c, 80);
  df.advanceWatermark(c, 120);
  t.same(probe.seen, [[80, 0], [100, 0]]);
  const b2 = df.builder();
  let late!: WatermarkProbe;
  b2.add((o) => (late = new WatermarkProbe(o)), [a]);
  b2.commit();
  t.same(late.seen, [[100, 0]], 'back-fill hands over the input watermark');
});

t.test('one-shot query: global aggregate over an empty table, sort order, VALUES', async (t) => {
  const df = new Dataflow();
  const tbl = df.addRoot((o) => new TableStore(o, { columnNames: ['k'] }));
  const before = df.size;
  const count = df.query((b) => b.add((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 0 }] }), [tbl]), 2);
  t.same(rowAt(count, 0), [0, null]);
  t.equal(count.length, 1);
  t.equal(df.size, before, 'the query detached its nodes');
  df.push(tbl, inserts([3], [1], [2]));
  const sorted = df.query((b) => b.add((o) => new Sort(o, 1, { keys: [{ column: 0, desc: true }] }), [tbl]), 1);
  t.same(Array.from(sorted.columns[0]), [3, 2, 1]);
  const values = df.query((b) => {
    const v = b.add((o) => new Values(o, [[1, 'x'], [2, 'y']], 2));
    return b.add((o) => new Project(o, columnProjection([1])), [v]);
  }, 1);
  t.same(Array.from(values.columns[0]), ['x', 'y']);
  const v = df.query((b) => b.add((o) => new Filter(o, (batch) => new Array(batch.length).fill(false)), [tbl]), 1);
  t.equal(v.length, 0);
});

t.test('view deltas with duplicates and deletes without a unique key', async (t) => {
  const df = new Dataflow();
  const tbl = df.addRoot((o) => new TableStore(o, { columnNames: ['v'] }));
  const b = df.builder();
  const view: DataflowNode = b.add((o) => new ViewStore(o, 1), [tbl]);
  b.commit();
  const got: EngineChange[][] = [];
  df.subscribe(view, (c) => got.push(c));
  df.push(tbl, inserts(['a'], ['a']));
  df.push(tbl, deletes(['a']));
  t.same(got, [[{ op: 'insert', row: ['a'] }, { op: 'insert', row: ['a'] }], [{ op: 'delete', row: ['a'] }]]);
  df.flush();
  t.equal(got.length, 2, 'an empty FLUSH delivers nothing');
  const vs = df.operator<ViewStore>(view);
  const copy = new ViewStore({ push() {}, watermark() {} }, 1);
  copy.restore(JSON.parse(JSON.stringify(vs.snapshot())));
  t.same(copy.scan(), [['a']]);
  vs.close();
  t.throws(() => df.subscribe(view, () => {}), { code: 'CLOSED' });
});

t.test('an operator error mid-step: the error surfaces, the graph keeps working', async (t) => {
  const df = new Dataflow();
  const tbl = df.addRoot((o) => new TableStore(o, { columnNames: ['v'] }));
  const b = df.builder();
  const p = b.add(
    (o) =>
      new Project(o, (batch) => {
        for (let i = 0; i < batch.length; i++) if (batch.columns[0][i] === 0) throw new Error('division by zero');
        return batch.columns;
      }),
    [tbl],
  );
  const failing = b.add((o) => new ViewStore(o, 1), [p]);
  const healthy = b.add((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'count_star' }] }), [tbl]);
  const counts = b.add((o) => new ViewStore(o, 1), [healthy]);
  b.commit();
  const got: EngineChange[][] = [];
  df.subscribe(counts, (c) => got.push(c));
  t.throws(() => df.push(tbl, inserts([0])), /division by zero/);
  t.same(df.operator<ViewStore>(counts).scan(), [[1]], 'what was applied is flushed and delivered');
  t.equal(got.length, 1);
  df.push(tbl, inserts([2]));
  t.same(df.operator<ViewStore>(failing).scan(), [[2]]);
  t.same(df.operator<ViewStore>(counts).scan(), [[2]]);
});

t.test('queued pushes still run when the step that queued them fails', async (t) => {
  const { df, orders, view, store } = ordersGraph();
  let first = true;
  df.subscribe(view, () => {
    if (!first) return;
    first = false;
    df.push(orders, inserts([2, 'bob', 1]));
    throw new Error('listener failed after queueing');
  });
  t.throws(() => df.push(orders, inserts([1, 'ann', 1])), /listener failed/);
  t.equal(store.scan().length, 2, 'the queued insert was applied');
});

t.test('an empty unique key (global aggregate) turns a changed row into an update', async (t) => {
  const df = new Dataflow();
  const tbl = df.addRoot((o) => new TableStore(o, { columnNames: ['v'] }));
  const b = df.builder();
  const agg = b.add((o) => new HashAggregate(o, { groupBy: [], aggregates: [{ fn: 'count_star' }] }), [tbl]);
  const view = b.add((o) => new ViewStore(o, 1, { uniqueKey: [] }), [agg]);
  b.commit();
  const got: EngineChange[][] = [];
  df.subscribe(view, (c) => got.push(c), { snapshot: true });
  df.push(tbl, inserts([1]));
  t.same(got, [[{ op: 'insert', row: [0] }], [{ op: 'update', row: [1], old: [0] }]]);
});

t.test('change feed over a table: updates by primary key, snapshot from the store', async (t) => {
  const df = new Dataflow();
  const tbl = df.addRoot((o) => new TableStore(o, { columnNames: ['id', 'v'], primaryKey: [0] }));
  df.push(tbl, inserts([1, 'a']));
  const b = df.builder();
  const feed = b.add(() => new ChangeFeed({ uniqueKey: [0], currentRows: () => df.operator<TableStore>(tbl).rows() }), [tbl]);
  b.commit();
  const got: EngineChange[][] = [];
  df.subscribe(feed, (c) => got.push(c), { snapshot: true });
  t.same(got, [[{ op: 'insert', row: [1, 'a'] }]], 'snapshot only; the back-fill is not replayed');
  df.push(tbl, inserts([1, 'b'], [2, 'c']));
  t.same(got[1], [{ op: 'update', row: [1, 'b'], old: [1, 'a'] }, { op: 'insert', row: [2, 'c'] }]);
  df.push(tbl, deletes([2, 'c']));
  t.same(got[2], [{ op: 'delete', row: [2, 'c'] }]);
  const src = df.addRoot((o) => new SourceStore(o, 1));
  const b2 = df.builder();
  const sfeed = b2.add(() => new ChangeFeed(), [src]);
  b2.commit();
  const events: EngineChange[][] = [];
  const sub = df.subscribe(sfeed, (c) => events.push(c));
  df.push(src, inserts([1], [1]));
  t.same(events, [[{ op: 'insert', row: [1] }, { op: 'insert', row: [1] }]]);
  sub.close();
  df.push(src, inserts([2]));
  t.equal(events.length, 1);
});
