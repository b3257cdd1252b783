import t from 'tap';
import fc from 'fast-check';
import { IntervalSide } from '../../lib/exec/stream/interval-side.js';
import { IntervalJoinOperator } from '../../lib/exec/stream/interval-join.js';
import { batch, col, Recorder, sortRows } from './harness.js';

function chainRows(side: IntervalSide, key: number | string): unknown[][] {
  const out: unknown[][] = [];
  for (let s = side.first(key); s >= 0; s = side.nextOf(s)) out.push(side.rowOf(s));
  return out;
}

t.test('chains keep insertion order through removal of head, middle and tail', async (t) => {
  const side = new IntervalSide(2);
  const b = batch([[1, 'a'], [1, 'b'], [2, 'x'], [1, 'c'], [1, 'd']]);
  const slots = [0, 1, 2, 3, 4].map((i) => side.addFromBatch(b.columns[0]![i] as number, 10 + i, b, i, 0));
  t.same(chainRows(side, 1), [[1, 'a'], [1, 'b'], [1, 'c'], [1, 'd']]);
  side.remove(slots[1]!); // middle
  t.same(chainRows(side, 1), [[1, 'a'], [1, 'c'], [1, 'd']]);
  side.remove(slots[4]!); // tail: appending after it must still work
  side.addRow(1, 99, [1, 'e'], 0);
  t.same(chainRows(side, 1), [[1, 'a'], [1, 'c'], [1, 'e']]);
  side.remove(slots[0]!); // head
  t.same(chainRows(side, 1), [[1, 'c'], [1, 'e']]);
  t.same(chainRows(side, 2), [[2, 'x']], 'other keys untouched');
  t.equal(side.size, 3);
  t.equal(side.first(3), -1, 'absent key has no chain');
});

t.test('freed slots are reused and hold no stale values', async (t) => {
  const side = new IntervalSide(1);
  const a = side.addRow('k', 1, ['old'], 3);
  side.remove(a);
  t.equal(side.first('k'), -1, 'last slot of a key drops the key');
  const b = side.addRow('j', 2, ['new'], 0);
  t.equal(b, a, 'the freed slot is handed out again');
  t.same(side.rowOf(b), ['new']);
  t.equal(side.matchesOf(b), 0, 'match count starts over');
  t.equal(side.timeOf(b), 2);
});

t.test('expire drops by time across keys, reports each and refreshes the minimum', async (t) => {
  const side = new IntervalSide(1);
  for (let i = 0; i < 1000; i++) side.addRow(i % 7, i, [i], 0); // grows past the initial capacity
  const dropped: number[] = [];
  side.expire(500, (s) => dropped.push(side.rowOf(s)[0] as number));
  t.equal(dropped.length, 500);
  t.same(dropped.sort((x, y) => x - y), Array.from({ length: 500 }, (_, i) => i));
  t.equal(side.size, 500);
  t.equal(side.minTime, 500);
  for (let k = 0; k < 7; k++) for (const [v] of chainRows(side, k) as number[][]) t.ok(v! >= 500 && v! % 7 === k, 'survivors stay on their key');
  side.expire(400, () => t.fail('nothing below the bound is left'));
});

// property: after random inserts, removes and expiries the side holds exactly what a plain
// array model holds, per key and in order
t.test('matches a plain model under random operations', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 3 }), time: fc.integer({ min: 0, max: 50 }) }), fc.record({ op: fc.constant('del' as const), pick: fc.nat() }), fc.record({ op: fc.constant('expire' as const), bound: fc.integer({ min: 0, max: 50 }) })), { maxLength: 200 }),
      (ops) => {
        const side = new IntervalSide(1);
        let model: { key: number; time: number; id: number; slot: number }[] = [];
        let id = 0;
        for (const o of ops) {
          if (o.op === 'add') {
            const slot = side.addRow(o.key, o.time, [id], 0);
            model.push({ key: o.key, time: o.time, id: id++, slot });
          } else if (o.op === 'del') {
            if (model.length === 0) continue;
            const m = model[o.pick % model.length]!;
            side.remove(m.slot);
            model = model.filter((x) => x !== m);
          } else {
            side.expire(o.bound);
            model = model.filter((x) => x.time >= o.bound);
          }
        }
        if (side.size !== model.length) return false;
        for (let k = 0; k <= 3; k++) {
          const got = chainRows(side, k).map((r) => r[0]);
          const want = model.filter((m) => m.key === k).map((m) => m.id);
          if (JSON.stringify(got) !== JSON.stringify(want)) return false;
        }
        return true;
      },
    ),
  );
  t.pass('model agrees');
});

t.test('LEFT interval join pads a row that never matched, after slots were recycled', async (t) => {
  const r = new Recorder();
  const op = new IntervalJoinOperator(r, {
    joinKind: 'left', leftKeys: [col(0)], rightKeys: [col(0)], leftTimeColumn: 1, rightTimeColumn: 1,
    lowerMs: 0, upperMs: 10, leftWidth: 3, rightWidth: 3,
  });
  op.push(batch([[1, 100, 'matched'], [2, 100, 'lonely']]), 0);
  op.push(batch([[1, 105, 'r']]), 1);
  op.watermark(200, 0);
  op.watermark(200, 1); // both left rows leave: 100 + 10 < 200
  t.equal(op.stateSize(), 0, 'right row left once the left watermark passed it');
  op.push(batch([[3, 300, 'reuses a slot']]), 0);
  op.push(batch([[3, 305, 'r3']]), 1);
  op.watermark(400, 0);
  op.watermark(400, 1);
  op.flush();
  t.same(r.net(), sortRows([
    [1, 100, 'matched', 1, 105, 'r'],
    [2, 100, 'lonely', null, null, null],
    [3, 300, 'reuses a slot', 3, 305, 'r3'],
  ]));
});

t.test('a retraction removes the equal buffered row, not another under the same key', async (t) => {
  const r = new Recorder();
  const op = new IntervalJoinOperator(r, {
    joinKind: 'inner', leftKeys: [col(0)], rightKeys: [col(0)], leftTimeColumn: 1, rightTimeColumn: 1,
    lowerMs: -100, upperMs: 100, leftWidth: 3, rightWidth: 3,
  });
  op.push(batch([[7, 10, 'a'], [7, 11, 'b'], [7, 12, 'c']]), 0);
  op.push(batch([[7, 11, 'b']], [-1]), 0);
  op.push(batch([[7, 20, 'x']]), 1);
  op.push(batch([[7, 99, 'missing']], [-1]), 0);
  op.flush();
  t.same(r.net(), sortRows([[7, 10, 'a', 7, 20, 'x'], [7, 12, 'c', 7, 20, 'x']]));
  t.equal(op.unmatchedRetractions, 1);
  t.equal(op.stateSize(), 3);
  const again = new IntervalJoinOperator(new Recorder(), {
    joinKind: 'inner', leftKeys: [col(0)], rightKeys: [col(0)], leftTimeColumn: 1, rightTimeColumn: 1,
    lowerMs: -100, upperMs: 100, leftWidth: 3, rightWidth: 3,
  });
  again.restore(structuredClone(op.snapshot()));
  t.same(again.snapshot(), op.snapshot(), 'snapshot round-trips through restore, chain order kept');
  t.equal(again.stateSize(), 3);
});

t.test('number keys (typed-array index) and other keys (Map) live side by side', async (t) => {
  const side = new IntervalSide(1);
  side.addRow(0, 1, ['zero'], 0);
  side.addRow(-0, 2, ['minus zero'], 0);
  side.addRow(NaN, 3, ['nan'], 0);
  side.addRow('0', 4, ['string zero'], 0);
  side.addRow(2 ** 40 + 0.5, 5, ['big'], 0);
  t.same(chainRows(side, 0), [['zero'], ['minus zero']], '-0 and 0 are one key');
  t.same(chainRows(side, -0), [['zero'], ['minus zero']]);
  t.same(chainRows(side, NaN), [['nan']], 'NaN finds NaN (Map SameValueZero, as before)');
  t.same(chainRows(side, '0'), [['string zero']], 'a string is not the number');
  t.same(chainRows(side, 2 ** 40 + 0.5), [['big']]);
  side.expire(3);
  t.equal(side.first(0), -1, 'emptied number key leaves the index');
  const again = side.addRow(-0, 9, ['back'], 0);
  t.same(chainRows(side, 0), [['back']]);
  t.same([...side.chains()].map(([k, slots]) => [k, slots.length]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [['0', 1], [-0, 1], [2 ** 40 + 0.5, 1], [NaN, 1]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  t.ok(again >= 0);
});

function lookupRows(side: IntervalSide, key: number | string): unknown[][] {
  const n = side.lookup(key);
  const out: unknown[][] = [];
  for (let k = 0; k < n; k++) out.push(side.rowOf(side.found[k]!));
  return out;
}

// property: lookups (which scan rows not yet indexed, and index them once scans cost enough)
// always see exactly the rows of a plain model, per key and in insertion order, across removes,
// expiries, slot reuse and the switch from pending to indexed
t.test('lookup agrees with a plain model while rows move from pending to indexed', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: -1, max: 3 }), time: fc.integer({ min: 0, max: 50 }) }) },
          { weight: 1, arbitrary: fc.record({ op: fc.constant('del' as const), pick: fc.nat() }) },
          { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), bound: fc.integer({ min: 0, max: 50 }) }) },
          { weight: 3, arbitrary: fc.record({ op: fc.constant('look' as const), key: fc.integer({ min: -1, max: 3 }) }) },
        ),
        { maxLength: 400 },
      ),
      (ops) => {
        const side = new IntervalSide(1);
        let model: { key: number; time: number; id: number; slot: number }[] = [];
        let id = 0;
        // key -1 stands for a string key (chained at once); the others are numbers (pending first)
        const keyOf = (k: number): number | string => (k < 0 ? 'str' : k);
        for (const o of ops) {
          if (o.op === 'add') {
            const slot = side.addRow(keyOf(o.key), o.time, [id], 0);
            model.push({ key: o.key, time: o.time, id: id++, slot });
          } else if (o.op === 'del') {
            if (model.length === 0) continue;
            const m = model[o.pick % model.length]!;
            side.remove(m.slot);
            model = model.filter((x) => x !== m);
          } else if (o.op === 'expire') {
            side.expire(o.bound);
            model = model.filter((x) => x.time >= o.bound);
          } else {
            const got = lookupRows(side, keyOf(o.key)).map((r) => r[0]);
            const want = model.filter((m) => m.key === o.key).map((m) => m.id);
            if (JSON.stringify(got) !== JSON.stringify(want)) return false;
          }
        }
        return side.size === model.length;
      },
    ),
    { numRuns: 300 },
  );
  t.pass('model agrees');
});

t.test('many lookups on a large side index its rows and still find every one', async (t) => {
  const side = new IntervalSide(2);
  for (let i = 0; i < 5000; i++) side.addRow(i % 1000, i, [i % 1000, i], 0);
  // 100 lookups scan 5000 pending rows each: far past the indexing threshold
  for (let k = 0; k < 100; k++) t.equal(side.lookup(k * 7), 5, `key ${k * 7} has its five rows`);
  t.same(lookupRows(side, 3).map((r) => r[1]), [3, 1003, 2003, 3003, 4003], 'in insertion order');
  side.addRow(3, 9999, [3, 9999], 0); // pending again, after indexed rows
  t.same(lookupRows(side, 3).map((r) => r[1]), [3, 1003, 2003, 3003, 4003, 9999]);
  t.same(chainRows(side, 3).map((r) => r[1]), [3, 1003, 2003, 3003, 4003, 9999], 'first/nextOf see the same rows');
  t.equal(side.lookup(-0), 5, '-0 finds key 0');
  t.equal(side.lookup(1000), 0);
});

t.test('a column of numbers turns generic when another value arrives, keeping every value', async (t) => {
  const side = new IntervalSide(2);
  const a = side.addRow(1, 1, [1.5, -0], 0);
  const b = side.addRow(1, 2, [2 ** 53, NaN], 0);
  side.remove(a);
  const c = side.addRow(1, 3, ['text', null], 0);
  const d = side.addRow(1, 4, [7, 8], 0);
  t.same(side.rowOf(b), [2 ** 53, NaN]);
  t.same(side.rowOf(c), ['text', null]);
  t.same(side.rowOf(d), [7, 8]);
  t.ok(Object.is(side.rowOf(side.addRow(2, 5, [0, -0], 0))[1], -0), '-0 survives in a generic column');
  t.same(lookupRows(side, 1), [[2 ** 53, NaN], ['text', null], [7, 8]]);
});

t.test('the time column is kept once, as the slot time, and read back in its place', async (t) => {
  const side = new IntervalSide(3, 1);
  const b = batch([[5, 100, 'x'], [5, -0, 'y']]);
  const s0 = side.addFromBatch(5, 100, b, 0, 0);
  const s1 = side.addFromBatch(5, -0, b, 1, 0);
  t.same(side.rowOf(s0), [5, 100, 'x']);
  t.ok(Object.is(side.rowOf(s1)[1], -0), 'the exact time value, -0 included');
  const s2 = side.addRow(5, 250, [5, 250, 'z'], 0);
  t.same(lookupRows(side, 5), [[5, 100, 'x'], [5, -0, 'y'], [5, 250, 'z']]);
  side.expire(200);
  t.same(lookupRows(side, 5), [[5, 250, 'z']]);
  t.equal(side.timeOf(s2), 250);
});
