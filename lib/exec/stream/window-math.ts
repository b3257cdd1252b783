// Window arithmetic shared by the window TVF operators, the oracle tests and the planner.
// Windows are half-open [start, end) and aligned to the Unix epoch plus an optional offset.
// Times are epoch milliseconds as doubles (a fractional part carries microseconds).

import { ExecutionError } from '../../errors.js';

/** Floor-modulo: the result has the sign of `m` (so negative times align correctly). */
function floorMod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

/** Start of the tumbling window of `size` (aligned to `offset`) that contains `ts`. */
export function tumbleStart(ts: number, size: number, offset = 0): number {
  return ts - floorMod(ts - offset, size);
}

/**
 * Calls `emit(start, end)` for every hopping window (size, slide) containing `ts`, latest start
 * first. A row falls into ceil(size / slide) windows (fewer at most by one when size is not a
 * multiple of slide).
 */
export function forEachHopWindow(
  ts: number,
  size: number,
  slide: number,
  offset: number,
  emit: (start: number, end: number) => void,
): void {
  for (let start = tumbleStart(ts, slide, offset); start > ts - size; start -= slide) emit(start, start + size);
}

/**
 * Calls `emit(start, end)` for every cumulating window containing `ts`: windows share the start
 * of the enclosing `size` window and end at each `step` boundary after `ts` up to start + size.
 */
export function forEachCumulateWindow(
  ts: number,
  step: number,
  size: number,
  offset: number,
  emit: (start: number, end: number) => void,
): void {
  const start = tumbleStart(ts, size, offset);
  const maxEnd = start + size;
  for (let end = tumbleStart(ts, step, offset) + step; end <= maxEnd; end += step) emit(start, end);
}

export function validateWindowParams(kind: string, params: Record<string, number | undefined>): void {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || !Number.isFinite(value) || value <= 0) {
      throw new ExecutionError('INVALID_ARGUMENT', `${kind} window ${name} must be a positive interval, got ${String(value)}`);
    }
  }
}
