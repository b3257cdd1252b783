// SPSC ring, JS producer -> native consumer thread: messages/s (publish per message and per 64)
// and one-way latency p50/p99/p999 measured by the native consumer against CLOCK_MONOTONIC, for
// a spinning and for a sleeping consumer.
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

// One message at a time, spaced `gapUs` apart. With a gap inside the consumer's 50 µs spin
// window the consumer is spinning when the message lands; with a longer gap it is asleep on the
// futex and each message pays the wake-up (the sink reports how often it slept).
// On a shared 2-vCPU machine the tail is set by the scheduler, not by the ring: a consumer
// descheduled for a few ms delays every message sent meanwhile (a 3 ms stall at 20 µs spacing is
// 150 samples, enough for p99 of 20 K). The sink flags the samples a CPU stall of its thread
// (over 50 µs runnable without a CPU, from /proc/thread-self/schedstat) delayed; the "no stall"
// percentile leaves those out (producer-side stalls still count).
interface LatencyRun {
  all: Float64Array;
  clean: Float64Array;
  stalledShare: number;
  sleepsPerMessage: number;
}

function latency(count: number, gapUs: number): LatencyRun {
  const ring = SpscRing.create(1 << 16);
  const sink = startNativeSink(ring, { latency: true });
  // Start timing once the sink thread runs (on a busy machine its start can take many ms, and
  // every message sent meanwhile would wait for it): records under 8 bytes carry no timestamp,
  // and the ring is empty again once the sink has drained and released them.
  for (let i = 0; i < 16; i++) ring.tryWrite(new Uint8Array(4));
  ring.publish();
  const deadline = Date.now() + 10_000;
  while (ring.used !== 0 && Date.now() < deadline);
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
  const lat = res.latenciesNs;
  let stalled = 0;
  for (let i = 0; i < res.stalled.length; i++) stalled += res.stalled[i];
  const clean = new Float64Array(lat.length - stalled);
  for (let i = 0, j = 0; i < lat.length; i++) if (res.stalled[i] === 0) clean[j++] = lat[i];
  return {
    all: lat.slice().sort(),
    clean: clean.sort(),
    stalledShare: lat.length === 0 ? 0 : stalled / lat.length,
    sleepsPerMessage: res.sleeps / Math.max(1, lat.length),
  };
}

function latencyRows(label: string, r: LatencyRun): BenchRow[] {
  const us = (x: number) => x / 1000;
  return [
    { name: `one-way latency p50, ${label}`, value: us(percentile(r.all, 0.5)), unit: 'µs' },
    { name: `one-way latency p99, ${label}`, value: us(percentile(r.all, 0.99)), unit: 'µs' },
    { name: `one-way latency p999, ${label}`, value: us(percentile(r.all, 0.999)), unit: 'µs' },
    { name: `one-way latency p99, ${label}, samples no consumer CPU stall delayed`, value: us(percentile(r.clean, 0.99)), unit: 'µs' },
    { name: `share of samples a consumer CPU stall delayed, ${label}`, value: 100 * r.stalledShare, unit: '%' },
    { name: `consumer futex sleeps per message, ${label}`, value: r.sleepsPerMessage, unit: 'sleeps/msg' },
  ];
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
  const spinning = latency(opts.quick ? 200 : 20_000, 20);
  const sleeping = latency(opts.quick ? 100 : 5_000, 200);
  return [
    { name: 'JS->native 8 B, publish every msg', value: throughput(n, 8, 1), unit: 'msg/s' },
    { name: 'JS->native 64 B, publish every msg', value: throughput(n, 64, 1), unit: 'msg/s' },
    { name: 'JS->native 64 B, publish every 64', value: throughput(n, 64, 64), unit: 'msg/s', baseline: 'JS array queue (copy, same thread)', baselineValue: floor },
    { name: 'JS->native 100 B, publish every 64', value: throughput(n, 100, 64), unit: 'msg/s' },
    ...latencyRows('spinning consumer (20 µs apart)', spinning),
    ...latencyRows('sleeping consumer, futex wake (200 µs apart)', sleeping),
  ];
}
