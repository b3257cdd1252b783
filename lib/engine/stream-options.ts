// Event-time tuning of a materialized view's streaming operators, from SQL:
//   SET allowed_lateness = '1 minute';  SET state_ttl = '1 hour';            (session defaults)
//   CREATE MATERIALIZED VIEW v WITH (allowed_lateness = '10 seconds', state_ttl = '1 hour') AS …
// WITH options override SET. Values are interval text ('10 seconds', '1 hour') or a number of
// milliseconds. The options are read when the view is created: a later SET does not change it.
//   allowed_lateness: changelog windowed aggregates and windowed Top-N keep a window's state this
//     long after the watermark passes its end (late rows inside it still update the view), then
//     drop it; rows for dropped windows are late. Default: never dropped, so the view equals the
//     SELECT over all data. EMIT ON WINDOW CLOSE always uses 0. "First row wins" dedup holds a
//     key's row replaceable this long behind the watermark (default 0), then only the key.
//   state_ttl: regular joins of two watermarked sources (TTL join) and dedup forget rows whose
//     event time is this far behind the watermark. Default: no TTL (unbounded state).

import { SqlTypeError } from '../errors.js';
import type { SourcePosition } from '../errors.js';
import { intervalMs, parseInterval } from '../plan/binder/literals.js';
import type { StreamBuildOptions } from '../plan/physical-stream.js';

export const STREAM_OPTION_KEYS = ['allowed_lateness', 'state_ttl'] as const;

type Settings = ReadonlyMap<string, string | number | boolean>;
type Options = Readonly<Record<string, unknown>>;

/** The StreamBuildOptions for a view: its WITH options over the session's SET values. */
export function streamOptionsFor(settings: Settings, withOptions: Options, pos?: SourcePosition): StreamBuildOptions {
  const out: StreamBuildOptions = {};
  const lateness = withOptions['allowed_lateness'] ?? settings.get('allowed_lateness');
  if (lateness !== undefined) out.allowedLatenessMs = durationMs('allowed_lateness', lateness, pos);
  const ttl = withOptions['state_ttl'] ?? settings.get('state_ttl');
  if (ttl !== undefined) out.stateTtlMs = durationMs('state_ttl', ttl, pos);
  return out;
}

/** A non-negative duration in ms from interval text or a number of ms. */
export function durationMs(name: string, value: unknown, pos?: SourcePosition): number {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) ms = Number(value);
  else if (typeof value === 'string') {
    try {
      ms = intervalMs(parseInterval(value, undefined, pos), pos);
    } catch {
      throw new SqlTypeError('INVALID_ARGUMENT', `${name} must be an interval such as '10 seconds' or a number of milliseconds, not '${value}'`, pos);
    }
  } else throw new SqlTypeError('INVALID_ARGUMENT', `${name} must be an interval such as '10 seconds' or a number of milliseconds`, pos);
  if (!Number.isFinite(ms) || ms < 0) throw new SqlTypeError('INVALID_ARGUMENT', `${name} must be a non-negative interval, got ${String(value)}`, pos);
  return ms;
}
