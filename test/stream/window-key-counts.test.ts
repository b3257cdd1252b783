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
  const counts = new WindowKeyCounts(RING, (end) => windows.get(end));
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
        ),
        { maxLength: 80 },
      ),
      (ops) => {
        const { windows, counts, windowAt } = setup();
        const model = new Map<number, Map<number, number>>();
        for (const o of ops) {
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
          } else counts.sweep();
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
