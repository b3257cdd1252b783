// SPSC ring, JS producer -> native consumer thread: messages/s (publish per message and per 64)
// and one-way latency p50/p99 measured by the native consumer against CLOCK_MONOTONIC.
import type { BenchRow } from '../report.js';
import { SpscRing, startNativeSink } from '../../lib/native/ring.js';

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function throughput(count: number, size: number, publishEvery: number): number {
  const ring = SpscRing.create(1 << 20);
  const sink = startNativeSink(ring);
  const rec = new Uint8Array(size);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    rec[0] = i & 255;
    let at = ring.reserve(size);
    while (at < 0) {
      ring.publish();
      ring.waitForSpace(size, 10);
      at = ring.reserve(size);
    }
    ring.bytes.set(rec, at);
    if ((i + 1) % publishEvery === 0) ring.publish();
  }
  ring.publish();
  const res = sink.stop(); // joins after draining everything
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  if (res.count !== count) throw new Error(`ring bench lost messages: ${res.count} of ${count}`);
  return count / secs;
}

// One message at a time, spaced out so each finds the consumer idle (the latency a lone event sees).
function latency(count: number, gapUs: number): Float64Array {
  const ring = SpscRing.create(1 << 16);
  const sink = startNativeSink(ring, { latency: true });
  const rec = new BigInt64Array(2);
  const bytes = new Uint8Array(rec.buffer);
  for (let i = 0; i < count; i++) {
    const spinUntil = process.hrtime.bigint() + BigInt(gapUs * 1000);
    while (process.hrtime.bigint() < spinUntil);
    rec[0] = process.hrtime.bigint(); // CLOCK_MONOTONIC, the clock the native sink reads
    ring.tryWrite(bytes);
    ring.publish();
  }
  const res = sink.stop();
  return res.latenciesNs.sort();
}

// The floor: the same bytes copied into a plain JS array of messages (no other thread).
function jsQueueFloor(count: number, size: number): number {
  const queue: Uint8Array[] = [];
  const rec = new Uint8Array(size);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    rec[0] = i & 255;
    queue.push(rec.slice());
    if (queue.length >= 1024) queue.length = 0;
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function run(opts: { quick: boolean }): Promise<BenchRow[]> {
  const n = opts.quick ? 20_000 : 5_000_000;
  const floor = jsQueueFloor(n, 64);
  const lat = latency(opts.quick ? 200 : 20_000, 20);
  return [
    { name: 'JS->native 8 B, publish every msg', value: throughput(n, 8, 1), unit: 'msg/s' },
    { name: 'JS->native 64 B, publish every msg', value: throughput(n, 64, 1), unit: 'msg/s' },
    { name: 'JS->native 64 B, publish every 64', value: throughput(n, 64, 64), unit: 'msg/s', baseline: 'JS array queue (copy, same thread)', baselineValue: floor },
    { name: 'JS->native 100 B, publish every 64', value: throughput(n, 100, 64), unit: 'msg/s' },
    { name: 'one-way latency p50 (idle consumer, futex wake)', value: percentile(lat, 0.5) / 1000, unit: 'µs' },
    { name: 'one-way latency p99 (idle consumer, futex wake)', value: percentile(lat, 0.99) / 1000, unit: 'µs' },
  ];
}
