// HopCountTiesOperator (lib/exec/stream/hop-count-ties.ts) on its own: the changelog it emits,
// replayed, equals a brute-force "rows tied at each window's max count" over all rows so far —
// with retractions, NULL keys and times, several key columns, windows closing under allowed
// lateness, and a checkpoint (snapshot, value codec + JSON, restore into a new operator) taken
// mid-stream. Closing, late rows and refused parameters by hand.
import t from 'tap';
import fc from 'fast-check';
import type { Batch } from '../../lib/exec/batch.js';
import type { Output } from '../../lib/exec/operator.js';
import { HopCountTiesOperator, type HopCountTiesConfig } from '../../lib/exec/stream/hop-count-ties.js';
import type { Value } from '../../lib/types/value.js';
import { decodeValue, encodeValue, type Encoded } from '../../lib/storage/value-codec.js';

const SIZE = 3000;
const SLIDE = 1000;

/** Input rows: (k1, k2, ts); weight separately. Output: (window_start, k1, k2, window_end, count, rank). */
const config = (over: Partial<HopCountTiesConfig> = {}): HopCountTiesConfig => ({
  timeColumn: 2,
  sizeMs: SIZE,
  slideMs: SLIDE,
  keyColumns: [0, 1],
  output: [{ kind: 'start' }, { kind: 'key', index: 0 }, { kind: 'key', index: 1 }, { kind: 'end' }, { kind: 'count' }, { kind: 'rank' }],
  lateWidth: 5,
  ...over,
});

class Collect implements Output {
  /** the replayed view: row JSON → multiplicity */
  readonly view = new Map<string, number>();
  wm = -Infinity;
  negative = false;
  push(b: Batch): void {
    for (let i = 0; i < b.length; i++) {
      const row = JSON.stringify(b.columns.map((c) => c[i]));
      const n = (this.view.get(row) ?? 0) + (b.weights === null ? 1 : b.weights[i]!);
      if (n < 0) this.negative = true;
      if (n === 0) this.view.delete(row);
      else this.view.set(row, n);
    }
  }
  watermark(wm: number): void {
    this.wm = wm;
  }
  rows(): string[] {
    const out: string[] = [];
    for (const [row, n] of this.view) for (let i = 0; i < n; i++) out.push(row);
    return out.sort();
  }
}

type In = { k1: number | null; k2: string | null; ts: number | null; w: number };

function batchOf(rows: In[]): Batch {
  return {
    length: rows.length,
    columns: [rows.map((r) => r.k1), rows.map((r) => r.k2), rows.map((r) => r.ts)] as Value[][],
    weights: rows.some((r) => r.w !== 1) ? Int32Array.from(rows.map((r) => r.w)) : null,
  };
}

/** Brute force: per HOP window, net counts per key of the rows counted there (a row is late,
 *  and not counted, in a window closed when it arrives); the view holds each window's keys at its
 *  max (> 0) — a closed window's counts no longer change, so its rows stay as they were. */
class Model {
  readonly windows = new Map<number, Map<string, { k1: Value; k2: Value; n: number }>>();
  wm = -Infinity;
  late = 0;
  constructor(private readonly lateness: number) {}
  closed(start: number): boolean {
    return start + SIZE + this.lateness <= this.wm;
  }
  add(r: In): void {
    if (r.ts === null) return;
    const last = r.ts - (((r.ts % SLIDE) + SLIDE) % SLIDE);
    for (let start = last; start > r.ts - SIZE; start -= SLIDE) {
      if (this.closed(start)) {
        this.late++;
        continue;
      }
      let m = this.windows.get(start);
      if (!m) this.windows.set(start, (m = new Map()));
      const key = JSON.stringify([r.k1, r.k2]);
      const g = m.get(key) ?? { k1: r.k1, k2: r.k2, n: 0 };
      g.n += r.w;
      m.set(key, g);
    }
  }
  view(): string[] {
    const out: string[] = [];
    for (const [start, m] of this.windows) {
      let max = 0;
      for (const g of m.values()) max = Math.max(max, g.n);
      if (max > 0) for (const g of m.values()) if (g.n === max) out.push(JSON.stringify([start, g.k1, g.k2, start + SIZE, max, 1]));
    }
    return out.sort();
  }
}

const inArb = fc.record({
  k1: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constant(null) }),
  k2: fc.constantFrom('x', 'y', null),
  ts: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: -2000, max: 12000 }) }, { weight: 1, arbitrary: fc.constant(null) }),
  w: fc.constantFrom(1, 1, 1, 2, -1),
});

/** a batch of rows, then maybe a watermark advance */
const stepArb = fc.record({ rows: fc.array(inArb, { minLength: 1, maxLength: 12 }), advance: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2500 })) });

t.test('replayed changes = brute-force ties, with retractions, windows closing and a checkpoint mid-stream', async (t) => {
  let checked = 0;
  let late = 0;
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 14 }), fc.nat(14), fc.constantFrom(Infinity, 0, 1000), (steps, cut, lateness) => {
      const out = new Collect();
      const cfg = config(lateness === Infinity ? {} : { allowedLatenessMs: lateness });
      let op = new HopCountTiesOperator(out, cfg);
      const model = new Model(lateness);
      const inserted: In[] = [];
      let wm = -4000;
      for (const [n, step] of steps.entries()) {
        // retract only what was inserted, as a changelog input would
        const rows = step.rows.filter((r) => r.w > 0 || inserted.some((a) => a.k1 === r.k1 && a.k2 === r.k2 && a.ts === r.ts && a.w > 0));
        inserted.push(...rows);
        if (rows.length > 0) {
          for (const r of rows) model.add(r);
          op.push(batchOf(rows), 0);
        }
        op.flush();
        if (step.advance > 0) {
          wm += step.advance;
          op.watermark(wm, 0);
          model.wm = wm;
        }
        if (n === cut) {
          // through the storage layer's value encoding and JSON, as a checkpoint writes it
          const saved = decodeValue(JSON.parse(JSON.stringify(encodeValue(op.snapshot()))) as Encoded);
          op = new HopCountTiesOperator(out, cfg);
          op.restore(saved);
        }
        if (out.negative) throw new Error(`step ${n}: a row retracted more often than inserted`);
        const want = model.view();
        const got = out.rows();
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`step ${n}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
        if (op.lateRows !== model.late) throw new Error(`step ${n}: ${op.lateRows} late rows, want ${model.late}`);
        checked += got.length;
      }
      late += model.late;
    }),
    { numRuns: 400, seed: 7 },
  );
  t.ok(checked > 1000, `rows compared (${checked})`);
  t.ok(late > 50, `late rows seen (${late})`);
});

t.test('one key column: the key is the value; NULL key is a group', async (t) => {
  const out = new Collect();
  const op = new HopCountTiesOperator(out, config({ keyColumns: [0], output: [{ kind: 'key', index: 0 }, { kind: 'count' }, { kind: 'start' }] }));
  op.push(batchOf([{ k1: null, k2: 'x', ts: 500, w: 1 }, { k1: null, k2: 'y', ts: 600, w: 1 }, { k1: 3, k2: 'x', ts: 700, w: 1 }]), 0);
  op.flush();
  t.same(out.rows(), ['[null,2,-2000]', '[null,2,-1000]', '[null,2,0]'].sort());
  t.equal(op.stateSize(), 6, 'two keys in each of three windows');
});

t.test('windows close at window_end + allowed lateness; later rows are late, in HOP layout', async (t) => {
  const out = new Collect();
  const late: Value[][] = [];
  const op = new HopCountTiesOperator(out, config({ allowedLatenessMs: 500, late: { sideOutput: (b) => { for (let i = 0; i < b.length; i++) late.push(b.columns.map((c) => c[i]!)); } } }));
  op.push(batchOf([{ k1: 1, k2: 'x', ts: 100, w: 1 }]), 0);
  op.watermark(2000, 0); // closes the window [-2000, 1000) only (1000 + 500 <= 2000 < 2000 + 500)
  t.same(out.rows(), [JSON.stringify([-2000, 1, 'x', 1000, 1, 1]), JSON.stringify([-1000, 1, 'x', 2000, 1, 1]), JSON.stringify([0, 1, 'x', 3000, 1, 1])].sort(), 'emitted before the close');
  t.equal(op.stateSize(), 2, 'the closed window is dropped');
  op.push(batchOf([{ k1: 2, k2: 'x', ts: 200, w: 1 }, { k1: 2, k2: 'x', ts: 250, w: 1 }]), 0);
  op.flush();
  t.equal(op.lateRows, 2, 'each row is late in its one closed window');
  t.same(late, [[2, 'x', 200, -2000, 1000], [2, 'x', 250, -2000, 1000]], 'late rows: the row, window_start, window_end');
  // the closed window's row stays (dropping state never retracts); the open ones move to auction 2
  t.same(out.rows(), [JSON.stringify([-2000, 1, 'x', 1000, 1, 1]), JSON.stringify([-1000, 2, 'x', 2000, 2, 1]), JSON.stringify([0, 2, 'x', 3000, 2, 1])].sort());
  t.equal(out.wm, 2000, 'the watermark is forwarded');
});

t.test('refuses a size that is not a multiple of the slide', async (t) => {
  t.throws(() => new HopCountTiesOperator(new Collect(), config({ sizeMs: 2500 })), { code: 'INVALID_ARGUMENT' });
});
