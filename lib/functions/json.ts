// JSONB operators and functions: -> and ->> (object key or 0-based array index), #>> paths,
// jsonb_typeof, jsonb_array_length, jsonb_build_object/array, to_jsonb, jsonb_extract_path(_text).
import { ExecutionError } from '../errors.js';
import { formatValue } from '../types/cast.js';
import type { DataType } from '../types/datatype.js';
import { T } from '../types/datatype.js';
import type { Decimal } from '../types/decimal.js';
import { Interval } from '../types/interval.js';
import { jsonToText, makeJson } from '../types/json.js';
import type { JsonValue, Value } from '../types/value.js';
import { define, type Signature } from './signature.js';

const sigs: Signature[] = [];
const add = (s: Signature[]): void => {
  sigs.push(...s);
};

function field(j: unknown, key: string | number): unknown {
  if (typeof key === 'number') {
    if (!Array.isArray(j)) return undefined;
    const i = key < 0 ? j.length + key : key;
    return j[i];
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return undefined;
  return Object.prototype.hasOwnProperty.call(j, key) ? (j as Record<string, unknown>)[key] : undefined;
}

/** ->> text of a JSON value: strings unquoted, JSON null as SQL NULL. */
function asText(x: unknown): Value {
  if (x === undefined || x === null) return null;
  return typeof x === 'string' ? x : jsonToText(x);
}

function wrap(x: unknown): Value {
  return x === undefined ? null : makeJson(x);
}

add(define('->', ['jsonb', 'varchar'], T.jsonb, (j: JsonValue, k: string) => wrap(field(j.json, k))));
add(define('->', ['jsonb', 'int'], T.jsonb, (j: JsonValue, k: number) => wrap(field(j.json, k))));
add(define('->>', ['jsonb', 'varchar'], T.varchar, (j: JsonValue, k: string) => asText(field(j.json, k))));
add(define('->>', ['jsonb', 'int'], T.varchar, (j: JsonValue, k: number) => asText(field(j.json, k))));

function path(j: unknown, keys: Value[]): unknown {
  let cur: unknown = j;
  for (const k of keys) {
    if (k === null) return undefined;
    const key = Array.isArray(cur) && /^-?\d+$/.test(k as string) ? Number(k) : (k as string);
    cur = field(cur, key);
    if (cur === undefined) return undefined;
  }
  return cur;
}
add(define(['#>', 'jsonb_extract_path_arr'], ['jsonb', 'array'], T.jsonb, (j: JsonValue, p: Value[]) => wrap(path(j.json, p))));
add(define('#>>', ['jsonb', 'array'], T.varchar, (j: JsonValue, p: Value[]) => asText(path(j.json, p))));
add(define('jsonb_extract_path', ['jsonb'], T.jsonb, (j: JsonValue, ...p: Value[]) => wrap(path(j.json, p)), { variadic: 'varchar', minVariadic: 1 }));
add(
  define('jsonb_extract_path_text', ['jsonb'], T.varchar, (j: JsonValue, ...p: Value[]) => asText(path(j.json, p)), {
    variadic: 'varchar',
    minVariadic: 1,
  }),
);
add(
  define('jsonb_typeof', ['jsonb'], T.varchar, (j: JsonValue) => {
    const x = j.json;
    return x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'object' ? 'object' : typeof x;
  }),
);
add(
  define('jsonb_array_length', ['jsonb'], T.int, (j: JsonValue) => {
    if (!Array.isArray(j.json)) throw new ExecutionError('INVALID_ARGUMENT', 'cannot get array length of a non-array');
    return j.json.length;
  }),
);

/** A SQL value as JSON (numbers stay numbers, timestamps become ISO-like text). */
export function toJson(v: Value, type: DataType): unknown {
  if (v === null) return null;
  switch (type.id) {
    case 'boolean':
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'real':
    case 'double':
      return v;
    case 'decimal':
      return (v as Decimal).toNumber();
    case 'jsonb':
      return (v as JsonValue).json;
    case 'array':
      return (v as Value[]).map((e) => toJson(e, type.element ?? T.varchar));
    case 'timestamp':
    case 'timestamptz':
      return formatValue(v, type).replace(' ', 'T');
    default:
      return v instanceof Interval || typeof v !== 'string' ? formatValue(v, type) : v;
  }
}
add(define('to_jsonb', ['any'], T.jsonb, (v: Value, types: DataType[]) => makeJson(toJson(v, types[0]!)), { wantsTypes: true }));
add(
  define(
    ['jsonb_build_object', 'json_build_object'],
    [],
    T.jsonb,
    (...args: Value[]) => {
      const types = args.pop() as unknown as DataType[];
      if (args.length % 2 !== 0) throw new ExecutionError('INVALID_ARGUMENT', 'argument list must have even number of elements');
      const out: Record<string, unknown> = {};
      for (let i = 0; i < args.length; i += 2) {
        if (args[i] === null) throw new ExecutionError('INVALID_ARGUMENT', 'argument key must not be null');
        out[formatValue(args[i]!, types[i]!)] = toJson(args[i + 1]!, types[i + 1]!);
      }
      return makeJson(out);
    },
    { variadic: 'any', minVariadic: 0, strict: false, wantsTypes: true },
  ),
);
add(
  define(
    ['jsonb_build_array', 'json_build_array'],
    [],
    T.jsonb,
    (...args: Value[]) => {
      const types = args.pop() as unknown as DataType[];
      return makeJson(args.map((a, i) => toJson(a, types[i]!)));
    },
    { variadic: 'any', minVariadic: 0, strict: false, wantsTypes: true },
  ),
);

export const jsonSignatures: Signature[] = sigs;
