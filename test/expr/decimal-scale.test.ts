// DECIMAL constant × integer cast to DECIMAL (lib/exec/expr/decimal-scale.ts): the fused code
// path gives exactly what the generic cast-then-multiply gives, including unsafe magnitudes.
import t from 'tap';
import fc from 'fast-check';
import { compileProjection, compileScalar } from '../../lib/exec/expr/compile.js';
import { matchDecimalTimesInteger } from '../../lib/exec/expr/decimal-scale.js';
import type { BoundCall, BoundExpr } from '../../lib/plan/bound.js';
import { T, type DataType } from '../../lib/types/datatype.js';
import { Decimal } from '../../lib/types/decimal.js';
import type { Value } from '../../lib/types/value.js';
import { Engine } from '../../lib/engine/engine.js';

const col = (index: number, type: DataType = T.bigint): BoundExpr => ({ kind: 'column', index, type });
const dec = (text: string): BoundExpr => ({ kind: 'literal', value: Decimal.parse(text), type: T.decimal });
const toDec = (e: BoundExpr, type: DataType = T.decimal): BoundExpr => ({ kind: 'cast', expr: e, type, try: false });
const times = (a: BoundExpr, b: BoundExpr): BoundCall => ({ kind: 'call', name: '*', args: [a, b], type: T.decimal });

/** The reference: the cast, then Decimal.mul, as the generic path computes them. */
function reference(constant: string, x: Value): Value {
  if (x === null) return null;
  return Decimal.parse(constant).mul(Decimal.fromNumber(x as number));
}

const show = (v: Value) => (v instanceof Decimal ? `${v.toString()}@${v.scale}` : String(v));

t.test('the pattern is recognised in either order, and only that pattern', async (t) => {
  t.ok(matchDecimalTimesInteger(times(dec('0.908'), toDec(col(0)))));
  t.ok(matchDecimalTimesInteger(times(toDec(col(0, T.int)), dec('2.5'))), 'integer on the left');
  t.notOk(matchDecimalTimesInteger(times(dec('0.908'), toDec(col(0, T.double)))), 'a double column is not an integer');
  t.notOk(matchDecimalTimesInteger(times(dec('0.908'), toDec(col(0), { id: 'decimal', precision: 10, scale: 2 } as DataType))), 'a cast with a precision rounds: not fused');
  t.notOk(matchDecimalTimesInteger(times(dec('0.908'), { kind: 'cast', expr: col(0), type: T.decimal, try: true })), 'TRY_CAST is not fused');
  t.notOk(matchDecimalTimesInteger({ ...times(dec('0.908'), toDec(col(0))), name: '+' }), 'only *');
});

t.test('fused results equal cast-then-multiply: value and scale, NULL, zero signs, unsafe magnitudes', async (t) => {
  const constants = ['0.908', '-1.5', '0', '0.000', '123456789.123456789', '99999999999999999999.5', '1'];
  const xs: Value[] = [0, -0, 1, -1, 1000, 123456789, -987654321, 2 ** 53 - 1, -(2 ** 53 - 1), 9_000_000_000_000, null];
  for (const c of constants) {
    const fused = compileScalar(times(dec(c), toDec(col(0))));
    const swapped = compileScalar(times(toDec(col(0)), dec(c)));
    for (const x of xs) {
      const want = show(reference(c, x));
      t.equal(show(fused([[x]], 0)), want, `${c} * ${x}`);
      t.equal(show(swapped([[x]], 0)), want, `${x} * ${c}`);
    }
  }
});

t.test('property: any integer column value, any constant', async (t) => {
  const fused = (c: string) => compileProjection([times(dec(c), toDec(col(0)))]);
  fc.assert(
    fc.property(
      fc.tuple(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.integer({ min: 0, max: 12 })),
      fc.array(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constant(null)), { minLength: 1, maxLength: 20 }),
      ([unscaled, scale], values) => {
        const c = new Decimal(unscaled, scale).toString();
        const out = fused(c)({ length: values.length, columns: [values], weights: null })[0]!;
        for (let i = 0; i < values.length; i++) if (show(out[i]!) !== show(reference(c, values[i]!))) return false;
        return true;
      },
    ),
  );
  t.pass('fused equals generic');
});

t.test('through SQL (Nexmark q1 shape): results and NULLs', async (t) => {
  const e = new Engine();
  e.execute('CREATE SOURCE bid (auction BIGINT, price BIGINT)');
  e.execute('CREATE MATERIALIZED VIEW q1 AS SELECT auction, 0.908 * price AS price FROM bid');
  e.insertRows('bid', [[1, 1000], [2, null], [3, -7], [4, 9007199254740991]]);
  const rows = e.query('SELECT auction, price FROM q1 ORDER BY auction').rows;
  t.same(rows.map((r) => [r[0], show(r[1]!)]), [
    [1, '908.000@3'],
    [2, 'null'],
    [3, '-6.356@3'],
    [4, `${show(Decimal.parse('0.908').mul(Decimal.fromNumber(9007199254740991)))}`],
  ]);
  t.equal(show(rows[3]![1]!), '8178536923304819.828@3', 'a product past 2^53 is exact (bigint path)');
});
