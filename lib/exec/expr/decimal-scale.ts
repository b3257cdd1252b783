// A DECIMAL constant times an integer column cast to DECIMAL (Nexmark q1's `0.908 * price`):
// one Decimal per row, computed in doubles, where the generic path made two (the cast's, then
// the product's) and called two helpers. Exactly what Decimal.fromNumber then Decimal.mul give:
// the unscaled product with the constant's scale; any value the shortcut cannot take (a product
// outside the safe integers, a non-integer or bigint value) goes through that generic path.

import type { BoundCall, BoundExpr } from '../../plan/bound.js';
import { makeCast, type CastFn } from '../../types/cast.js';
import { Decimal } from '../../types/decimal.js';
import type { Value } from '../../types/value.js';

const INTEGER_IDS = new Set(['smallint', 'int', 'bigint']);

/** `constant * CAST(integer AS DECIMAL)` (either order) with its parts, else undefined. */
export function matchDecimalTimesInteger(e: BoundCall): { constant: Decimal; integer: BoundExpr; cast: CastFn } | undefined {
  if (e.name !== '*' || e.args.length !== 2 || e.type.id !== 'decimal') return undefined;
  for (let k = 0; k < 2; k++) {
    const lit = e.args[k]!;
    const other = e.args[1 - k]!;
    if (lit.kind !== 'literal' || !(lit.value instanceof Decimal)) continue;
    if (other.kind !== 'cast' || other.try || other.type.id !== 'decimal' || other.type.precision !== undefined) continue;
    if (!INTEGER_IDS.has(other.expr.type.id)) continue;
    return { constant: lit.value, integer: other.expr, cast: makeCast(other.expr.type, other.type) };
  }
  return undefined;
}

/** `x ↦ constant * CAST(x AS DECIMAL)` for a non-NULL integer x. */
export function decimalTimesInteger(constant: Decimal, cast: CastFn): (x: Value) => Value {
  const unscaled = constant.unscaled;
  const u = Number(unscaled);
  const scale = constant.scale;
  const generic = (x: Value): Value => constant.mul(cast(x) as Decimal);
  if (!Number.isSafeInteger(u)) return generic;
  return (x) => {
    if (typeof x === 'number') {
      // a rounded product outside the safe range is itself outside it, so this test is exact
      const r = u * x;
      if (Number.isSafeInteger(r)) return new Decimal(r, scale);
    }
    return generic(x);
  };
}
