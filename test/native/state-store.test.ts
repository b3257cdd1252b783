import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { StateStore, packBytes, unpackBytes } from '../../lib/native/state-store.js';
import { ClosedError, StorageError } from '../../lib/errors.js';

const dec = new TextDecoder();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-state-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

t.test('u64 keys, f64 values: batched get / put / delete', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  t.teardown(() => s.close());
  t.equal(s.size, 0);
  s.putMany(new BigUint64Array([1n, 2n, 3n, 2n ** 64n - 1n]), new Float64Array([1.5, -0, NaN, 4]));
  t.equal(s.size, 4);
  const out = new Float64Array(5).fill(99);
  const found = new Uint8Array(5).fill(7);
  const n = s.getMany(new BigUint64Array([3n, 9n, 1n, 2n ** 64n - 1n, 2n]), out, found);
  t.equal(n, 4);
  t.same([...found], [1, 0, 1, 1, 1]);
  t.ok(Number.isNaN(out[0]), 'NaN survives');
  t.equal(out[1], 0, 'a missing key reads as zero');
  t.equal(out[2], 1.5);
  t.equal(out[3], 4);
  t.ok(Object.is(out[4], -0), 'negative zero survives');
  // Overwrites and duplicates inside one batch: the last write wins.
  s.putMany(new BigUint64Array([1n, 1n]), new Float64Array([10, 11]));
  t.equal(s.get(1n), 11);
  const delFound = new Uint8Array(3);
  t.equal(s.deleteMany(new BigUint64Array([1n, 1n, 42n]), delFound), 1);
  t.same([...delFound], [1, 0, 0]);
  t.equal(s.deleteMany(new BigUint64Array([2n])), 1, 'outFound is optional');
  t.equal(s.size, 2);
  t.equal(s.getMany(new BigUint64Array(0), new Float64Array(0), new Uint8Array(0)), 0, 'empty batch');
});

t.test('single-key calls accept bigint and safe-integer numbers', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'u64' });
  t.teardown(() => s.close());
  s.put(5, 7n);
  s.put(6n, 8);
  t.equal(s.get(5n), 7n);
  t.equal(s.get(6), 8n);
  t.equal(s.get(7), undefined);
  t.ok(s.has(5));
  t.notOk(s.has(99n));
  t.equal(s.delete(5), true);
  t.equal(s.delete(5), false);
  s.put(2n ** 64n - 1n, 2n ** 64n - 1n);
  t.equal(s.get(2n ** 64n - 1n), 2n ** 64n - 1n);
  t.throws(() => s.get(-1), RangeError);
  t.throws(() => s.get(1.5), RangeError);
  t.throws(() => s.get(2 ** 53), RangeError, 'unsafe integers are ambiguous');
  t.throws(() => s.get(2n ** 64n), RangeError);
  t.throws(() => s.get(-1n), RangeError);
  t.throws(() => s.get('1' as never), TypeError);
  t.throws(() => s.put(1n, -1n), RangeError);
  t.throws(() => s.put(1n, 'x' as never), TypeError);
  t.notOk(s.has(1n), 'a rejected value inserted nothing');
});

t.test('width > 1: rows of words', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64', width: 3 });
  t.teardown(() => s.close());
  s.putMany(new BigUint64Array([10n, 20n]), new Float64Array([1, 2, 3, 4, 5, 6]));
  const out = new Float64Array(6);
  const found = new Uint8Array(2);
  s.getMany(new BigUint64Array([20n, 30n]), out, found);
  t.same([...out], [4, 5, 6, 0, 0, 0]);
  t.same([...(s.get(10n) as Float64Array)], [1, 2, 3]);
  s.put(30n, new Float64Array([7, 8, 9]));
  t.same([...(s.get(30n) as Float64Array)], [7, 8, 9]);
  t.throws(() => s.put(40n, 1), TypeError, 'a scalar does not fit width 3');
  t.throws(() => s.put(40n, new Float64Array(2)), RangeError);
  t.throws(() => s.getMany(new BigUint64Array([1n]), new Float64Array(1), new Uint8Array(1)), {
    name: 'RangeError',
    message: /outValues has length 1 but must be 3/,
  });
  t.throws(() => s.putMany(new BigUint64Array([1n]), new Float64Array(2)), RangeError);
  t.notOk(s.has(1n), 'a rejected batch inserted nothing');
});

t.test('byte keys and byte values, packed batches', async (t) => {
  const s = new StateStore({ keys: 'bytes', values: 'bytes' });
  t.teardown(() => s.close());
  const keys = packBytes(['alpha', '', 'ünïcödé', new Uint8Array([0, 255, 0])]);
  s.putMany(keys, packBytes(['A', 'empty-key', '', 'binary']));
  t.equal(s.size, 4);
  const found = new Uint8Array(5);
  const got = s.getManyBytes(packBytes(['ünïcödé', 'nope', 'alpha', '', new Uint8Array([0, 255, 0])]), found);
  t.same([...found], [1, 0, 1, 1, 1]);
  t.same(unpackBytes(got).map((b) => dec.decode(b)), ['', '', 'A', 'empty-key', 'binary']);
  t.equal(dec.decode(s.get('alpha')), 'A');
  t.equal(s.get('missing'), undefined);
  s.put(new Uint8Array([1, 2]), 'from a string');
  t.equal(dec.decode(s.get(new Uint8Array([1, 2]))), 'from a string');
  t.equal(s.deleteMany(packBytes(['alpha', 'alpha'])), 1);
  t.equal(s.size, 4);
  t.throws(() => s.getMany(keys as never, new Float64Array(4) as never, new Uint8Array(4)), {
    name: 'TypeError',
    message: /byte values/,
  });
  t.throws(() => s.upsertSlots(keys, new Uint32Array(4)), TypeError);
  t.throws(() => s.values(), TypeError);
  t.throws(() => s.putMany(keys, new Float64Array(4) as never), TypeError);
});

t.test('byte keys with fixed values', async (t) => {
  const s = new StateStore({ keys: 'bytes', values: 'f64', width: 2 });
  t.teardown(() => s.close());
  s.putMany(packBytes(['a', 'b']), new Float64Array([1, 2, 3, 4]));
  const out = new Float64Array(4);
  const found = new Uint8Array(2);
  t.equal(s.getMany(packBytes(['b', 'c']), out, found), 1);
  t.same([...out], [3, 4, 0, 0]);
  const slots = new Uint32Array(2);
  t.equal(s.upsertSlots(packBytes(['a', 'c']), slots), 1);
  const v = s.values();
  v[slots[1] * 2] = 42;
  t.same([...(s.get('c') as Float64Array)], [42, 0]);
});

t.test('packed key offsets are validated before anything changes', async (t) => {
  const s = new StateStore({ keys: 'bytes', values: 'u64' });
  t.teardown(() => s.close());
  const data = new TextEncoder().encode('abcdef');
  const vals = new BigUint64Array([1n, 2n]);
  t.throws(() => s.putMany({ data, offsets: new Uint32Array([0, 3, 7]) }, vals), {
    name: 'RangeError',
    message: /not a range inside keys data of 6 bytes/,
  });
  t.throws(() => s.putMany({ data, offsets: new Uint32Array([0, 4, 2]) }, vals), RangeError, 'decreasing offsets');
  t.throws(() => s.putMany({ data, offsets: new Uint32Array(0) }, new BigUint64Array(0)), RangeError);
  t.throws(() => s.putMany({ data, offsets: [0, 3, 6] as never }, vals), TypeError);
  t.throws(() => s.putMany(new BigUint64Array([1n]) as never, vals), TypeError);
  t.equal(s.size, 0);
  // Values offsets of a byte-value store are validated too.
  const b = new StateStore({ keys: 'u64', values: 'bytes' });
  t.teardown(() => b.close());
  t.throws(() => b.putMany(new BigUint64Array([1n, 2n]), { data, offsets: new Uint32Array([0, 9, 9]) }), RangeError);
  t.throws(() => b.putMany(new BigUint64Array([1n, 2n]), { data, offsets: new Uint32Array([0, 6]) }), RangeError);
  t.equal(b.size, 0);
  b.putMany(new BigUint64Array([1n, 2n]), { data, offsets: new Uint32Array([2, 4, 6]) });
  t.equal(dec.decode(b.get(1n)), 'cd', 'offsets need not start at 0');
});

t.test('typed-array argument errors', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  t.teardown(() => s.close());
  const keys = new BigUint64Array([1n, 2n]);
  t.throws(() => s.getMany([1n, 2n] as never, new Float64Array(2), new Uint8Array(2)), {
    name: 'TypeError',
    message: 'keys must be a BigUint64Array',
  });
  t.throws(() => s.getMany(new BigInt64Array(2) as never, new Float64Array(2), new Uint8Array(2)), {
    name: 'TypeError',
    message: /must be a BigUint64Array, got another typed array/,
  });
  t.throws(() => s.getMany(keys, new BigUint64Array(2) as never, new Uint8Array(2)), {
    name: 'TypeError',
    message: /outValues must be a Float64Array, got BigUint64Array/,
  });
  t.throws(() => s.getMany(keys, new Float64Array(2), new Uint8Array(1)), { name: 'RangeError', message: /outFound/ });
  t.throws(() => s.putMany(keys, new BigUint64Array(2) as never), TypeError, 'u64 words into an f64 store');
  t.throws(() => s.putMany(keys, new Float64Array(3)), RangeError);
  t.throws(() => s.upsertSlots(keys, new Uint32Array(1)), RangeError);
  t.throws(() => s.upsertSlots(keys, new Uint32Array(2), new Uint8Array(3)), RangeError);
  t.throws(() => s.deleteMany(keys, new Uint8Array(5)), RangeError);
  // Output overlapping the input would corrupt the keys while they are read.
  const shared = new ArrayBuffer(32);
  const k = new BigUint64Array(shared, 0, 2);
  t.throws(() => s.getMany(k, new Float64Array(shared, 8, 2), new Uint8Array(2)), { name: 'RangeError', message: /overlap/ });
  t.throws(() => s.upsertSlots(k, new Uint32Array(shared, 0, 2)), { name: 'RangeError', message: /overlap/ });
  // A detached buffer is reported, not read.
  const detachedKeys = new BigUint64Array(4);
  structuredClone(detachedKeys.buffer, { transfer: [detachedKeys.buffer] });
  t.throws(() => s.getMany(detachedKeys, new Float64Array(0), new Uint8Array(0)), { name: 'TypeError', message: /detached/ });
  const detachedOut = new Float64Array(2);
  structuredClone(detachedOut.buffer, { transfer: [detachedOut.buffer] });
  t.throws(() => s.getMany(keys, detachedOut, new Uint8Array(2)), TypeError);
  t.equal(s.size, 0);
});

t.test('options are validated', async (t) => {
  t.throws(() => new StateStore({ keys: 'string' as never, values: 'f64' }), { name: 'TypeError', message: /options.keys/ });
  t.throws(() => new StateStore({ keys: 'u64', values: 'i32' as never }), { name: 'TypeError', message: /options.values/ });
  t.throws(() => new StateStore({ keys: 'u64', values: 'f64', width: 0 }), RangeError);
  t.throws(() => new StateStore({ keys: 'u64', values: 'f64', width: 1025 }), RangeError);
  t.throws(() => new StateStore({ keys: 'u64', values: 'f64', width: 1.5 }), RangeError);
  t.throws(() => new StateStore({ keys: 'u64', values: 'bytes', width: 2 }), TypeError);
  t.throws(() => new StateStore({ keys: 'u64', values: 'f64', maxEntries: 0 }), RangeError);
  t.throws(() => new StateStore({ keys: 'u64', values: 'f64', maxEntries: -5 }), RangeError);
  t.throws(() => new StateStore(null as never), TypeError);
  // 2^32 slots of 16 bytes: 64 GiB. Where the kernel refuses, the error is a RangeError (never an
  // uncaught C++ exception that would abort Node); a machine that grants it lazily just succeeds.
  try {
    new StateStore({ keys: 'u64', values: 'f64', capacity: 2 ** 40 }).close();
    t.pass('a huge capacity was granted');
  } catch (err) {
    t.match(err, { name: 'RangeError', message: /out of memory/ }, 'a huge capacity is a clean error');
  }
  const clamped = new StateStore({ keys: 'u64', values: 'f64', capacity: 1e9, maxEntries: 100 });
  t.ok(clamped.memory().tableBytes < 1 << 20, 'capacity is clamped to maxEntries');
  clamped.close();
});

t.test('maxEntries: a full store rejects whole batches', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64', maxEntries: 3 });
  t.teardown(() => s.close());
  t.equal(s.maxEntries, 3);
  s.putMany(new BigUint64Array([1n, 2n]), new Float64Array([1, 2]));
  t.throws(() => s.putMany(new BigUint64Array([1n, 3n, 4n]), new Float64Array([9, 3, 4])), {
    name: 'RangeError',
    code: 'CAPACITY',
  });
  t.equal(s.get(1n), 1, 'the update of key 1 in the rejected batch was not applied');
  t.equal(s.size, 2);
  s.putMany(new BigUint64Array([1n, 3n, 3n]), new Float64Array([9, 3, 33]));
  t.equal(s.size, 3);
  t.throws(() => s.put(4n, 4), { name: 'RangeError', code: 'CAPACITY' });
  t.throws(() => s.upsertSlots(new BigUint64Array([5n]), new Uint32Array(1)), { code: 'CAPACITY' });
  s.delete(1n);
  s.put(4n, 4);
  t.equal(s.size, 3);
});

t.test('upsertSlots + values(): in-place accumulators', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64', width: 2 });
  t.teardown(() => s.close());
  const keys = new BigUint64Array(5000);
  for (let i = 0; i < keys.length; i++) keys[i] = BigInt(i % 1000);
  const slots = new Uint32Array(keys.length);
  const inserted = new Uint8Array(keys.length);
  t.equal(s.upsertSlots(keys, slots, inserted), 1000);
  t.equal(inserted.reduce((a, b) => a + b, 0), 1000);
  const v = s.values();
  for (let i = 0; i < keys.length; i++) {
    v[slots[i] * 2] += i; // sum
    v[slots[i] * 2 + 1] += 1; // count
  }
  const row = s.get(7n) as Float64Array;
  t.same([...row], [7 + 1007 + 2007 + 3007 + 4007, 5]);
  // Growing far past the first view's size: a fresh view covers the new slots.
  const more = new BigUint64Array(200000);
  for (let i = 0; i < more.length; i++) more[i] = BigInt(10000 + i);
  const moreSlots = new Uint32Array(more.length);
  s.upsertSlots(more, moreSlots);
  const v2 = s.values();
  t.ok(v2.length >= (moreSlots.reduce((a, b) => Math.max(a, b), 0) + 1) * 2);
  v2[moreSlots[more.length - 1] * 2] = 123;
  t.same([...(s.get(10000n + BigInt(more.length - 1)) as Float64Array)], [123, 0]);
  t.equal(v[slots[7] * 2], row[0], 'the old view still reads the same memory');
  t.equal(s.values(), v2, 'the view is cached while the store does not grow');
  // A deleted key's slot is reused zeroed.
  s.delete(7n);
  const again = new Uint32Array(1);
  s.upsertSlots(new BigUint64Array([777777n]), again);
  t.same([...(s.get(777777n) as Float64Array)], [0, 0]);
});

t.test('scans: u64 ranges and byte prefixes, ordered or not', async (t) => {
  for (const ordered of [true, false]) {
    const s = new StateStore({ keys: 'u64', values: 'u64', ordered });
    for (const k of [50n, 10n, 30n, 20n, 40n, 2n ** 64n - 1n]) s.put(k, (k % 1000n) * 2n);
    const r = s.scan({ from: 15, to: 40n });
    t.same([...r.keys], [20n, 30n, 40n], `range, ordered=${ordered}`);
    t.same([...r.values], [40n, 60n, 80n]);
    t.same([...s.scan({ from: 2n ** 64n - 1n, to: 2n ** 64n - 1n }).values], [((2n ** 64n - 1n) % 1000n) * 2n], 'the largest key');
    t.same([...s.scan({ from: 0, to: 2n ** 64n - 1n }, 2).keys], [10n, 20n], 'limit');
    t.same([...s.scan({ from: 41, to: 49 }).keys], [], 'empty range');
    t.same([...s.scan({ from: 40, to: 20 }).keys], [], 'reversed range');
    s.close();

    const b = new StateStore({ keys: 'bytes', values: 'f64', ordered });
    for (const k of ['user:2', 'user:10', 'order:1', 'user', 'user:1']) b.put(k, k.length);
    const p = b.scan({ prefix: 'user:' });
    t.same(unpackBytes(p.keys).map((x) => dec.decode(x)), ['user:1', 'user:10', 'user:2'], `prefix, ordered=${ordered}`);
    t.same([...p.values], [6, 7, 6]);
    t.equal(unpackBytes(b.scan({ prefix: new Uint8Array(0) }).keys).length, 5);
    b.close();
  }
});

t.test('memory accounting', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  t.teardown(() => s.close());
  const before = s.memory();
  const keys = new BigUint64Array(100000).map((_, i) => BigInt(i));
  s.putMany(keys, new Float64Array(keys.length));
  const after = s.memory();
  t.equal(after.entries, 100000);
  t.ok(after.tableBytes >= 100000 * 16, 'probe array holds 16 bytes per slot');
  t.ok(after.valueBytes >= 100000 * 8);
  t.equal(after.totalBytes, after.tableBytes + after.valueBytes + after.arenaBytes + after.metaBytes + after.indexBytes);
  t.ok(after.totalBytes > before.totalBytes);
  s.clear();
  t.equal(s.size, 0);
  t.equal(s.get(5n), undefined);
});

t.test('snapshot round trip and restore', async (t) => {
  const file = path.join(tmp, 'u64.snap');
  const s = new StateStore({ keys: 'u64', values: 'f64', width: 2, ordered: true });
  const keys = new BigUint64Array(10000).map((_, i) => BigInt(i) * 3n);
  const vals = new Float64Array(20000).map((_, i) => i / 7);
  s.putMany(keys, vals);
  s.deleteMany(new BigUint64Array([0n, 3n]));
  const bytes = s.snapshot(file);
  t.equal(bytes, fs.statSync(file).size);
  t.notOk(fs.existsSync(file + '.tmp'), 'no temporary file is left behind');
  const r = StateStore.restore<'u64', 'f64'>(file);
  t.teardown(() => r.close());
  t.equal(r.keyKind, 'u64');
  t.equal(r.valueKind, 'f64');
  t.equal(r.width, 2);
  t.equal(r.ordered, true);
  t.equal(r.size, 9998);
  const out = new Float64Array(20000);
  const found = new Uint8Array(10000);
  t.equal(r.getMany(keys, out, found), 9998);
  t.same([...out.subarray(4, 8)], [...vals.subarray(4, 8)]);
  t.same([...r.scan({ from: 0, to: 10 }).keys], [6n, 9n]);
  s.close();

  const bfile = path.join(tmp, 'bytes.snap');
  const b = new StateStore({ keys: 'bytes', values: 'bytes' });
  b.put('k', 'v');
  b.put('', new Uint8Array([0, 1, 2]));
  b.snapshot(bfile);
  b.close();
  const rb = StateStore.restore<'bytes', 'bytes'>(bfile);
  t.teardown(() => rb.close());
  t.equal(dec.decode(rb.get('k')), 'v');
  t.same([...rb.get('')!], [0, 1, 2]);
  t.throws(() => StateStore.restore(file, { maxEntries: 10 }), { name: 'RangeError', code: 'CAPACITY' });
});

t.test('corrupt, truncated and missing snapshots give StorageError', async (t) => {
  const file = path.join(tmp, 'good.snap');
  const s = new StateStore({ keys: 'bytes', values: 'f64' });
  for (let i = 0; i < 100; i++) s.put(`key-${i}`, i);
  s.snapshot(file);
  s.close();
  const good = fs.readFileSync(file);

  const flipped = Buffer.from(good);
  flipped[good.length - 3] ^= 1;
  fs.writeFileSync(path.join(tmp, 'flipped.snap'), flipped);
  t.throws(() => StateStore.restore(path.join(tmp, 'flipped.snap')), {
    name: 'StorageError',
    code: 'CORRUPTION',
    message: /body checksum mismatch/,
  });
  for (const len of [0, 10, 63, 64, good.length - 1]) {
    fs.writeFileSync(path.join(tmp, 'cut.snap'), good.subarray(0, len));
    t.throws(() => StateStore.restore(path.join(tmp, 'cut.snap')), { name: 'StorageError', code: 'CORRUPTION' }, `truncated to ${len}`);
  }
  fs.writeFileSync(path.join(tmp, 'foreign.snap'), Buffer.alloc(200, 'x'));
  t.throws(() => StateStore.restore(path.join(tmp, 'foreign.snap')), { code: 'CORRUPTION', message: /bad magic/ });
  t.throws(() => StateStore.restore(path.join(tmp, 'absent.snap')), { name: 'StorageError', code: 'IO_ERROR', message: /absent\.snap/ });
  t.throws(() => StateStore.restore(tmp), { name: 'StorageError', code: 'IO_ERROR' }, 'a directory');
  const w = new StateStore({ keys: 'u64', values: 'f64' });
  t.teardown(() => w.close());
  t.throws(() => w.snapshot(path.join(tmp, 'no-such-dir', 'x.snap')), { name: 'StorageError', code: 'IO_ERROR' });
  t.throws(() => w.snapshot(42 as never), TypeError);
  t.throws(() => StateStore.restore(42 as never), TypeError);
});

t.test('a closed store throws ClosedError; views stay readable', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  const slots = new Uint32Array(1);
  s.upsertSlots(new BigUint64Array([1n]), slots);
  const v = s.values();
  v[slots[0]] = 5;
  s.close();
  s.close();
  t.ok(s.closed);
  t.equal(v[slots[0]], 5, 'the view keeps its memory alive after close');
  for (const call of [
    () => s.size,
    () => s.get(1n),
    () => s.put(1n, 1),
    () => s.has(1n),
    () => s.delete(1n),
    () => s.getMany(new BigUint64Array(1), new Float64Array(1), new Uint8Array(1)),
    () => s.putMany(new BigUint64Array(1), new Float64Array(1)),
    () => s.deleteMany(new BigUint64Array(1)),
    () => s.upsertSlots(new BigUint64Array(1), new Uint32Array(1)),
    () => s.values(),
    () => s.scan({ from: 0, to: 1 }),
    () => s.snapshot(path.join(tmp, 'closed.snap')),
    () => s.memory(),
    () => s.clear(),
  ]) {
    t.throws(call, ClosedError);
  }
  t.throws(() => s.get(1n), { code: 'CLOSED', message: 'the state store is closed' });
  t.notOk(fs.existsSync(path.join(tmp, 'closed.snap')));
  const d = new StateStore({ keys: 'u64', values: 'f64' });
  d[Symbol.dispose]();
  t.ok(d.closed, 'Symbol.dispose closes the store');
  t.ok(new StorageError('IO_ERROR', 'x') instanceof Error);
});

t.test('random operations agree with a JS Map', async (t) => {
  const s = new StateStore({ keys: 'u64', values: 'f64' });
  t.teardown(() => s.close());
  const ref = new Map<bigint, number>();
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 5000);
  for (let round = 0; round < 200; round++) {
    const n = 1 + (round % 64);
    const keys = new BigUint64Array(n).map(() => BigInt(rnd()));
    const op = round % 3;
    if (op === 0) {
      const vals = new Float64Array(n).map(() => rnd() / 10);
      s.putMany(keys, vals);
      keys.forEach((k, i) => ref.set(k, vals[i]));
    } else if (op === 1) {
      s.deleteMany(keys);
      keys.forEach((k) => ref.delete(k));
    }
    const out = new Float64Array(n);
    const found = new Uint8Array(n);
    s.getMany(keys, out, found);
    for (let i = 0; i < n; i++) {
      const want = ref.get(keys[i]);
      if ((found[i] === 1) !== (want !== undefined) || (want !== undefined && out[i] !== want)) {
        t.fail(`round ${round}: key ${keys[i]} got ${found[i] ? out[i] : 'missing'} want ${want}`);
        return;
      }
    }
  }
  t.equal(s.size, ref.size);
});

t.test('stores dropped without close are finalized by GC; views outlive them', async (t) => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let view: Float64Array | null = null;
  let slot = 0;
  for (let i = 0; i < 20; i++) {
    const s = new StateStore({ keys: 'u64', values: 'f64' });
    const keys = new BigUint64Array(50000).map((_, j) => BigInt(j * 3 + i));
    const slots = new Uint32Array(keys.length);
    s.upsertSlots(keys, slots);
    if (i === 0) {
      view = s.values() as Float64Array;
      slot = slots[123];
      view[slot] = 99.5;
    }
  }
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.equal(view![slot], 99.5, 'a view keeps the value memory of a collected store mapped');
});
