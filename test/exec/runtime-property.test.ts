// End-to-end property of the runtime: a keyed table feeding aggregate and join views. After
// every step, (1) a view created before the data, (2) a view created mid-way (back-filled),
// (3) a one-shot query, and (4) a replica maintained only from the delivered changes all equal
// the reference answer computed from the table's rows.
import t from 'tap';
import fc from 'fast-check';
import { Dataflow, type DataflowNode, type SubgraphBuilder } from '../../lib/exec/runtime/dataflow.js';
import { TableStore } from '../../lib/exec/runtime/table-store.js';
import { ViewStore } from '../../lib/exec/runtime/view-store.js';
import { HashAggregate } from '../../lib/exec/operators/hash-aggregate.js';
import { Join } from '../../lib/exec/operators/join.js';
import { Project, columnProjection } from '../../lib/exec/operators/project.js';
import { rowAt } from '../../lib/exec/runtime/batch-builder.js';
import type { EngineChange } from '../../lib/engine/types.js';
import type { Row } from '../../lib/types/value.js';
import { deletes, inserts, smallInt, sortRows } from './helpers.js';

type Op = { upsert: Row } | { delete: number };

/** SELECT g, count(*), sum(x) FROM t GROUP BY g, then joined with t2 on g = k (left join). */
function buildAggregateJoin(b: SubgraphBuilder, t1: DataflowNode, t2: DataflowNode): DataflowNode {
  const agg = b.add((o) => new HashAggregate(o, { groupBy: [1], aggregates: [{ fn: 'count_star' }, { fn: 'sum', arg: 2 }] }), [t1]);
  const j = b.add((o) => new Join(o, { type: 'left', leftWidth: 3, rightWidth: 2, leftKeys: [0], rightKeys: [0] }), [agg, t2]);
  return b.add((o) => new Project(o, columnProjection([0, 1, 2, 4])), [j]);
}

function reference(rows: Row[], dims: Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = JSON.stringify(r[1]);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const out: Row[] = [];
  for (const g of groups.values()) {
    const xs = g.map((r) => r[2]).filter((v) => v !== null) as number[];
    const agg: Row = [g[0][1], g.length, xs.length ? xs.reduce((a, b) => a + b, 0) : null];
    const matches = dims.filter((d) => d[0] !== null && agg[0] !== null && d[0] === agg[0]);
    if (matches.length === 0) out.push([...agg, null]);
    for (const d of matches) out.push([...agg, d[1]]);
  }
  return sortRows(out);
}

t.test('property: views before/after data, queries and change replicas agree', async (t) => {
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 5 }), smallInt, smallInt).map((r) => ({ upsert: r as Row })),
    fc.integer({ min: 0, max: 5 }).map((id) => ({ delete: id })),
  );
  const stepArb = fc.array(opArb, { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 8 }), fc.nat(8), (steps, lateAt) => {
      const df = new Dataflow();
      const t1 = df.addRoot((o) => new TableStore(o, { columnNames: ['id', 'g', 'x'], primaryKey: [0] }));
      const t2 = df.addRoot((o) => new TableStore(o, { columnNames: ['k', 'label'], primaryKey: [0] }));
      df.push(t2, inserts([0, 'zero'], [1, 'one']));
      const b = df.builder();
      // g is unique: one aggregate row per group, dims keyed by k
      const early = b.add((o) => new ViewStore(o, 4, { uniqueKey: [0] }), [buildAggregateJoin(b, t1, t2)]);
      b.commit();
      const replica = new Map<string, number>();
      const apply = (row: Row, d: number) => {
        const k = JSON.stringify(row);
        replica.set(k, (replica.get(k) ?? 0) + d);
        if (replica.get(k) === 0) replica.delete(k);
      };
      df.subscribe(early, (changes: EngineChange[]) => {
        for (const c of changes) {
          if (c.op === 'update') apply(c.old!, -1);
          apply(c.row, c.op === 'delete' ? -1 : 1);
        }
      });
      let late: DataflowNode | undefined;
      const table = new Map<number, Row>();
      steps.forEach((step, s) => {
        if (s === lateAt % steps.length) {
          const lb = df.builder();
          late = lb.add((o) => new ViewStore(o, 4), [buildAggregateJoin(lb, t1, t2)]);
          lb.commit();
        }
        df.transaction(() => {
          for (const op of step) {
            if ('upsert' in op) {
              df.push(t1, inserts(op.upsert));
              table.set(op.upsert[0] as number, op.upsert);
            } else if (table.has(op.delete)) {
              df.push(t1, deletes(table.get(op.delete)!));
              table.delete(op.delete);
            }
          }
        });
        const expected = JSON.stringify(reference([...table.values()], [[0, 'zero'], [1, 'one']]));
        const fromEarly = JSON.stringify(sortRows(df.operator<ViewStore>(early).scan()));
        const fromLate = late ? JSON.stringify(sortRows(df.operator<ViewStore>(late).scan())) : expected;
        const q = df.query((qb) => buildAggregateJoin(qb, t1, t2), 4);
        const fromQuery = JSON.stringify(sortRows(Array.from({ length: q.length }, (_, i) => rowAt(q, i))));
        const fromReplica = JSON.stringify(sortRows([...replica].flatMap(([k, n]) => Array.from({ length: n }, () => JSON.parse(k) as Row))));
        for (const [name, got] of [['early view', fromEarly], ['late view', fromLate], ['query', fromQuery], ['replica', fromReplica]]) {
          if (got !== expected) throw new Error(`${name} after step ${s}: ${got} ≠ ${expected}`);
        }
      });
    }),
    { numRuns: 200 },
  );
  t.pass('held for 200 random histories');
});
