// JSON-safe tagged encoding of internal values and raw user parameters, for WAL records and the
// manifest. Every non-primitive becomes a tagged array so user data (a JSONB value, a string) can
// never be mistaken for a tag, and Decimal/Interval/Date/bigint survive the round trip exactly.
import { StorageError } from '../errors.js';
import { Decimal } from '../types/decimal.js';
import { Interval } from '../types/interval.js';

export type Encoded = null | boolean | number | string | Encoded[];

export function encodeValue(x: unknown): Encoded {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
      return Number.isFinite(x) && !Object.is(x, -0) ? x : ['n', Object.is(x, -0) ? '-0' : String(x)];
    case 'bigint':
      return ['b', x.toString()];
    case 'undefined':
      return ['x'];
    default:
      break;
  }
  if (x === null) return null;
  if (Array.isArray(x)) return ['a', ...x.map(encodeValue)];
  if (x instanceof Decimal) return ['d', x.unscaled.toString(), x.scale];
  if (x instanceof Interval) return ['i', x.months, x.days, x.micros];
  if (x instanceof Date) return ['t', x.getTime()];
  if (x instanceof Uint8Array) return ['u', Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64')];
  if (typeof x === 'object') {
    const proto = Object.getPrototypeOf(x);
    if (proto === Object.prototype || proto === null) {
      // JsonValue wrappers ({ json }) and plain parameter objects: keys with encoded values
      const out: Encoded[] = ['o'];
      for (const [k, v] of Object.entries(x as object)) out.push(k, encodeValue(v));
      return out;
    }
  }
  throw new StorageError('INVALID_ARGUMENT', `cannot write a ${(x as object)?.constructor?.name ?? typeof x} value to the write-ahead log`);
}

export function decodeValue(e: Encoded): unknown {
  if (e === null || typeof e !== 'object') return e;
  if (!Array.isArray(e)) throw corrupt('a value is not tagged');
  switch (e[0]) {
    case 'n':
      return e[1] === '-0' ? -0 : Number(e[1]);
    case 'b':
      return BigInt(e[1] as string);
    case 'x':
      return undefined;
    case 'a':
      return e.slice(1).map(decodeValue);
    case 'd':
      return new Decimal(BigInt(e[1] as string), e[2] as number);
    case 'i':
      return new Interval(e[1] as number, e[2] as number, e[3] as number);
    case 't':
      return new Date(e[1] as number);
    case 'u':
      return new Uint8Array(Buffer.from(e[1] as string, 'base64'));
    case 'o': {
      const out: Record<string, unknown> = {};
      for (let i = 1; i + 1 < e.length; i += 2) out[e[i] as string] = decodeValue(e[i + 1]!);
      return out;
    }
    default:
      throw corrupt(`unknown value tag ${JSON.stringify(e[0])}`);
  }
}

function corrupt(why: string): StorageError {
  return new StorageError('CORRUPTION', `write-ahead log record is malformed: ${why}`);
}
