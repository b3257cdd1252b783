// Array functions: ARRAY[…] construction, 1-based subscripts, array_length, cardinality,
// array_position, array_contains-style operators and array_to_string.
import { formatValue } from '../types/cast.js';
import type { DataType } from '../types/datatype.js';
import { T } from '../types/datatype.js';
import { comparatorFor } from '../types/compare.js';
import type { Value } from '../types/value.js';
import { define, type Signature } from './signature.js';

const sigs: Signature[] = [];
const add = (s: Signature[]): void => {
  sigs.push(...s);
};

// ARRAY[a, b, …]: elements may be NULL, so not strict. ARRAY[] is typed by the binder.
add(define('array', [], 'T[]', (...args: Value[]) => args, { variadic: 'T', minVariadic: 0, strict: false }));

/** a[i], 1-based; out of range gives NULL as in PostgreSQL. */
// PostgreSQL coerces any integer subscript to int, so bigint indexes are accepted too
for (const idx of ['int', 'bigint'] as const) {
  add(define('subscript', ['T[]', idx], 'T', (a: Value[], i: number) => (i >= 1 && i <= a.length ? a[i - 1]! : null)));
}
add(
  define('subscript', ['T[]', 'int', 'int'], 'T[]', (a: Value[], lo: number, hi: number) => a.slice(Math.max(lo, 1) - 1, Math.max(hi, 0))),
);
add(
  define('array_length', ['T[]', 'int'], T.int, (a: Value[], dim: number) => {
    if (dim !== 1) return dim === 2 && a.length && Array.isArray(a[0]) ? (a[0] as Value[]).length : null;
    return a.length === 0 ? null : a.length;
  }),
);
add(define('cardinality', ['T[]'], T.int, (a: Value[]) => countElements(a)));
add(define('array_lower', ['T[]', 'int'], T.int, (a: Value[], dim: number) => (dim === 1 && a.length ? 1 : null)));
add(define('array_upper', ['T[]', 'int'], T.int, (a: Value[], dim: number) => (dim === 1 && a.length ? a.length : null)));

function countElements(a: Value[]): number {
  let n = 0;
  for (const v of a) n += Array.isArray(v) ? countElements(v) : 1;
  return n;
}

function position(a: Value[], x: Value, types: DataType[]): Value {
  const cmp = comparatorFor(types[1]!);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (x === null ? v === null : v !== null && cmp(v, x) === 0) return i + 1;
  }
  return null;
}
add(
  define('array_position', ['T[]', 'T'], T.int, (a: Value[] | null, x: Value, types: DataType[]) => (a === null ? null : position(a, x, types)), {
    strict: false,
    wantsTypes: true,
  }),
);
add(define('array_append', ['T[]', 'T'], 'T[]', (a: Value[] | null, x: Value) => [...(a ?? []), x], { strict: false }));
add(define('array_prepend', ['T', 'T[]'], 'T[]', (x: Value, a: Value[] | null) => [x, ...(a ?? [])], { strict: false }));
add(
  define('array_cat', ['T[]', 'T[]'], 'T[]', (a: Value[] | null, b: Value[] | null) => (a === null ? b : b === null ? a : a.concat(b)), {
    strict: false,
  }),
);
add(
  define('array_remove', ['T[]', 'T'], 'T[]', (a: Value[] | null, x: Value, types: DataType[]) => {
    if (a === null) return null;
    const cmp = comparatorFor(types[1]!);
    return a.filter((v) => (x === null ? v !== null : v === null || cmp(v, x) !== 0));
  }, { strict: false, wantsTypes: true }),
);
function toText(a: Value[], sep: string, nullText: string | null, el: DataType): string {
  const parts: string[] = [];
  for (const v of a) {
    if (v === null) {
      if (nullText !== null) parts.push(nullText);
    } else parts.push(Array.isArray(v) ? toText(v, sep, nullText, el.element ?? el) : formatValue(v, el));
  }
  return parts.join(sep);
}
add(
  define('array_to_string', ['T[]', 'varchar'], T.varchar, (a: Value[], sep: string, types: DataType[]) => toText(a, sep, null, types[0]!.element ?? T.varchar), {
    wantsTypes: true,
  }),
);
add(
  define(
    'array_to_string',
    ['T[]', 'varchar', 'varchar'],
    T.varchar,
    (a: Value[], sep: string, n: string | null, types: DataType[]) => (a === null || sep === null ? null : toText(a, sep, n, types[0]!.element ?? T.varchar)),
    { wantsTypes: true, strict: false },
  ),
);
/** a @> b: every element of b is in a. */
function contains(a: Value[], b: Value[], types: DataType[]): boolean {
  const cmp = comparatorFor(types[0]!.element ?? T.varchar);
  return b.every((x) => x !== null && a.some((y) => y !== null && cmp(x, y) === 0));
}
add(define('@>', ['T[]', 'T[]'], T.boolean, (a: Value[], b: Value[], t: DataType[]) => contains(a, b, t), { wantsTypes: true }));
add(define('<@', ['T[]', 'T[]'], T.boolean, (a: Value[], b: Value[], t: DataType[]) => contains(b, a, t), { wantsTypes: true }));
add(
  define('&&', ['T[]', 'T[]'], T.boolean, (a: Value[], b: Value[], t: DataType[]) => {
    const cmp = comparatorFor(t[0]!.element ?? T.varchar);
    return a.some((x) => x !== null && b.some((y) => y !== null && cmp(x, y) === 0));
  }, { wantsTypes: true }),
);

export const arraySignatures: Signature[] = sigs;
