// WindowKeyCounts (lib/exec/stream/window-key-counts.ts): counts per (key, window) behind a
// per-key ring of window slots. Checked against a plain Map per window on random operations
// (adds with either sign, windows far apart so slots are contended, windows released), and the
// freeing of entries left without counts.
import t from 'tap';
import fc from 'fast-check';
import { WindowKeyCounts, type CountWindow } from '../../lib/exec/stream/window-key-counts.js';

const RING = 4;

function setup() {
  const windows = new Map<number, CountWindow>();
  const counts = new WindowKeyCounts(RING, (end) => windows.get(end), () => windows.values());
  const windowAt = (index: number): CountWindow => {
    const end = index * 1000;
    let w = windows.get(end);
    if (!w) windows.set(end, (w = { end, slot: ((index % RING) + RING) % RING, overflow: null, size: 0 }));
    return w;
  };
  return { windows, counts, windowAt };
}

t.test('equals a Map per window under adds, contended slots and releases', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          { weight: 8, arbitrary: fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 5 }), window: fc.integer({ min: 0, max: 11 }), w: fc.constantFrom(1, 2, -1, -2) }) },
          { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), window: fc.integer({ min: 0, max: 11 }) }) },
          { weight: 1, arbitrary: fc.constant({ op: 'sweep' as const }) },
          // many keys at once: their release and sweep compact the entries
          { weight: 1, arbitrary: fc.record({ op: fc.constant('burst' as const), from: fc.integer({ min: 0, max: 200 }), n: fc.integer({ min: 1, max: 150 }), window: fc.integer({ min: 0, max: 11 }) }) },
        ),
        { maxLength: 80 },
      ),
      (ops) => {
        const { windows, counts, windowAt } = setup();
        const model = new Map<number, Map<number, number>>();
        type Op = { op: 'add'; key: number; window: number; w: number } | { op: 'release'; window: number } | { op: 'sweep' };
        const adds = ops.flatMap((o): Op[] => (o.op === 'burst' ? Array.from({ length: o.n }, (_, i) => ({ op: 'add' as const, key: o.from + i, window: o.window, w: 1 })) : [o]));
        for (const o of adds) {
          if (o.op === 'add') {
            const win = windowAt(o.window);
            const c = counts.add(counts.entry(o.key), win, o.w);
            const m = model.get(o.window) ?? new Map<number, number>();
            model.set(o.window, m);
            const want = (m.get(o.key) ?? 0) + o.w;
            if (want === 0) m.delete(o.key);
            else m.set(o.key, want);
            if (c !== want) throw new Error(`add: ${c}, want ${want}`);
          } else if (o.op === 'release') {
            const win = windows.get(o.window * 1000);
            if (win) {
              counts.release(win);
              windows.delete(o.window * 1000);
            }
            model.delete(o.window);
          } else {
            counts.sweep();
            // compaction keeps the entries of live keys dense
            // (entries in use stay below max(64, twice the live keys))
            const live = new Set<number>();
            for (const m of model.values()) for (const key of m.keys()) live.add(key);
            const bound = Math.max(64, 2 * live.size);
            for (const key of live) if (counts.find(key)! >= bound) throw new Error(`entry ${counts.find(key)} of ${key}: not compacted below ${bound}`);
          }
          // every window's contents and size agree with the model
          for (const [index, m] of model) {
            const win = windows.get(index * 1000);
            const got = new Map<number, number>();
            if (win) counts.forEachIn(win, (e, c) => got.set(counts.keyOf(e) as number, c));
            const sorted = (x: Map<number, number>) => JSON.stringify([...x].sort((a, b) => a[0] - b[0]));
            if (sorted(got) !== sorted(m)) throw new Error(`window ${index}: ${sorted(got)}, want ${sorted(m)}`);
            if (win && win.size !== m.size) throw new Error(`window ${index}: size ${win.size}, want ${m.size}`);
            for (const [key, c] of m) if (counts.get(counts.find(key)!, win!) !== c) throw new Error(`get ${key} in ${index}`);
          }
        }
      },
    ),
    { numRuns: 500, seed: 3 },
  );
  t.pass('500 random runs');
});

t.test('entries without counts are freed by sweep, and only then', async (t) => {
  const { counts, windowAt } = setup();
  const e = counts.entry('k');
  counts.setValues(e, ['k']);
  counts.add(e, windowAt(1), 1);
  counts.add(e, windowAt(1), -1);
  t.equal(counts.find('k'), e, 'kept until the sweep (its values may still be needed)');
  t.same(counts.valuesOf(e), ['k']);
  counts.sweep();
  t.equal(counts.find('k'), undefined, 'freed');
  const again = counts.entry('other');
  t.equal(again, e, 'the entry is reused');
  t.equal(counts.valuesOf(again), undefined, 'without the old values');
  counts.add(again, windowAt(2), 3);
  counts.sweep();
  t.equal(counts.find('other'), again, 'an entry with a count stays');
});

t.test('a newer window takes the slot; the older count moves to its overflow', async (t) => {
  const { counts, windowAt } = setup();
  const e = counts.entry(7);
  const old = windowAt(1);
  const young = windowAt(1 + RING); // same slot
  counts.add(e, old, 2);
  counts.add(e, young, 5);
  t.equal(old.overflow?.get(e), 2, 'moved');
  t.equal(counts.get(e, old), 2);
  t.equal(counts.get(e, young), 5);
  counts.add(e, old, 1);
  t.equal(counts.get(e, old), 3, 'the old window keeps counting in its overflow');
  counts.add(e, young, -5);
  counts.add(e, old, 1);
  t.equal(counts.get(e, old), 4, 'still one place per count after the slot frees');
  t.equal(old.size, 1);
});

t.test('growing past the first capacity keeps every count and its window', async (t) => {
  const { counts, windowAt } = setup();
  const n = 5000;
  for (let k = 0; k < n; k++) {
    counts.add(counts.entry(k), windowAt(1), k + 1);
    counts.add(counts.entry(k), windowAt(2), 1);
  }
  // a window sharing window 1's slot takes it for the even keys
  for (let k = 0; k < n; k += 2) counts.add(counts.entry(k), windowAt(1 + RING), 7);
  let wrong = 0;
  for (let k = 0; k < n; k++) {
    const e = counts.find(k)!;
    if (counts.get(e, windowAt(1)) !== k + 1 || counts.get(e, windowAt(2)) !== 1) wrong++;
    if (counts.get(e, windowAt(1 + RING)) !== (k % 2 === 0 ? 7 : 0)) wrong++;
  }
  t.equal(wrong, 0, `${n} keys read back after growing`);
  t.equal(windowAt(1).size, n);
  t.equal(windowAt(1 + RING).size, n / 2);
  t.equal(windowAt(1).overflow?.size, n / 2, 'the even keys moved to the overflow');
});

t.test('after a burst of keys goes, the live entries move down (overflow counts with them)', async (t) => {
  const { windows, counts, windowAt } = setup();
  const burst = windowAt(1);
  for (let k = 0; k < 1000; k++) counts.add(counts.entry(`b${k}`), burst, 1);
  // three keys allocated after the burst, one with its count in an overflow
  for (const k of ['x', 'y', 'z']) counts.add(counts.entry(k), windowAt(2), 2);
  counts.add(counts.find('z')!, windowAt(2 + RING), 5);
  t.ok(windowAt(2).overflow?.has(counts.find('z')!), 'z counted in window 2 through its overflow');
  t.ok(counts.find('x')! >= 1000, 'allocated after the burst');
  counts.release(burst);
  windows.delete(burst.end);
  counts.sweep();
  for (const k of ['x', 'y', 'z']) t.ok(counts.find(k)! < 3, `${k} renumbered below 3 (${counts.find(k)})`);
  t.equal(counts.get(counts.find('x')!, windowAt(2)), 2);
  t.equal(counts.get(counts.find('z')!, windowAt(2)), 2, "z's overflow count follows its entry");
  t.equal(counts.get(counts.find('z')!, windowAt(2 + RING)), 5);
  const seen: string[] = [];
  counts.forEachIn(windowAt(2), (e, c) => seen.push(`${String(counts.keyOf(e))}=${c}`));
  t.same(seen.sort(), ['x=2', 'y=2', 'z=2'], 'the window reads back whole');
  t.equal(counts.find('b0'), undefined, 'the burst is gone');
  const fresh = counts.entry('new');
  t.equal(fresh, 3, 'the next key takes the next dense entry');
});
