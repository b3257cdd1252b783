// SQL operators: arithmetic, comparison, boolean logic, concatenation and date/time arithmetic.
// Names are the operator spellings bound.ts lists ('+', '=', 'and', 'neg' …). Integer operators
// are inlined by the compiler with range checks; decimals, intervals and dates call methods.
import type { DataType, TypeId } from '../types/datatype.js';
import { T } from '../types/datatype.js';
import { Decimal } from '../types/decimal.js';
import { Interval } from '../types/interval.js';
import { comparatorFor } from '../types/compare.js';
import { castToText } from '../types/cast.js';
import { MS_PER_DAY } from '../types/timestamp.js';
import type { Value } from '../types/value.js';
import { ExecutionError } from '../errors.js';
import { fdiv, i2, i4, i8, idiv, imod } from './arith.js';
import { define, type Signature } from './signature.js';

const INTS: [TypeId, (x: number) => number, string][] = [
  ['smallint', i2, 'h.i2'],
  ['int', i4, 'h.i4'],
  ['bigint', i8, 'h.i8'],
];
const FLOATS: TypeId[] = ['real', 'double'];

const sigs: Signature[] = [];
const add = (s: Signature[]): void => {
  sigs.push(...s);
};

// --- arithmetic -------------------------------------------------------------------------------
for (const [id, check, h] of INTS) {
  const t: DataType = { id };
  add(define('+', [id, id], t, (a: number, b: number) => check(a + b), { inline: ([a, b]) => `${h}(${a} + ${b})` }));
  add(define('-', [id, id], t, (a: number, b: number) => check(a - b), { inline: ([a, b]) => `${h}(${a} - ${b})` }));
  add(define('*', [id, id], t, (a: number, b: number) => check(a * b), { inline: ([a, b]) => `${h}(${a} * ${b})` }));
  add(define('/', [id, id], t, (a: number, b: number) => check(idiv(a, b)), { inline: ([a, b]) => `${h}(h.idiv(${a}, ${b}))` }));
  add(define(['%', 'mod'], [id, id], t, (a: number, b: number) => imod(a, b), { inline: ([a, b]) => `h.imod(${a}, ${b})` }));
  add(define('neg', [id], t, (a: number) => check(-a), { inline: ([a]) => `${h}(-(${a}))` }));
}
for (const id of FLOATS) {
  const t: DataType = { id };
  const r = id === 'real' ? (x: number) => Math.fround(x) : (x: number) => x;
  const w = id === 'real' ? (e: string) => `Math.fround(${e})` : (e: string) => e;
  add(define('+', [id, id], t, (a: number, b: number) => r(a + b), { inline: ([a, b]) => w(`(${a} + ${b})`) }));
  add(define('-', [id, id], t, (a: number, b: number) => r(a - b), { inline: ([a, b]) => w(`(${a} - ${b})`) }));
  add(define('*', [id, id], t, (a: number, b: number) => r(a * b), { inline: ([a, b]) => w(`(${a} * ${b})`) }));
  add(define('/', [id, id], t, (a: number, b: number) => r(fdiv(a, b)), { inline: ([a, b]) => w(`h.fdiv(${a}, ${b})`) }));
  add(define('neg', [id], t, (a: number) => -a, { inline: ([a]) => `(-(${a}))` }));
}
add(define('+', ['decimal', 'decimal'], T.decimal, (a: Decimal, b: Decimal) => a.add(b)));
add(define('-', ['decimal', 'decimal'], T.decimal, (a: Decimal, b: Decimal) => a.sub(b)));
add(define('*', ['decimal', 'decimal'], T.decimal, (a: Decimal, b: Decimal) => a.mul(b)));
add(define('/', ['decimal', 'decimal'], T.decimal, (a: Decimal, b: Decimal) => a.div(b)));
add(define(['%', 'mod'], ['decimal', 'decimal'], T.decimal, (a: Decimal, b: Decimal) => a.mod(b)));
add(define('neg', ['decimal'], T.decimal, (a: Decimal) => a.negate()));
add(
  define('^', ['double', 'double'], T.double, (a: number, b: number) => {
    if (a === 0 && b < 0) throw new ExecutionError('INVALID_ARGUMENT', 'zero raised to a negative power is undefined');
    if (a < 0 && !Number.isInteger(b)) {
      throw new ExecutionError('INVALID_ARGUMENT', 'a negative number raised to a non-integer power yields a complex result');
    }
    return Math.pow(a, b);
  }),
);

// --- date/time arithmetic ---------------------------------------------------------------------
const iv = T.interval;
for (const ts of ['timestamp', 'timestamptz'] as TypeId[]) {
  const t: DataType = { id: ts };
  add(define('+', [ts, 'interval'], t, (a: number, b: Interval) => b.addTo(a)));
  add(define('+', ['interval', ts], t, (a: Interval, b: number) => a.addTo(b)));
  add(define('-', [ts, 'interval'], t, (a: number, b: Interval) => b.subtractFrom(a)));
  add(define('-', [ts, ts], iv, (a: number, b: number) => timestampDiff(a, b)));
}
add(define('+', ['date', 'int'], T.date, (a: number, b: number) => a + b * MS_PER_DAY));
add(define('+', ['int', 'date'], T.date, (a: number, b: number) => b + a * MS_PER_DAY));
add(define('-', ['date', 'int'], T.date, (a: number, b: number) => a - b * MS_PER_DAY));
add(define('-', ['date', 'date'], T.int, (a: number, b: number) => Math.round((a - b) / MS_PER_DAY)));
add(define('+', ['date', 'interval'], T.timestamp, (a: number, b: Interval) => b.addTo(a)));
add(define('+', ['interval', 'date'], T.timestamp, (a: Interval, b: number) => a.addTo(b)));
add(define('-', ['date', 'interval'], T.timestamp, (a: number, b: Interval) => b.subtractFrom(a)));
add(define('+', ['interval', 'interval'], iv, (a: Interval, b: Interval) => a.add(b)));
add(define('-', ['interval', 'interval'], iv, (a: Interval, b: Interval) => a.sub(b)));
add(define('neg', ['interval'], iv, (a: Interval) => a.negate()));
add(define('*', ['interval', 'double'], iv, (a: Interval, b: number) => a.mul(b)));
add(define('*', ['double', 'interval'], iv, (a: number, b: Interval) => b.mul(a)));
add(define('/', ['interval', 'double'], iv, (a: Interval, b: number) => a.div(b)));

/** timestamp - timestamp: whole days plus the remaining time, as PostgreSQL justifies hours. */
export function timestampDiff(a: number, b: number): Interval {
  const micros = Math.round((a - b) * 1000);
  const days = Math.trunc(micros / 86_400_000_000);
  return new Interval(0, days, micros - days * 86_400_000_000);
}

// --- comparison -------------------------------------------------------------------------------
const NUMBER_LIKE: TypeId[] = ['smallint', 'int', 'bigint', 'real', 'double', 'timestamp', 'timestamptz', 'date'];
const PRIMITIVE_ORDERED: TypeId[] = [...NUMBER_LIKE, 'varchar', 'boolean'];
const OBJECT_ORDERED: TypeId[] = ['decimal', 'interval', 'bytea', 'jsonb'];
const CMP_OPS: [string, string][] = [
  ['=', '==='],
  ['<>', '!=='],
  ['<', '<'],
  ['<=', '<='],
  ['>', '>'],
  ['>=', '>='],
];

function cmpFn(op: string, cmp: (a: Value, b: Value) => number): (a: Value, b: Value) => boolean {
  switch (op) {
    case '=':
      return (a, b) => cmp(a, b) === 0;
    case '<>':
      return (a, b) => cmp(a, b) !== 0;
    case '<':
      return (a, b) => cmp(a, b) < 0;
    case '<=':
      return (a, b) => cmp(a, b) <= 0;
    case '>':
      return (a, b) => cmp(a, b) > 0;
    default:
      return (a, b) => cmp(a, b) >= 0;
  }
}

for (const id of PRIMITIVE_ORDERED) {
  const cmp = comparatorFor({ id });
  const isFloat = id === 'real' || id === 'double';
  for (const [op, js] of CMP_OPS) {
    // Floats: NaN = NaN and NaN sorts last (PostgreSQL), so they go through the comparator.
    const inline = isFloat ? undefined : ([a, b]: string[]) => `(${a} ${js} ${b})`;
    add(define(op, [id, id], T.boolean, isFloat ? cmpFn(op, cmp) : cmpFn(op, cmp), { inline }));
  }
}
for (const id of OBJECT_ORDERED) {
  const cmp = comparatorFor({ id });
  for (const [op] of CMP_OPS) add(define(op, [id, id], T.boolean, cmpFn(op, cmp)));
}
for (const [op] of CMP_OPS) {
  add(
    define(op, ['T[]', 'T[]'], T.boolean, (a: Value, b: Value, types: DataType[]) => cmpFn(op, comparatorFor(types[0]!))(a, b), {
      wantsTypes: true,
      specialize: (_c, types) => {
        const f = cmpFn(op, comparatorFor(types[0]!));
        return (a: Value, b: Value) => f(a, b);
      },
    }),
  );
}

// --- boolean logic (three-valued; the compiler short-circuits and/or itself) -------------------
add(
  define('and', ['boolean', 'boolean'], T.boolean, (a: boolean | null, b: boolean | null) =>
    a === false || b === false ? false : a === null || b === null ? null : true, { strict: false }),
);
add(
  define('or', ['boolean', 'boolean'], T.boolean, (a: boolean | null, b: boolean | null) =>
    a === true || b === true ? true : a === null || b === null ? null : false, { strict: false }),
);
add(define('not', ['boolean'], T.boolean, (a: boolean) => !a, { inline: ([a]) => `!(${a})` }));
add(define('is_null', ['any'], T.boolean, (a: Value) => a === null, { strict: false, inline: ([a]) => `(${a} === null)` }));
add(define('is_not_null', ['any'], T.boolean, (a: Value) => a !== null, { strict: false, inline: ([a]) => `(${a} !== null)` }));
add(define('is_true', ['boolean'], T.boolean, (a: Value) => a === true, { strict: false, inline: ([a]) => `(${a} === true)` }));
add(define('is_false', ['boolean'], T.boolean, (a: Value) => a === false, { strict: false, inline: ([a]) => `(${a} === false)` }));
add(define('is_not_true', ['boolean'], T.boolean, (a: Value) => a !== true, { strict: false, inline: ([a]) => `(${a} !== true)` }));
add(define('is_not_false', ['boolean'], T.boolean, (a: Value) => a !== false, { strict: false, inline: ([a]) => `(${a} !== false)` }));
add(define('is_unknown', ['boolean'], T.boolean, (a: Value) => a === null, { strict: false, inline: ([a]) => `(${a} === null)` }));
add(define('is_not_unknown', ['boolean'], T.boolean, (a: Value) => a !== null, { strict: false, inline: ([a]) => `(${a} !== null)` }));

function distinctFn(types: DataType[]): (a: Value, b: Value) => boolean {
  const cmp = comparatorFor(types[0]!);
  return (a, b) => (a === null || b === null ? a !== b : cmp(a, b) !== 0);
}
add(
  define('is_distinct_from', ['T', 'T'], T.boolean, (a: Value, b: Value, types: DataType[]) => distinctFn(types)(a, b), {
    strict: false,
    wantsTypes: true,
    specialize: (_c, types) => distinctFn(types),
  }),
);
add(
  define('is_not_distinct_from', ['T', 'T'], T.boolean, (a: Value, b: Value, types: DataType[]) => !distinctFn(types)(a, b), {
    strict: false,
    wantsTypes: true,
    specialize: (_c, types) => {
      const f = distinctFn(types);
      return (a: Value, b: Value) => !f(a, b);
    },
  }),
);

// --- concatenation ----------------------------------------------------------------------------
add(define('||', ['varchar', 'varchar'], T.varchar, (a: string, b: string) => a + b, { inline: ([a, b]) => `(${a} + ${b})` }));
// array_cat / array_append / array_prepend are not strict in PostgreSQL: a NULL array is empty
add(
  define('||', ['T[]', 'T[]'], 'T[]', (a: Value[] | null, b: Value[] | null) => (a === null ? b : b === null ? a : a.concat(b)), {
    strict: false,
  }),
);
add(define('||', ['T[]', 'T'], 'T[]', (a: Value[] | null, b: Value) => [...(a ?? []), b], { strict: false }));
add(define('||', ['T', 'T[]'], 'T[]', (a: Value, b: Value[] | null) => [a, ...(b ?? [])], { strict: false }));
// anynonarray || text (PostgreSQL): the other side is printed as text
add(
  define('||', ['any', 'varchar'], T.varchar, (a: Value, b: string, types: DataType[]) => castToText(a, types[0]!) + b, { wantsTypes: true }),
);
add(
  define('||', ['varchar', 'any'], T.varchar, (a: string, b: Value, types: DataType[]) => a + castToText(b, types[1]!), { wantsTypes: true }),
);

export const operatorSignatures: Signature[] = sigs;
