// State store benchmark through the Node binding: lookup and upsert ns/key at 1 M and 10 M keys
// (quick: 100 K), single-key and batched (1024 keys per call), beside a JS Map<number, number>
// doing the same work (what a Node user would otherwise write). Times are CPU ns per key. Also compares the two ways to
// update accumulators: getMany + putMany (two calls, copies) versus upsertSlots + in-place
// writes through the zero-copy values() view (one call).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { BenchRow } from '../report.js';
import { StateStore } from '../../lib/native/state-store.js';

const BATCH = 1024;

// xorshift64*-style generator over doubles: deterministic 53-bit keys without BigInt per key.
function makeKeys(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  let t = (seed * 2654435761) >>> 0 || 7;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    t = (t * 1664525 + 1013904223) >>> 0;
    out[i] = (s >>> 0) * 2097152 + (t >>> 11); // < 2^53
  }
  return out;
}

function toBig(keys: Float64Array): BigUint64Array {
  const out = new BigUint64Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = BigInt(keys[i]);
  return out;
}

// CPU time of the process (user + system), not wall time: on a shared 2-core machine wall time
// mostly measures how often the benchmark was descheduled.
// cpuUsage counts GC threads too, so a collection left pending by the previous step (a 10 M-entry
// Map, a large external buffer) would land in whichever loop runs next: finish it before timing.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

function nsPerKey(ops: number, fn: () => void): number {
  collect();
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / ops;
}

function sizeLabel(n: number): string {
  return n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} K`;
}

function runSize(n: number, probes: number): BenchRow[] {
  const keys = makeKeys(n, n);
  const keysBig = toBig(keys);
  // Probes: existing keys in random order (a uniform pick, so the working set is the table).
  const pick = makeKeys(probes, 99);
  const probeNum = new Float64Array(probes);
  for (let i = 0; i < probes; i++) probeNum[i] = keys[pick[i] % n];
  const probeBig = toBig(probeNum);
  const label = sizeLabel(n);
  const rows: BenchRow[] = [];

  const store = new StateStore({ keys: 'u64', values: 'f64', capacity: n });
  const map = new Map<number, number>();
  const ones = new Float64Array(BATCH).fill(1);
  const fillStore = nsPerKey(n, () => {
    for (let i = 0; i < n; i += BATCH) {
      const k = keysBig.subarray(i, Math.min(n, i + BATCH));
      store.putMany(k, k.length === BATCH ? ones : ones.subarray(0, k.length));
    }
  });
  const fillMap = nsPerKey(n, () => {
    for (let i = 0; i < n; i++) map.set(keys[i], 1);
  });
  rows.push({ name: `fill, batched upsert of new keys, ${label} keys`, value: fillStore, unit: 'ns/key', baseline: 'JS Map.set', baselineValue: fillMap });

  const out = new Float64Array(BATCH);
  const found = new Uint8Array(BATCH);
  const batches = Math.floor(probes / BATCH);
  let sink = 0;
  const getBatched = nsPerKey(batches * BATCH, () => {
    for (let b = 0; b < batches; b++) sink += store.getMany(probeBig.subarray(b * BATCH, (b + 1) * BATCH), out, found);
  });
  const getMap = nsPerKey(batches * BATCH, () => {
    for (let i = 0; i < batches * BATCH; i++) out[i & (BATCH - 1)] = map.get(probeNum[i]) ?? 0;
  });
  rows.push({ name: `lookup, batched ${BATCH}/call, ${label} keys`, value: getBatched, unit: 'ns/key', baseline: 'JS Map.get', baselineValue: getMap });

  const singles = Math.min(probes, 1 << 20);
  const getSingle = nsPerKey(singles, () => {
    for (let i = 0; i < singles; i++) sink += (store.get(probeNum[i]) as number | undefined) ?? 0;
  });
  rows.push({ name: `lookup, single key/call, ${label} keys`, value: getSingle, unit: 'ns/key', baseline: 'JS Map.get', baselineValue: getMap });

  const values = new Float64Array(BATCH).fill(2);
  const putBatched = nsPerKey(batches * BATCH, () => {
    for (let b = 0; b < batches; b++) store.putMany(probeBig.subarray(b * BATCH, (b + 1) * BATCH), values);
  });
  const putMap = nsPerKey(batches * BATCH, () => {
    for (let i = 0; i < batches * BATCH; i++) map.set(probeNum[i], 2);
  });
  rows.push({ name: `upsert existing, batched ${BATCH}/call, ${label} keys`, value: putBatched, unit: 'ns/key', baseline: 'JS Map.set', baselineValue: putMap });

  const putSingle = nsPerKey(singles, () => {
    for (let i = 0; i < singles; i++) store.put(probeNum[i], 3);
  });
  rows.push({ name: `upsert existing, single key/call, ${label} keys`, value: putSingle, unit: 'ns/key', baseline: 'JS Map.set', baselineValue: putMap });

  // Accumulator update (sum += 1 per key): read-modify-write through copies versus in place.
  const copyRmw = nsPerKey(batches * BATCH, () => {
    for (let b = 0; b < batches; b++) {
      const k = probeBig.subarray(b * BATCH, (b + 1) * BATCH);
      store.getMany(k, out, found);
      for (let i = 0; i < BATCH; i++) out[i] += 1;
      store.putMany(k, out);
    }
  });
  const slots = new Uint32Array(BATCH);
  // The first values() call wraps the whole region in an external ArrayBuffer, and V8 answers
  // the jump in external memory with a major GC (costly beside a 10 M-entry Map): a one-time
  // cost, kept out of the steady-state number (nsPerKey collects before timing).
  store.values();
  const inPlace = nsPerKey(batches * BATCH, () => {
    for (let b = 0; b < batches; b++) {
      store.upsertSlots(probeBig.subarray(b * BATCH, (b + 1) * BATCH), slots);
      const v = store.values();
      for (let i = 0; i < BATCH; i++) v[slots[i]] += 1;
    }
  });
  const mapRmw = nsPerKey(batches * BATCH, () => {
    for (let i = 0; i < batches * BATCH; i++) {
      const k = probeNum[i];
      map.set(k, (map.get(k) ?? 0) + 1);
    }
  });
  rows.push({ name: `sum += x, upsertSlots + values() view, ${label} keys`, value: inPlace, unit: 'ns/key', baseline: 'JS Map get+set', baselineValue: mapRmw });
  rows.push({ name: `sum += x, getMany + putMany, ${label} keys`, value: copyRmw, unit: 'ns/key', baseline: 'JS Map get+set', baselineValue: mapRmw });

  if (sink === -1) console.log(sink);
  store.close();
  return rows;
}

export async function run(opts: { quick: boolean }): Promise<BenchRow[]> {
  const sizes = opts.quick ? [100_000] : [1_000_000, 10_000_000];
  const probes = opts.quick ? 1 << 18 : 1 << 22;
  const rows: BenchRow[] = [];
  for (const n of sizes) rows.push(...runSize(n, probes));
  return rows;
}
