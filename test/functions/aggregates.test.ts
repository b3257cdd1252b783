import t from 'tap';
import fc from 'fast-check';
import { accumulatorForCall, createAccumulator, slotAccumulatorFor, type Accumulator } from '../../lib/functions/aggregates/index.js';
import { resolveAggregate, isAggregate } from '../../lib/functions/registry.js';
import { T, type DataType } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import { Interval } from '../../lib/types/interval.js';
import { encodeValue } from '../../lib/types/compare.js';
import type { Value } from '../../lib/types/value.js';

type Row = { v: Value; extra?: Value; order?: Value[] };

function run(acc: Accumulator, rows: Row[], weight = 1): Value {
  const s = acc.create();
  for (const r of rows) acc.add(s, r.v, weight, r.extra, r.order);
  return acc.result(s);
}
const vals = (...xs: Value[]): Row[] => xs.map((v) => ({ v }));
const str = (v: Value) => (v === null ? null : String(v));

t.test('result types (documented choices)', async (t) => {
  t.equal(resolveAggregate('count', [T.int]).id, 'bigint');
  t.equal(resolveAggregate('count_star', []).id, 'bigint');
  t.equal(resolveAggregate('sum', [T.int]).id, 'bigint');
  t.equal(resolveAggregate('sum', [T.bigint]).id, 'bigint', 'a number for JS callers (DataFusion), not numeric');
  t.equal(resolveAggregate('sum', [T.decimal]).id, 'decimal');
  t.equal(resolveAggregate('sum', [T.double]).id, 'double');
  t.equal(resolveAggregate('avg', [T.int]).id, 'double');
  t.equal(resolveAggregate('avg', [T.decimal]).id, 'decimal');
  t.equal(resolveAggregate('avg', [T.real]).id, 'double');
  t.equal(resolveAggregate('MAX', [T.timestamp]).id, 'timestamp');
  t.equal(resolveAggregate('array_agg', [T.varchar]).element!.id, 'varchar');
  t.equal(resolveAggregate('stddev', [T.bigint]).id, 'double');
  t.throws(() => resolveAggregate('sum', [T.varchar]), { name: 'SqlTypeError', code: 'TYPE_MISMATCH' });
  t.throws(() => resolveAggregate('bool_and', [T.int]), { code: 'TYPE_MISMATCH' });
  t.throws(() => resolveAggregate('median', [T.int]), { code: 'UNKNOWN_FUNCTION' });
  t.ok(isAggregate('count'));
  t.ok(isAggregate('String_Agg'));
  t.notOk(isAggregate('lower'));
});

t.test('count, sum, avg over values with NULLs (PostgreSQL answers)', async (t) => {
  const xs = vals(1, null, 2, 3);
  t.equal(run(createAccumulator('count', [T.int]), xs), 3);
  t.equal(run(createAccumulator('count_star', []), xs), 4);
  t.equal(run(createAccumulator('count', []), xs), 4, 'count() with no argument is count(*)');
  t.equal(run(createAccumulator('sum', [T.int]), xs), 6);
  t.equal(str(run(createAccumulator('sum', [T.bigint]), xs)), '6');
  t.equal(run(createAccumulator('avg', [T.int]), vals(1, 2)), 1.5);
  t.equal(run(createAccumulator('avg', [T.int]), vals(1, 2, 2)), 5 / 3);
  t.equal(run(createAccumulator('avg', [T.double]), vals(1, 2)), 1.5);
  t.equal(run(createAccumulator('sum', [T.int]), vals(null, null)), null, 'sum of only NULLs is NULL');
  t.equal(run(createAccumulator('count', [T.int]), vals(null)), 0);
  t.equal(run(createAccumulator('avg', [T.int]), []), null);
  t.equal(str(run(createAccumulator('sum', [T.decimal]), vals(Decimal.parse('1.10'), Decimal.parse('2.205')))), '3.305');
  t.equal(str(run(createAccumulator('sum', [T.interval]), vals(Interval.parse('1 hour'), Interval.parse('1 day')))), '1 day 01:00:00');
  t.equal(str(run(createAccumulator('avg', [T.interval]), vals(Interval.parse('1 hour'), Interval.parse('3 hours')))), '02:00:00');
  t.ok(Number.isNaN(run(createAccumulator('sum', [T.double]), vals(1, NaN)) as number));
});

t.test('exact integer sums past 2^53', async (t) => {
  const big = Number.MAX_SAFE_INTEGER;
  t.throws(() => run(createAccumulator('sum', [T.bigint]), vals(big, big, 1)), { code: 'NUMERIC_OVERFLOW' }, 'no silent rounding past 2^53');
  const acc = createAccumulator('sum', [T.bigint]);
  const s = acc.create();
  acc.add(s, big, 3);
  acc.add(s, big, -2);
  t.equal(str(acc.result(s)), String(big), 'returns to the fast path after retraction');
  t.throws(() => run(createAccumulator('sum', [T.int]), vals(2 ** 31 - 1), 2 ** 23), { code: 'NUMERIC_OVERFLOW' });
  t.equal(run(createAccumulator('avg', [T.bigint]), vals(big, big)), big, 'the sum stays exact past 2^53 before dividing');
});

t.test('min/max, retractable and append-only', async (t) => {
  for (const appendOnly of [false, true]) {
    t.equal(run(createAccumulator('max', [T.int], { appendOnly }), vals(3, null, 7, 1)), 7);
    t.equal(run(createAccumulator('min', [T.varchar], { appendOnly }), vals('b', 'a', null)), 'a');
    t.equal(run(createAccumulator('min', [T.int], { appendOnly }), vals(null)), null);
    t.equal(str(run(createAccumulator('max', [T.decimal], { appendOnly }), vals(Decimal.parse('1.5'), Decimal.parse('10')))), '10');
  }
  const acc = createAccumulator('max', [T.int]);
  const s = acc.create();
  acc.add(s, 5, 2);
  acc.add(s, 9, 1);
  t.equal(acc.result(s), 9);
  acc.add(s, 9, -1);
  t.equal(acc.result(s), 5, 'the next largest after retracting the max');
  acc.add(s, 5, -1);
  t.equal(acc.result(s), 5, 'one copy of 5 remains');
  acc.add(s, 5, -1);
  t.equal(acc.result(s), null);
  t.ok(acc.isEmpty(s));
  t.throws(() => acc.add(s, 1, -1), { code: 'INVALID_ARGUMENT' });
  const ao = createAccumulator('max', [T.int], { appendOnly: true });
  t.throws(() => ao.add(ao.create(), 1, -1), { code: 'INVALID_ARGUMENT', message: /append-only/ });
});

t.test('DISTINCT', async (t) => {
  t.equal(run(createAccumulator('count', [T.int], { distinct: true }), vals(1, 1, 2, null)), 2);
  t.equal(run(createAccumulator('sum', [T.int], { distinct: true }), vals(1, 1, 2)), 3);
  t.equal(str(run(createAccumulator('avg', [T.decimal], { distinct: true }), vals(Decimal.parse('1.0'), Decimal.parse('1.00'), Decimal.parse('2')))), '1.5000000000000000');
  const acc = createAccumulator('count', [T.varchar], { distinct: true });
  const s = acc.create();
  acc.add(s, 'a', 2);
  acc.add(s, 'b', 1);
  acc.add(s, 'a', -1);
  t.equal(acc.result(s), 2, "one 'a' remains");
  acc.add(s, 'a', -1);
  t.equal(acc.result(s), 1);
  t.equal(run(createAccumulator('approx_count_distinct', [T.int]), vals(1, 2, 2, null)), 2);
});

t.test('bool_and / bool_or / every', async (t) => {
  t.equal(run(createAccumulator('bool_and', [T.boolean]), vals(true, null, true)), true);
  t.equal(run(createAccumulator('bool_and', [T.boolean]), vals(true, false)), false);
  t.equal(run(createAccumulator('every', [T.boolean]), vals(null)), null);
  t.equal(run(createAccumulator('bool_or', [T.boolean]), vals(false, null)), false);
  t.equal(run(createAccumulator('bool_or', [T.boolean]), vals(false, true)), true);
});

t.test('string_agg / array_agg / first_value / last_value with ORDER BY', async (t) => {
  const orderBy = [{ type: T.int, desc: false, nullsFirst: false }];
  const rows: Row[] = [
    { v: 'c', extra: ',', order: [3] },
    { v: 'a', extra: ',', order: [1] },
    { v: null, extra: ',', order: [0] },
    { v: 'b', extra: ';', order: [2] },
  ];
  t.equal(run(createAccumulator('string_agg', [T.varchar, T.varchar], { orderBy }), rows), 'a;b,c', 'each value is preceded by its own delimiter; NULLs skipped');
  t.same(run(createAccumulator('array_agg', [T.varchar], { orderBy }), rows), [null, 'a', 'b', 'c'], 'array_agg keeps NULLs');
  t.same(run(createAccumulator('array_agg', [T.varchar], { orderBy: [{ type: T.int, desc: true, nullsFirst: false }] }), rows), ['c', 'b', 'a', null]);
  t.equal(run(createAccumulator('string_agg', [T.varchar, T.varchar]), vals('x', 'y')), null === null ? 'xy' : '', 'no ORDER BY: arrival order');
  t.equal(run(createAccumulator('string_agg', [T.varchar, T.varchar]), vals(null)), null);
  for (const appendOnly of [false, true]) {
    t.equal(run(createAccumulator('first_value', [T.varchar], { orderBy, appendOnly }), rows), null, 'first by order key (its value is NULL)');
    t.equal(run(createAccumulator('last_value', [T.varchar], { orderBy, appendOnly }), rows), 'c');
    t.equal(run(createAccumulator('first_value', [T.varchar], { appendOnly }), rows), 'c', 'no ORDER BY: first arrival');
    t.equal(run(createAccumulator('last_value', [T.varchar], { appendOnly }), rows), 'b');
  }
  const ties = [{ v: 'x', order: [1] }, { v: 'y', order: [1] }];
  t.equal(run(createAccumulator('first_value', [T.varchar], { orderBy }), ties), 'x', 'ties: earlier arrival first');
  t.equal(run(createAccumulator('last_value', [T.varchar], { orderBy }), ties), 'y');
  t.equal(run(createAccumulator('last_value', [T.varchar], { orderBy, appendOnly: true }), ties), 'y');
});

t.test('variance family (PostgreSQL: 1,2,3,4 → var_samp 1.6667, var_pop 1.25)', async (t) => {
  const xs = vals(1, 2, 3, 4, null);
  const close = (a: Value, b: number) => Math.abs((a as number) - b) < 1e-12;
  t.ok(close(run(createAccumulator('var_samp', [T.int]), xs), 5 / 3));
  t.ok(close(run(createAccumulator('var_pop', [T.int]), xs), 1.25));
  t.ok(close(run(createAccumulator('stddev', [T.int]), xs), Math.sqrt(5 / 3)));
  t.ok(close(run(createAccumulator('stddev_pop', [T.double]), xs), Math.sqrt(1.25)));
  t.equal(run(createAccumulator('var_samp', [T.int]), vals(1)), null, 'sample variance of one value is NULL');
  t.equal(run(createAccumulator('var_pop', [T.int]), vals(1)), 0);
  t.ok(close(run(createAccumulator('variance', [T.decimal]), vals(Decimal.parse('1e9'), Decimal.parse('1000000001'))), 0.5), 'shifted sums keep precision');
});

t.test('accumulatorForCall reads DISTINCT and ORDER BY from the plan node', async (t) => {
  const acc = accumulatorForCall({
    fn: 'string_agg',
    args: [{ kind: 'column', index: 0, type: T.varchar }, { kind: 'literal', value: ',', type: T.varchar }],
    distinct: false,
    orderBy: [{ expr: { kind: 'column', index: 1, type: T.int }, desc: true, nullsFirst: false }],
    type: T.varchar,
  });
  t.equal(run(acc, [{ v: 'a', extra: ',', order: [1] }, { v: 'b', extra: ',', order: [2] }]), 'b,a');
});

t.test('slot accumulators agree with the generic ones', async (t) => {
  const buf = new Float64Array(6);
  const sum = slotAccumulatorFor('sum', [T.bigint])!;
  const avg = slotAccumulatorFor('avg', [T.int])!;
  sum.init(buf, 0);
  avg.init(buf, 3);
  for (const [v, w] of [[5, 1], [null, 1], [7, 2], [5, -1]] as [number | null, number][]) {
    sum.add(buf, 0, v, w);
    avg.add(buf, 3, v, w);
  }
  t.equal(String(sum.result(buf, 0)), '14');
  t.equal(avg.result(buf, 3), 7);
  t.notOk(sum.isEmpty(buf, 0));
  const cnt = slotAccumulatorFor('count', [])!;
  const b2 = new Float64Array(cnt.slots);
  cnt.add(b2, 0, null, 3);
  t.equal(cnt.result(b2, 0), 3);
  cnt.add(b2, 0, null, -3);
  t.ok(cnt.isEmpty(b2, 0));
  t.equal(slotAccumulatorFor('sum', [T.decimal]), undefined);
  t.equal(slotAccumulatorFor('min', [T.int]), undefined);
  t.equal(slotAccumulatorFor('sum', [T.int], true), undefined, 'never for DISTINCT');
  const dbl = slotAccumulatorFor('sum', [T.double])!;
  const b3 = new Float64Array(3);
  dbl.add(b3, 0, 0.1, 1);
  dbl.add(b3, 0, 0.2, 1);
  dbl.add(b3, 0, 0.1, -1);
  dbl.add(b3, 0, 0.2, -1);
  t.equal(dbl.result(b3, 0), null);
  t.ok(dbl.isEmpty(b3, 0));
  const over = slotAccumulatorFor('sum', [T.bigint])!;
  const b4 = new Float64Array(3);
  t.throws(() => over.add(b4, 0, Number.MAX_SAFE_INTEGER, 2), { code: 'NUMERIC_OVERFLOW' });
});

// ---------------------------------------------------------------------------------------------
// Property: adding a multiset, then retracting any sub-multiset, equals computing over the rest.

interface Spec {
  fn: string;
  types: DataType[];
  value: fc.Arbitrary<Value>;
  distinct?: boolean;
  ordered?: boolean;
  /** compare results approximately (float sums) */
  approx?: boolean;
}

const intOrNull = fc.option(fc.integer({ min: -50, max: 50 }), { freq: 5 });
const specs: Spec[] = [
  { fn: 'count', types: [T.int], value: intOrNull },
  { fn: 'count_star', types: [], value: intOrNull },
  { fn: 'sum', types: [T.int], value: intOrNull },
  // totals stay within ±2^53 (past that, sum(bigint) raises NUMERIC_OVERFLOW by design)
  { fn: 'sum', types: [T.bigint], value: fc.option(fc.integer({ min: -(2 ** 47), max: 2 ** 47 })) },
  { fn: 'avg', types: [T.int], value: intOrNull },
  { fn: 'sum', types: [T.decimal], value: fc.option(fc.integer({ min: -999, max: 999 }).map((x) => new Decimal(BigInt(x), 2))) },
  { fn: 'sum', types: [T.double], value: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true })), approx: true },
  { fn: 'min', types: [T.int], value: intOrNull },
  { fn: 'max', types: [T.varchar], value: fc.option(fc.string({ maxLength: 3 })) },
  { fn: 'count', types: [T.int], value: fc.option(fc.integer({ min: 0, max: 5 })), distinct: true },
  { fn: 'sum', types: [T.int], value: fc.option(fc.integer({ min: 0, max: 5 })), distinct: true },
  { fn: 'bool_and', types: [T.boolean], value: fc.option(fc.boolean()) },
  { fn: 'bool_or', types: [T.boolean], value: fc.option(fc.boolean()) },
  { fn: 'string_agg', types: [T.varchar, T.varchar], value: fc.option(fc.string({ maxLength: 2 })), ordered: true },
  { fn: 'array_agg', types: [T.int], value: intOrNull, ordered: true },
  { fn: 'first_value', types: [T.int], value: intOrNull, ordered: true },
  { fn: 'last_value', types: [T.int], value: intOrNull, ordered: true },
  { fn: 'var_samp', types: [T.int], value: intOrNull, approx: true },
  { fn: 'stddev_pop', types: [T.double], value: fc.option(fc.double({ min: -1000, max: 1000, noNaN: true })), approx: true },
];

/** approx: float results may differ by rounding, bounded relative to the largest input seen. */
function same(a: Value, b: Value, approx: boolean, scale: number): boolean {
  if (approx && typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-6 * Math.max(1, scale);
  return encodeValue(a) === encodeValue(b);
}

for (const spec of specs) {
  t.test(`property: ${spec.fn}${spec.distinct ? ' DISTINCT' : ''}(${spec.types.map((x) => x.id).join(', ')}) retracts exactly`, async (t) => {
    // Ordered aggregates get a unique order key per row so the expected order is well defined.
    const orderBy = spec.ordered ? [{ type: T.int, desc: false, nullsFirst: false }] : undefined;
    const acc = createAccumulator(spec.fn, spec.types, { distinct: spec.distinct, orderBy });
    fc.assert(
      fc.property(fc.array(fc.tuple(spec.value, fc.boolean()), { maxLength: 25 }), fc.array(fc.integer({ min: 0, max: 24 })), (rows, shuffle) => {
        const keyed = rows.map(([v, retract], k) => ({ v, retract, order: [k] as Value[] }));
        const s = acc.create();
        for (const r of keyed) acc.add(s, r.v, 1, ',', r.order);
        // retract the chosen rows in a scrambled order
        const gone = keyed.filter((r) => r.retract);
        for (const k of shuffle) if (gone.length > 1) gone.push(gone.splice(k % gone.length, 1)[0]!);
        for (const r of gone) acc.add(s, r.v, -1, ',', r.order);
        const fresh = acc.create();
        for (const r of keyed) if (!r.retract) acc.add(fresh, r.v, 1, ',', r.order);
        const emptyOk = acc.isEmpty(s) === acc.isEmpty(fresh);
        const scale = Math.max(0, ...keyed.map((r) => (typeof r.v === 'number' ? Math.abs(r.v) : 0)));
        return emptyOk && same(acc.result(s), acc.result(fresh), spec.approx ?? false, scale);
      }),
      { numRuns: 200 },
    );
    t.pass();
  });
}

t.test('checkpoint: save → JSON → load continues exactly (every accumulator kind)', async (t) => {
  const orderBy = [{ type: T.int, desc: false, nullsFirst: false }];
  for (const spec of specs) {
    const acc = createAccumulator(spec.fn, spec.types, { distinct: spec.distinct, orderBy: spec.ordered ? orderBy : undefined });
    fc.assert(
      fc.property(fc.array(spec.value, { maxLength: 12 }), fc.array(spec.value, { maxLength: 12 }), (before, after) => {
        const straight = acc.create();
        const first = acc.create();
        before.forEach((v, k) => {
          acc.add(straight, v, 1, ',', [k]);
          acc.add(first, v, 1, ',', [k]);
        });
        const restored = acc.load!(JSON.parse(JSON.stringify(acc.save!(first))));
        after.forEach((v, k) => {
          acc.add(straight, v, 1, ',', [100 + k]);
          acc.add(restored, v, 1, ',', [100 + k]);
        });
        if (before.length) {
          acc.add(straight, before[0]!, -1, ',', [0]);
          acc.add(restored, before[0]!, -1, ',', [0]);
        }
        return same(acc.result(straight), acc.result(restored), false, 0) && acc.isEmpty(straight) === acc.isEmpty(restored);
      }),
      { numRuns: 60 },
    );
  }
  const dec = createAccumulator('max', [T.decimal]);
  const st = dec.create();
  dec.add(st, Decimal.parse('1.50'), 1);
  const back = dec.load!(JSON.parse(JSON.stringify(dec.save!(st))));
  t.ok(dec.result(back) instanceof Decimal, 'Decimal values keep their class');
  t.throws(() => dec.load!(['zz']), { code: 'INVALID_ARGUMENT' });
});
