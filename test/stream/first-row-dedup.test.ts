// "First row wins" dedup (lib/exec/stream/first-row-dedup.ts) and its planning for
// ROW_NUMBER() OVER (PARTITION BY … ORDER BY <event time> ASC) = 1 over append-only sources:
// rows are held only until the watermark makes them final, then only keys; per-window keys are
// forgotten when the window closes. Differential against a batch computation for random streams
// with bounded disorder, and state measured over a long run.

import t from 'tap';
import fc from 'fast-check';
import { FirstRowDedupOperator } from '../../lib/exec/stream/first-row-dedup.js';
import { Engine } from '../../lib/engine/engine.js';
import type { Row } from '../../lib/types/value.js';
import { batch, col, Recorder, sortRows } from './harness.js';
import { normRows } from './sql-e2e.js';

const op = (extra: Partial<ConstructorParameters<typeof FirstRowDedupOperator>[1]> = {}) => {
  const out = new Recorder();
  const late: Row[] = [];
  const d = new FirstRowDedupOperator(out, {
    keys: [col(0)],
    timeColumn: 1,
    inputWidth: 3,
    late: { sideOutput: (b) => late.push(...Array.from({ length: b.length }, (_, i) => b.columns.map((c) => c[i]) as Row)) },
    ...extra,
  });
  /** the net output so far (the operator hands its rows on at the end of a step) */
  const net = () => {
    d.flush();
    return out.net();
  };
  return { d, out, late, net };
};

t.test('an earlier row replaces the held one until the watermark settles it; then only the key is held', async (t) => {
  const { d, out, late, net } = op();
  d.push(batch([['a', 50, 1], ['b', 40, 2]]), 0);
  d.push(batch([['a', 45, 3], ['a', 60, 4], ['a', 45, 5]]), 0); // 45 beats 50; 60 loses; a tie keeps the held row
  t.same(net(), sortRows([['a', 45, 3], ['b', 40, 2]]));
  t.equal(d.rowsHeld(), 2, 'both rows can still be replaced');
  d.watermark(40, 0);
  t.equal(d.rowsHeld(), 2, 'the watermark has not passed them');
  d.watermark(46, 0);
  t.equal(d.rowsHeld(), 0, 'both final: rows dropped');
  t.equal(d.stateSize(), 2, 'two keys held');
  d.push(batch([['a', 10, 6], ['b', 100, 7], ['c', 20, 8]]), 0);
  t.same(net(), sortRows([['a', 45, 3], ['b', 40, 2], ['c', 20, 8]]), 'settled keys never change; a new key passes even behind the watermark');
  t.same(late, [['a', 10, 6]], 'the row behind the watermark for a settled key is late');
  t.equal(d.lateRows, 1);
  t.same(out.watermarks, [40, 46], 'watermarks are forwarded');
});

t.test('NULL times rank last (replaced by any timed row) or first with nullsFirst', async (t) => {
  const last = op();
  last.d.push(batch([['a', null, 1]]), 0);
  last.d.watermark(1000, 0);
  t.equal(last.d.rowsHeld(), 1, 'a NULL-time row never settles');
  last.d.push(batch([['a', 5000, 2]]), 0);
  t.same(last.net(), [['a', 5000, 2]], 'a timed row replaces it');
  const first = op({ nullsFirst: true });
  first.d.push(batch([['a', null, 1]]), 0);
  first.d.push(batch([['a', 5, 2]]), 0);
  first.d.watermark(0, 0);
  t.same(first.net(), [['a', null, 1]], 'NULLS FIRST: the NULL-time row wins');
  t.equal(first.d.rowsHeld(), 0, 'and is final at the first watermark');
});

t.test('expireAt forgets keys when their window closes, and rows of closed windows are late', async (t) => {
  const { d, late, net } = op({ keys: [col(0), col(2)], expireAt: col(2) }); // column 2 = window end
  d.push(batch([['a', 1, 10], ['a', 11, 20]]), 0);
  d.watermark(12, 0);
  t.equal(d.stateSize(), 1, 'window 10 closed: its key forgotten; window 20 pending');
  d.push(batch([['a', 2, 10], ['a', 15, 20]]), 0);
  d.flush();
  t.same(late, [['a', 2, 10]], 'a row of the closed window is late, not a second first row');
  t.same(net(), sortRows([['a', 1, 10], ['a', 11, 20]]));
  d.watermark(30, 0);
  t.equal(d.stateSize(), 0, 'every window closed: nothing held');
});

t.test('ttlMs forgets settled keys; a later row of the key passes again', async (t) => {
  const { d, out } = op({ ttlMs: 100 });
  d.push(batch([['a', 10, 1]]), 0);
  d.watermark(50, 0);
  t.equal(d.stateSize(), 1);
  d.watermark(111, 0);
  t.equal(d.stateSize(), 0, 'expired at 10 + 100');
  d.push(batch([['a', 200, 2]]), 0);
  d.flush();
  t.equal(out.inserts().length, 2, 'the key passes again');
});

t.test('snapshot / restore keeps pending rows, settled keys and their expiry', async (t) => {
  const a = op({ ttlMs: 100 });
  a.d.push(batch([['a', 10, 1], ['b', 90, 2]]), 0);
  a.d.watermark(50, 0);
  const b = op({ ttlMs: 100 });
  b.d.restore(JSON.parse(JSON.stringify(a.d.snapshot())));
  b.d.push(batch([['a', 5, 3], ['b', 80, 4]]), 0);
  b.d.flush();
  t.same(b.out.log, [{ row: ['b', 90, 2], weight: -1 }, { row: ['b', 80, 4], weight: 1 }], 'b: retract the restored row, insert the earlier one');
  t.same(b.late, [['a', 5, 3]], 'a is settled: its earlier row is late');
  b.d.watermark(111, 0);
  t.equal(b.d.stateSize(), 1, 'a expired from the restored expiry queue; b pending until 180');
  t.throws(() => b.d.push(batch([['x', 1, 1]], [-1]), 0), { code: 'INVALID_ARGUMENT' }, 'retractions are refused');
});

/** Batch answer: per key the row with the smallest time (ties: first arrival), NULL times last. */
function firstRows(rows: Row[]): Row[] {
  const best = new Map<unknown, Row>();
  for (const r of rows) {
    const held = best.get(r[0]);
    const t = r[2] === null ? Infinity : (r[2] as number);
    const ht = held === undefined ? undefined : held[2] === null ? Infinity : (held[2] as number);
    if (ht === undefined || t < ht) best.set(r[0], r);
  }
  return [...best.values()];
}

t.test('SQL: equals the batch ROW_NUMBER() = 1 for random streams with bounded disorder', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ k: fc.integer({ min: 0, max: 8 }), step: fc.integer({ min: 0, max: 300 }), jitter: fc.integer({ min: 0, max: 1000 }), nul: fc.boolean() }), { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 7 }),
      (items, chunk) => {
        const e = new Engine();
        e.execute(`CREATE SOURCE s (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`);
        e.execute(`CREATE MATERIALIZED VIEW d AS SELECT k, v, ts FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM s) WHERE rn = 1`);
        let base = 10_000;
        const rows: Row[] = items.map((it, i) => {
          base += it.step;
          return [it.k, i, it.nul && i % 5 === 0 ? null : base - it.jitter];
        });
        for (let i = 0; i < rows.length; i += chunk) e.insertRows('s', rows.slice(i, i + chunk));
        const got = normRows(e.query('SELECT * FROM d').rows);
        const want = normRows(firstRows(rows));
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`got ${got.join(' ')} want ${want.join(' ')}`);
        if (e.viewLateRows('d') !== 0) throw new Error('no row is late within the declared delay');
      },
    ),
    { numRuns: 60 },
  );
  t.pass('60 random streams agree');
});

t.test('SQL plan: first-row dedup, per window with key expiry; DESC keeps the row-holding dedup', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE s (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  let n = 0;
  /** the operators a view over `sql` runs on */
  const plan = (sql: string) => {
    const name = `v${n++}`;
    e.execute(`CREATE MATERIALIZED VIEW ${name} AS ${sql}`);
    return e.storageState().subgraphs.get(name)!.nodes.map((node) => node.name).join(' ');
  };
  t.match(plan(`SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM s) WHERE rn = 1`), /dedup-first-row(?!-)/);
  t.match(plan(`SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts DESC) AS rn FROM s) WHERE rn = 1`), /dedup-latest/);
  t.match(
    plan(`SELECT * FROM (SELECT k, v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, k ORDER BY ts) AS rn FROM TUMBLE(s, ts, INTERVAL '10' SECOND)) WHERE rn = 1`),
    /dedup-first-row-per-window/,
  );
});

t.test('SQL: 2 M events over 200 K keys — the view holds keys only; per window, keys expire', async (t) => {
  const e = new Engine();
  e.execute(`CREATE SOURCE s (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '100' MILLISECOND)`);
  e.execute(`CREATE MATERIALIZED VIEW firsts AS SELECT k, v FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM s) WHERE rn = 1`);
  e.execute(`CREATE MATERIALIZED VIEW per_window AS SELECT k, window_start, v FROM (
    SELECT k, v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, k ORDER BY ts) AS rn FROM TUMBLE(s, ts, INTERVAL '1' SECOND)) WHERE rn = 1`);
  const EVENTS = 2_000_000;
  const KEYS = 200_000;
  const BATCH = 10_000;
  const sub = e.storageState().subgraphs.get('firsts')!;
  const dedup = sub.nodes.map((n) => n.op).find((o): o is FirstRowDedupOperator => o instanceof FirstRowDedupOperator)!;
  t.ok(dedup, 'the view runs on FirstRowDedupOperator');
  let maxRows = 0;
  const windowSamples: number[] = [];
  for (let start = 0; start < EVENTS; start += BATCH) {
    const k = new Array<number>(BATCH);
    const v = new Array<number>(BATCH);
    const ts = new Array<number>(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const n = start + i;
      k[i] = (n * 7919) % KEYS;
      v[i] = n;
      ts[i] = n - (n % 3) * 20; // ~1 ms per event, up to 40 ms out of order
    }
    e.insertColumns('s', [k, v, ts], BATCH);
    maxRows = Math.max(maxRows, dedup.rowsHeld());
    windowSamples.push(e.viewStateSize('per_window'));
  }
  t.equal(dedup.stateSize(), KEYS, 'one entry per key seen');
  t.ok(maxRows <= 2 * BATCH, `rows held only within the watermark delay (max ${maxRows} of ${KEYS} keys)`);
  t.equal(e.query('SELECT count(*) FROM firsts').rows[0]![0], KEYS, 'one row per key in the view');
  t.same(
    e.query('SELECT k, v FROM firsts WHERE k < 3 ORDER BY k').rows,
    [0, 1, 2].map((key) => {
      const n = [...Array(KEYS).keys()].find((x) => (x * 7919) % KEYS === key)!; // earliest event of the key
      return [key, n];
    }),
    'each key keeps its first event',
  );
  const early = Math.max(...windowSamples.slice(5, 40));
  const late = Math.max(...windowSamples.slice(-40));
  t.ok(late <= early * 1.1 + 100, `per-window dedup state flat (early max ${early}, late max ${late})`);
  t.ok(late < 4000, `holds about one window of keys (${late}), not ${KEYS}`);
});

t.test('property: with disorder beyond the watermark, a settled row is never retracted and late rows are the settled keys’ rows behind it', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.record({ k: fc.integer({ min: 0, max: 5 }), t: fc.integer({ min: 0, max: 200 }) }), fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 120 }),
      (steps) => {
        const { d, out, late } = op();
        let wm = -Infinity;
        const settledAt = new Map<string, number>(); // emitted row → watermark that made it final
        const emitted = new Map<string, Row>();
        let expectedLate = 0;
        let seq = 0;
        for (const s of steps) {
          if (typeof s === 'number') {
            d.watermark(s, 0);
            if (s > wm) wm = s;
          } else {
            const row: Row = [String(s.k), s.t, seq++];
            // late: behind the watermark and its key already holds a row the watermark passed
            const held = emitted.get(row[0] as string);
            if (held !== undefined && (held[1] as number) < wm && s.t < wm) expectedLate++;
            d.push(batch([row]), 0);
            d.flush();
          }
          for (const e of out.log.splice(0)) {
            const key = JSON.stringify(e.row);
            if (e.weight < 0) {
              if (settledAt.has(key)) throw new Error(`settled row ${key} retracted`);
              emitted.delete(e.row[0] as string);
            } else emitted.set(e.row[0] as string, e.row);
          }
          for (const r of emitted.values()) if ((r[1] as number) < wm) settledAt.set(JSON.stringify(r), wm);
        }
        if (late.length !== expectedLate) throw new Error(`late ${late.length}, expected ${expectedLate}`);
      },
    ),
    { numRuns: 200 },
  );
  t.pass('200 random interleavings of rows and watermarks');
});
