// A keyed table's slot storage (lib/exec/runtime/keyed-rows.ts) through TableStore: rows kept
// by slot in insertion order, updates in place, holes compacted, chunks shared with a checkpoint
// cut copied before their next write, and a checkpoint's chunks restored (and refused when damaged).
import t from 'tap';
import { TableStore } from '../../lib/exec/runtime/table-store.js';
import { CHUNK_SLOTS, type RowChunk } from '../../lib/exec/runtime/keyed-rows.js';
import { TABLE_CHUNKS_CODEC } from '../../lib/exec/runtime/keyed-chunks-codec.js';
import { deserializeState, serializeState } from '../../lib/storage/checkpoint-codec.js';
import type { Output } from '../../lib/exec/operator.js';
import type { Batch } from '../../lib/exec/batch.js';
import { rowAt } from '../../lib/exec/runtime/batch-builder.js';
import { Decimal } from '../../lib/types/decimal.js';
import type { Row, Value } from '../../lib/types/value.js';

function store(columnNames = ['k', 'v'], primaryKey = [0]): { s: TableStore; batches: Batch[] } {
  const batches: Batch[] = [];
  const out: Output = { push: (b) => batches.push(b), watermark: () => {} };
  return { s: new TableStore(out, { columnNames, primaryKey }), batches };
}

const cols = (rows: Value[][]): Value[][] => rows[0]!.map((_, c) => rows.map((r) => r[c]!));
function push(s: TableStore, rows: Value[][], weights?: number[]): void {
  s.push({ length: rows.length, columns: cols(rows), weights: weights ? Int32Array.from(weights) : null });
}
const deltaRows = (b: Batch): [unknown[], number][] => Array.from({ length: b.length }, (_, i) => [rowAt(b, i), b.weights === null ? 1 : b.weights[i]!]);
function contentsRows(s: TableStore): Row[] {
  const [b] = s.contents();
  return Array.from({ length: b!.length }, (_, i) => rowAt(b!, i));
}

/** A checkpoint cut of the store's chunks, through the codec and back, as recovery reads it. */
function roundTrip(s: TableStore): { used: number; chunks: RowChunk[] } {
  const cut = s.checkpointChunks()!;
  return { used: cut.used, chunks: throughCodec(cut.chunks) };
}

/** Chunks written as one checkpoint frame and read back. */
function throughCodec(chunks: RowChunk[]): RowChunk[] {
  return TABLE_CHUNKS_CODEC.decode(deserializeState(serializeState(TABLE_CHUNKS_CODEC.encode(chunks)))) as RowChunk[];
}

t.test('rows keep first-insertion order; an update stays in place; delete and re-insert moves to the end', async (t) => {
  const { s, batches } = store();
  push(s, [[3, 'c'], [1, 'a'], [2, 'b']]);
  push(s, [[1, 'A']]);
  push(s, [[3, 'c']], [-1]);
  push(s, [[3, 'C']]);
  t.same(s.rows(), [[1, 'A'], [2, 'b'], [3, 'C']]);
  t.same(contentsRows(s), s.rows(), 'contents() reads the same rows as columns');
  t.same(deltaRows(batches[1]!), [[[1, 'a'], -1], [[1, 'A'], 1]]);
  t.same(deltaRows(batches[2]!), [[[3, 'c'], -1]]);
  t.equal(s.size, 3);
  push(s, [[99, 'x']], [-1]);
  t.equal(batches[batches.length - 1]!.length, 0, 'deleting an absent key emits no change');
  t.same(s.get([2]), [2, 'b']);
  t.equal(s.get([3])![1], 'C');
  t.equal(s.get([4]), undefined);
});

t.test('many deletes compact the slots without losing rows, order or lookups', async (t) => {
  const { s } = store();
  const n = 20_000;
  push(s, Array.from({ length: n }, (_, i) => [i, `v${i}`]));
  // delete three of every four keys, then update some survivors
  push(s, Array.from({ length: n }, (_, i) => [i, `v${i}`]).filter((r) => (r[0] as number) % 4 !== 0), new Array(n - n / 4).fill(-1));
  push(s, [[8, 'eight'], [n, 'new']]);
  t.equal(s.size, n / 4 + 1);
  const rows = s.rows();
  t.same(rows.slice(0, 3), [[0, 'v0'], [4, 'v4'], [8, 'eight']]);
  t.same(rows[rows.length - 1], [n, 'new'], 'a new key comes last');
  t.same(s.get([12]), [12, 'v12']);
  t.equal(s.get([13]), undefined);
  // an upsert after compaction finds the moved slot
  push(s, [[12, 'twelve']]);
  t.same(s.get([12]), [12, 'twelve']);
  t.equal(s.size, n / 4 + 1);
});

t.test('a checkpoint cut never changes after later writes (copy-on-write), and restores to the state it saw', async (t) => {
  const { s } = store(['k', 'v', 'ts'], [0]);
  const n = 3 * CHUNK_SLOTS + 5;
  push(s, Array.from({ length: n }, (_, i) => [i, i % 7, 1_700_000_000_000 + i]));
  const cut = s.checkpointChunks()!;
  const before = JSON.stringify(cut.chunks.map((c) => c.columns));
  push(s, [[0, 100, 0], [n + 1, 1, 2]]);
  push(s, [[5, 0, 0]], [-1]);
  t.equal(JSON.stringify(cut.chunks.map((c) => c.columns)), before, 'the cut still holds the values it was taken with');
  t.equal(cut.used, n);
  const next = s.checkpointChunks()!;
  t.not(next.chunks[0], cut.chunks[0], 'a written chunk was copied');
  t.equal(next.chunks[2], cut.chunks[2], 'an unchanged chunk is the same object in both cuts');
  const restored = store(['k', 'v', 'ts'], [0]).s;
  restored.restore({ used: cut.used, chunks: throughCodec(cut.chunks) });
  t.equal(restored.size, n);
  t.same(restored.get([0]), [0, 0, 1_700_000_000_000]);
  t.same(restored.get([5]), [5, 5, 1_700_000_000_005]);
});

t.test('restore from checkpoint chunks: every kind of value and key, then upserts find the restored rows', async (t) => {
  const { s, batches } = store(['k', 'v', 'd'], [0]);
  const bytes = (b: number): Uint8Array => Uint8Array.of(b, 1);
  push(s, [
    [1, null, new Decimal(150n, 2)],
    ['two', -0, null],
    [NaN, Infinity, 'x'],
    [bytes(7), [1, 2], { json: { a: 1 } }],
  ]);
  push(s, [['two', 0, null]]);
  const state = roundTrip(s);
  const r = store(['k', 'v', 'd'], [0]);
  r.s.restore(state);
  t.same(r.s.rows(), s.rows(), 'same rows, same order');
  t.ok(Object.is(r.s.get(['two'])![1], -0), 'a -0 survives (numbers are written as doubles)');
  t.ok(r.s.get([NaN]), 'a NaN key is found again');
  t.same(r.s.get([bytes(7)]), [bytes(7), [1, 2], { json: { a: 1 } }], 'object keys match by value');
  t.ok((r.s.get([1])![2] as Decimal).equals(new Decimal(15n, 1)));
  r.s.push({ length: 1, columns: [[bytes(7)], [null], [null]], weights: null });
  t.same(deltaRows(r.batches.pop()!), [[[bytes(7), [1, 2], { json: { a: 1 } }], -1], [[bytes(7), null, null], 1]]);
  t.equal(batches.length, 2);
});

t.test('composite keys restore from chunks and from the row-array form', async (t) => {
  const { s } = store(['a', 'b', 'v'], [0, 1]);
  push(s, [[1, 'x', 10], [1, 'y', 11], [2, 'x', 12]]);
  const r = store(['a', 'b', 'v'], [0, 1]).s;
  r.restore(roundTrip(s));
  t.same(r.get([1, 'y']), [1, 'y', 11]);
  const legacy = store(['a', 'b', 'v'], [0, 1]).s;
  legacy.restore(JSON.parse(JSON.stringify(s.snapshot())));
  t.same(legacy.rows(), s.rows(), 'snapshot() is plain rows and restores');
});

t.test('damaged checkpoint chunks are refused with CORRUPTION', async (t) => {
  const { s } = store();
  push(s, Array.from({ length: CHUNK_SLOTS + 1 }, (_, i) => [i, i]));
  const good = roundTrip(s);
  const fresh = (): TableStore => store().s;
  t.throws(() => fresh().restore({ used: good.used + CHUNK_SLOTS, chunks: good.chunks }), { code: 'CORRUPTION' }, 'slots past the chunks');
  t.throws(() => fresh().restore({ used: good.used, chunks: [good.chunks[0], { live: new Uint8Array(3), columns: [[], []] }] }), { code: 'CORRUPTION' }, 'a short chunk');
  const dup = roundTrip(s);
  dup.chunks[1]!.columns[0]![0] = 5; // key 5 twice
  t.throws(() => fresh().restore(dup), { code: 'CORRUPTION' }, 'two rows with one key');
  const ghost = roundTrip(s);
  ghost.chunks[1]!.live[3] = 1; // a live row past the last slot
  t.throws(() => fresh().restore(ghost), { code: 'CORRUPTION' });
});

t.test('a checkpoint frame of chunks: number columns packed, other columns as values, damage refused', async (t) => {
  const { s } = store(['k', 'n', 's'], [0]);
  push(s, Array.from({ length: 2 * CHUNK_SLOTS }, (_, i) => [i, i === 3 ? null : i / 2, i % 5 === 0 ? null : `s${i}`]));
  push(s, [[7, 0, 'x']], [-1]);
  const cut = s.checkpointChunks()!;
  const frame = TABLE_CHUNKS_CODEC.encode(cut.chunks) as { n: number; live: Uint8Array; columns: unknown[] };
  t.equal(frame.n, 2);
  t.ok(frame.columns[0] instanceof Float64Array, 'a column of numbers is one Float64Array');
  t.ok(Array.isArray(frame.columns[1]), 'a NULL among numbers keeps the values');
  t.equal(frame.live[7], 0, 'the deleted slot is absent');
  const back = throughCodec(cut.chunks);
  const r = store(['k', 'n', 's'], [0]).s;
  r.restore({ used: cut.used, chunks: back });
  t.same(r.rows(), s.rows());
  t.equal(r.get([3])![1], null);
  t.throws(() => TABLE_CHUNKS_CODEC.decode({ ...frame, live: new Uint8Array(5) }), { code: 'CORRUPTION' });
  t.throws(() => TABLE_CHUNKS_CODEC.decode({ ...frame, columns: [new Float64Array(3), [], []] }), { code: 'CORRUPTION' });
  t.throws(() => TABLE_CHUNKS_CODEC.decode([1, 2]), { code: 'CORRUPTION' });
});

t.test('a delta patches the changed rows of changed chunks, not whole chunks; new chunks go whole', async (t) => {
  const { s } = store(['k', 'v', 'd'], [0]);
  const n = 10 * CHUNK_SLOTS;
  push(s, Array.from({ length: n }, (_, i) => [i, i, i % 3 === 0 ? new Decimal(BigInt(i), 1) : `s${i}`]));
  const first = s.checkpointChunks()!;
  const onDisk = throughCodec(first.chunks); // what recovery decodes as the parent
  // scattered updates (one row in most chunks), a -0, a Decimal of another scale, a delete, a new key
  push(s, Array.from({ length: 9 }, (_, c) => [c * CHUNK_SLOTS + 5, -1, 'changed']));
  push(s, [[1, -0, 'x'], [3, 4, new Decimal(30n, 2)], [n, 7, null]]);
  push(s, [[2, 0, null]], [-1]);
  const second = s.checkpointChunks()!;
  const positions = second.chunks.map((c, i) => (c === first.chunks[i] ? -1 : i)).filter((i) => i >= 0);
  const literals = positions.map((i) => second.chunks[i]!);
  t.equal(literals.length, 10, 'nine changed chunks and the new one');
  const patch = TABLE_CHUNKS_CODEC.encodePatch(literals, positions, first.chunks) as { slots: Int32Array; isWhole: Uint8Array };
  t.equal(patch.slots.length, 9 + 3, 'only the changed slots of the nine old chunks are written');
  t.same(Array.from(patch.isWhole), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 'the new chunk is written whole');
  const back = TABLE_CHUNKS_CODEC.decodePatch(deserializeState(serializeState(patch)), positions, onDisk) as RowChunk[];
  const chunks = onDisk.slice();
  positions.forEach((p, i) => (chunks[p] = back[i]!));
  const r = store(['k', 'v', 'd'], [0]).s;
  r.restore({ used: second.used, chunks });
  t.same(r.rows(), s.rows(), 'the parent plus the patch is the new state');
  t.ok(Object.is(r.get([1])![1], -0), '-0 is a change');
  t.equal((r.get([3])![2] as Decimal).scale, 2, "a Decimal's scale is a change");
  t.equal(r.get([2]), undefined);
  t.same(onDisk.map((c) => c.live.join('')), first.chunks.map((c) => c.live.join('')), 'decoding a patch leaves the parent as it was');
  t.throws(() => TABLE_CHUNKS_CODEC.decodePatch(deserializeState(serializeState(patch)), positions, []), { code: 'CORRUPTION' }, 'a patch of chunks the parent does not have');
  // most rows changed: writing whole is about as small
  push(s, Array.from({ length: n }, (_, i) => [i, i + 1, null]));
  const third = s.checkpointChunks()!;
  t.equal(TABLE_CHUNKS_CODEC.encodePatch(third.chunks, third.chunks.map((_, i) => i), second.chunks), null);
});
