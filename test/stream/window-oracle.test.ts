// Differential property test: random event streams with bounded disorder through
// watermark → window TVF → windowed aggregate, in both emit modes, against DuckDB computing the
// same windows with explicit arithmetic over the same events.

import t from 'tap';
import fc from 'fast-check';
import type { Row } from '../../lib/types/value.js';
import { aggregateSql, Oracle, type WindowShape } from './oracle.js';
import { netRows, sortRows } from './harness.js';
import { buildPipeline, drive, finish, shapeArb, streamArb } from './streams.js';

t.test('EOWC and changelog results equal DuckDB over the same windows (bounded disorder)', async (t) => {
  const oracle = await Oracle.open();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      shapeArb,
      fc.integer({ min: 0, max: 12 }).chain((d) => fc.tuple(fc.constant(d), fc.integer({ min: d, max: d + 5 }), streamArb(d))),
      fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 5 }),
      async (shape, [, delay, events], chunks) => {
        runs++;
        await oracle.load('events', 'k VARCHAR, ts BIGINT, v BIGINT', events);
        const expected = sortRows(await oracle.query(aggregateSql(shape)));

        const eowc = buildPipeline(shape, delay, 'window-close');
        drive(eowc, events, chunks);
        finish(eowc);
        if (eowc.out.log.some((e) => e.weight !== 1)) throw new Error('EOWC emitted a retraction');
        const keys = eowc.out.log.map((e) => JSON.stringify(e.row.slice(0, 3)));
        if (new Set(keys).size !== keys.length) throw new Error('EOWC emitted a window twice');
        if (eowc.agg.lateRows !== 0) throw new Error(`bounded disorder produced ${eowc.agg.lateRows} late rows`);
        if (eowc.agg.stateSize() !== 0) throw new Error('state left after the final watermark');
        const gotEowc = sortRows(eowc.out.inserts());
        if (JSON.stringify(gotEowc) !== JSON.stringify(expected)) {
          throw new Error(`EOWC mismatch\n got ${JSON.stringify(gotEowc)}\nwant ${JSON.stringify(expected)}`);
        }

        const changes = buildPipeline(shape, delay, 'changes');
        drive(changes, events, chunks);
        finish(changes);
        const gotNet = netRows(changes.out.log);
        if (JSON.stringify(gotNet) !== JSON.stringify(expected)) {
          throw new Error(`changelog mismatch\n got ${JSON.stringify(gotNet)}\nwant ${JSON.stringify(expected)}`);
        }
      },
    ),
    { numRuns: 60 },
  );
  t.equal(runs >= 60, true, 'ran the property');
});

t.test('late events never change emitted EOWC results (disorder beyond the delay)', async (t) => {
  await fc.assert(
    fc.property(shapeArb, fc.integer({ min: 0, max: 3 }), streamArb(25), fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 4 }), (shape, delay, events, chunks) => {
      const p = buildPipeline(shape, delay, 'window-close');
      // the first emission of each window is final: replaying more (late) events must not add
      // a second emission or a retraction for it
      drive(p, events, chunks);
      finish(p);
      const keys = p.out.log.map((e) => JSON.stringify(e.row.slice(0, 3)));
      if (new Set(keys).size !== keys.length) throw new Error('a window was emitted twice');
      if (p.out.log.some((e) => e.weight !== 1)) throw new Error('a retraction was emitted');
      // independently recompute which (event, window) pairs were on time and aggregate them
      const expected = onTimeAggregate(shape, delay, events, chunks);
      const got = sortRows(p.out.inserts());
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`mismatch\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(expected)}`);
    }),
    { numRuns: 200 },
  );
  t.pass('property held');
});

/** Naive reference: a window row is on time iff its end is above the watermark before its chunk. */
function onTimeAggregate(shape: Exclude<WindowShape, { kind: 'session' }>, delay: number, events: Row[], chunks: number[]): Row[] {
  const groups = new Map<string, { k: string; ws: number; we: number; vs: (number | null)[] }>();
  let wm = -Infinity;
  let maxTs = -Infinity;
  let at = 0;
  let c = 0;
  while (at < events.length) {
    const n = Math.max(1, chunks[c++ % chunks.length] ?? 1);
    const chunk = events.slice(at, at + n);
    at += n;
    for (const [k, ts, v] of chunk as [string, number, number | null][]) {
      for (const [ws, we] of naiveWindows(shape, ts)) {
        if (we <= wm) continue;
        const key = JSON.stringify([k, ws, we]);
        const g = groups.get(key) ?? { k, ws, we, vs: [] };
        g.vs.push(v);
        groups.set(key, g);
      }
      maxTs = Math.max(maxTs, ts);
    }
    wm = Math.max(wm, maxTs - delay);
  }
  const rows: Row[] = [];
  for (const g of groups.values()) {
    const nn = g.vs.filter((x): x is number => x !== null);
    rows.push([g.k, g.ws, g.we, g.vs.length, nn.length, nn.length ? nn.reduce((a, b) => a + b, 0) : null, nn.length ? Math.min(...nn) : null, nn.length ? Math.max(...nn) : null]);
  }
  return sortRows(rows);
}

/** Windows by brute force over candidate starts (independent of window-math.ts). */
function naiveWindows(shape: Exclude<WindowShape, { kind: 'session' }>, ts: number): [number, number][] {
  const out: [number, number][] = [];
  const unit = shape.kind === 'tumble' ? shape.size : shape.kind === 'hop' ? shape.slide : shape.size;
  for (let s = shape.offset - 200 * unit; s <= ts; s += unit) {
    if (shape.kind === 'cumulate') {
      for (let e = s + shape.step; e <= s + shape.size; e += shape.step) if (s <= ts && ts < e) out.push([s, e]);
    } else if (s <= ts && ts < s + shape.size) out.push([s, s + shape.size]);
  }
  return out;
}
