// Checkpoint encoding of accumulator states: turns a state (plain objects holding Maps, bigints,
// Decimals, Intervals, byte arrays, non-finite numbers) into JSON-safe data and back. Every
// non-primitive is written as a tagged array, so user data (JSONB values, strings) can never be
// mistaken for a tag. structuredClone is not enough: it drops the Decimal/Interval prototypes.
import { ExecutionError } from '../../errors.js';
import { Decimal } from '../../types/decimal.js';
import { Interval } from '../../types/interval.js';

export type Encoded = null | boolean | number | string | Encoded[] | { [k: string]: Encoded };

export function encodeState(x: unknown): Encoded {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
      return Number.isFinite(x) && !Object.is(x, -0) ? x : ['n', String(Object.is(x, -0) ? '-0' : x)];
    case 'bigint':
      return ['b', x.toString()];
    case 'undefined':
      return ['x'];
    default:
      break;
  }
  if (x === null) return null;
  if (x instanceof Decimal) return ['d', x.unscaled.toString(), x.scale];
  if (x instanceof Interval) return ['i', x.months, x.days, x.micros];
  if (x instanceof Uint8Array) return ['u', Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64')];
  if (x instanceof Map) return ['m', [...x.entries()].map(([k, v]) => [encodeState(k), encodeState(v)])];
  if (Array.isArray(x)) return ['a', x.map(encodeState)];
  if (typeof x === 'object' && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)) {
    const out: { [k: string]: Encoded } = {};
    for (const [k, v] of Object.entries(x as object)) out[k] = encodeState(v);
    return ['o', out];
  }
  throw new ExecutionError('INVALID_ARGUMENT', `cannot checkpoint a ${(x as object).constructor?.name ?? typeof x} in an aggregate state`);
}

export function decodeState(e: Encoded): unknown {
  if (e === null || typeof e !== 'object') return e;
  if (!Array.isArray(e)) throw corrupt();
  const tag = e[0];
  switch (tag) {
    case 'n':
      return e[1] === '-0' ? -0 : Number(e[1]);
    case 'b':
      return BigInt(e[1] as string);
    case 'x':
      return undefined;
    case 'd':
      return new Decimal(BigInt(e[1] as string), e[2] as number);
    case 'i':
      return new Interval(e[1] as number, e[2] as number, e[3] as number);
    case 'u':
      return new Uint8Array(Buffer.from(e[1] as string, 'base64'));
    case 'm':
      return new Map((e[1] as Encoded[][]).map(([k, v]) => [decodeState(k!), decodeState(v!)]));
    case 'a':
      return (e[1] as Encoded[]).map(decodeState);
    case 'o': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(e[1] as { [k: string]: Encoded })) out[k] = decodeState(v);
      return out;
    }
    default:
      throw corrupt();
  }
}

function corrupt(): ExecutionError {
  return new ExecutionError('INVALID_ARGUMENT', 'aggregate checkpoint data is malformed');
}
