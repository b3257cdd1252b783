// Conditional expressions: coalesce, nullif, greatest, least and IN lists. The expression
// compiler evaluates coalesce and IN lazily/inline; these implementations serve constant
// folding and any caller evaluating a call directly.
import type { DataType } from '../types/datatype.js';
import { T } from '../types/datatype.js';
import { comparatorFor } from '../types/compare.js';
import type { Value } from '../types/value.js';
import { define, type Signature } from './signature.js';

const sigs: Signature[] = [];
const add = (s: Signature[]): void => {
  sigs.push(...s);
};

function typesOf(args: Value[]): DataType[] {
  return args[args.length - 1] as unknown as DataType[];
}

add(
  define(
    'coalesce',
    [],
    'T',
    (...args: Value[]) => {
      for (let i = 0; i < args.length - 1; i++) if (args[i] !== null) return args[i]!;
      return null;
    },
    { variadic: 'T', minVariadic: 1, strict: false, wantsTypes: true },
  ),
);

add(
  define('nullif', ['T', 'T'], 'T', (a: Value, b: Value, types: DataType[]) => (a !== null && b !== null && comparatorFor(types[0]!)(a, b) === 0 ? null : a), {
    strict: false,
    wantsTypes: true,
  }),
);

/** greatest/least ignore NULLs; NULL only when every argument is NULL (PostgreSQL). */
function extreme(sign: number) {
  return (...args: Value[]): Value => {
    const cmp = comparatorFor(typesOf(args)[0]!);
    let best: Value = null;
    for (let i = 0; i < args.length - 1; i++) {
      const v = args[i]!;
      if (v !== null && (best === null || sign * cmp(v, best) > 0)) best = v;
    }
    return best;
  };
}
add(define('greatest', [], 'T', extreme(1), { variadic: 'T', minVariadic: 1, strict: false, wantsTypes: true }));
add(define('least', [], 'T', extreme(-1), { variadic: 'T', minVariadic: 1, strict: false, wantsTypes: true }));

/** x IN (a, b, …): true on a match; else NULL if x or any item is NULL; else false. */
export function inList(x: Value, items: readonly Value[], type: DataType): boolean | null {
  if (x === null) return null;
  const cmp = comparatorFor(type);
  let sawNull = false;
  for (const v of items) {
    if (v === null) sawNull = true;
    else if (v === x || cmp(x, v) === 0) return true;
  }
  return sawNull ? null : false;
}
add(
  define('in', ['T'], T.boolean, (...args: Value[]) => inList(args[0]!, args.slice(1, -1), typesOf(args)[0]!), {
    variadic: 'T',
    minVariadic: 1,
    strict: false,
    wantsTypes: true,
  }),
);

export const conditionalSignatures: Signature[] = sigs;
