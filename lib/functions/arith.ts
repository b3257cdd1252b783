// Checked arithmetic on internal numbers, shared by operator implementations and by the code the
// expression compiler generates (it receives this object as `h`). Integer results outside their
// type's range raise NUMERIC_OVERFLOW like PostgreSQL ("integer out of range"); bigint is held
// in a JS number, so its range here is ±(2^53 - 1).
import { ExecutionError } from '../errors.js';

function overflow(what: string): never {
  throw new ExecutionError('NUMERIC_OVERFLOW', `${what} out of range`);
}

export function divisionByZero(): never {
  throw new ExecutionError('DIVISION_BY_ZERO', 'division by zero');
}

export function i2(x: number): number {
  if (x > 32767 || x < -32768) overflow('smallint');
  return x;
}

export function i4(x: number): number {
  if (x > 2147483647 || x < -2147483648) overflow('integer');
  return x;
}

export function i8(x: number): number {
  if (x > Number.MAX_SAFE_INTEGER || x < Number.MIN_SAFE_INTEGER) overflow('bigint');
  return x;
}

/** Integer division truncating toward zero, exact for every safe integer. */
export function idiv(a: number, b: number): number {
  if (b === 0) divisionByZero();
  return (a - (a % b)) / b + 0;
}

/** Integer remainder with the dividend's sign (PostgreSQL %). */
export function imod(a: number, b: number): number {
  if (b === 0) divisionByZero();
  return (a % b) + 0;
}

/** Float division: PostgreSQL raises on a zero divisor even for floats. */
export function fdiv(a: number, b: number): number {
  if (b === 0) divisionByZero();
  return a / b;
}

/** Float results that became infinite from finite inputs overflowed (PostgreSQL errors). */
export function f8(x: number): number {
  if (x === Infinity || x === -Infinity) overflow('value');
  return x;
}

export const arithHelpers = { i2, i4, i8, idiv, imod, fdiv, f8, divisionByZero };
export type ArithHelpers = typeof arithHelpers;
