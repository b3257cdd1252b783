import t from 'tap';
import fc from 'fast-check';
import { AsofJoinOperator, type AsofJoinConfig, type AsofMatch } from '../../lib/exec/stream/asof-join.js';
import { WatermarkAssignerOperator } from '../../lib/exec/stream/watermark.js';
import type { Row } from '../../lib/types/value.js';
import { Oracle } from './oracle.js';
import { batch, col, Link, netRows, Recorder, sortRows } from './harness.js';

// left [k, ts, v], right [k, ts, price]
function asof(r: Recorder, match: AsofMatch, extra: Partial<AsofJoinConfig> = {}): AsofJoinOperator {
  return new AsofJoinOperator(r, {
    joinKind: 'inner',
    leftKeys: [col(0)],
    rightKeys: [col(0)],
    leftTimeColumn: 1,
    rightTimeColumn: 1,
    match,
    leftWidth: 3,
    rightWidth: 3,
    ...extra,
  });
}

t.test('backward match; a later right row re-matches a pending left row', async (t) => {
  const r = new Recorder();
  const op = asof(r, '<=');
  op.push(batch([['a', 10, 1], ['a', 20, 2]]), 1);
  op.push(batch([['a', 15, 'x'], ['a', 20, 'y'], ['a', 5, 'z'], ['b', 15, 'w']]), 0);
  op.flush();
  t.same(r.net(), sortRows([['a', 15, 'x', 'a', 10, 1], ['a', 20, 'y', 'a', 20, 2]]), 'equal time matches with <=; no earlier row → no match');
  op.push(batch([['a', 12, 3]]), 1);
  op.flush();
  t.same(r.net(), sortRows([['a', 15, 'x', 'a', 12, 3], ['a', 20, 'y', 'a', 20, 2]]), 'retract-and-replace when a better right row arrives');
});

t.test('strict and forward variants, LEFT padding, tolerance, nearest', async (t) => {
  const rights = batch([['a', 10, 1], ['a', 20, 2]]);
  const lefts = batch([['a', 10, 'p'], ['a', 14, 'q'], ['a', 25, 's'], [null, 10, 'n']]);
  const run = (m: AsofMatch, extra: Partial<AsofJoinConfig> = {}) => {
    const r = new Recorder();
    const op = asof(r, m, extra);
    op.push(rights, 1);
    op.push(lefts, 0);
    op.flush();
    return sortRows(r.net().map((x) => [x[2]!, x[4] ?? null]));
  };
  t.same(run('<'), [['q', 10], ['s', 20]]);
  t.same(run('>='), [['p', 10], ['q', 20]]);
  t.same(run('>'), [['p', 20], ['q', 20]]);
  t.same(run('<=', { joinKind: 'left' }), [['n', null], ['p', 10], ['q', 10], ['s', 20]]);
  t.same(run('<=', { toleranceMs: 4 }), [['p', 10], ['q', 10]], 'beyond the tolerance no match');
  t.same(run('nearest'), [['p', 10], ['q', 10], ['s', 20]]);
  t.same(run('nearest', { toleranceMs: 3 }), [['p', 10]]);
});

t.test('watermarks finalize matches and bound state; late rows counted', async (t) => {
  const r = new Recorder();
  const op = asof(r, '<=');
  op.push(batch([['a', 10, 1], ['a', 20, 2], ['a', 30, 3]]), 1);
  op.push(batch([['a', 25, 'x']]), 0);
  op.flush();
  t.equal(op.stateSize(), 4);
  op.watermark(26, 1);
  t.equal(op.stateSize(), 3, 'left row final once the right watermark passes it');
  op.watermark(25, 0);
  t.equal(op.stateSize(), 2, 'right rows before the last one below the left watermark are dropped');
  op.push(batch([['a', 24, 'late']]), 0);
  op.push(batch([['a', 1, 9]]), 1);
  op.flush();
  t.equal(op.lateLeft.count, 1);
  t.equal(op.lateRight.count, 1);
  op.push(batch([['a', 27, 'y']]), 0);
  op.flush();
  t.same(r.net(), sortRows([['a', 25, 'x', 'a', 20, 2], ['a', 27, 'y', 'a', 20, 2]]), 'the kept right row still serves new left rows');
  t.same(r.watermarks, [-Infinity, 25].filter((x) => x > -Infinity), 'output watermark = min(left wm, pending left times)');
});

t.test('retractions on both sides', async (t) => {
  const r = new Recorder();
  const op = asof(r, '<=', { joinKind: 'left' });
  op.push(batch([['a', 10, 1], ['a', 20, 2]]), 1);
  op.push(batch([['a', 25, 'x']]), 0);
  op.flush();
  op.push(batch([['a', 20, 2]], [-1]), 1);
  op.flush();
  t.same(r.net(), [['a', 25, 'x', 'a', 10, 1]]);
  op.push(batch([['a', 10, 1]], [-1]), 1);
  op.flush();
  t.same(r.net(), [['a', 25, 'x', null, null, null]]);
  op.push(batch([['a', 25, 'x']], [-1]), 0);
  op.flush();
  t.same(r.net(), []);
  t.equal(op.stateSize(), 0);
});

const sideArb = (d: number, keys: string[]) =>
  fc
    .array(fc.record({ step: fc.integer({ min: 0, max: 5 }), jitter: fc.integer({ min: 0, max: d }), k: fc.option(fc.constantFrom(...keys), { freq: 10 }), v: fc.integer({ min: 0, max: 999 }) }), { maxLength: 50 })
    .map((items) => {
      let base = 1000;
      return items.map(({ step, jitter, k, v }): Row => {
        base += step;
        return [k, base - jitter, v];
      });
    });

/** Right rows with unique (k, ts), so "which of equal-time rows" never matters to the oracle. */
const uniqueTimes = (rows: Row[]) => {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = JSON.stringify([r[0], r[1]]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

t.test('ASOF join equals DuckDB ASOF JOIN after the final watermark', async (t) => {
  const oracle = await Oracle.open();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('<=' as const, '<' as const, '>=' as const, '>' as const),
      fc.constantFrom('inner' as const, 'left' as const),
      fc.integer({ min: 0, max: 8 }).chain((d) => fc.tuple(fc.constant(d), sideArb(d, ['a', 'b']), sideArb(d, ['a', 'b']).map(uniqueTimes))),
      fc.integer({ min: 1, max: 12 }),
      async (match, joinKind, [delay, left, right], chunk) => {
        await oracle.load('l', 'k VARCHAR, ts BIGINT, v BIGINT', left);
        await oracle.load('r', 'k VARCHAR, ts BIGINT, v BIGINT', right);
        // our match op is "right time <op> left time"; DuckDB writes the left side first
        const duckOp = { '<=': '>=', '<': '>', '>=': '<=', '>': '<' }[match];
        const expected = sortRows(
          await oracle.query(`SELECT l.k, l.ts, l.v, r.k, r.ts, r.v FROM l ASOF ${joinKind === 'left' ? 'LEFT ' : ''}JOIN r ON l.k = r.k AND l.ts ${duckOp} r.ts`),
        );
        const out = new Recorder();
        const op = asof(out, match, { joinKind });
        const la = new WatermarkAssignerOperator(new Link(op, 0), 1, delay);
        const ra = new WatermarkAssignerOperator(new Link(op, 1), 1, delay);
        for (let at = 0; at < Math.max(left.length, right.length); at += chunk) {
          const l = left.slice(at, at + chunk);
          const r = right.slice(at, at + chunk);
          if (r.length) ra.push(batch(r, undefined, 3), 0);
          if (l.length) la.push(batch(l, undefined, 3), 0);
          la.flush();
          ra.flush();
          op.flush();
        }
        ra.advanceTo(Infinity);
        la.advanceTo(Infinity);
        la.flush();
        ra.flush();
        op.flush();
        if (op.lateLeft.count + op.lateRight.count !== 0) throw new Error('late rows under bounded disorder');
        const got = netRows(out.log);
        if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${match} ${joinKind} mismatch\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(expected)}`);
        if (op.stateSize() > 2) throw new Error(`state not cleaned: ${op.stateSize()}`); // the last right row per key stays
      },
    ),
    { numRuns: 100 },
  );
  t.pass('property held');
});
