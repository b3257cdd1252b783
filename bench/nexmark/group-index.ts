// `npx tsx bench/nexmark/group-index.ts` — the cost of finding a group's slot by a numeric key,
// three ways over the same 4 M keys (batches of 4096): a JS Map<number, slot>, HashAggregate's
// NumericKeyIndex (open addressing over typed arrays), and the native state store's batched
// upsertSlots (keys packed into a BigUint64Array without BigInt, one native call per batch).
// Small-integer keys (auction ids) and timestamp-sized keys (window starts, not V8 small ints).
//   --quick   400 K keys
// Times are process CPU time per key.
import { NumericKeyIndex } from '../../lib/exec/operators/group-index.js';
import { StateStore } from '../../lib/native/state-store.js';

const BATCH = 4096;

export interface IndexResult {
  keys: string;
  mapNs: number;
  tableNs: number;
  nativeNs: number;
}

function keysOf(n: number, distinct: number, base: number): Float64Array {
  const keys = new Float64Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    keys[i] = base + (s % distinct) * 7;
  }
  return keys;
}

function viaMap(keys: Float64Array): number {
  const m = new Map<number, number>();
  let acc = 0;
  for (let i = 0; i < keys.length; i++) {
    let slot = m.get(keys[i]);
    if (slot === undefined) m.set(keys[i], (slot = m.size));
    acc += slot;
  }
  return acc;
}

function viaTable(keys: Float64Array): number {
  const idx = new NumericKeyIndex(1);
  let acc = 0;
  for (let i = 0; i < keys.length; i++) {
    idx.probe[0] = keys[i];
    let slot = idx.find();
    if (slot < 0) idx.insert((slot = idx.size));
    acc += slot;
  }
  return acc;
}

function viaNative(keys: Float64Array): number {
  const store = new StateStore({ keys: 'u64', values: 'f64' });
  const packed = new BigUint64Array(BATCH);
  const words = new Uint32Array(packed.buffer);
  const slots = new Uint32Array(BATCH);
  let acc = 0;
  try {
    for (let off = 0; off < keys.length; off += BATCH) {
      const n = Math.min(BATCH, keys.length - off);
      for (let j = 0; j < n; j++) {
        const k = keys[off + j];
        words[2 * j] = k >>> 0;
        words[2 * j + 1] = (k / 4294967296) >>> 0;
      }
      if (n === BATCH) store.upsertSlots(packed, slots);
      else store.upsertSlots(packed.subarray(0, n), slots.subarray(0, n));
      for (let j = 0; j < n; j++) acc += slots[j];
    }
  } finally {
    store.close();
  }
  return acc;
}

function timeNs(f: (k: Float64Array) => number, keys: Float64Array): number {
  f(keys.subarray(0, Math.min(keys.length, 100_000))); // warm the JIT
  // CPU time, not wall time: on a shared machine the process may wait for a core
  const c0 = process.cpuUsage();
  if (f(keys) < 0) throw new Error('unreachable');
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1e3) / keys.length;
}

export function runGroupIndex(n: number): IndexResult[] {
  const out: IndexResult[] = [];
  for (const [name, base] of [['small ints', 0], ['timestamps', 1.7e12]] as const) {
    for (const distinct of [10_000, 1_000_000]) {
      const keys = keysOf(n, distinct, base);
      out.push({ keys: `${name}, ${distinct} distinct`, mapNs: timeNs(viaMap, keys), tableNs: timeNs(viaTable, keys), nativeNs: timeNs(viaNative, keys) });
    }
  }
  return out;
}

if (require.main === module) {
  const n = process.argv.includes('--quick') ? 400_000 : 4_096_000;
  console.log(`group slot lookup, ${n} keys, ns/key (Map | NumericKeyIndex | native upsertSlots)`);
  for (const r of runGroupIndex(n)) console.log(`  ${r.keys.padEnd(28)} ${r.mapNs.toFixed(1).padStart(6)} | ${r.tableNs.toFixed(1).padStart(6)} | ${r.nativeNs.toFixed(1).padStart(6)}`);
}
