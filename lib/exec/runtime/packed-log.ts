// Append-only logs of retained batches (a view's) with their DECIMAL columns packed: once a step
// has delivered its changes, a retained batch with a column of Decimals is replaced in the log by
// a PackedBatch holding that column as unscaled doubles (types/decimal-column.ts), so the
// Decimals die young instead of being promoted and traced for the life of the view (Nexmark q1:
// the garbage collector was 75 % of the time). A PackedBatch is still a Batch: reading its
// `columns` materialises Decimals equal to the originals (same unscaled value and scale), kept
// through a WeakRef for the reads of one synchronous job (a scan reads `columns` per row) and
// then left to the collector.
import type { Batch, Column } from '../batch.js';
import { packDecimals, unpackDecimals, type PackedDecimals } from '../../types/decimal-column.js';

/** Batches shorter than this are left alone: the log merges its runs of small chunks itself
 *  (compactLogTail), and packing a few rows would save little. */
export const MIN_PACKED_ROWS = 128;

export class PackedBatch implements Batch {
  private cache: WeakRef<Column[]> | null = null;

  constructor(
    readonly length: number,
    readonly weights: Int32Array | null,
    /** the columns kept as they were (null where packed) */
    private readonly plain: readonly (Column | null)[],
    /** the packed columns (null where kept as they were) */
    private readonly packed: readonly (PackedDecimals | null)[],
  ) {}

  /** The batch's columns, Decimal columns materialised (the same arrays within one job). */
  get columns(): Column[] {
    const cached = this.cache?.deref();
    if (cached !== undefined) return cached;
    const columns: Column[] = new Array(this.plain.length);
    for (let c = 0; c < columns.length; c++) {
      const p = this.packed[c];
      columns[c] = p === null ? this.plain[c]! : unpackDecimals(p);
    }
    this.cache = new WeakRef(columns);
    return columns;
  }

  /** Number of columns held packed (for tests and diagnostics). */
  get packedColumns(): number {
    let n = 0;
    for (const p of this.packed) if (p !== null) n++;
    return n;
  }
}

/** `batch` with its Decimal columns packed, or `batch` itself when none can be. */
export function packBatch(batch: Batch): Batch {
  if (batch instanceof PackedBatch || batch.length < MIN_PACKED_ROWS) return batch;
  const cols = batch.columns;
  let packed: (PackedDecimals | null)[] | null = null;
  for (let c = 0; c < cols.length; c++) {
    const p = packDecimals(cols[c]!, batch.length);
    if (p === null) continue;
    packed ??= new Array<PackedDecimals | null>(cols.length).fill(null);
    packed[c] = p;
  }
  if (packed === null) return batch;
  const plain = cols.map((col, c) => (packed![c] === null ? col : null));
  return new PackedBatch(batch.length, batch.weights, plain, packed);
}

/**
 * Packs the batches appended to one append-only log since its last call. Call it only when no
 * one looks the log's batches up by identity any more (after the step that pushed them).
 */
export class LogPacker {
  private log: Batch[] | null = null;
  /** entries before this index were looked at already */
  private done = 0;

  pack(log: Batch[]): void {
    // a new log (a restore, or leaving and re-entering append-only mode) is looked at whole
    if (log !== this.log) {
      this.log = log;
      this.done = 0;
    }
    let k = Math.min(this.done, log.length);
    for (; k < log.length; k++) log[k] = packBatch(log[k]!);
    // a trailing run of small chunks may still be merged into one worth packing: look again
    let from = log.length;
    while (from > 0 && log[from - 1]!.length < MIN_PACKED_ROWS) from--;
    this.done = from;
  }
}
