import t from 'tap';
import { Worker } from 'node:worker_threads';
import { SpscRing, startNativeSink, startNativeSource, ringBufferBytes } from '../../lib/native/ring.js';
import { native } from '../../lib/native/binding.js';

// Record i: length (i * 7) % 61, byte j = (i + j * 3) & 255.
function record(i: number): Uint8Array {
  const r = new Uint8Array((i * 7) % 61);
  for (let j = 0; j < r.length; j++) r[j] = (i + j * 3) & 255;
  return r;
}

t.test('create validates capacity; attach validates the buffer', async (t) => {
  t.throws(() => SpscRing.create(1000), RangeError);
  t.throws(() => SpscRing.create(32), RangeError);
  t.throws(() => SpscRing.create(2 ** 31), RangeError);
  t.throws(() => SpscRing.attach(new ArrayBuffer(4096) as unknown as SharedArrayBuffer), TypeError);
  t.throws(() => SpscRing.attach(new SharedArrayBuffer(4096)), /formatted ring/);
  t.throws(() => SpscRing.attach(new SharedArrayBuffer(16)), RangeError);
  const r = SpscRing.create(1024);
  t.equal(r.capacity, 1024);
  t.equal(r.buffer.byteLength, ringBufferBytes(1024));
  t.throws(() => r.reserve(r.maxRecord + 1), RangeError);
  t.throws(() => r.reserve(-1), RangeError);
  t.throws(() => r.reserve(1.5), RangeError);
});

t.test('native side rejects wrong arguments without crashing', async (t) => {
  const addon = native();
  t.throws(() => addon.ringFormat('nope', 1024), TypeError);
  t.throws(() => addon.ringFormat(new Uint8Array(new SharedArrayBuffer(4096)), 1000), RangeError);
  t.throws(() => addon.ringWake(new Uint8Array(new SharedArrayBuffer(4096)), 0), /formatted ring/);
  t.throws(() => addon.ringSinkStop({}), TypeError);
  const ab = new ArrayBuffer(4096);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] }); // detaches
  t.throws(() => addon.ringFormat(view, 1024), /detached/);
});

t.test('JS producer and consumer: batches, wrap-around, full ring, empty records', async (t) => {
  const prod = SpscRing.create(256);
  const cons = SpscRing.attach(prod.buffer);
  let written = 0;
  let read = 0;
  let mismatches = 0;
  for (let round = 0; round < 100; round++) {
    let n = 0;
    while (prod.tryWrite(record(written))) {
      written++;
      n++;
    }
    t.ok(n > 0, 'ring accepts records after the consumer released');
    t.equal(cons.peek(), -1, 'nothing visible before publish');
    prod.publish();
    for (let k = 0; k < n; k++) {
      const got = cons.read();
      const want = record(read++);
      if (!got || got.length !== want.length || got.some((b, j) => b !== want[j])) mismatches++;
    }
    t.equal(cons.read(), null);
    cons.release();
  }
  t.equal(mismatches, 0);
  t.equal(written, read);
  t.equal(cons.used, 0);
});

t.test('waitForData times out when empty and returns early when data is published', async (t) => {
  const r = SpscRing.create(1024);
  const start = Date.now();
  t.equal(r.waitForData(30), false);
  t.ok(Date.now() - start >= 20, 'slept instead of spinning');
  const p = SpscRing.attach(r.buffer);
  p.tryWrite(new Uint8Array([1, 2, 3]));
  p.publish();
  t.equal(r.waitForData(5000), true);
  t.same(Array.from(r.read()!), [1, 2, 3]);
});

t.test('JS -> native thread: every byte arrives (native CRC32C equals JS-side expectation)', async (t) => {
  const ring = SpscRing.create(1 << 14);
  const sink = startNativeSink(ring);
  const ref = SpscRing.create(1 << 22); // mirror ring to hash the same records with a second sink
  const refSink = startNativeSink(ref);
  const count = 50_000;
  for (let i = 0; i < count; i++) {
    const rec = record(i);
    while (!ring.tryWrite(rec)) {
      ring.publish();
      ring.waitForSpace(rec.length, 100);
    }
    if (i % 32 === 31) ring.publish();
    while (!ref.tryWrite(rec)) {
      ref.publish();
      ref.waitForSpace(rec.length, 100);
    }
  }
  ring.publish();
  ref.publish();
  const res = sink.stop();
  const want = refSink.stop();
  t.equal(res.count, count);
  t.equal(res.bytes, want.bytes);
  t.equal(res.hash, want.hash);
  t.not(res.hash, 0);
});

t.test('latency-mode sink: one sample and one stall flag per record; a sleeping sink counts its sleeps', async (t) => {
  const ring = SpscRing.create(1 << 12);
  const sink = startNativeSink(ring, { latency: true });
  const rec = new BigInt64Array(2);
  const count = 20;
  for (let i = 0; i < count; i++) {
    // 2 ms apart: past the sink's 50 µs spin, so it is asleep on the futex for each record.
    await new Promise((resolve) => setTimeout(resolve, 2));
    rec[0] = process.hrtime.bigint();
    t.ok(ring.tryWrite(new Uint8Array(rec.buffer)));
    ring.publish();
  }
  const res = sink.stop();
  t.equal(res.count, count);
  t.equal(res.latenciesNs.length, count);
  t.equal(res.stalled.length, count);
  t.ok(res.stalled.every((f) => f === 0 || f === 1), 'flags are 0/1');
  t.ok(res.latenciesNs.every((ns) => ns > 0 && ns < 10e9), 'latencies are positive and on the same clock');
  t.ok(res.sleeps >= count / 2, `the sink slept between records (${res.sleeps} sleeps for ${count} records)`);
  const plain = startNativeSink(SpscRing.create(1 << 12)).stop();
  t.equal(plain.latenciesNs.length, 0, 'no samples outside latency mode');
  t.equal(plain.stalled.length, 0);
});

t.test('native thread -> JS consumer, with batched publish', async (t) => {
  const ring = SpscRing.create(4096);
  const count = 20_000;
  const size = 24;
  const src = startNativeSource(ring, count, size, 16);
  let i = 0;
  let bad = 0;
  while (i < count) {
    const at = ring.peek();
    if (at < 0) {
      ring.release();
      ring.waitForData(100);
      continue;
    }
    if (ring.lastLength !== size) bad++;
    for (let j = 0; j < size; j++) if (ring.bytes[at + j] !== ((i * 31 + j) & 255)) bad++;
    ring.advance();
    i++;
    if ((i & 15) === 0) ring.release();
  }
  ring.release();
  src.join();
  t.equal(i, count);
  t.equal(bad, 0);
});

t.test('between worker threads (producer in a worker, consumer sleeping on the main thread)', async (t) => {
  const ring = SpscRing.create(1 << 12);
  const count = 30_000;
  // The worker inherits tap's TypeScript loader through execArgv.
  const worker = new Worker(require.resolve('./fixtures/ring-producer.ts'), { workerData: { buffer: ring.buffer, count } });
  let failed: unknown = null;
  worker.on('error', (e) => (failed = e));
  const exited = new Promise<number>((resolve, reject) => {
    worker.on('exit', resolve);
    worker.on('error', reject);
  });
  let i = 0;
  let bad = 0;
  const deadline = Date.now() + 60_000;
  while (i < count && Date.now() < deadline && failed === null) {
    const got = ring.read();
    if (got === null) {
      ring.release();
      ring.waitForData(50);
      continue;
    }
    const want = record(i++);
    if (got.length !== want.length || got.some((b, j) => b !== want[j])) bad++;
    if ((i & 31) === 0) ring.release();
  }
  ring.release();
  t.equal(failed, null);
  t.equal(await exited, 0);
  t.equal(i, count);
  t.equal(bad, 0);
});
