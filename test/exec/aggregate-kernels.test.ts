// Differential test: the built-in kernels, lib/functions' SQL-typed accumulators and their flat
// Float64Array variants, plugged into HashAggregate, agree on every random history.
import t from 'tap';
import v8 from 'node:v8';
import fc from 'fast-check';
import { HashAggregate, type AggregateSpec } from '../../lib/exec/operators/hash-aggregate.js';
import { createAccumulator, slotAccumulatorFor } from '../../lib/functions/aggregates/index.js';
import { T } from '../../lib/types/datatype.js';
import type { Row } from '../../lib/types/value.js';
import { make, smallInt, stepBatch, stepsArb } from './helpers.js';

const FNS: { fn: string; arg?: number; distinct?: boolean; filter?: number }[] = [
  { fn: 'count_star' },
  { fn: 'count', arg: 1 },
  { fn: 'sum', arg: 1 },
  { fn: 'min', arg: 1 },
  { fn: 'max', arg: 1 },
  { fn: 'sum', arg: 1, distinct: true },
  { fn: 'count', arg: 1, filter: 2 },
];

function specs(kind: 'builtin' | 'state' | 'flat'): AggregateSpec[] {
  return FNS.map((f) => {
    const args = f.arg === undefined ? [] : [T.double];
    if (kind === 'builtin') return { ...f };
    if (kind === 'flat') {
      const flat = slotAccumulatorFor(f.fn, args);
      if (flat) return { ...f, flatAccumulator: flat };
    }
    // DISTINCT is the operator's job (each value fed once), so the accumulator is plain
    return { ...f, accumulator: createAccumulator(f.fn, args) };
  });
}

t.test('flat accumulators are used where lib/functions offers them', async (t) => {
  t.ok(slotAccumulatorFor('sum', [T.double]));
  t.ok(slotAccumulatorFor('count_star', []));
});

t.test('property: built-in, SQL-typed and flat accumulators agree', async (t) => {
  const rowArb = fc.tuple(smallInt, smallInt, fc.constantFrom<Row[number]>(true, false, null)).map((r) => r as Row);
  fc.assert(
    fc.property(stepsArb(rowArb), fc.boolean(), (steps, grouped) => {
      const runs = (['builtin', 'state', 'flat'] as const).map((kind) => make((o) => new HashAggregate(o, { groupBy: grouped ? [0] : [], aggregates: specs(kind) })));
      const current: Row[][] = runs.map(() => []);
      for (const step of steps) {
        runs.forEach((r, k) => {
          r.op.push(stepBatch(step, current[k], 3), 0);
          r.op.flush();
        });
        const [a, b, c] = runs.map((r) => JSON.stringify(r.out.net()));
        if (a !== b || a !== c) throw new Error(`builtin ${a}\nstate   ${b}\nflat    ${c}`);
      }
    }),
    { numRuns: 200 },
  );
  t.pass('held for 200 random histories');
});

t.test('flat kernel snapshot/restore', async (t) => {
  const spec = specs('flat');
  const a = make((o) => new HashAggregate(o, { groupBy: [0], aggregates: spec }));
  a.op.push({ length: 2, columns: [['g', 'g'], [1, 2], [true, null]], weights: null }, 0);
  a.op.flush();
  const b = make((o) => new HashAggregate(o, { groupBy: [0], aggregates: specs('flat') }));
  // SQL-typed accumulator states hold Maps/bigints: snapshots are structured-clone data, not JSON
  b.op.restore(v8.deserialize(v8.serialize(a.op.snapshot())));
  for (const h of [a, b]) {
    h.out.clear();
    h.op.push({ length: 1, columns: [['g'], [5], [true]], weights: null }, 0);
    h.op.flush();
  }
  t.same(b.out.changes(), a.out.changes());
});
