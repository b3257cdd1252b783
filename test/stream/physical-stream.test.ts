// buildStreamOperator through the real dataflow runtime: hand-built logical plans over source
// stores, attached live (pushes and watermarks as steps) and run one-shot.

import t from 'tap';
import { Dataflow, type DataflowNode } from '../../lib/exec/runtime/dataflow.js';
import { SourceStore } from '../../lib/exec/runtime/source-store.js';
import { TableStore } from '../../lib/exec/runtime/table-store.js';
import { buildPhysical, type PhysicalContext } from '../../lib/plan/physical.js';
import { buildStreamOperator, buildWindowTopN, partitionSessionWindows, streamNodeBuilder } from '../../lib/plan/physical-stream.js';
import { createCompiler } from '../../lib/engine/compiler.js';
import { UdfRegistry } from '../../lib/exec/expr/udf.js';
import type { LogicalPlan, ScanNode } from '../../lib/plan/logical.js';
import type { BoundExpr } from '../../lib/plan/bound.js';
import { T, type DataType, type Field } from '../../lib/types/datatype.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { Operator } from '../../lib/exec/operator.js';
import { batch, netRows, sortRows } from './harness.js';
import type { Row } from '../../lib/types/value.js';

const f = (name: string, type: DataType, nullable = true): Field => ({ name, type, nullable });
const c = (index: number, type: DataType, name?: string): BoundExpr => ({ kind: 'column', index, type, name });

const BID: Field[] = [f('auction', T.int), f('price', T.int), f('ts', T.timestamp)];
const scan = (relation: string, schema: Field[]): ScanNode => ({ kind: 'scan', relation, relationKind: 'source', schema, props: { appendOnly: true, watermarkColumn: 2 } });

class Sink implements Operator {
  log: { row: Row; weight: number }[] = [];
  watermarks: number[] = [];
  push(b: Batch): void {
    for (let i = 0; i < b.length; i++) this.log.push({ row: b.columns.map((col) => col[i]!) as Row, weight: b.weights ? b.weights[i]! : 1 });
  }
  watermark(wm: number): void {
    this.watermarks.push(wm);
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

function setup(sources: Record<string, number>, tables: Record<string, number> = {}) {
  const flow = new Dataflow();
  const stores = new Map<string, DataflowNode>();
  for (const [name, width] of Object.entries(sources)) stores.set(name, flow.addRoot((out) => new SourceStore(out, width), name));
  for (const [name, width] of Object.entries(tables)) stores.set(name, flow.addRoot((out) => new TableStore(out, { columnNames: Array.from({ length: width }, (_, i) => `c${i}`) }), name));
  const ctx = (b: ReturnType<Dataflow['builder']>): PhysicalContext => ({
    builder: b,
    compiler: createCompiler(new UdfRegistry()),
    stream: streamNodeBuilder(),
    storeNode: (r) => stores.get(r)!,
  });
  const attach = (plan: LogicalPlan) => {
    const b = flow.builder();
    const top = buildPhysical(plan, ctx(b));
    let sink!: Sink;
    b.add(() => (sink = new Sink()), [top], 'sink');
    b.commit();
    return sink;
  };
  const query = (plan: LogicalPlan) => flow.query((b) => buildPhysical(plan, ctx(b)), plan.schema.length);
  return { flow, stores, attach, query, push: (name: string, rows: Row[], weights?: number[]) => flow.push(stores.get(name)!, batch(rows, weights, sources[name] ?? tables[name])) };
}

function tumbleAgg(size: number, emit: 'window-close' | 'changes', tvf: LogicalPlan | undefined = undefined): LogicalPlan {
  const input: LogicalPlan = tvf ?? {
    kind: 'window-tvf',
    input: scan('bid', BID),
    tvf: 'tumble',
    timeColumn: 2,
    sizeMs: size,
    offsetMs: 0,
    schema: [...BID, f('window_start', T.timestamp, false), f('window_end', T.timestamp, false)],
    props: { appendOnly: true },
  };
  return {
    kind: 'aggregate',
    input,
    groupBy: [c(0, T.int), c(4, T.timestamp)],
    aggregates: [
      { fn: 'count_star', args: [], distinct: false, type: T.bigint },
      { fn: 'sum', args: [c(1, T.int)], distinct: false, type: T.bigint },
      { fn: 'max', args: [c(1, T.int)], distinct: false, type: T.int, filter: { kind: 'call', name: '>', args: [c(1, T.int), { kind: 'literal', value: 1, type: T.int }], type: T.boolean } },
    ],
    emit,
    schema: [f('auction', T.int), f('window_end', T.timestamp), f('count', T.bigint), f('sum', T.bigint), f('max', T.int)],
    props: { appendOnly: emit === 'window-close' },
  };
}

t.test('TUMBLE + EOWC aggregate through the dataflow: emitted once at window close', async (t) => {
  const s = setup({ bid: 3 });
  const sink = s.attach(tumbleAgg(10, 'window-close'));
  s.push('bid', [[1, 5, 1], [1, 1, 2], [2, 7, 9], [1, 3, 12]]);
  t.same(sink.log, []);
  s.flow.advanceWatermark(s.stores.get('bid')!, 10);
  t.same(sortRows(sink.log.map((e) => e.row)), [[1, 10, 2, 6, 5], [2, 10, 1, 7, 7]], 'FILTER (WHERE price > 1) applies to max only');
  s.flow.advanceWatermark(s.stores.get('bid')!, 20);
  t.same(sink.log.length, 3);
  t.same(sink.watermarks, [10, 20]);
  // a view created after the data is back-filled: closed windows only
  const late = s.attach(tumbleAgg(10, 'window-close'));
  t.same(netRows(late.log), sortRows([[1, 10, 2, 6, 5], [2, 10, 1, 7, 7], [1, 20, 1, 3, 3]]));
  t.same(sortRows(s.query(tumbleAgg(10, 'window-close')).columns[0] ? rowsOf(s.query(tumbleAgg(10, 'window-close'))) : []), netRows(late.log), 'one-shot query agrees');
});

function rowsOf(b: Batch): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.columns.map((col) => col[i]!) as Row);
  return sortRows(out);
}

t.test('SESSION windows per key (computed partition expression) with EOWC', async (t) => {
  const s = setup({ bid: 3 });
  const session: LogicalPlan = {
    kind: 'window-tvf',
    input: scan('bid', BID),
    tvf: 'session',
    timeColumn: 2,
    sizeMs: 0,
    gapMs: 5,
    offsetMs: 0,
    partitionBy: [{ kind: 'call', name: '+', args: [c(0, T.int), { kind: 'literal', value: 0, type: T.int }], type: T.int }],
    schema: [...BID, f('window_start', T.timestamp, false), f('window_end', T.timestamp, false)],
    props: { appendOnly: false },
  };
  const sink = s.attach(tumbleAgg(0, 'window-close', session));
  s.push('bid', [[1, 5, 1], [2, 2, 2], [1, 6, 4]]);
  s.push('bid', [[1, 9, 9]]);
  s.flow.advanceWatermark(s.stores.get('bid')!, 14);
  t.same(sortRows(sink.log.map((e) => e.row)), [[2, 7, 1, 2, 2]], 'only the session of auction 2 ([2,7)) is closed; auction 1 merged up to 14 (strict close)');
  s.flow.advanceWatermark(s.stores.get('bid')!, 15);
  t.same(sortRows(sink.log.map((e) => e.row)), [[1, 14, 3, 20, 9], [2, 7, 1, 2, 2]]);
  t.ok(sink.log.every((e) => e.weight === 1));
});

t.test('interval join, ASOF join, temporal join and dedup plans', async (t) => {
  const s = setup({ a: 3, b: 3, p: 3 }, { rates: 2 });
  const A: Field[] = [f('k', T.int), f('v', T.int), f('ts', T.timestamp)];
  const both = [...A, ...A];
  const interval: LogicalPlan = {
    kind: 'interval-join', joinKind: 'left', left: scan('a', A), right: scan('b', A),
    leftKeys: [c(0, T.int)], rightKeys: [c(0, T.int)], leftTimeColumn: 2, rightTimeColumn: 2, lowerMs: 0, upperMs: 5,
    residual: { kind: 'call', name: '<', args: [c(1, T.int), c(4, T.int)], type: T.boolean },
    schema: both, props: { appendOnly: true },
  };
  const asof: LogicalPlan = {
    kind: 'asof-join', joinKind: 'inner', left: scan('a', A), right: scan('b', A),
    leftKeys: [{ kind: 'call', name: '+', args: [c(0, T.int), { kind: 'literal', value: 0, type: T.int }], type: T.int }], rightKeys: [c(0, T.int)],
    leftTimeColumn: 2, rightTimeColumn: 2, op: '<=', schema: both, props: { appendOnly: false },
  };
  const temporal: LogicalPlan = {
    kind: 'temporal-join', joinKind: 'inner', left: scan('p', A), right: { kind: 'scan', relation: 'rates', relationKind: 'table', schema: [f('k', T.int), f('rate', T.int)], props: { appendOnly: false } },
    leftKeys: [c(0, T.int)], rightKeys: [c(0, T.int)], schema: [...A, f('k', T.int), f('rate', T.int)], props: { appendOnly: true },
  };
  const dedup: LogicalPlan = { kind: 'dedup', input: scan('a', A), keys: [c(0, T.int)], keep: 'first', schema: A, props: { appendOnly: true } };
  const ij = s.attach(interval);
  const aj = s.attach(asof);
  const tj = s.attach(temporal);
  const dd = s.attach(dedup);
  s.push('rates', [[1, 100]]);
  s.push('b', [[1, 10, 3], [1, 20, 5]]);
  s.push('a', [[1, 15, 1], [1, 5, 4], [2, 1, 4]]);
  s.push('p', [[1, 0, 7]]);
  s.push('rates', [[1, 100], [1, 200]], [-1, 1]);
  s.push('p', [[1, 0, 8]]);
  t.same(netRows(ij.log), sortRows([[1, 15, 1, 1, 20, 5], [1, 5, 4, 1, 20, 5]]), 'interval join: 0 ≤ b.ts - a.ts ≤ 5 and a.v < b.v');
  t.same(netRows(aj.log), [[1, 5, 4, 1, 10, 3]], 'ASOF (b.ts <= a.ts) with a computed key; a row at ts 1 has no match');
  t.same(netRows(tj.log), sortRows([[1, 0, 7, 1, 100], [1, 0, 8, 1, 200]]), 'temporal join: no retraction after the table changed');
  t.same(netRows(dd.log), sortRows([[1, 15, 1], [2, 1, 4]]));
  s.flow.advanceWatermark(s.stores.get('a')!, 100);
  s.flow.advanceWatermark(s.stores.get('b')!, 100);
  t.same(netRows(ij.log), sortRows([[1, 15, 1, 1, 20, 5], [1, 5, 4, 1, 20, 5], [2, 1, 4, null, null, null]]), 'LEFT interval join pads at expiry');
});

t.test('windowed Top-N plan (PARTITION BY window_start)', async (t) => {
  const s = setup({ bid: 3 });
  const tvf: LogicalPlan = {
    kind: 'window-tvf', input: scan('bid', BID), tvf: 'tumble', timeColumn: 2, sizeMs: 10, offsetMs: 0,
    schema: [...BID, f('window_start', T.timestamp, false), f('window_end', T.timestamp, false)], props: { appendOnly: true },
  };
  const topn: LogicalPlan = {
    kind: 'top-n', input: tvf, partitionBy: [c(3, T.timestamp)], order: [{ expr: c(1, T.int), desc: true, nullsFirst: true }], limit: 1, offset: 0,
    rankOutput: { fn: 'row_number' }, schema: [...tvf.schema, f('rn', T.bigint)], props: { appendOnly: true },
  };
  const b = s.flow.builder();
  const ctx: PhysicalContext = { builder: b, compiler: createCompiler(new UdfRegistry()), stream: streamNodeBuilder(), storeNode: (r) => s.stores.get(r)! };
  const input = buildPhysical(tvf, ctx);
  const node = buildWindowTopN(topn as LogicalPlan & { kind: 'top-n' }, ctx, input);
  t.ok(node, 'recognised as a windowed Top-N');
  let sink!: Sink;
  b.add(() => (sink = new Sink()), [node!], 'sink');
  b.commit();
  s.push('bid', [[1, 5, 1], [2, 9, 2], [3, 1, 12]]);
  s.flow.advanceWatermark(s.stores.get('bid')!, 10);
  t.same(netRows(sink.log), sortRows([[2, 9, 2, 0, 10, 1], [3, 1, 12, 10, 20, 1]]), 'a view keeps every window current (changelog), the open one too');
  s.push('bid', [[4, 50, 3]]);
  t.same(netRows(sink.log), sortRows([[4, 50, 3, 0, 10, 1], [3, 1, 12, 10, 20, 1]]), 'without allowed lateness a closed window still updates (view = SELECT over all data)');
  const notWindowed = { ...topn, partitionBy: [c(0, T.int)] } as LogicalPlan & { kind: 'top-n' };
  t.equal(buildWindowTopN(notWindowed, ctx, input), undefined, 'a Top-N not partitioned by a window is left to the relational operator');
});

t.test('plans the operators cannot run are clear errors', async (t) => {
  const s = setup({ bid: 3 });
  const noEnd: LogicalPlan = { ...(tumbleAgg(10, 'window-close') as LogicalPlan & { kind: 'aggregate' }), groupBy: [c(0, T.int)] };
  t.throws(() => s.attach(noEnd), { code: 'UNSUPPORTED', message: /window_end/ });
});

t.test('partitionSessionWindows partitions a SESSION TVF by the aggregate group keys', async (t) => {
  const s = setup({ bid: 3 });
  const session: LogicalPlan = {
    kind: 'window-tvf', input: scan('bid', BID), tvf: 'session', timeColumn: 2, sizeMs: 5, gapMs: 5, offsetMs: 0,
    schema: [...BID, f('window_start', T.timestamp, false), f('window_end', T.timestamp, false)], props: { appendOnly: false },
  };
  // a projection between (reordering columns) must be seen through
  const project: LogicalPlan = {
    kind: 'project', input: session, exprs: [c(4, T.timestamp), c(0, T.int), c(1, T.int), c(3, T.timestamp)],
    schema: [f('window_end', T.timestamp), f('auction', T.int), f('price', T.int), f('window_start', T.timestamp)], props: { appendOnly: false },
  };
  const agg: LogicalPlan = {
    kind: 'aggregate', input: project, groupBy: [c(1, T.int), c(3, T.timestamp), c(0, T.timestamp)],
    aggregates: [{ fn: 'count_star', args: [], distinct: false, type: T.bigint }], emit: 'changes',
    schema: [f('auction', T.int), f('window_start', T.timestamp), f('window_end', T.timestamp), f('count', T.bigint)], props: { appendOnly: false },
  };
  const rewritten = partitionSessionWindows(agg);
  const tvf = ((rewritten as LogicalPlan & { kind: 'aggregate' }).input as LogicalPlan & { kind: 'project' }).input as LogicalPlan & { kind: 'window-tvf' };
  t.same(tvf.partitionBy?.map((p) => (p as { index: number }).index), [0], 'partitioned by auction (input column 0)');
  const sink = s.attach(rewritten);
  s.push('bid', [[1, 5, 1], [2, 2, 3], [1, 6, 4]]);
  t.same(netRows(sink.log), sortRows([[1, 1, 9, 2], [2, 3, 8, 1]]), 'sessions are per auction, not global');
  const global = s.attach(agg);
  t.same(netRows(global.log), sortRows([[1, 1, 9, 2], [2, 1, 9, 1]]), 'without the rewrite one global session spans both auctions');
  const computedKey: LogicalPlan = { ...(agg as LogicalPlan & { kind: 'aggregate' }), groupBy: [{ kind: 'call', name: '+', args: [c(1, T.int), { kind: 'literal', value: 1, type: T.int }], type: T.int }, c(3, T.timestamp), c(0, T.timestamp)] };
  t.equal(partitionSessionWindows(computedKey).kind, 'aggregate');
  t.same(((partitionSessionWindows(computedKey) as LogicalPlan & { kind: 'aggregate' }).input as LogicalPlan & { kind: 'project' }).input, session, 'a computed group key leaves the plan unchanged');
});

t.test('regular join with a state TTL (stateTtlMs) over sources with watermarks', async (t) => {
  const s = setup({ a: 3, b: 3 });
  const A: Field[] = [f('k', T.int), f('v', T.int), f('ts', T.timestamp)];
  const join: LogicalPlan = {
    kind: 'join', joinKind: 'left', left: scan('a', A), right: scan('b', A),
    leftKeys: [c(0, T.int)], rightKeys: [c(0, T.int)], schema: [...A, ...A], props: { appendOnly: false },
  };
  const b = s.flow.builder();
  const ctx: PhysicalContext = { builder: b, compiler: createCompiler(new UdfRegistry()), stream: streamNodeBuilder({ stateTtlMs: 10 }), storeNode: (r) => s.stores.get(r)! };
  t.equal(buildStreamOperator(join, { ...ctx, stream: undefined }, [s.stores.get('a')!, s.stores.get('b')!]), undefined, 'no TTL: left to the relational join');
  const node = ctx.stream!(join, ctx, [s.stores.get('a')!, s.stores.get('b')!]);
  t.ok(node);
  let sink!: Sink;
  b.add(() => (sink = new Sink()), [node!], 'sink');
  b.commit();
  s.push('a', [[1, 1, 0]]);
  s.push('b', [[1, 2, 5]]);
  t.same(netRows(sink.log), [[1, 1, 0, 1, 2, 5]], 'the padded row was replaced by the match');
  s.flow.advanceWatermark(s.stores.get('a')!, 20);
  s.flow.advanceWatermark(s.stores.get('b')!, 20);
  s.push('b', [[1, 3, 25]]);
  t.same(netRows(sink.log), [[1, 1, 0, 1, 2, 5]], 'the left row expired (0 < 20 - 10): no new match, nothing retracted');
});
