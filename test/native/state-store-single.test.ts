// Single-key get/put/has with number keys: the native fast path (native/addon/state_fast_path.h)
// and the inline values it reads (u64 keys, width 1), checked against a JS Map and against the
// general path (bigint keys) for the same store.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StateStore } from '../../lib/native/state-store.js';
import { ClosedError } from '../../lib/errors.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

t.test('number keys on an f64 store match a Map through inserts, overwrites, deletes and growth', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  const ref = new Map<number, number>();
  const r = rng(42);
  let mismatches = 0;
  for (let step = 0; step < 60000; step++) {
    // Keys up to 2^53 - 1, clustered so deletes shift neighbours back.
    const key = step % 3 === 0 ? Math.floor(r() * 5000) : Math.floor(r() * 5000) * 2 ** 40 + 7;
    const op = r();
    if (op < 0.5) {
      const v = r() * 1000 - 500;
      s.put(key, v);
      ref.set(key, v);
    } else if (op < 0.7) {
      if (s.delete(key) !== ref.delete(key)) mismatches++;
    } else {
      if (s.get(key) !== ref.get(key)) mismatches++;
      if (s.has(key) !== ref.has(key)) mismatches++;
    }
  }
  t.equal(mismatches, 0, 'every get/has/delete agreed with the Map');
  t.equal(s.size, ref.size);
  // The general path (bigint keys) reads the same values.
  let bigMismatches = 0;
  for (const [k, v] of ref) if (s.get(BigInt(k)) !== v) bigMismatches++;
  t.equal(bigMismatches, 0, 'bigint lookups see what number puts wrote');
  s.close();
});

t.test('f64 values keep every bit: -0, NaN, infinities, tiny and huge numbers', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  const values = [-0, 0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 0.1 + 0.2];
  values.forEach((v, i) => s.put(i, v));
  values.forEach((v, i) => t.ok(Object.is(s.get(i), v), `value ${String(v)} round-trips`));
  t.equal(s.get(Number.MAX_SAFE_INTEGER), undefined, 'the largest safe key is a valid absent key');
  s.put(Number.MAX_SAFE_INTEGER, 9);
  t.equal(s.get(Number.MAX_SAFE_INTEGER), 9);
  t.equal(s.get(BigInt(Number.MAX_SAFE_INTEGER)), 9);
  s.close();
});

t.test('u64 stores: number keys return bigints; number values go through the checked path', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'u64' });
  s.put(3, 5);
  s.put(4, 2n ** 64n - 1n);
  t.equal(s.get(3), 5n);
  t.equal(s.get(4), 2n ** 64n - 1n);
  t.ok(s.has(4));
  t.notOk(s.has(5));
  t.throws(() => s.put(5, 1.5), RangeError, 'a fractional u64 value is rejected');
  t.throws(() => s.put(5, -1), RangeError);
  t.notOk(s.has(5), 'a rejected value inserted nothing');
  s.close();
});

t.test('bad number keys and values throw the same errors as before', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  for (const bad of [-1, 1.5, 2 ** 53, NaN, Infinity, -0.5]) {
    t.throws(() => s.get(bad), RangeError, `get(${bad})`);
    t.throws(() => s.has(bad), RangeError, `has(${bad})`);
    t.throws(() => s.put(bad, 1), RangeError, `put(${bad})`);
  }
  t.throws(() => s.get(undefined as never), TypeError, 'a missing key');
  t.throws(() => s.get('1' as never), TypeError);
  t.throws(() => s.put(1, 'x' as never), { name: 'TypeError', message: /number/ });
  t.throws(() => s.put(1, undefined as never), TypeError);
  t.throws(() => s.put(1, 1n as never), TypeError, 'a bigint value on an f64 store');
  t.equal(s.size, 0, 'nothing was inserted by a rejected call');
  t.equal(s.get(-0), undefined, '-0 is key 0');
  s.put(-0, 4);
  t.equal(s.get(0), 4);
  s.close();
});

t.test('a full store rejects a new number key with CAPACITY and keeps overwriting old ones', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64', maxEntries: 2 });
  s.put(1, 1);
  s.put(2, 2);
  t.throws(() => s.put(3, 3), { name: 'RangeError', code: 'CAPACITY' });
  t.equal(s.size, 2);
  t.notOk(s.has(3));
  s.put(2, 22);
  t.equal(s.get(2), 22);
  s.close();
});

t.test('number puts, then in-place updates through values(): both paths see one value', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  for (let k = 0; k < 2000; k++) s.put(k * 7, k);
  const slots = new Uint32Array(3);
  s.upsertSlots(new BigUint64Array([7n, 14n, 999999n]), slots);
  const v = s.values();
  t.equal(v[slots[0]], 1, 'values written before the view are in it');
  t.equal(v[slots[1]], 2);
  t.equal(v[slots[2]], 0, 'a new key starts at zero');
  v[slots[1]] += 40;
  t.equal(s.get(14), 42, 'a number get reads the in-place update');
  s.put(7, -5);
  t.equal(s.values()[slots[0]], -5, 'a number put writes where the view reads');
  for (let k = 2000; k < 6000; k++) s.put(k * 7, k); // growth after the switch
  t.equal(s.get(5999 * 7), 5999);
  t.equal(s.get(14), 42);
  s.close();
});

t.test('stores the fast path does not serve still take number keys', async (t) => {
  const wide = new StateStore({ keys: 'u64', values: 'f64', width: 2 });
  wide.put(1, new Float64Array([1, 2]));
  t.same([...(wide.get(1) as Float64Array)], [1, 2]);
  t.ok(wide.has(1));
  wide.close();
  const bytes = new StateStore({ keys: 'u64', values: 'bytes' });
  bytes.put(1, 'one');
  t.equal(new TextDecoder().decode(bytes.get(1) as Uint8Array), 'one');
  bytes.close();
});

t.test('snapshot and restore of a store filled by number puts', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-single-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  for (let k = 0; k < 3000; k++) s.put(k * 13 + 1, k / 4);
  s.snapshot(path.join(dir, 's.snap'));
  const back = StateStore.restore<'u64', 'f64'>(path.join(dir, 's.snap'));
  let wrong = 0;
  for (let k = 0; k < 3000; k++) if (back.get(k * 13 + 1) !== k / 4) wrong++;
  t.equal(wrong, 0);
  t.equal(back.size, 3000);
  back.put(2, 8);
  t.equal(back.get(2), 8);
  s.close();
  back.close();
});

t.test('closed stores: the API and a kept native function both refuse', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  s.put(1, 1);
  const handle = (s as unknown as { handle: { getOne(k: unknown): unknown; putOne(k: unknown, v: unknown): void } }).handle;
  const getOne = handle.getOne;
  const putOne = handle.putOne;
  t.equal(getOne.call(handle, 1), 1);
  s.close();
  t.throws(() => s.get(1), ClosedError);
  t.throws(() => s.put(1, 2), ClosedError);
  t.throws(() => getOne.call(handle, 1), { code: 'CLOSED' }, 'a function kept past close sees the store closed');
  t.throws(() => putOne.call(handle, 1, 2), { code: 'CLOSED' });
});
