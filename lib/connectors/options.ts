// Reading and validating a source's WITH (…) options. Every problem is a SqlTypeError naming the
// option, positioned at the option's key in the CREATE statement when it can be found there.

import { SqlTypeError, type SourcePosition } from '../errors.js';
import { parseTimestamp } from '../types/timestamp.js';
import { intervalMs, parseInterval } from '../plan/binder/literals.js';

export type OptionValue = string | number | boolean;

/** The WITH options of one CREATE statement, with what is needed to point at a bad one. */
export class OptionReader {
  readonly #options: Readonly<Record<string, OptionValue>>;
  readonly #used = new Set<string>();
  readonly #text: string;
  readonly #pos: SourcePosition | undefined;
  readonly #ignored: ReadonlySet<string>;

  /** `ignored`: keys read by someone else (the engine's own options), never called unknown */
  constructor(options: Readonly<Record<string, OptionValue>>, text = '', pos?: SourcePosition, ignored: ReadonlySet<string> = new Set()) {
    this.#options = options;
    this.#text = text;
    this.#pos = pos;
    this.#ignored = ignored;
  }

  keys(): string[] {
    return Object.keys(this.#options);
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.#options, key);
  }

  /** The first of `keys` present (aliases: our spelling first, then RisingWave's / Flink's). */
  #find(keys: readonly string[]): string | undefined {
    let found: string | undefined;
    for (const k of keys) {
      if (!this.has(k)) continue;
      if (found !== undefined) throw this.error(k, `options '${found}' and '${k}' mean the same thing; give one`);
      found = k;
    }
    return found;
  }

  raw(keys: string | readonly string[]): { key: string; value: OptionValue } | undefined {
    const key = this.#find(typeof keys === 'string' ? [keys] : keys);
    if (key === undefined) return undefined;
    this.#used.add(key);
    return { key, value: this.#options[key]! };
  }

  string(keys: string | readonly string[]): string | undefined {
    const o = this.raw(keys);
    if (o === undefined) return undefined;
    if (typeof o.value === 'boolean') throw this.error(o.key, `option '${o.key}' must be text, got ${o.value}`);
    return String(o.value);
  }

  choice<C extends string>(keys: string | readonly string[], choices: readonly C[]): C | undefined {
    const s = this.string(keys);
    if (s === undefined) return undefined;
    const lower = s.toLowerCase() as C;
    if (!choices.includes(lower)) {
      const key = this.#lastKey(keys);
      throw this.error(key, `option '${key}' must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got '${s}'`);
    }
    return lower;
  }

  /** A finite number (a number literal or numeric text) within [min, max]. */
  number(keys: string | readonly string[], range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number | undefined {
    const o = this.raw(keys);
    if (o === undefined) return undefined;
    const n = typeof o.value === 'number' ? o.value : typeof o.value === 'string' && o.value.trim() !== '' ? Number(o.value.replace(/_/g, '')) : NaN;
    const what = range.integer ? 'an integer' : 'a number';
    if (!Number.isFinite(n)) throw this.error(o.key, `option '${o.key}' must be ${what}, got ${JSON.stringify(o.value)}`);
    if (range.integer && !Number.isSafeInteger(n)) throw this.error(o.key, `option '${o.key}' must be ${what}, got ${JSON.stringify(o.value)}`);
    if (range.min !== undefined && (range.exclusiveMin ? n <= range.min : n < range.min)) {
      throw this.error(o.key, `option '${o.key}' must be ${range.exclusiveMin ? 'greater than' : 'at least'} ${range.min}, got ${n}`);
    }
    if (range.max !== undefined && n > range.max) throw this.error(o.key, `option '${o.key}' must be at most ${range.max}, got ${n}`);
    return n;
  }

  /** An interval: text such as '1 second' / '250 ms', or a number of milliseconds. */
  intervalMs(keys: string | readonly string[]): number | undefined {
    const o = this.raw(keys);
    if (o === undefined) return undefined;
    let ms: number;
    if (typeof o.value === 'number') ms = o.value;
    else if (typeof o.value === 'string') {
      const text = o.value.trim().replace(/\bms\b/i, 'milliseconds');
      try {
        ms = intervalMs(parseInterval(text, undefined, this.#pos ?? { line: 1, column: 1, offset: 0 }), this.#pos ?? { line: 1, column: 1, offset: 0 });
      } catch {
        throw this.error(o.key, `option '${o.key}' must be an interval such as '1 second' or a number of milliseconds, got '${o.value}'`);
      }
    } else ms = NaN;
    if (!Number.isFinite(ms) || ms <= 0) throw this.error(o.key, `option '${o.key}' must be a positive interval, got ${JSON.stringify(o.value)}`);
    return ms;
  }

  /** A timestamp (text, or epoch milliseconds); 'now' gives undefined in `now`. */
  timestamp(keys: string | readonly string[]): { now: true } | { now: false; ms: number } | undefined {
    const o = this.raw(keys);
    if (o === undefined) return undefined;
    if (typeof o.value === 'string' && o.value.trim().toLowerCase() === 'now') return { now: true };
    const ms = typeof o.value === 'number' ? o.value : typeof o.value === 'string' ? safeTimestamp(o.value) : undefined;
    if (ms === undefined || !Number.isFinite(ms)) {
      throw this.error(o.key, `option '${o.key}' must be 'now', a timestamp such as '2024-01-01 00:00:00' or epoch milliseconds, got ${JSON.stringify(o.value)}`);
    }
    return { now: false, ms };
  }

  /** Rejects every option no reader asked for (the unknown ones). */
  rejectUnused(what: string): void {
    for (const key of this.keys()) {
      if (this.#used.has(key) || this.#ignored.has(key)) continue;
      throw this.error(key, `unknown option '${key}' for ${what}`);
    }
  }

  /** A SqlTypeError (code INVALID_OPTION) about `key`, positioned at it. */
  error(key: string, message: string): SqlTypeError {
    return new SqlTypeError('INVALID_OPTION', message, this.positionOf(key));
  }

  /** Where `key` appears in the statement text (its first `key =`), or the statement's start. */
  positionOf(key: string): SourcePosition | undefined {
    const start = this.#pos;
    if (start === undefined || this.#text === '') return start;
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\./g, '\\s*\\.\\s*');
    const m = new RegExp(`(^|[\\s,(])('?${escaped}'?)\\s*=`, 'i').exec(this.#text);
    if (!m) return start;
    const at = m.index + m[1]!.length;
    const before = this.#text.slice(0, at);
    const newlines = before.split('\n').length - 1;
    const column = newlines === 0 ? start.column + at : at - before.lastIndexOf('\n');
    return { line: start.line + newlines, column, offset: start.offset + at };
  }

  #lastKey(keys: string | readonly string[]): string {
    if (typeof keys === 'string') return keys;
    return keys.find((k) => this.has(k)) ?? keys[0]!;
  }
}

function safeTimestamp(text: string): number | undefined {
  try {
    const v = parseTimestamp(text);
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
