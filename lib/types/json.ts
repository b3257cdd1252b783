// JSONB values: kept parsed inside a JsonValue wrapper so a JSON string is never confused with
// a VARCHAR. Text output follows PostgreSQL's jsonb style ('{"a": 1, "b": [1, 2]}').
import { ExecutionError } from '../errors.js';
import type { JsonValue } from './value.js';

export function makeJson(json: unknown): JsonValue {
  return { json };
}

export function isJsonValue(v: unknown): v is JsonValue {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'json' in v && Object.keys(v).length === 1;
}

/** Parse JSON text into a JSONB value; INVALID_CAST naming the problem on bad text. */
export function parseJson(text: string): JsonValue {
  try {
    return { json: JSON.parse(text) };
  } catch (e) {
    throw new ExecutionError('INVALID_CAST', `invalid input syntax for type json: ${(e as Error).message}`);
  }
}

/** PostgreSQL jsonb text: ', ' between items, ': ' after keys, keys in jsonb order. */
export function jsonToText(x: unknown): string {
  if (x === null || x === undefined) return 'null';
  if (Array.isArray(x)) return '[' + x.map(jsonToText).join(', ') + ']';
  if (typeof x === 'object') {
    const keys = jsonbKeyOrder(Object.keys(x as object));
    return '{' + keys.map((k) => JSON.stringify(k) + ': ' + jsonToText((x as Record<string, unknown>)[k])).join(', ') + '}';
  }
  return JSON.stringify(x);
}

/** jsonb stores object keys shorter-first, then bytewise. */
function jsonbKeyOrder(keys: string[]): string[] {
  return keys.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}
