// The single-event path: BatchBuilder holding its first two rows (exact two-value columns,
// shared weight arrays), batchFromRows of one row, Dataflow.pushWithWatermark as one step.
import t from 'tap';
import { BatchBuilder, batchFromRows, rowAt, rowReader } from '../../lib/exec/runtime/batch-builder.js';
import { Dataflow } from '../../lib/exec/runtime/dataflow.js';
import { SourceStore } from '../../lib/exec/runtime/source-store.js';
import { ViewStore } from '../../lib/exec/runtime/view-store.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Operator, Output } from '../../lib/exec/operator.js';
import type { EngineChange } from '../../lib/engine/types.js';
import type { Row, Value } from '../../lib/types/value.js';
import type { BoundExpr } from '../../lib/plan/bound.js';
import { T } from '../../lib/types/datatype.js';
import { compileFilter } from '../../lib/exec/expr/compile.js';
import { Engine } from '../../lib/engine/engine.js';
import { HashAggregate } from '../../lib/exec/operators/hash-aggregate.js';
import { Project, columnProjection } from '../../lib/exec/operators/project.js';

function rowsOf(b: Batch): [Row, number][] {
  const out: [Row, number][] = [];
  for (let i = 0; i < b.length; i++) out.push([rowAt(b, i), b.weights === null ? 1 : b.weights[i]!]);
  return out;
}

t.test('BatchBuilder: one, two and three rows, weights, order across held and spilled rows', async (t) => {
  const b = new BatchBuilder(2);
  t.equal(b.take().length, 0, 'empty');
  b.addRow(['a', 1], 1);
  t.equal(b.length, 1, 'a held row counts');
  let out = b.take();
  t.same(rowsOf(out), [[['a', 1], 1]]);
  t.equal(out.weights, null, 'all inserts: no weights');
  t.same(out.columns, [['a'], [1]], 'exactly sized columns');

  b.addRow(['a', 1], -1);
  b.addRow(['a', 2], 1);
  out = b.take();
  t.same(rowsOf(out), [[['a', 1], -1], [['a', 2], 1]], '-old +new');
  t.same(Array.from(out.weights!), [-1, 1]);
  t.equal(out.columns[0]!.length, 2);

  b.addRow(['x', 1], -1);
  b.addRow(['y', 2], -1);
  b.addRow(['z', 3], 5);
  t.equal(b.length, 3);
  out = b.take();
  t.same(rowsOf(out), [[['x', 1], -1], [['y', 2], -1], [['z', 3], 5]], 'a third row moves the held ones into columns, in order');

  b.addRow(['h', 1], 2);
  b.addFrom([['s'], [9]], 0, -3);
  out = b.take();
  t.same(rowsOf(out), [[['h', 1], 2], [['s', 9], -3]], 'a row added otherwise comes after the held one');

  b.addRow(['zero', 0], 0);
  t.equal(b.length, 0, 'weight 0 adds nothing');
  b.addRow(['n', null], 1);
  b.addRow(['u', undefined as unknown as null], 1);
  out = b.take();
  t.same(out.columns, [['n', 'u'], [null, null]], 'undefined stored as NULL');
  t.equal(out.weights, null);
});

t.test('BatchBuilder: the weight arrays of common two-row deltas are shared, not corrupted by reuse', async (t) => {
  const b = new BatchBuilder(1);
  const seen: Int32Array[] = [];
  for (const [w0, w1] of [[-1, 1], [1, -1], [-1, -1], [-1, 1], [3, -2], [-1, 4]]) {
    b.addRow([w0], w0!);
    b.addRow([w1], w1!);
    seen.push(b.take().weights!);
  }
  t.same(seen.map((w) => Array.from(w)), [[-1, 1], [1, -1], [-1, -1], [-1, 1], [3, -2], [-1, 4]]);
  t.equal(seen[0], seen[3], 'the same -1/+1 array');
  b.addRow([1], -1);
  t.same(Array.from(b.take().weights!), [-1]);
  b.addRow([1], 7);
  t.same(Array.from(b.take().weights!), [7]);
});

t.test('BatchBuilder: zero width and addRowWith after held rows', async (t) => {
  const z = new BatchBuilder(0);
  z.addRow([], 1);
  z.addRow([], -1);
  const out = z.take();
  t.equal(out.length, 2);
  t.same(out.columns, []);
  t.same(Array.from(out.weights!), [1, -1]);
  const r = new BatchBuilder(3);
  r.addRow(['a', 1, 10], 1);
  r.addRowWith(['b', 2], 20, 1);
  t.same(rowsOf(r.take()), [[['a', 1, 10], 1], [['b', 2, 20], 1]]);
});

t.test('batchFromRows and rowReader', async (t) => {
  const one = batchFromRows([[1, 'a', null, undefined as unknown as null]], 4);
  t.same(one.columns, [[1], ['a'], [null], [null]]);
  t.equal(one.columns.length, 4);
  t.equal(one.weights, null);
  const many = batchFromRows([[1, 'a'], [2, 'b'], [3, null]], 2);
  t.same(many.columns, [[1, 2, 3], ['a', 'b', null]]);
  const w = batchFromRows([[1], [2]], 1, [1, -1]);
  t.same(Array.from(w.weights!), [1, -1]);
  t.same(rowReader(3)([[1], [undefined as unknown as null], new Float64Array([2.5])], 0), [1, null, 2.5]);
  const wide = Array.from({ length: 70 }, (_, c) => [c]);
  t.same(rowReader(70)(wide, 0), Array.from({ length: 70 }, (_, c) => c), 'wide rows use the loop reader');
});

/** Records every call it receives. */
class Probe implements Operator {
  readonly calls: string[] = [];
  constructor(private readonly out: Output) {}
  push(batch: Batch): void {
    this.calls.push(`push ${batch.length}`);
    this.out.push(batch);
  }
  watermark(wm: number): void {
    this.calls.push(`wm ${wm}`);
    this.out.watermark(wm);
  }
  flush(): void {
    this.calls.push('flush');
  }
  snapshot(): unknown {
    return null;
  }
  restore(): void {}
  stateSize(): number {
    return 0;
  }
}

t.test('Dataflow.pushWithWatermark: rows and watermark in one step, queued from a callback, joined in a transaction', async (t) => {
  const df = new Dataflow();
  const src = df.addRoot((o) => new SourceStore(o, 1), 'src');
  const b = df.builder();
  let probe!: Probe;
  const p = b.add((o) => (probe = new Probe(o)), [src]);
  const v = b.add((o) => new ViewStore(o, 1), [p], 'v');
  b.commit();
  const calls: EngineChange[][] = [];
  let again = true;
  df.subscribe(v, (c) => {
    calls.push(c);
    // a push from a subscriber callback runs as its own step after this delivery
    if (again) {
      again = false;
      df.pushWithWatermark(src, batchFromRows([[2]], 1), 20);
      t.same(probe.calls.slice(-1), ['flush'], 'not run inside the delivery');
    }
  });
  probe.calls.length = 0;
  df.pushWithWatermark(src, batchFromRows([[1]], 1), 10);
  t.same(probe.calls, ['push 1', 'wm 10', 'flush', 'push 1', 'wm 20', 'flush'], 'each call one step: push, watermark, one flush');
  t.same(calls, [[{ op: 'insert', row: [1] }], [{ op: 'insert', row: [2] }]], 'one delivery per step');
  t.equal(df.operator<SourceStore>(src).watermarkValue, 20);
  probe.calls.length = 0;
  df.transaction(() => {
    df.pushWithWatermark(src, batchFromRows([[3]], 1), 30);
    df.pushWithWatermark(src, batchFromRows([[4]], 1), 40);
  });
  t.same(probe.calls, ['push 1', 'wm 30', 'push 1', 'wm 40', 'flush'], 'inside a transaction: one step for both');
  t.same(calls.at(-1), [{ op: 'insert', row: [3] }, { op: 'insert', row: [4] }]);
  df.removeNodes([v, p]);
  df.removeRoot(src);
  t.throws(() => df.pushWithWatermark(src, batchFromRows([[5]], 1), 50), /was removed/, 'a removed root is refused');
});

t.test('columnProjection: generated picks, and an identity projection forwards the batch itself', async (t) => {
  const pushed: Batch[] = [];
  const out: Output = { push: (b) => void pushed.push(b), watermark() {} };
  const batch: Batch = { length: 2, columns: [[1, 2], ['a', 'b'], [true, false]], weights: Int32Array.of(1, -1) };
  new Project(out, columnProjection([0, 1, 2])).push(batch);
  t.equal(pushed[0], batch, 'all columns in order: the same batch object');
  new Project(out, columnProjection([0, 1])).push(batch);
  t.not(pushed[1], batch);
  t.same(pushed[1]!.columns, [[1, 2], ['a', 'b']], 'a prefix is a real projection (the input is wider)');
  t.equal(pushed[1]!.weights, batch.weights, 'weights pass through');
  new Project(out, columnProjection([2, 0, 0])).push(batch);
  t.same(pushed[2]!.columns, [[true, false], [1, 2], [1, 2]], 'reordered and repeated');
  t.equal(pushed[2]!.columns[1], batch.columns[0], 'columns are not copied');
  const wide = Array.from({ length: 70 }, (_, c) => c);
  const wideBatch: Batch = { length: 1, columns: wide.map((c) => [c]), weights: null };
  new Project(out, columnProjection(wide)).push(wideBatch);
  t.equal(pushed[3], wideBatch, 'wide identity (loop version) forwards the batch too');
  new Project(out, columnProjection([69, 0])).push(wideBatch);
  t.same(pushed[4]!.columns, [[69], [0]]);
  new Project(out, columnProjection([])).push(batch);
  t.same(pushed[5]!.columns, [], 'no columns');
  t.equal(pushed[5]!.length, 2);
});

t.test('compileFilter: one-row batches (shared selections) agree with the multi-row path', async (t) => {
  const price: BoundExpr = { kind: 'column', index: 0, type: T.bigint };
  const pred: BoundExpr = { kind: 'call', name: '>', args: [price, { kind: 'literal', value: 1000, type: T.bigint }], type: T.boolean };
  const filter = compileFilter(pred);
  const one = (v: Value) => Array.from(filter({ length: 1, columns: [[v]], weights: null }));
  t.same(one(1001), [0], 'kept');
  t.same(one(1000), [], 'FALSE drops');
  t.same(one(null), [], 'NULL drops');
  t.same(one(5000), [0], 'kept again after a drop (no state between calls)');
  t.same(Array.from(filter({ length: 3, columns: [[5, 2000, null]], weights: null })), [1]);
  t.same(Array.from(filter({ length: 2, columns: [[2000, 3000]], weights: null })), [0, 1]);
  // end to end: a filter view fed one row at a time, with a subscriber
  const e = new Engine();
  e.execute('CREATE SOURCE bid (auction BIGINT, price BIGINT)');
  e.execute('CREATE MATERIALIZED VIEW big AS SELECT auction, price * 2 AS p2 FROM bid WHERE price > 1000');
  const got: EngineChange[][] = [];
  e.subscribe('big', (c) => got.push(c));
  for (const [a, p] of [[1, 500], [2, 1500], [3, null], [4, 1001]] as const) e.insertRows('bid', [[a, p]]);
  t.same(got, [[{ op: 'insert', row: [2, 3000] }], [{ op: 'insert', row: [4, 2002] }]], 'one delivery per passing event');
  t.same(e.query('SELECT auction FROM big ORDER BY auction').rows, [[2], [4]]);
});

t.test('HashAggregate native index, one row per push: same results as the JS index (found, new, released, re-added keys)', async (t) => {
  const run = (groupIndex: 'native' | 'js') => {
    const out: [Row, number][] = [];
    const sink: Output = { push: (b) => void out.push(...rowsOf(b)), watermark() {} };
    const agg = new HashAggregate(sink, { groupBy: [0], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 1 }], groupIndex });
    const keys = [5, -3, 5, 0, -0, 2 ** 40, -3, 1.5, NaN, 5, -(2 ** 52), 0];
    keys.forEach((k, i) => {
      agg.push({ length: 1, columns: [[k], [i]], weights: null });
      agg.flush();
    });
    // retract every row of key 5 one event at a time (its group is released), then re-add it
    for (const i of [0, 2, 9]) {
      agg.push({ length: 1, columns: [[5], [i]], weights: Int32Array.of(-1) });
      agg.flush();
    }
    agg.push({ length: 1, columns: [[5], [100]], weights: null });
    agg.flush();
    agg.push({ length: 1, columns: [[-3], [1]], weights: Int32Array.of(-1) });
    agg.flush();
    return { out, size: agg.stateSize() };
  };
  const native = run('native');
  const js = run('js');
  t.same(native.out, js.out, 'every delta the same');
  t.equal(native.size, js.size);
  t.same(native.out.slice(-3), [[[5, 1, 100], 1], [[-3, 2, 7], -1], [[-3, 1, 6], 1]], 'the re-added key is a new group; -3 keeps its state');
});
