// A closed store gives back its reserved address space at once, even while a zero-copy view of
// its values is still alive (the view's memory stays mapped until the view is collected). Before,
// each such store kept its whole reservation (16 GiB by default) until garbage collection, and a
// loop of short-lived stores (every snapshot query with an aggregate) ended in CAPACITY errors.
import * as fs from 'node:fs';
import t from 'tap';
import { StateStore } from '../../lib/native/state-store.js';

function vmSizeBytes(): number {
  const m = /VmSize:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no VmSize in /proc/self/status');
  return Number(m[1]) * 1024;
}

t.test('closing a store releases its reservation while its values view is held', async (t) => {
  const held: Float64Array[] = [];
  const before = vmSizeBytes();
  for (let i = 0; i < 64; i++) {
    const s = new StateStore({ keys: 'u64', values: 'f64' });
    s.put(i, i + 0.5);
    const view = s.values() as Float64Array;
    held.push(view);
    s.close();
  }
  const grown = vmSizeBytes() - before;
  // 64 default stores reserve 64 × 16 GiB; what may stay is their committed pages
  t.ok(grown < 1024 * 2 ** 20, `address space grew by ${(grown / 2 ** 20).toFixed(0)} MiB for 64 closed stores`);
  // the views still read the values written before close
  for (let i = 0; i < held.length; i++) t.ok(held[i].includes(i + 0.5), `view ${i} still readable`);
});

t.test('many short-lived stores with live views never exhaust the address space', async (t) => {
  const held: Float64Array[] = [];
  for (let i = 0; i < 12_000; i++) {
    const s = new StateStore({ keys: 'u64', values: 'f64' });
    s.put(1, i);
    held.push(s.values() as Float64Array);
    s.close();
  }
  t.equal(held.length, 12_000);
  t.equal(held[11_999][0], 11_999);
});
