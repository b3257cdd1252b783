// Long runs with a moving watermark: the state of window aggregates (both emit modes, with
// allowed lateness), interval joins, windowed Top-N and sessions stays flat. 2 M events each,
// pushed in columnar batches of 4096 with 5% disorder.

import t from 'tap';
import type { Operator, Output } from '../../lib/exec/operator.js';
import type { Batch } from '../../lib/exec/batch.js';
import { WindowAssignOperator } from '../../lib/exec/stream/window-tvf.js';
import { WindowAggregateOperator } from '../../lib/exec/stream/window-aggregate.js';
import { streamAccumulator } from '../../lib/exec/stream/accumulators.js';
import { IntervalJoinOperator } from '../../lib/exec/stream/interval-join.js';
import { WindowTopNOperator } from '../../lib/exec/stream/window-topn.js';
import { SessionWindowOperator } from '../../lib/exec/stream/session-window.js';
import { col, Link } from './harness.js';

const EVENTS = 2_000_000;
const BATCH = 4096;
const DELAY = 50;

/** Counts output rows without keeping them. */
class CountingOutput implements Output {
  rows = 0;
  push(b: Batch): void {
    this.rows += b.length;
  }
  watermark(): void {}
}

/** Drives `events` rows [key, ts, v] (ts = i, disordered by up to DELAY) into `op` on `port`s. */
function run(ports: number[], ops: Operator[], keys: number, sample: () => number): { max: number; samples: number[] } {
  const samples: number[] = [];
  let max = 0;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let start = 0; start < EVENTS; start += BATCH) {
    for (const port of ports) {
      const key = new Float64Array(BATCH);
      const ts = new Float64Array(BATCH);
      const v = new Float64Array(BATCH);
      for (let i = 0; i < BATCH; i++) {
        key[i] = Math.floor(rand() * keys);
        ts[i] = start + i - (rand() < 0.05 ? Math.floor(rand() * DELAY) : 0);
        v[i] = Math.floor(rand() * 1000);
      }
      ops[0]!.push({ length: BATCH, columns: [key, ts, v], weights: null }, port);
    }
    for (const op of ops) op.flush();
    for (const port of ports) ops[0]!.watermark(start + BATCH - DELAY, port);
    const size = sample();
    max = Math.max(max, size);
    if ((start / BATCH) % 50 === 0) samples.push(size);
  }
  return { max, samples };
}

t.test('windowed aggregate state is flat (EOWC, and changelog with allowed lateness)', async (t) => {
  for (const emit of ['window-close', 'changes'] as const) {
    const out = new CountingOutput();
    const agg = new WindowAggregateOperator(out, {
      groupBy: [col(0), col(4)],
      windowEndGroupIndex: 1,
      aggregates: [{ create: streamAccumulator('count_star') }, { create: streamAccumulator('sum'), arg: col(2) }, { create: streamAccumulator('max'), arg: col(2) }],
      emit,
      allowedLatenessMs: 1000,
      inputWidth: 5,
    });
    const tvf = new WindowAssignOperator(new Link(agg), { kind: 'hop', timeColumn: 1, sizeMs: 1000, slideMs: 250 });
    const { max } = run([0], [tvf, agg], 100, () => agg.stateSize());
    // open windows: (delay + lateness + size) / slide ≈ 9, times 100 keys
    t.ok(max <= 100 * 12, `${emit}: max state ${max} (expected ≤ 1200)`);
    t.equal(agg.lateRows, 0);
    t.ok(out.rows > 0);
  }
});

t.test('interval join state is flat', async (t) => {
  const out = new CountingOutput();
  const join = new IntervalJoinOperator(out, {
    joinKind: 'inner',
    leftKeys: [col(0)],
    rightKeys: [col(0)],
    leftTimeColumn: 1,
    rightTimeColumn: 1,
    lowerMs: -100,
    upperMs: 100,
    leftWidth: 3,
    rightWidth: 3,
  });
  const { max } = run([0, 1], [join], 10_000, () => join.stateSize());
  // each side keeps about (delay + 100 + batch) ms of rows
  t.ok(max <= 2 * (BATCH + 300) * 1.2, `max state ${max}`);
  t.ok(out.rows > 0, `${out.rows} matches`);
});

t.test('windowed Top-N state is flat', async (t) => {
  const out = new CountingOutput();
  const topn = new WindowTopNOperator(out, {
    partitionBy: [col(3), col(0)],
    windowEnd: col(4),
    order: [{ column: 2, desc: true }],
    limit: 3,
    emit: 'window-close',
    appendOnly: true,
    inputWidth: 5,
  });
  const tvf = new WindowAssignOperator(new Link(topn), { kind: 'tumble', timeColumn: 1, sizeMs: 500 });
  const { max } = run([0], [tvf, topn], 20, () => topn.stateSize());
  t.ok(max <= 3 * 20 * 12, `max state ${max}`);
  t.ok(out.rows > 0);
});

t.test('session state is flat', async (t) => {
  const out = new CountingOutput();
  const sess = new SessionWindowOperator(out, { timeColumn: 1, gapMs: 5, partitionBy: [col(0)], inputWidth: 3 });
  // 5000 keys: a key recurs every ~5000 ms on average, so sessions stay short
  const { max } = run([0], [sess], 5000, () => sess.stateSize());
  t.ok(max <= BATCH * 3, `max state ${max}`);
});
