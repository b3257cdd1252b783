import t from 'tap';
import fc from 'fast-check';
import { TtlJoinOperator, type TtlJoinConfig } from '../../lib/exec/stream/ttl-join.js';
import type { Row } from '../../lib/types/value.js';
import { Oracle } from './oracle.js';
import { batch, col, netRows, Recorder, sortRows } from './harness.js';

// left [k, v, ts], right [k, w, ts]
const make = (r: Recorder, extra: Partial<TtlJoinConfig> = {}) =>
  new TtlJoinOperator(r, { joinKind: 'inner', leftKeys: [col(0)], rightKeys: [col(0)], leftWidth: 3, rightWidth: 3, leftTimeColumn: 2, rightTimeColumn: 2, ...extra });

t.test('full join: padding transitions as matches come and go', async (t) => {
  const r = new Recorder();
  const op = make(r, { joinKind: 'full' });
  op.push(batch([['a', 1, 0], [null, 2, 0]]), 0);
  t.same(r.net(), sortRows([['a', 1, 0, null, null, null], [null, 2, 0, null, null, null]]));
  op.push(batch([['a', 10, 0], ['b', 20, 0]]), 1);
  t.same(r.net(), sortRows([['a', 1, 0, 'a', 10, 0], [null, 2, 0, null, null, null], [null, null, null, 'b', 20, 0]]));
  op.push(batch([['a', 10, 0]], [-1]), 1);
  t.same(r.net(), sortRows([['a', 1, 0, null, null, null], [null, 2, 0, null, null, null], [null, null, null, 'b', 20, 0]]), 'the left row is padded again');
  op.push(batch([['a', 1, 0], [null, 2, 0]], [-1, -1]), 0);
  t.same(r.net(), [[null, null, null, 'b', 20, 0]]);
});

t.test('state TTL: rows older than watermark - ttl are forgotten, nothing retracted', async (t) => {
  const r = new Recorder();
  const op = make(r, { ttlMs: 100 });
  op.push(batch([['a', 1, 50]]), 0);
  op.push(batch([['a', 10, 120]]), 1);
  t.same(r.net(), [['a', 1, 50, 'a', 10, 120]]);
  op.watermark(151, 0);
  t.equal(op.stateSize(), 2, 'the combined watermark has not moved yet');
  op.watermark(150, 1);
  t.equal(op.stateSize(), 2, 'time 50 is not below 150 - 100');
  op.watermark(151, 1);
  t.equal(op.stateSize(), 1, 'left row at 50 expired (50 < 151 - 100)');
  t.equal(op.expiredRows, 1);
  op.push(batch([['a', 11, 160]]), 1);
  t.same(r.net(), [['a', 1, 50, 'a', 10, 120]], 'the expired row no longer joins; the old result stays');
  t.same(r.watermarks, [150, 151], 'output watermark = min of inputs');
  op.push(batch([['a', 1, 50]], [-1]), 0);
  t.equal(op.unmatchedRetractions, 1);
  t.throws(() => make(r, { ttlMs: 5, leftTimeColumn: undefined }), { message: /event-time column/ });
});

t.test('equals DuckDB joins over the final rows (random inserts and deletes, no TTL)', async (t) => {
  const oracle = await Oracle.open();
  const rowArb = fc.tuple(fc.option(fc.constantFrom('a', 'b', 'c'), { freq: 6 }), fc.integer({ min: 0, max: 9 }), fc.constant(0));
  const opArb = fc.record({ side: fc.integer({ min: 0, max: 1 }), row: rowArb, del: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('inner' as const, 'left' as const, 'right' as const, 'full' as const), fc.boolean(), fc.array(opArb, { maxLength: 40 }), async (joinKind, withResidual, ops) => {
      const r = new Recorder();
      const op = make(r, { joinKind, residual: withResidual ? (c, i) => (c[1]![i] as number) <= (c[4]![i] as number) : undefined });
      const live: [Row[], Row[]] = [[], []];
      for (const o of ops) {
        const held = live[o.side]!;
        if (o.del && held.length > 0) {
          const victim = held.splice(held.length - 1, 1)[0]!;
          op.push(batch([victim], [-1], 3), o.side);
        } else {
          held.push(o.row as Row);
          op.push(batch([o.row as Row], undefined, 3), o.side);
        }
      }
      await oracle.load('l', 'k VARCHAR, v BIGINT, ts BIGINT', live[0]);
      await oracle.load('r', 'k VARCHAR, v BIGINT, ts BIGINT', live[1]);
      const expected = sortRows(await oracle.query(`SELECT * FROM l ${joinKind.toUpperCase()} JOIN r ON l.k = r.k${withResidual ? ' AND l.v <= r.v' : ''}`));
      const got = r.net();
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${joinKind} mismatch\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(expected)}`);
    }),
    { numRuns: 150 },
  );
  t.pass('property held');
});
