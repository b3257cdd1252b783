// SortedPartitions keeps large partitions as sorted chunks: against a plain sorted array under
// random inserts, deletes and truncations across many chunk splits and merges.
import t from 'tap';
import fc from 'fast-check';
import { SortedPartitions } from '../../lib/exec/operators/sorted-partitions.js';
import { TopN } from '../../lib/exec/operators/top-n.js';
import type { Row } from '../../lib/types/value.js';
import { batch, make, sortRows } from './helpers.js';

// rows [p, v, id]: PARTITION BY p ORDER BY v DESC (ties broken by the whole row)
const order = [{ column: 1, desc: true }];

function reference(rows: Map<string, { row: Row; count: number }>): { row: Row; count: number }[] {
  return [...rows.values()].sort((a, b) => (b.row[1] as number) - (a.row[1] as number) || (a.row[0] as number) - (b.row[0] as number) || (a.row[2] as number) - (b.row[2] as number));
}

t.test('5000 random inserts and deletes in one partition match a sorted array', async (t) => {
  const sp = new SortedPartitions([0], order);
  const ref = new Map<string, { row: Row; count: number }>();
  let seed = 3;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const live: Row[] = [];
  for (let step = 0; step < 5000; step++) {
    if (live.length > 0 && rand(3) === 0) {
      const at = rand(live.length);
      const row = live[at]!;
      live.splice(at, 1);
      sp.add(row, -1);
      const k = JSON.stringify(row);
      const e = ref.get(k)!;
      if (--e.count === 0) ref.delete(k);
    } else {
      const row: Row = [1, rand(700), rand(5)];
      live.push(row);
      sp.add(row, 1);
      const k = JSON.stringify(row);
      const e = ref.get(k);
      if (e) e.count++;
      else ref.set(k, { row, count: 1 });
    }
  }
  const want = reference(ref);
  const slot = sp.slotOfRow([1, 0, 0]);
  const got = sp.get(slot);
  t.same(got.map((e) => [e.row, e.count]), want.map((e) => [e.row, e.count]));
  t.ok(sp.chunksOf(slot).length > 1, `several chunks (${sp.chunksOf(slot).length})`);
  t.ok(sp.chunksOf(slot).every((c) => c.length > 0 && c.length <= 512), 'no empty or oversized chunk');
  t.equal(sp.entryCount, want.length);
  t.equal(sp.rowsIn(slot), live.length);
  t.same(sp.lastRow(slot), want[want.length - 1]!.row);
  sp.truncate(slot, 700);
  t.same(sp.get(slot).map((e) => e.row), want.slice(0, 700).map((e) => e.row), 'truncate keeps the first entries across chunks');
  t.equal(sp.entryCount, 700);
  t.equal(sp.rowsIn(slot), want.slice(0, 700).reduce((n, e) => n + e.count, 0));
  sp.truncate(slot, 0);
  t.equal(sp.partitionCount, 0);
  t.same(sp.get(slot), [], 'the truncated partition is empty');
  sp.endFlush();
  t.equal(sp.entryCount, 0);
  t.equal(sp.slotOfRow([1, 0, 0]), slot, 'the released slot is reused for the next new key');
  sp.close();
});

t.test('property: a global Top-N over a large changing input equals recomputation', async (t) => {
  const rowArb = fc.tuple(fc.constant(0), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 3 }));
  await fc.assert(
    fc.property(fc.array(fc.array(rowArb, { minLength: 100, maxLength: 400 }), { minLength: 2, maxLength: 6 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 600 }), (steps, limit, offset) => {
      const { op, out } = make((o) => new TopN(o, { width: 3, partitionBy: [0], order, limit, offset, rankOutput: 'row_number' }));
      const live: Row[] = [];
      for (const [s, rows] of steps.entries()) {
        // every other step deletes half of what is there
        const dels = s % 2 === 1 ? live.splice(0, live.length >> 1) : [];
        live.push(...(rows as Row[]));
        op.push(batch([...dels, ...(rows as Row[])], [...dels.map(() => -1), ...rows.map(() => 1)]), 0);
        op.flush();
        const sorted = [...live].sort((a, b) => (b[1] as number) - (a[1] as number) || (a[2] as number) - (b[2] as number));
        const want = sortRows(sorted.slice(offset, offset + limit).map((r, i) => [...r, offset + i + 1]));
        if (JSON.stringify(out.net()) !== JSON.stringify(want)) throw new Error(`step ${s}: ${JSON.stringify(out.net()).slice(0, 200)} vs ${JSON.stringify(want).slice(0, 200)}`);
      }
    }),
    { numRuns: 30 },
  );
  t.pass('held');
});
