// Test helper (not a test file): evaluate a function through the real compiler both with its
// arguments as columns (the per-row path) and as constants (the specialised path), and demand
// that both give the same answer or the same error code.
import { compileScalar } from '../../lib/exec/expr/compile.js';
import { resolveOperator } from '../../lib/functions/registry.js';
import type { BoundExpr } from '../../lib/plan/bound.js';
import { T, type DataType } from '../../lib/types/datatype.js';
import { encodeValue } from '../../lib/types/compare.js';
import type { Value } from '../../lib/types/value.js';

export type Arg = [Value, DataType];

function run(e: BoundExpr, cols: Value[][]): { v?: Value; err?: Error & { code?: string } } {
  try {
    return { v: compileScalar(e)(cols, 0) };
  } catch (err) {
    return { err: err as Error & { code?: string } };
  }
}

export function ev(name: string, ...args: Arg[]): Value {
  const r = resolveOperator(name, args.map((a) => a[1]));
  const cast = (e: BoundExpr, k: number): BoundExpr =>
    e.type.id === r.argTypes[k]!.id ? e : { kind: 'cast', expr: e, type: r.argTypes[k]!, try: false };
  const viaCols: BoundExpr = { kind: 'call', name, type: r.returnType, args: args.map((a, k) => cast({ kind: 'column', index: k, type: a[1] }, k)) };
  const viaLits: BoundExpr = { kind: 'call', name, type: r.returnType, args: args.map((a, k) => cast({ kind: 'literal', value: a[0], type: a[1] }, k)) };
  const a = run(viaCols, args.map((x) => [x[0]]));
  const b = run(viaLits, []);
  if (a.err || b.err) {
    if (a.err?.code !== b.err?.code) throw new Error(`paths disagree: ${a.err?.message} vs ${b.err?.message}`);
    throw a.err;
  }
  // a volatile function (now()) is read once per compiled expression: two compilations may
  // straddle a millisecond, so only stable functions must agree across the two paths
  if (!r.impl.volatile && encodeValue(a.v!) !== encodeValue(b.v!)) throw new Error(`paths disagree: ${encodeValue(a.v!)} vs ${encodeValue(b.v!)}`);
  return a.v!;
}

export const s = (v: string | null): Arg => [v, T.varchar];
export const i = (v: number | null): Arg => [v, T.int];
export const big = (v: number | null): Arg => [v, T.bigint];
export const f = (v: number | null): Arg => [v, T.double];
export const b = (v: boolean | null): Arg => [v, T.boolean];
export const ts = (v: number | null): Arg => [v, T.timestamp];
