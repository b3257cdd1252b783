import t from 'tap';
import { WindowAssignOperator } from '../../lib/exec/stream/window-tvf.js';
import { forEachCumulateWindow, forEachHopWindow, tumbleStart } from '../../lib/exec/stream/window-math.js';
import { batch, Recorder } from './harness.js';

t.test('window arithmetic', async (t) => {
  t.equal(tumbleStart(0, 10), 0);
  t.equal(tumbleStart(9, 10), 0);
  t.equal(tumbleStart(10, 10), 10, 'windows are half-open: the end belongs to the next window');
  t.equal(tumbleStart(-1, 10), -10, 'negative times align down, not toward zero');
  t.equal(tumbleStart(12, 10, 3), 3, 'offset shifts the alignment');
  t.equal(tumbleStart(2, 10, 3), -7);
  t.equal(tumbleStart(5.5, 5), 5, 'fractional (microsecond) times');
  const hop: [number, number][] = [];
  forEachHopWindow(13, 10, 5, 0, (s, e) => hop.push([s, e]));
  t.same(hop, [[10, 20], [5, 15]]);
  const hop2: [number, number][] = [];
  forEachHopWindow(10, 10, 4, 0, (s, e) => hop2.push([s, e]));
  t.same(hop2, [[8, 18], [4, 14]], 'size not a multiple of slide: only windows containing ts');
  const cum: [number, number][] = [];
  forEachCumulateWindow(13, 5, 20, 0, (s, e) => cum.push([s, e]));
  t.same(cum, [[0, 15], [0, 20]]);
  const cum2: [number, number][] = [];
  forEachCumulateWindow(20, 5, 20, 0, (s, e) => cum2.push([s, e]));
  t.same(cum2, [[20, 25], [20, 30], [20, 35], [20, 40]]);
});

t.test('TUMBLE appends window columns, keeps weights, drops NULL times', async (t) => {
  const r = new Recorder();
  const op = new WindowAssignOperator(r, { kind: 'tumble', timeColumn: 1, sizeMs: 10 });
  op.push(batch([['a', 3], ['b', 10], ['c', 19]], [1, -1, 1]), 0);
  t.same(r.log, [
    { row: ['a', 3, 0, 10], weight: 1 },
    { row: ['b', 10, 10, 20], weight: -1 },
    { row: ['c', 19, 10, 20], weight: 1 },
  ]);
  r.clear();
  op.push(batch([['a', null], ['b', 25]]), 0);
  t.same(r.log, [{ row: ['b', 25, 20, 30], weight: 1 }]);
  op.watermark(42, 0);
  t.same(r.watermarks, [42], 'watermarks pass through');
  t.equal(op.stateSize(), 0);
});

t.test('TUMBLE with an offset', async (t) => {
  const r = new Recorder();
  const op = new WindowAssignOperator(r, { kind: 'tumble', timeColumn: 0, sizeMs: 10, offsetMs: 3 });
  op.push(batch([[2], [3], [12], [13]]), 0);
  t.same(r.inserts(), [[2, -7, 3], [3, 3, 13], [12, 3, 13], [13, 13, 23]]);
});

t.test('HOP expands each row into every window containing it', async (t) => {
  const r = new Recorder();
  const op = new WindowAssignOperator(r, { kind: 'hop', timeColumn: 0, sizeMs: 10, slideMs: 5 });
  op.push({ length: 2, columns: [Float64Array.from([13, 4]), ['x', 'y']], weights: Int32Array.from([1, -1]) }, 0);
  t.same(r.log, [
    { row: [13, 'x', 10, 20], weight: 1 },
    { row: [4, 'y', 0, 10], weight: -1 },
    { row: [13, 'x', 5, 15], weight: 1 },
    { row: [4, 'y', -5, 5], weight: -1 },
  ], 'window-major order: the latest window of every row first');
  t.ok(r.batches[0]!.columns[0] instanceof Float64Array, 'typed columns stay typed');
});

t.test('HOP on a big batch: one zero-copy batch per window rank, every window right', async (t) => {
  const r = new Recorder();
  const op = new WindowAssignOperator(r, { kind: 'hop', timeColumn: 0, sizeMs: 100, slideMs: 10 });
  const n = 5000;
  const times = new Float64Array(n);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    times[i] = i;
    names.push(`r${i}`);
  }
  const weights = new Int32Array(n).fill(2);
  op.push({ length: n, columns: [times, names], weights }, 0);
  t.equal(r.batches.length, 10, 'size / slide batches');
  t.equal(r.log.length, n * 10);
  for (const b of r.batches) {
    t.equal(b.columns[0], times, 'input columns are passed on, not copied');
    t.equal(b.columns[1], names);
    t.equal(b.weights, weights);
  }
  const seen = new Set<string>();
  for (const { row, weight } of r.log) {
    const [ts, , s, e] = row as [number, string, number, number];
    if (!(s <= ts && ts < e && e - s === 100 && s % 10 === 0 && weight === 2)) t.fail(`bad window [${s}, ${e}) for ${ts}`);
    seen.add(`${ts}/${s}`);
  }
  t.equal(seen.size, n * 10, 'each row in each of its 10 windows exactly once');
});

t.test('HOP: NULL times and sizes that are not a multiple of the slide', async (t) => {
  const r = new Recorder();
  const op = new WindowAssignOperator(r, { kind: 'hop', timeColumn: 0, sizeMs: 10, slideMs: 4 });
  // ts 10 is in [8,18) and [4,14) only; 9 is in [8,18), [4,14) and [0,10); NULL is in none
  op.push({ length: 3, columns: [[10, null, 9], ['a', 'b', 'c']], weights: Int32Array.from([1, 1, -1]) }, 0);
  t.same(r.log, [
    { row: [10, 'a', 8, 18], weight: 1 },
    { row: [9, 'c', 8, 18], weight: -1 },
    { row: [10, 'a', 4, 14], weight: 1 },
    { row: [9, 'c', 4, 14], weight: -1 },
    { row: [9, 'c', 0, 10], weight: -1 },
  ]);
  t.equal(r.batches.length, 3);
  t.equal(r.batches[2]!.length, 1, 'the third rank holds only the row still inside its window');
  r.clear();
  op.push({ length: 2, columns: [[null, null], ['x', 'y']], weights: null }, 0);
  t.equal(r.log.length, 0, 'rows without an event time belong to no window');
  op.push({ length: 2, columns: [Float64Array.from([-1, 3]), ['x', 'y']], weights: null }, 0);
  t.same(r.inserts(), [[-1, 'x', -4, 6], [3, 'y', 0, 10], [-1, 'x', -8, 2], [3, 'y', -4, 6]], 'negative times align down');
});

t.test('CUMULATE', async (t) => {
  const r = new Recorder();
  const op = new WindowAssignOperator(r, { kind: 'cumulate', timeColumn: 0, sizeMs: 10, stepMs: 5 });
  op.push(batch([[0], [7]]), 0);
  t.same(r.inserts(), [[0, 0, 5], [0, 0, 10], [7, 0, 10]]);
});

t.test('invalid window parameters are clear errors', async (t) => {
  const r = new Recorder();
  t.throws(() => new WindowAssignOperator(r, { kind: 'tumble', timeColumn: 0, sizeMs: 0 }), { code: 'INVALID_ARGUMENT', message: /TUMBLE window size/ });
  t.throws(() => new WindowAssignOperator(r, { kind: 'hop', timeColumn: 0, sizeMs: 10, slideMs: -1 }), { code: 'INVALID_ARGUMENT', message: /slide/ });
  t.throws(() => new WindowAssignOperator(r, { kind: 'cumulate', timeColumn: 0, sizeMs: 10, stepMs: 3 }), { code: 'INVALID_ARGUMENT', message: /multiple/ });
});

t.test('an unobserved output (nothing reads the TVF) gets no work done', async (t) => {
  let pushed = 0;
  let observed = false;
  const op = new WindowAssignOperator({ push: () => void pushed++, watermark: () => {}, unobserved: () => !observed }, { kind: 'hop', timeColumn: 0, sizeMs: 10, slideMs: 5 });
  op.push(batch([[1], [7]]), 0);
  t.equal(pushed, 0);
  observed = true;
  op.push(batch([[1], [7]]), 0);
  t.equal(pushed, 2, 'one batch per window rank once someone reads it');
});

t.test('a consumer probe saying nobody reads the node skips the work', async (t) => {
  let pushed = 0;
  let consumers = 0;
  const op = new WindowAssignOperator({ push: () => void pushed++, watermark: () => {} }, { kind: 'tumble', timeColumn: 0, sizeMs: 10 });
  op.setConsumerProbe(() => consumers > 0);
  op.push(batch([[1]]), 0);
  t.equal(pushed, 0);
  consumers = 1;
  op.push(batch([[1]]), 0);
  t.equal(pushed, 1);
});
