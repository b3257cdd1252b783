// Storage shared by the hand-written Nexmark floors: growable columns and chunk logs that hold a
// view's results (columnar, where the engine's view keeps rows or batches) and the per-batch
// change set a floor hands its subscriber callback.

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


/**
 * One batch's changes as a floor's subscriber receives them: rows [start, start + length) of
 * `columns` (in the query's output column order), each an insert unless `signs` says -1 (delete).
 * The object is reused from batch to batch: a subscriber that wants to keep rows copies them,
 * as with any columnar batch.
 */
export interface FloorChanges {
  columns: ArrayLike<number | string>[];
  start: number;
  length: number;
  /** per change (index i - start): +1 insert, -1 delete; absent when every change is an insert */
  signs?: Int8Array;
}

/**
 * An append-only result kept as a log of column chunks, by reference — the way the engine keeps
 * an unkeyed view whose input only inserts (lib/exec/runtime/view-store.ts): the input batch's
 * arrays are kept, not copied; only computed columns are new arrays.
 */
export class ChunkLog {
  readonly chunks: ArrayLike<number | string>[][] = [];
  readonly lengths: number[] = [];

  append(columns: ArrayLike<number | string>[], n: number): void {
    this.chunks.push(columns.map((c) => (c.length === n ? c : prefix(c, n))));
    this.lengths.push(n);
  }

  rows(): (number | string)[][] {
    const out: (number | string)[][] = [];
    this.chunks.forEach((cols, k) => {
      for (let i = 0; i < this.lengths[k]; i++) out.push(cols.map((c) => c[i]));
    });
    return out;
  }
}

function prefix(c: ArrayLike<number | string>, n: number): ArrayLike<number | string> {
  if (c instanceof Float64Array) return c.subarray(0, n);
  return Array.prototype.slice.call(c, 0, n) as (number | string)[];
}

export type FloorSubscriber = (changes: FloorChanges) => void;

/** A reusable change set with its own columns, for floors whose changes include deletes. */
export class ChangeBuffer implements FloorChanges {
  private readonly cols: readonly F64Column[];
  /** the columns' current arrays (refreshed by ready(), as growth replaces them) */
  readonly columns: Float64Array[];
  start = 0;
  length = 0;
  signs = new Int8Array(256);

  constructor(width: number) {
    this.cols = Array.from({ length: width }, () => new F64Column(256));
    this.columns = this.cols.map((c) => c.data);
  }

  clear(): void {
    this.length = 0;
    for (const c of this.cols) c.clear();
  }

  /** Points `columns` at the current arrays; call before handing the changes over. */
  ready(): this {
    for (let i = 0; i < this.cols.length; i++) this.columns[i] = this.cols[i].data;
    return this;
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
    const cols = this.cols;
    cols[0].push(a);
    cols[1].push(b);
    if (cols.length > 2) cols[2].push(c);
    if (cols.length > 3) cols[3].push(d);
  }
}

/** One change in the shape the engine's subscribers receive (lib/engine/types.ts EngineChange). */
export interface RowChange {
  op: 'insert' | 'delete';
  row: (number | string)[];
}

/**
 * Adapts a listener of row changes to a floor: each batch's changes become one array of
 * { op, row } objects, as the engine hands its subscribers — the bench's "same work" floor pays
 * for that shape as the engine does. Generic over the columns, like the engine's delivery.
 */
export function rowChanges(listener: (changes: RowChange[]) => void): FloorSubscriber {
  return (c) => {
    const cols = c.columns;
    const width = cols.length;
    const signs = c.signs;
    const out: RowChange[] = new Array<RowChange>(c.length);
    for (let i = 0; i < c.length; i++) {
      const row = new Array<number | string>(width);
      for (let k = 0; k < width; k++) row[k] = cols[k][c.start + i];
      out[i] = { op: signs !== undefined && signs[i] < 0 ? 'delete' : 'insert', row };
    }
    listener(out);
  };
}
