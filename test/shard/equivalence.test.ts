// Property test: over random inputs, every view kind that thread-per-core partitions gives exactly
// the single-threaded engine's results with 2 shards — and really is split across the shards.
import t from 'tap';
import fc from 'fast-check';
import { canonical, openSharded, openSingle } from './helpers.js';

interface Event {
  k: number | null;
  v: number;
  ts: number;
}

const eventArb = fc.record({
  k: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 12 }),
  v: fc.integer({ min: -1000, max: 1000 }),
  ts: fc.integer({ min: 0, max: 120_000 }),
});
// several insert calls, so watermarks advance between batches (and late rows appear)
const batchesArb = fc.array(fc.array(eventArb, { minLength: 0, maxLength: 60 }), { minLength: 1, maxLength: 6 });

for (const [threads, numRuns] of [[2, 25], [3, 6]] as const) t.test(`partitioned views equal the single-threaded engine over random inputs (N = ${threads})`, async (t) => {
  const { db: sharded, engine } = await openSharded(threads);
  const single = await openSingle();
  t.teardown(async () => {
    await sharded.close();
    await single.close();
  });
  let run = 0;
  let splitRuns = 0;
  await fc.assert(
    fc.asyncProperty(batchesArb, batchesArb, async (left, right) => {
      run++;
      const a = `a${run}`;
      const b = `b${run}`;
      const ddl = [
        `CREATE SOURCE ${a} (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`,
        `CREATE SOURCE ${b} (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`,
        `CREATE MATERIALIZED VIEW agg${run} AS SELECT k, count(*) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM ${a} GROUP BY k`,
        `CREATE MATERIALIZED VIEW win${run} AS SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s FROM TUMBLE(${a}, ts, INTERVAL '10' SECOND) GROUP BY k, window_start, window_end EMIT ON WINDOW CLOSE`,
        `CREATE MATERIALIZED VIEW joined${run} AS SELECT ${a}.k, ${a}.v AS av, ${b}.v AS bv FROM ${a} JOIN ${b} ON ${a}.k = ${b}.k WHERE ${a}.v > ${b}.v`,
      ];
      for (const sql of ddl) {
        await sharded.execute(sql);
        await single.execute(sql);
      }
      for (const view of [`agg${run}`, `win${run}`, `joined${run}`]) {
        if (!engine.isPartitioned(view)) throw new Error(`${view} fell back to one shard`);
      }
      const toRows = (events: Event[]) => events.map((e) => ({ k: e.k, v: e.v, ts: new Date(e.ts) }));
      for (let i = 0; i < Math.max(left.length, right.length); i++) {
        for (const db of [sharded, single]) {
          if (left[i]) db.insert(a, toRows(left[i]!));
          if (right[i]) db.insert(b, toRows(right[i]!));
        }
      }
      await sharded.flush();
      await single.flush();
      for (const view of [`agg${run}`, `win${run}`, `joined${run}`]) {
        const got = canonical(await sharded.query(`SELECT * FROM ${view}`));
        const want = canonical(await single.query(`SELECT * FROM ${view}`));
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(`${view} differs:\n sharded ${got.join('\n')}\n single  ${want.join('\n')}`);
        }
      }
      // aggregates over the merged contents re-aggregate correctly
      const total = `SELECT count(*) AS groups, sum(n) AS rows FROM agg${run}`;
      t.strictSame(await sharded.query(total), await single.query(total));
      const parts = engine.contentsByShard(`agg${run}`);
      if (parts.every((p) => p.length > 0)) splitRuns++;
      const distinctKeys = new Set(left.flat().map((e) => e.k));
      if (distinctKeys.size >= 8 * threads && parts.some((p) => p.length === 0)) throw new Error('rows with many keys were not split across shards');
    }),
    { numRuns, seed: 7 },
  );
  t.ok(splitRuns > numRuns / 5, `every shard held groups in ${splitRuns} of ${run} runs`);
});
