// Rows equal to their TUMBLE window's MAX/MIN (Nexmark q7's shape) as one operator
// (lib/plan/optimizer/window-extremum-rows.ts, lib/exec/stream/window-extremum-rows.ts):
// which plans are rewritten, and a differential property test of the rewritten view against the
// unrewritten plan (aggregate + interval join) and a from-scratch answer, on random inputs with
// ties, NULL values, boundary timestamps, disorder and late rows.
import t from 'tap';
import fc from 'fast-check';
import { Engine } from '../../lib/engine/engine.js';
import { windowExtremumRowsRule } from '../../lib/plan/optimizer/window-extremum-rows.js';
import { WindowExtremumRowsOperator } from '../../lib/exec/stream/window-extremum-rows.js';
import { batch, Recorder } from './harness.js';

const SIZE = 10_000;
const source = (type = 'BIGINT', delayS = 4) =>
  `CREATE SOURCE bid (auction BIGINT, price ${type}, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time - INTERVAL '${delayS}' SECOND)`;

/** q7 with a choice of aggregate and band (seconds before window_end). */
function q7(fn = 'MAX', band = "BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time", extra = ''): string {
  return `SELECT B.auction, B.price, B.date_time, B1.date_time AS wend FROM bid B
    JOIN (SELECT ${fn}(price) AS maxprice, window_end AS date_time FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_end) B1
    ON B.price = B1.maxprice WHERE B.date_time ${band}${extra}`;
}

const lateRows = (e: Engine): number => e.viewLateRows('fused');
const explain = (e: Engine, sql: string): string => e.query(`EXPLAIN ${sql}`).rows.map((r) => String(r[0])).join('\n');
const FUSED = /IntervalJoin inner \[\d+ms, \d+ms\] as window (max|min) rows/;

t.test('which joins are rewritten', async (t) => {
  const e = new Engine();
  e.execute(source());
  t.match(explain(e, q7()), FUSED, 'q7');
  t.match(explain(e, q7('MIN')), /as window min rows/, 'MIN');
  t.match(explain(e, q7('MAX', "BETWEEN B1.date_time - INTERVAL '25' SECOND AND B1.date_time - INTERVAL '3' SECOND")), FUSED, 'a band of several windows');
  t.notMatch(explain(e, q7('MAX', "BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time + INTERVAL '1' SECOND")), FUSED, 'a band reaching windows that ended before the row (lower < 0)');
  t.notMatch(explain(e, q7('MAX', "> B1.date_time - INTERVAL '10' SECOND AND B.date_time <= B1.date_time")), FUSED, 'a strict bound');
  t.notMatch(explain(e, q7('MAX', "BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time", ' AND B.auction > 3')), FUSED, 'a filter on the rows');
  t.notMatch(explain(e, q7('SUM')), FUSED, 'SUM is not an extremum');
  t.notMatch(explain(e, q7('MAX', "BETWEEN B1.date_time - INTERVAL '1' DAY AND B1.date_time")), FUSED, 'a band of thousands of windows per row');
  t.match(explain(e, q7().replace("INTERVAL '10' SECOND)", "INTERVAL '10' SECOND, INTERVAL '3' SECOND)")), FUSED, 'an offset TUMBLE');
  e.execute('CREATE VIEW hot AS SELECT * FROM bid WHERE auction > 3');
  const filtered = q7().replace('FROM TUMBLE(bid,', 'FROM TUMBLE(hot,');
  t.notMatch(explain(e, filtered), FUSED, 'the aggregate over other rows than the join');
  t.notMatch(explain(e, q7().replace('JOIN (', 'LEFT JOIN (')), FUSED, 'LEFT join');
  const d = new Engine();
  d.execute(source('DOUBLE'));
  t.notMatch(explain(d, q7()), FUSED, 'DOUBLE values (NaN) are left to the join');
});

type Bid = [auction: number, price: number | null, ts: number];

/** The view from scratch over on-time rows: pairs (row, window end) in the band at the window's extremum. */
function reference(rows: Bid[], fn: 'MAX' | 'MIN', lowerMs: number, upperMs: number, offset = 0): string[] {
  const ext = new Map<number, number>();
  for (const [, p, ts] of rows) {
    const end = Math.floor((ts - offset) / SIZE) * SIZE + SIZE + offset;
    if (!ext.has(end)) ext.set(end, NaN);
    if (p === null) continue;
    const cur = ext.get(end)!;
    ext.set(end, Number.isNaN(cur) ? p : fn === 'MAX' ? Math.max(cur, p) : Math.min(cur, p));
  }
  const out: string[] = [];
  for (const [a, p, ts] of rows) {
    for (const [end, m] of ext) if (p === m && end - ts >= lowerMs && end - ts <= upperMs) out.push(JSON.stringify([a, p, ts, end]));
  }
  return out.sort();
}

const contents = (e: Engine, view: string): string[] =>
  e.query(`SELECT * FROM ${view}`).rows.map((r) => JSON.stringify(r.map((v) => (v instanceof Date ? v.getTime() : v)))).sort();

/** A random row: times cluster on window boundaries (…, end - 1, end, end + 1, …; also those of windows offset by 2 s, and 4 s past a start so the 4 s-delayed watermark lands on a window end), prices tie. */
const bidArb = (windows: number) =>
  fc.tuple(
    fc.integer({ min: 1, max: 9 }),
    fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
    fc.integer({ min: 0, max: windows }),
    fc.oneof(fc.constantFrom(0, 1, -1, 2, SIZE / 2, 1_999, 2_000, 2_001, 4_000), fc.integer({ min: 0, max: SIZE - 1 })),
  ).map(([a, p, w, d]) => [a, p, w * SIZE + d] as Bid);

const BANDS: { band: string; lower: number; upper: number; offset?: number; lateness?: number }[] = [
  { band: "BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time", lower: 0, upper: 10_000 },
  { band: "BETWEEN B1.date_time - INTERVAL '25' SECOND AND B1.date_time - INTERVAL '3' SECOND", lower: 3_000, upper: 25_000 },
  { band: "BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time", lower: 0, upper: 10_000, offset: 2_000 },
  // windows close for the aggregate at window_end: a late row no longer moves its window's max
  { band: "BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time", lower: 0, upper: 10_000, lateness: 0 },
];

for (const fn of ['MAX', 'MIN'] as const) {
  for (const { band, lower, upper, offset, lateness } of BANDS) {
    t.test(`${fn} over [${lower}, ${upper}] ms${offset ? `, windows offset ${offset} ms` : ''}${lateness !== undefined ? `, allowed_lateness ${lateness}` : ''}: rewritten = unrewritten at every step; = from scratch without late rows`, async (t) => {
      let runs = 0;
      let nonEmpty = 0;
      let withLate = 0;
      fc.assert(
        fc.property(fc.array(fc.array(bidArb(6), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 10 }), fc.boolean(), (batches, inOrder) => {
          const e = new Engine();
          e.execute(source());
          const sql = offset ? q7(fn, band).replace("INTERVAL '10' SECOND)", `INTERVAL '10' SECOND, INTERVAL '${offset / 1000}' SECOND)`) : q7(fn, band);
          const withOpts = lateness === undefined ? '' : ` WITH (allowed_lateness = '${lateness} seconds')`;
          windowExtremumRowsRule.enabled = false;
          try {
            e.execute(`CREATE MATERIALIZED VIEW plain${withOpts} AS ${sql}`);
          } finally {
            windowExtremumRowsRule.enabled = true;
          }
          e.execute(`CREATE MATERIALIZED VIEW fused${withOpts} AS ${sql}`);
          if (!FUSED.test(explain(e, sql))) return false;
          // sorted input has no late rows (the watermark trails the highest time seen)
          const input = inOrder ? [...batches.flat()].sort((x, y) => x[2] - y[2]) : batches.flat();
          const chunks = inOrder ? [input.slice(0, input.length >> 1), input.slice(input.length >> 1)].filter((c) => c.length > 0) : batches;
          const seen: Bid[] = [];
          const lateBefore = lateRows(e);
          for (const chunk of chunks) {
            e.insertColumns('bid', [chunk.map((b) => b[0]), chunk.map((b) => b[1]), chunk.map((b) => b[2])], chunk.length);
            seen.push(...chunk);
            const fused = contents(e, 'fused');
            if (JSON.stringify(fused) !== JSON.stringify(contents(e, 'plain'))) return false;
            if (inOrder && JSON.stringify(fused) !== JSON.stringify(reference(seen, fn, lower, upper, offset))) return false;
          }
          runs++;
          if (contents(e, 'fused').length > 0) nonEmpty++;
          if (lateRows(e) > lateBefore) withLate++;
          e.close();
          return true;
        }),
        { numRuns: 150, seed: fn === 'MAX' ? 11 : 23 },
      );
      t.equal(runs, 150);
      t.ok(nonEmpty > 100, `most runs have rows in the view (${nonEmpty})`);
      t.ok(withLate > 10, `late rows occur (${withLate} runs)`);
    });
  }
}

t.test('a view created over existing rows, then more rows with a new maximum and ties', async (t) => {
  const e = new Engine();
  e.execute(source());
  const rows: Bid[] = [[1, 10, 1_000], [2, 30, 2_000], [3, 30, 9_999], [4, 20, 10_000], [5, 50, 15_000], [6, 50, 20_000], [7, null, 21_000]];
  e.insertColumns('bid', [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])], rows.length);
  e.execute(`CREATE MATERIALIZED VIEW q AS ${q7()}`);
  t.same(contents(e, 'q'), reference(rows, 'MAX', 0, SIZE));
  // [4, 20, 10 000] sits on the boundary: window 10 000's own row and window [0, 10 s)'s edge
  t.ok(contents(e, 'q').includes(JSON.stringify([2, 30, 2_000, 10_000])));
  const more: Bid[] = [[8, 70, 22_000], [9, 70, 23_000], [10, 40, 10_500]];
  e.insertColumns('bid', [more.map((r) => r[0]), more.map((r) => r[1]), more.map((r) => r[2])], more.length);
  t.same(contents(e, 'q'), reference([...rows, ...more], 'MAX', 0, SIZE));
});

t.test('a window-boundary row waits beyond the max and matches when the window reaches its value', async (t) => {
  const e = new Engine();
  e.execute(source());
  e.execute(`CREATE MATERIALIZED VIEW q AS ${q7()}`);
  // at exactly 10 s: its own window [10 s, 20 s) and the previous window (end 10 s)
  e.insertColumns('bid', [[1, 2], [5, 9], [1_000, 10_000]], 2);
  t.same(contents(e, 'q'), [JSON.stringify([1, 5, 1_000, 10_000]), JSON.stringify([2, 9, 10_000, 20_000])], 'the previous window max is 5, not 9');
  e.insertColumns('bid', [[3], [9], [9_000]], 1);
  t.same(contents(e, 'q'), [JSON.stringify([2, 9, 10_000, 10_000]), JSON.stringify([2, 9, 10_000, 20_000]), JSON.stringify([3, 9, 9_000, 10_000])].sort());
  e.insertColumns('bid', [[4], [11], [9_500]], 1);
  t.same(contents(e, 'q'), [JSON.stringify([2, 9, 10_000, 20_000]), JSON.stringify([4, 11, 9_500, 10_000])].sort(), 'a higher max retracts both');
});

t.test('state stays bounded over a long run; late rows are counted', async (t) => {
  const e = new Engine();
  e.execute(source());
  e.execute(`CREATE MATERIALIZED VIEW q AS ${q7()}`);
  let seed = 3;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const sizes: number[] = [];
  const all: Bid[] = [];
  for (let b = 0; b < 100; b++) {
    const chunk: Bid[] = [];
    for (let i = 0; i < 1000; i++) {
      const n = b * 1000 + i;
      chunk.push([n % 13, Math.floor(rand() * 1000), n * 2 - Math.floor(rand() * 3000)]);
    }
    e.insertColumns('bid', [chunk.map((r) => r[0]), chunk.map((r) => r[1]), chunk.map((r) => r[2])], chunk.length);
    all.push(...chunk);
    sizes.push(e.viewStateSize('q'));
  }
  t.ok(Math.max(...sizes.slice(50)) <= Math.max(...sizes.slice(5, 50)) * 1.5 + 10, `state flat (${sizes.slice(-5).join(', ')})`);
  t.ok(Math.max(...sizes) < 200, `only extremum ties and open windows are held (max ${Math.max(...sizes)})`);
  t.same(contents(e, 'q'), reference(all, 'MAX', 0, SIZE), 'disorder within the watermark delay: exact');
});

t.test('operator: snapshot / restore mid-stream continues exactly like an uninterrupted run', async (t) => {
  const make = (r: Recorder) =>
    new WindowExtremumRowsOperator(r, { kind: 'max', valueColumn: 1, timeColumn: 2, sizeMs: SIZE, lowerMs: 0, upperMs: SIZE, width: 3, rightColumns: ['window_end', 'extremum'] });
  const steps: Bid[][] = [
    [[1, 5, 1_000], [2, 9, 10_000], [3, null, 4_000]],
    [[4, 7, 3_000], [5, 9, 9_999]],
    [[6, 12, 10_500], [7, 9, 2_000]],
    [[8, 12, 19_000], [9, 3, 25_000]],
  ];
  const wms = [0, 5_000, 6_000, 21_000];
  const run = (cut: number | undefined) => {
    const r = new Recorder();
    let op = make(r);
    steps.forEach((rows, k) => {
      if (k === cut) {
        const state = JSON.parse(JSON.stringify(op.snapshot())) as unknown;
        op = make(r);
        op.restore(state);
      }
      op.push(batch(rows as never), 0);
      op.watermark(wms[k]!, 0);
      op.flush();
    });
    return { net: r.net(), state: op.stateSize(), late: op.lateRows };
  };
  const whole = run(undefined);
  t.ok(whole.net.length >= 3, `rows in the result (${whole.net.length})`);
  t.equal(whole.late, 1, 'the row at 2 s behind the 5 s watermark is late');
  for (const cut of [1, 2, 3]) t.same(run(cut), whole, `restored before step ${cut}`);
});

t.test('operator: refuses retractions and bad bands', async (t) => {
  const cfg = { kind: 'max' as const, valueColumn: 1, timeColumn: 2, sizeMs: SIZE, lowerMs: 0, upperMs: SIZE, width: 3, rightColumns: ['extremum' as const] };
  const op = new WindowExtremumRowsOperator(new Recorder(), cfg);
  t.throws(() => op.push(batch([[1, 5, 1_000]], [-1]), 0), { code: 'INVALID_ARGUMENT', message: /append-only/ });
  t.throws(() => new WindowExtremumRowsOperator(new Recorder(), { ...cfg, lowerMs: -1 }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => new WindowExtremumRowsOperator(new Recorder(), { ...cfg, lowerMs: 5, upperMs: 4 }), { code: 'INVALID_ARGUMENT' });
});
