// SQL type names as API users write them (registerFunction signatures): 'int', 'BIGINT',
// 'double precision', 'decimal(10,2)', 'varchar(20)', 'timestamp with time zone', 'text[]' …
// The same spellings and aliases the SQL parser accepts in CREATE TABLE.

import { LaminarError } from '../errors.js';
import { T, type DataType, type TypeId } from '../types/datatype.js';

const ALIASES: Record<string, TypeId> = {
  boolean: 'boolean',
  bool: 'boolean',
  smallint: 'smallint',
  int2: 'smallint',
  int: 'int',
  integer: 'int',
  int4: 'int',
  bigint: 'bigint',
  int8: 'bigint',
  real: 'real',
  float4: 'real',
  double: 'double',
  'double precision': 'double',
  float8: 'double',
  float: 'double',
  decimal: 'decimal',
  numeric: 'decimal',
  varchar: 'varchar',
  'character varying': 'varchar',
  char: 'varchar',
  character: 'varchar',
  text: 'varchar',
  string: 'varchar',
  timestamp: 'timestamp',
  'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  date: 'date',
  interval: 'interval',
  bytea: 'bytea',
  jsonb: 'jsonb',
  json: 'jsonb',
};

/** A DataType from its SQL spelling, or the DataType itself. */
export function toDataType(spec: string | DataType, what: string): DataType {
  if (typeof spec === 'object' && spec !== null && typeof spec.id === 'string') return spec;
  if (typeof spec !== 'string') {
    throw new LaminarError('INVALID_ARGUMENT', `${what}: expected an SQL type name such as 'int' or 'varchar', got ${String(spec)}`);
  }
  let text = spec.trim().toLowerCase().replace(/\s+/g, ' ');
  let arrayDepth = 0;
  while (text.endsWith('[]')) {
    arrayDepth++;
    text = text.slice(0, -2).trim();
  }
  const params = /^(.*?)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*$/.exec(text);
  const base = params ? params[1]! : text;
  const id = ALIASES[base];
  if (id === undefined) {
    throw new LaminarError('INVALID_ARGUMENT', `${what}: unknown SQL type "${spec}"`);
  }
  let type: DataType;
  if (id === 'decimal' && params) {
    type = { id, precision: Number(params[2]), scale: params[3] === undefined ? 0 : Number(params[3]) };
  } else {
    type = (T as unknown as Record<string, DataType>)[id]!;
  }
  for (let i = 0; i < arrayDepth; i++) type = T.array(type);
  return type;
}
