// SlotIndex (a keyed table's key → slot index): dense integer keys in a flat array, other numbers
// in a typed-array hash, everything else in a Map; every key found again wherever it went.
import t from 'tap';
import { SlotIndex } from '../../lib/exec/runtime/slot-index.js';

t.test('dense ids, far-out and fractional numbers, -0, NaN and strings', async (t) => {
  const ix = new SlotIndex();
  for (let k = 0; k < 5000; k++) ix.set(k, k * 2);
  const others: [number | string, number][] = [[1e12, 1], [-5, 2], [2.5, 3], [Number.MAX_SAFE_INTEGER, 4], ['7', 5], [NaN, 6], [Infinity, 7], [-Infinity, 8]];
  for (const [k, s] of others) ix.set(k, s);
  t.equal(ix.size, 5000 + others.length);
  t.equal(ix.get(4999), 9998);
  for (const [k, s] of others) t.equal(ix.get(k), s, `key ${String(k)}`);
  t.equal(ix.get(-0), 0, '-0 is the key 0');
  t.equal(ix.get(7), 14, 'the number 7 is not the string "7"');
  t.equal(ix.get(5000), -1);
  t.equal(ix.get(-6), -1);
  ix.set(2.5, 30);
  ix.set(3, 31);
  t.equal(ix.get(2.5), 30, 'replacing keeps one entry');
  t.equal(ix.get(3), 31);
  t.equal(ix.size, 5000 + others.length);
  ix.delete(1e12);
  ix.delete(3);
  ix.delete(NaN);
  ix.delete('7');
  t.equal(ix.get(1e12), -1);
  t.equal(ix.get(3), -1);
  t.equal(ix.get(NaN), -1);
  t.equal(ix.get('7'), -1);
  t.equal(ix.size, 5000 + others.length - 4);
});

t.test('a far-out id first: later ids still found (the flat array stops growing, the hash takes them)', async (t) => {
  const ix = new SlotIndex();
  ix.set(5_000_000_000, 0);
  ix.set(10, 1);
  for (let k = 0; k < 300_000; k++) if (k !== 10) ix.set(k + 100, k + 2);
  t.equal(ix.get(5_000_000_000), 0);
  t.equal(ix.get(10), 1);
  t.equal(ix.get(100), 2);
  t.equal(ix.get(300_099), 300_001);
  ix.delete(5_000_000_000);
  ix.set(400_000, 9);
  t.equal(ix.get(400_000), 9);
  t.equal(ix.get(250_000), 249_902);
  ix.clear();
  t.equal(ix.size, 0);
  t.equal(ix.get(10), -1);
});
