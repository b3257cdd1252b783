// Incremental checkpoints of large state arrays: an edit script that turns the array a node had
// at the previous checkpoint into the one it has now. Elements are compared by identity (rows
// are immutable, so an unchanged row is the same object) or, for fresh arrays of the same
// values, shallowly. Stores keep their rows in Map order, where an update stays in place, a
// delete removes an element and an insert appends, so the script is a few long COPY runs plus
// the changed rows as literals. The script is exact for any two arrays; the ordering only
// decides how small it is.
//
// Script: Int32Array of ops, each [COPY, from, count] (elements from the old array) or
// [LITERAL, count] (the next `count` elements of `literals`).

const COPY = 1;
const LITERAL = 2;
/** how far ahead in the old array a mismatch looks for the new element (a short run of deletes) */
const RESYNC_WINDOW = 32;
/** a literal streak of 8, 16, 32 … elements scans this far ahead (a longer run of deletes, e.g.
 *  rows a view moved to the end of its Map): identity compares are cheap, and the doubling
 *  bounds the cost of a long run of updates in place */
const RESYNC_SCAN = 1 << 16;
/** literal streak after which the old array gets an element → position index: a run of
 *  deletes longer than the scan misaligns the arrays for good (a long run of updates in place
 *  does not, but cannot be told apart without it). Built in slices like the rest of the diff;
 *  rare, since the scans catch runs of deletes up to RESYNC_SCAN. */
const INDEX_AFTER = 1 << 14;

export interface ArrayDelta {
  /** length of the array the script produces */
  length: number;
  ops: Int32Array;
  literals: unknown[];
}

/**
 * Equal content: the same object, or fresh arrays / plain objects (rows rebuilt by a scan, an
 * aggregate's group records) holding equal content, a few levels deep. Both sides are
 * immutable snapshots, so equal content now means equal content when the script is applied.
 */
export function same(a: unknown, b: unknown, depth = 8): boolean {
  if (a === b) return true;
  if (depth === 0 || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !same(a[i], b[i], depth - 1)) return false;
    return true;
  }
  const pa = Object.getPrototypeOf(a);
  if ((pa !== Object.prototype && pa !== null) || Object.getPrototypeOf(b) !== pa || Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (x !== y && !same(x, y, depth - 1)) return false;
  }
  return true;
}

/**
 * Diffs in slices: `step()` does about `budget` element comparisons and returns true when done.
 * `abandoned` turns true once the literals exceed `maxLiterals` (a full copy is then smaller).
 */
export class ArrayDiff {
  private i = 0;
  private j = 0;
  private ops: number[] = [];
  private readonly literals: unknown[] = [];
  private litRun = 0;
  private streak = 0;
  private index: Map<unknown, number> | null = null;
  /** next position of prev to add to the index while it is being built; -1 when not building */
  private indexing = -1;
  abandoned = false;

  constructor(
    private readonly prev: readonly unknown[],
    private readonly next: readonly unknown[],
    private readonly maxLiterals: number,
  ) {}

  step(budget: number): boolean {
    const { prev, next } = this;
    const m = prev.length;
    const n = next.length;
    if (this.indexing >= 0) return this.buildIndex(budget);
    let work = 0;
    while (this.j < n && work < budget) {
      if (this.i < m && same(prev[this.i], next[this.j])) {
        const from = this.i;
        const stop = this.i + (budget - work);
        while (this.i < m && this.j < n && this.i < stop && same(prev[this.i], next[this.j])) {
          this.i++;
          this.j++;
        }
        work += this.i - from;
        this.endLiterals();
        this.ops.push(COPY, from, this.i - from);
        this.streak = 0;
        continue;
      }
      work += RESYNC_WINDOW;
      let at = this.find(next[this.j]);
      const s = this.streak;
      if (at < 0 && s >= 8 && (s & (s - 1)) === 0) {
        at = this.scan(next[this.j], RESYNC_SCAN);
        work += RESYNC_SCAN;
      }
      if (at > this.i) {
        this.i = at; // prev[i, at) were deleted
        continue;
      }
      this.literals.push(next[this.j]);
      this.litRun++;
      this.j++;
      this.i++; // most often a replacement in place
      if (this.literals.length > this.maxLiterals) {
        this.abandoned = true;
        return true;
      }
      if (++this.streak === INDEX_AFTER && this.index === null) {
        this.index = new Map();
        this.indexing = this.i;
        return false;
      }
    }
    return this.j >= n;
  }

  /** The script (call once `step` returned true and the diff was not abandoned). */
  result(): ArrayDelta {
    this.endLiterals();
    return { length: this.next.length, ops: Int32Array.from(this.ops), literals: this.literals };
  }

  get literalCount(): number {
    return this.literals.length;
  }

  private endLiterals(): void {
    if (this.litRun === 0) return;
    this.ops.push(LITERAL, this.litRun);
    this.litRun = 0;
  }

  /** Position of `x` in prev after i (within the window, or anywhere once indexed); -1 if none. */
  private find(x: unknown): number {
    const prev = this.prev;
    const end = Math.min(prev.length, this.i + 1 + RESYNC_WINDOW);
    for (let k = this.i + 1; k < end; k++) if (same(prev[k], x)) return k;
    if (this.index !== null) return this.index.get(x) ?? -1;
    return -1;
  }

  private scan(x: unknown, limit: number): number {
    const prev = this.prev;
    const end = Math.min(prev.length, this.i + 1 + limit);
    for (let k = this.i + 1; k < end; k++) if (prev[k] === x) return k;
    return -1;
  }

  private buildIndex(budget: number): boolean {
    const end = Math.min(this.prev.length, this.indexing + budget);
    for (let k = this.indexing; k < end; k++) this.index!.set(this.prev[k], k);
    this.indexing = end === this.prev.length ? -1 : end;
    return false;
  }
}

/** Applies a script to the array it was computed against; throws on a script that does not fit. */
/** Where each literal of an edit script lands in the array it produces, in order. */
export function literalPositions(ops: Int32Array): number[] {
  const out: number[] = [];
  let o = 0;
  for (let p = 0; p < ops.length; ) {
    if (ops[p] === COPY) {
      o += ops[p + 2]!;
      p += 3;
    } else if (ops[p] === LITERAL) {
      const count = ops[p + 1]!;
      for (let k = 0; k < count; k++) out.push(o++);
      p += 2;
    } else throw new RangeError(`unknown edit op ${ops[p]}`);
  }
  return out;
}

export function applyArrayDelta(prev: readonly unknown[], delta: ArrayDelta): unknown[] {
  const out = new Array<unknown>(delta.length);
  const { ops, literals } = delta;
  let o = 0;
  let lit = 0;
  for (let p = 0; p < ops.length; ) {
    const op = ops[p]!;
    if (op === COPY) {
      const from = ops[p + 1]!;
      const count = ops[p + 2]!;
      if (from < 0 || count < 0 || from + count > prev.length || o + count > out.length) throw new RangeError('a COPY run is outside the arrays');
      for (let k = 0; k < count; k++) out[o++] = prev[from + k];
      p += 3;
    } else if (op === LITERAL) {
      const count = ops[p + 1]!;
      if (count < 0 || lit + count > literals.length || o + count > out.length) throw new RangeError('a LITERAL run is outside the arrays');
      for (let k = 0; k < count; k++) out[o++] = literals[lit++];
      p += 2;
    } else throw new RangeError(`unknown edit op ${op}`);
  }
  if (o !== out.length || lit !== literals.length) throw new RangeError(`the edit script yields ${o} of ${out.length} elements`);
  return out;
}
