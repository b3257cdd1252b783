// Storage shared by the hand-written Nexmark floors: growable columns that hold a view's results
// (the way the engine's view keeps its contents, but columnar) and the per-batch change set a
// floor hands its subscriber callback.

/** A growable column of doubles (ids, prices, timestamps, scaled decimals). */
export class F64Column {
  data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  /** Makes room for `n` more values; returns the index where they start. */
  reserve(n: number): number {
    const need = this.length + n;
    if (need > this.data.length) {
      let cap = this.data.length * 2;
      while (cap < need) cap *= 2;
      const grown = new Float64Array(cap);
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    return this.length;
  }

  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }

  clear(): void {
    this.length = 0;
  }
}

/** A growable column of strings (JS arrays grow in place; strings are shared, never copied). */
export class StrColumn {
  data: string[] = [];
  get length(): number {
    return this.data.length;
  }
  push(v: string): void {
    this.data.push(v);
  }
  clear(): void {
    this.data.length = 0;
  }
}

export type OutputColumn = F64Column | StrColumn;

/**
 * One batch's changes as a floor's subscriber receives them: rows [start, start + length) of
 * `columns` (in the query's output column order), each an insert unless `signs` says -1 (delete).
 * The object and its columns are reused from batch to batch: a subscriber that wants to keep
 * rows copies them, as with any columnar batch.
 */
export interface FloorChanges {
  readonly columns: readonly OutputColumn[];
  start: number;
  length: number;
  /** per change (index i - start): +1 insert, -1 delete; absent when every change is an insert */
  signs?: Int8Array;
}

export type FloorSubscriber = (changes: FloorChanges) => void;

/** A reusable change set with its own columns, for floors whose changes include deletes. */
export class ChangeBuffer implements FloorChanges {
  readonly columns: readonly F64Column[];
  start = 0;
  length = 0;
  signs = new Int8Array(256);

  constructor(width: number) {
    this.columns = Array.from({ length: width }, () => new F64Column(256));
  }

  clear(): void {
    this.length = 0;
    for (const c of this.columns) c.clear();
  }

  /** Appends one change; `sign` +1 inserts, -1 deletes. */
  add(sign: number, a: number, b: number, c = 0, d = 0): void {
    const i = this.length++;
    if (i === this.signs.length) {
      const grown = new Int8Array(i * 2);
      grown.set(this.signs);
      this.signs = grown;
    }
    this.signs[i] = sign;
    const cols = this.columns;
    cols[0].push(a);
    cols[1].push(b);
    if (cols.length > 2) cols[2].push(c);
    if (cols.length > 3) cols[3].push(d);
  }
}
