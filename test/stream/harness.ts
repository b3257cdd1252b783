// Test helpers: an Output that records what an operator emits, batch construction from rows,
// and net (consolidated) contents of a changelog.

import type { Batch, Column } from '../../lib/exec/batch.js';
import type { Output } from '../../lib/exec/operator.js';
import type { Row, Value } from '../../lib/types/value.js';

export class Recorder implements Output {
  batches: Batch[] = [];
  watermarks: number[] = [];
  /** every emitted row with its weight, in order */
  log: { row: Row; weight: number }[] = [];

  push(batch: Batch): void {
    this.batches.push(batch);
    for (let i = 0; i < batch.length; i++) {
      const row: Row = batch.columns.map((c) => c[i] as Value);
      this.log.push({ row, weight: batch.weights === null ? 1 : batch.weights[i]! });
    }
  }

  watermark(wm: number): void {
    this.watermarks.push(wm);
  }

  /** rows with positive net multiplicity, each repeated by it, sorted */
  net(): Row[] {
    return netRows(this.log);
  }

  inserts(): Row[] {
    return this.log.filter((e) => e.weight > 0).map((e) => e.row);
  }

  clear(): void {
    this.batches = [];
    this.watermarks = [];
    this.log = [];
  }
}

export function netRows(log: { row: Row; weight: number }[]): Row[] {
  const counts = new Map<string, { row: Row; n: number }>();
  for (const { row, weight } of log) {
    const k = JSON.stringify(row);
    const e = counts.get(k) ?? { row, n: 0 };
    e.n += weight;
    counts.set(k, e);
  }
  const out: Row[] = [];
  for (const { row, n } of counts.values()) {
    if (n < 0) throw new Error(`negative multiplicity ${n} for ${JSON.stringify(row)}`);
    for (let i = 0; i < n; i++) out.push(row);
  }
  return sortRows(out);
}

export function sortRows(rows: Row[]): Row[] {
  return rows.slice().sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** A batch from rows (weights default to all inserts). */
export function batch(rows: Row[], weights?: number[], width?: number): Batch {
  const w = width ?? rows[0]?.length ?? 0;
  const columns: Column[] = [];
  for (let c = 0; c < w; c++) columns.push(rows.map((r) => r[c] ?? null));
  return { length: rows.length, columns, weights: weights ? Int32Array.from(weights) : null };
}

export const col = (i: number) => (c: Column[], r: number): Value => c[i]![r] as Value;

import type { Operator } from '../../lib/exec/operator.js';

/** An Output feeding the next operator's port. */
export class Link implements Output {
  constructor(
    private readonly next: Operator,
    private readonly port = 0,
  ) {}
  push(b: Batch): void {
    this.next.push(b, this.port);
  }
  watermark(wm: number): void {
    this.next.watermark(wm, this.port);
  }
}
