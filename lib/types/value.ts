// The union of internal value representations (see datatype.ts for which type uses which).
import type { Decimal } from './decimal.js';
import type { Interval } from './interval.js';

export type Value = null | boolean | number | string | Decimal | Interval | Uint8Array | Value[] | JsonValue;

/** A JSONB value: kept parsed, wrapped so it is never confused with other values. */
export interface JsonValue {
  readonly json: unknown;
}

/** One row as an array of values in schema order. */
export type Row = Value[];
