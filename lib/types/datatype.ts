// SQL data types and how their values are represented inside the engine.
//
// Internal value representation (what operators, expressions and state hold):
//   boolean            → JS boolean
//   smallint/int       → JS number (integral)
//   bigint             → JS number (integral; exact up to 2^53, see options for bigint output)
//   real/double        → JS number
//   decimal            → Decimal (lib/types/decimal.ts: exact, immutable)
//   varchar            → JS string
//   timestamp(tz)      → JS number: epoch milliseconds as a double (a fractional part carries
//                        microseconds), UTC
//   date               → JS number: epoch milliseconds of 00:00 UTC that day
//   interval           → Interval (lib/types/interval.ts: { months, days, micros })
//   array              → JS array of element values
//   jsonb              → parsed JSON value wrapped as Json (lib/types/json.ts)
//   bytea              → Uint8Array
//   NULL of any type   → null (never undefined)
// Columns are ArrayLike<Value>: a plain array (may hold null), or a typed array when the
// column cannot hold NULL and the type is numeric (Float64Array, Int32Array …).

export type TypeId =
  | 'null'
  | 'boolean'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'real'
  | 'double'
  | 'decimal'
  | 'varchar'
  | 'timestamp'
  | 'timestamptz'
  | 'date'
  | 'interval'
  | 'array'
  | 'jsonb'
  | 'bytea';

export interface DataType {
  readonly id: TypeId;
  /** decimal: total digits (undefined = unconstrained) */
  readonly precision?: number;
  /** decimal: digits after the point */
  readonly scale?: number;
  /** array element type */
  readonly element?: DataType;
}

export const T = {
  null: { id: 'null' } as DataType,
  boolean: { id: 'boolean' } as DataType,
  smallint: { id: 'smallint' } as DataType,
  int: { id: 'int' } as DataType,
  bigint: { id: 'bigint' } as DataType,
  real: { id: 'real' } as DataType,
  double: { id: 'double' } as DataType,
  decimal: { id: 'decimal' } as DataType,
  varchar: { id: 'varchar' } as DataType,
  timestamp: { id: 'timestamp' } as DataType,
  timestamptz: { id: 'timestamptz' } as DataType,
  date: { id: 'date' } as DataType,
  interval: { id: 'interval' } as DataType,
  jsonb: { id: 'jsonb' } as DataType,
  bytea: { id: 'bytea' } as DataType,
  array: (element: DataType): DataType => ({ id: 'array', element }),
} as const;

/** A named, typed column of a relation's schema. */
export interface Field {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
}

export type Schema = readonly Field[];

/** The SQL spelling of a type, as SHOW/DESCRIBE and error messages print it. */
export function typeToSql(t: DataType): string {
  switch (t.id) {
    case 'null':
      return 'NULL';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'decimal':
      return t.precision !== undefined ? `DECIMAL(${t.precision},${t.scale ?? 0})` : 'DECIMAL';
    case 'array':
      return `${typeToSql(t.element ?? T.null)}[]`;
    case 'timestamptz':
      return 'TIMESTAMP WITH TIME ZONE';
    default:
      return t.id.toUpperCase();
  }
}
