// ASOF JOIN match modes written as conditions of its ON clause (no new keywords):
//   backward  ON l.k = r.k AND r.ts <= l.ts                      (also <, and the flipped forms)
//   forward   ON l.k = r.k AND r.ts >= l.ts                      (also >)
//   tolerance … AND r.ts >= l.ts - INTERVAL '5' SECOND           (backward: right at most 5 s before)
//             … AND r.ts <= l.ts + INTERVAL '5' SECOND           (forward: right at most 5 s after)
//   nearest   ON l.k = r.k AND r.ts BETWEEN l.ts - INTERVAL '5' SECOND AND l.ts + INTERVAL '5' SECOND
//             (no plain inequality, a symmetric bound: the closest right row either way within
//             5 s; ties go backward)
// A bound is `right_time op left_time ± INTERVAL` (either side order) on the ASOF time columns.

import { UnsupportedError } from '../../errors.js';
import type { SourcePosition } from '../../errors.js';
import type { Interval } from '../../types/interval.js';
import type { BoundExpr } from '../bound.js';
import { intervalMs } from './literals.js';

/** `right_time >= left_time - d` (lower, d ms before) or `right_time <= left_time + d` (upper). */
export interface AsofBound {
  side: 'lower' | 'upper';
  ms: number;
  leftTime: number;
  /** index into the right input */
  rightTime: number;
}

const FLIP: Record<string, string> = { '>=': '<=', '<=': '>=', '>': '<', '<': '>' };

/** `left_col ± INTERVAL` → [left column, signed ms]; undefined otherwise. */
function shiftedLeft(e: BoundExpr, lw: number): [number, number] | undefined {
  if (e.kind === 'column' && e.index < lw) return [e.index, 0];
  if (e.kind !== 'call' || (e.name !== '-' && e.name !== '+')) return undefined;
  const [a, b] = e.args;
  if (a?.kind !== 'column' || a.index >= lw || b?.kind !== 'literal' || b.value === null || typeof b.value !== 'object' || !('micros' in b.value)) return undefined;
  const ms = intervalMs(b.value as unknown as Interval);
  return [a.index, e.name === '-' ? -ms : ms];
}

/** A conjunct bounding the right time around a shifted left time, if it is one. */
export function asofBoundOf(c: BoundExpr, lw: number): AsofBound | undefined {
  if (c.kind !== 'call' || !(c.name in FLIP) || c.args.length !== 2) return undefined;
  let op = c.name;
  let [r, l] = c.args as [BoundExpr, BoundExpr];
  if (!(r.kind === 'column' && r.index >= lw)) {
    [r, l] = [l, r];
    op = FLIP[op]!;
  }
  if (r.kind !== 'column' || r.index < lw) return undefined;
  const shifted = shiftedLeft(l, lw);
  if (shifted === undefined || shifted[1] === 0) return undefined; // a plain inequality is the match direction
  const [leftTime, delta] = shifted;
  const rightTime = r.index - lw;
  // r >= l - d : lower bound d before; r <= l + d : upper bound d after (strictness is ignored)
  if ((op === '>=' || op === '>') && delta < 0) return { side: 'lower', ms: -delta, leftTime, rightTime };
  if ((op === '<=' || op === '<') && delta > 0) return { side: 'upper', ms: delta, leftTime, rightTime };
  return undefined;
}

/**
 * Match mode from the plain inequality (if any) and the bounds found in the ON clause.
 * Throws when bounds do not fit the direction (e.g. an upper bound on a backward join).
 */
export function asofMode(
  plain: { leftTime: number; rightTime: number; op: '<=' | '<' | '>=' | '>' } | undefined,
  bounds: AsofBound[],
  pos: SourcePosition | undefined,
): { leftTime: number; rightTime: number; op: '<=' | '<' | '>=' | '>'; nearest?: boolean; toleranceMs?: number } | undefined {
  const lower = bounds.find((b) => b.side === 'lower');
  const upper = bounds.find((b) => b.side === 'upper');
  if (plain) {
    const backward = plain.op === '<=' || plain.op === '<';
    const bound = backward ? lower : upper;
    const wrong = backward ? upper : lower;
    if (wrong) throw new UnsupportedError(`a ${backward ? 'backward' : 'forward'} ASOF JOIN takes a tolerance ${backward ? "r.ts >= l.ts - INTERVAL '…'" : "r.ts <= l.ts + INTERVAL '…'"}, not the opposite bound`, pos);
    if (bound && (bound.leftTime !== plain.leftTime || bound.rightTime !== plain.rightTime)) throw new UnsupportedError('the ASOF JOIN tolerance must bound the same time columns as its inequality', pos);
    return bound ? { ...plain, toleranceMs: bound.ms } : plain;
  }
  if (!lower || !upper) return undefined;
  if (lower.leftTime !== upper.leftTime || lower.rightTime !== upper.rightTime) throw new UnsupportedError('a nearest ASOF JOIN bounds one right time column around one left time column', pos);
  if (lower.ms !== upper.ms) throw new UnsupportedError(`a nearest ASOF JOIN needs a symmetric tolerance (got ${lower.ms} ms before and ${upper.ms} ms after)`, pos);
  return { leftTime: lower.leftTime, rightTime: lower.rightTime, op: '<=', nearest: true, toleranceMs: lower.ms };
}
