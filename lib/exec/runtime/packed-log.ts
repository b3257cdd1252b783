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
 * one looks the log's batches up by identity any more (after the step that pushed them). The
 * log only grows at its end, or has its trailing run of small chunks merged into one chunk at
 * its end (compactLogTail, called before this): each call looks at the new entries, plus the
 * last one after such a merge — O(1) per step on the one-row-per-insert path.
 */
export class LogPacker {
  private log: Batch[] | null = null;
  /** entries before this index were looked at */
  private checked = 0;
  /** the entry at checked - 1 when it was looked at (a merge replaces it) */
  private lastChecked: Batch | null = null;

  pack(log: Batch[]): void {
    // a new log (a restore) is looked at whole
    if (log !== this.log) {
      this.log = log;
      this.checked = 0;
      this.lastChecked = null;
    }
    let k = this.checked;
    // a merge left one new chunk at the end in place of entries already looked at
    if (k > log.length || (k > 0 && log[k - 1] !== this.lastChecked)) k = Math.max(0, log.length - 1);
    for (; k < log.length; k++) log[k] = packBatch(log[k]!);
    this.checked = log.length;
    this.lastChecked = log.length > 0 ? log[log.length - 1]! : null;
  }
}
