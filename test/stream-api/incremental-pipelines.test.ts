// Named pipelines' keyed state is checkpointed incrementally: after a full checkpoint, the next
// ones hold only the entries changed since the previous one, chained (MANIFEST `chain`); a
// restart from the chain plus the log tail equals a run that never stopped. Also the delta
// functions themselves: exact round trips for sorted scans and native file images.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open, type Pipeline, type ProcessContext, type ProcessFunction } from '../../lib/index.js';
import { readManifest } from '../../lib/storage/manifest.js';
import { applyKeyedStateDelta, keyedStateDelta } from '../../lib/stream-api/keyed-state-delta.js';
import type { KeyedStateSnapshot } from '../../lib/stream-api/keyed-state.js';
import type { PackedBytes } from '../../lib/native/state-store.js';

type Db = Awaited<ReturnType<typeof open>>;
interface Ev {
  id: number;
  amount: number;
}

/** Per key: a running total and count; a negative amount forgets the key (store deletes). */
class Summer implements ProcessFunction<number | string, Ev, { k: string; total: number; n: number }> {
  process(e: Ev, ctx: ProcessContext<number | string, { k: string; total: number; n: number }>): void {
    const total = ctx.state.value<number>('total');
    const n = ctx.state.value<number>('n');
    if (e.amount < 0) {
      total.clear();
      n.clear();
      return;
    }
    total.update((total.value() ?? 0) + e.amount);
    n.update((n.value() ?? 0) + 1);
    if ((n.value()! & 7) === 0) ctx.emit({ k: String(ctx.key), total: total.value()!, n: n.value()! });
  }
}

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-incremental-pipeline-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function pipeline(db: Db, intKeys: boolean): Pipeline {
  return db
    .stream<Ev>('ev')
    .keyBy((e) => (intKeys ? e.id : `key-${e.id}`))
    .process(new Summer())
    .to('sums', 'k VARCHAR, total DOUBLE, n BIGINT');
}

/** Deterministic rounds: round 0 touches every key once; later rounds touch a few (some forgotten, some new). */
function round(r: number, keys: number): Ev[] {
  if (r === 0) return Array.from({ length: keys }, (_, id) => ({ id, amount: (id % 17) + 1 }));
  const out: Ev[] = [];
  for (let i = 0; i < keys / 100; i++) {
    const id = (i * 97 + r * 31) % keys;
    out.push({ id, amount: i % 10 === 0 ? -1 : r + i });
  }
  out.push({ id: keys + r, amount: 5 }); // a key never seen before
  return out;
}

function ingest(db: Db, evs: Ev[]): void {
  for (let i = 0; i < evs.length; i += 500) db.insert('ev', evs.slice(i, i + 500));
}

async function openDb(dir: string): Promise<Db> {
  // the test decides where the cuts are; close() must leave the tail for replay
  return open({ path: dir, checkpointIntervalMs: 0, closeCheckpointBytes: Infinity } as Parameters<typeof open>[0]);
}

const newestCheckpoint = (dir: string): { epoch: number; chain?: { epoch: number }[] } => readManifest(dir)!.checkpoints!.at(-1)!;
const ckptBytes = (dir: string, epoch: number): number => fs.statSync(path.join(dir, 'checkpoints', String(epoch), 'state.ckpt')).size;

async function observed(db: Db, p: Pipeline): Promise<unknown> {
  const state = p.inspectState().map((e) => `${e.state}|${String(e.key)}|${JSON.stringify(e.value)}`).sort();
  const sums = (await db.query<{ k: string; total: number; n: number }>('SELECT k, total, n FROM sums')).map((r) => `${r.k}|${r.total}|${r.n}`).sort();
  return { state, sums };
}

async function reference(rounds: number, keys: number, intKeys: boolean): Promise<unknown> {
  const db = await open({});
  await db.execute('CREATE SOURCE ev (id BIGINT, amount DOUBLE)');
  const p = pipeline(db, intKeys);
  for (let r = 0; r < rounds; r++) ingest(db, round(r, keys));
  await db.flush();
  const out = await observed(db, p);
  await db.close();
  return out;
}

for (const intKeys of [true, false]) {
  t.test(`${intKeys ? 'integer' : 'string'} keys: a chain of incremental checkpoints + the log tail restart exactly`, async (t) => {
    const dir = tempDir(t);
    const keys = 5000;
    {
      const db = await openDb(dir);
      await db.execute('CREATE SOURCE ev (id BIGINT, amount DOUBLE)');
      pipeline(db, intKeys);
      ingest(db, round(0, keys));
      await db.flush();
      await db.execute('CHECKPOINT');
      let previous = newestCheckpoint(dir).epoch;
      // the full one: the base of the newest checkpoint's chain (or the newest itself)
      const full = ckptBytes(dir, newestCheckpoint(dir).chain?.[0]?.epoch ?? previous);
      t.ok(full > keys * 4, `the checkpoint of ${keys} keys holds them: ${full} bytes`);
      for (let r = 1; r <= 3; r++) {
        ingest(db, round(r, keys));
        await db.flush();
        await db.execute('CHECKPOINT');
        const newest = newestCheckpoint(dir);
        t.equal(newest.chain?.at(-1)?.epoch, previous, `checkpoint ${newest.epoch} is a delta on ${previous}`);
        const bytes = ckptBytes(dir, newest.epoch);
        t.ok(bytes * 10 < full, `checkpoint ${newest.epoch}: ${bytes} bytes vs ${full} for the full one`);
        previous = newest.epoch;
      }
      ingest(db, round(4, keys)); // the tail: in the log only
      await db.close();
    }
    const db = await openDb(dir);
    const p = pipeline(db, intKeys);
    ingest(db, round(5, keys));
    await db.flush();
    t.equal(p.failed, false);
    t.same(await observed(db, p), await reference(6, keys, intKeys), 'state and output equal a run that never stopped');
    // the chain goes on from the restored state
    const restoredFrom = newestCheckpoint(dir).epoch;
    await db.execute('CHECKPOINT');
    t.equal(newestCheckpoint(dir).chain?.at(-1)?.epoch, restoredFrom, 'the checkpoint after restart is a delta on the restored chain');
    ingest(db, round(6, keys));
    await db.close();
    const again = await openDb(dir);
    const p2 = pipeline(again, intKeys);
    await again.flush();
    t.same(await observed(again, p2), await reference(7, keys, intKeys), 'and restarting from that delta is exact too');
    await again.close();
  });
}

t.test('a store large enough for native file images: image deltas restart exactly', async (t) => {
  const dir = tempDir(t);
  const keys = 70_000; // above the size where a snapshot is the store's file image
  {
    const db = await openDb(dir);
    await db.execute('CREATE SOURCE ev (id BIGINT, amount DOUBLE)');
    pipeline(db, true);
    ingest(db, round(0, keys));
    await db.flush();
    await db.execute('CHECKPOINT');
    const first = newestCheckpoint(dir).epoch;
    ingest(db, round(1, keys));
    await db.flush();
    await db.execute('CHECKPOINT');
    const second = newestCheckpoint(dir);
    t.equal(second.chain?.at(-1)?.epoch, first, 'a delta on the previous checkpoint');
    t.comment(`file-image checkpoints: full ${ckptBytes(dir, second.chain![0]!.epoch)} bytes, then ${ckptBytes(dir, first)} and ${ckptBytes(dir, second.epoch)} bytes`);
    ingest(db, round(2, keys));
    await db.close();
  }
  const db = await openDb(dir);
  const p = pipeline(db, true);
  await db.flush();
  t.same(await observed(db, p), await reference(3, keys, true));
  await db.close();
});

// ---- the delta functions ----

function packed(items: Uint8Array[]): PackedBytes {
  const offsets = new Uint32Array(items.length + 1);
  let n = 0;
  items.forEach((b, i) => (offsets[i + 1] = n += b.length));
  const data = new Uint8Array(n);
  items.forEach((b, i) => data.set(b, offsets[i]));
  return { data, offsets };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** A sorted-scan snapshot of `map` (byte keys sorted bytewise, u64 keys numerically). */
function scanSnapshot(bytes: Map<string, Uint8Array>, ints: Map<bigint, Uint8Array>): KeyedStateSnapshot {
  const bk = [...bytes.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  const ik = [...ints.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    slots: [['v', 'value', 1]],
    keys: packed(bk.map((k) => Buffer.from(k, 'latin1'))),
    values: packed(bk.map((k) => bytes.get(k)!)),
    ints: { keys: BigUint64Array.from(ik), values: packed(ik.map((k) => ints.get(k)!)) },
  };
}

t.test('entry deltas of sorted scans round-trip exactly (random edits)', async (t) => {
  const next = rng(42);
  for (let trial = 0; trial < 40; trial++) {
    const bytes = new Map<string, Uint8Array>();
    const ints = new Map<bigint, Uint8Array>();
    const size = 50 + Math.floor(next() * 400);
    for (let i = 0; i < size; i++) {
      bytes.set(String.fromCharCode(...Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * 256))), Uint8Array.of(i, i >> 8));
      ints.set(BigInt(Math.floor(next() * 2 ** 52)) | (BigInt(Math.floor(next() * 4)) << 56n), Uint8Array.of(i & 255));
    }
    const before = scanSnapshot(bytes, ints);
    for (const m of [bytes, ints] as Map<unknown, Uint8Array>[]) {
      const ks = [...m.keys()];
      for (let i = 0; i < ks.length / 20; i++) {
        const k = ks[Math.floor(next() * ks.length)];
        if (next() < 0.4) m.delete(k);
        else m.set(k, Uint8Array.of(99, Math.floor(next() * 256), 7));
      }
    }
    bytes.set('\u00ff\u00fe new', Uint8Array.of(1));
    ints.set(2n ** 63n + 5n, Uint8Array.of(2)); // high bit set: compared as unsigned
    const after = scanSnapshot(bytes, ints);
    const d = await keyedStateDelta(before, after);
    if (d === null) {
      t.fail(`trial ${trial}: a 5 % edit should be a delta`);
      continue;
    }
    if (!('delta' in d.bytes) || !('delta' in d.ints!)) t.fail(`trial ${trial}: both parts are deltas`);
    t.same(applyKeyedStateDelta(before, d), after, `trial ${trial}`);
  }
  t.end();
});

t.test('wholesale changes are carried in full; a delta that does not fit its base throws', async (t) => {
  const a = scanSnapshot(new Map([['a', Uint8Array.of(1)], ['b', Uint8Array.of(2)]]), new Map());
  const fresh = new Map<string, Uint8Array>();
  for (let i = 0; i < 40; i++) fresh.set(`z${i}`, Uint8Array.of(i));
  const b = scanSnapshot(fresh, new Map());
  const whole = await keyedStateDelta(a, b);
  t.ok(whole !== null && 'full' in whole.bytes, 'nothing in common: the byte-keyed entries in full');
  const bytesOnly = (s: KeyedStateSnapshot): KeyedStateSnapshot => ({ slots: s.slots, ...(s as { keys: PackedBytes; values: PackedBytes }) , ints: undefined });
  t.equal(await keyedStateDelta(bytesOnly(a), bytesOnly(b)), null, 'no part is a delta: null');
  const many = new Map<string, Uint8Array>();
  for (let i = 0; i < 100; i++) many.set(`k${String(i).padStart(3, '0')}`, Uint8Array.of(i));
  const before = scanSnapshot(many, new Map());
  many.set('k050', Uint8Array.of(200));
  many.delete('k010');
  const after = scanSnapshot(many, new Map());
  const d = (await keyedStateDelta(before, after))!;
  t.ok(d !== null && 'delta' in d.bytes);
  t.same(applyKeyedStateDelta(before, d), after);
  t.throws(() => applyKeyedStateDelta(scanSnapshot(new Map([['x', Uint8Array.of(1)]]), new Map()), d), /not in the base/, 'deleting a key the base lacks');
});

t.test('deltas of native file images round-trip exactly: edits, growth, shrinking, shifts', async (t) => {
  const next = rng(7);
  for (const [len1, len2] of [
    [20_000, 20_000],
    [20_000, 23_333],
    [20_000, 15_001],
  ]) {
    const img1 = Uint8Array.from({ length: len1 }, () => Math.floor(next() * 256));
    const img2 = new Uint8Array(len2);
    img2.set(img1.subarray(0, Math.min(len1, len2)));
    for (let i = len1; i < len2; i++) img2[i] = Math.floor(next() * 256);
    for (let k = 0; k < 5; k++) img2[Math.floor(next() * Math.min(len1, len2))] ^= 0x5a;
    const before: KeyedStateSnapshot = { slots: [], file: img1, ints: { file: img1 } };
    const after: KeyedStateSnapshot = { slots: [], file: img2, ints: { file: img2 } };
    const d = await keyedStateDelta(before, after);
    t.ok(d !== null && 'delta' in d.bytes, `${len1} -> ${len2}: a block delta`);
    const back = applyKeyedStateDelta(before, d!) as { file: Uint8Array; ints: { file: Uint8Array } };
    t.ok(Buffer.from(back.file).equals(Buffer.from(img2)), `${len1} -> ${len2}: exact`);
    t.ok(Buffer.from(back.ints.file).equals(Buffer.from(img2)));
  }
  // bytes inserted in the middle shift the rest (a value that grew): the chunks after it still match
  const base = Uint8Array.from({ length: 50_000 }, () => Math.floor(next() * 256));
  const grown = new Uint8Array(50_010);
  grown.set(base.subarray(0, 25_000));
  grown.set(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 25_000);
  grown.set(base.subarray(25_000), 25_010);
  const shifted = await keyedStateDelta({ slots: [], file: base }, { slots: [], file: grown });
  t.ok(shifted !== null && 'delta' in shifted.bytes, 'a shift is a delta');
  const literal = (shifted!.bytes as { delta: { data: Uint8Array } }).delta.data.length;
  t.ok(literal < 10_000, `only the chunks around the insertion are new bytes (${literal} of 50010)`);
  t.ok(Buffer.from((applyKeyedStateDelta({ slots: [], file: base }, shifted!) as { file: Uint8Array }).file).equals(Buffer.from(grown)), 'and it applies exactly');
  const img = Uint8Array.from({ length: 4096 }, (_, i) => i & 255);
  const rewritten = img.map((b) => b ^ 1);
  t.equal(await keyedStateDelta({ slots: [], file: img }, { slots: [], file: rewritten }), null, 'every block changed: written in full');
});
