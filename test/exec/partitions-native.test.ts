// Top-N and OVER windows with their partition key → slot index in the native store against the
// JS Map path, change for change: number, string, NULL, boolean, NaN and -0 partition keys,
// one- and two-column keys, deletes that empty partitions (slot reuse), repeats in one batch,
// snapshot/restore across the two paths, and close().
import t from 'tap';
import fc from 'fast-check';
import { TopN } from '../../lib/exec/operators/top-n.js';
import { OverWindow } from '../../lib/exec/operators/over-window.js';
import { stateStoreStats } from '../../lib/native/state-store.js';
import type { Operator, Output } from '../../lib/exec/operator.js';
import type { Row } from '../../lib/types/value.js';
import { batch, inserts, deletes, make } from './helpers.js';

const keyCell = fc.oneof(
  fc.constantFrom(null, 0, -0, 1, 2.5, NaN, 3_000_000_000, -7),
  fc.constantFrom('', 'a', 'b', '1', 'ü', '𝄞', 'a\u0000b', 'null'),
  fc.boolean(),
);
const rowArb = fc.tuple(keyCell, fc.constantFrom(null, 'x', 1), fc.integer({ min: 0, max: 5 })).map((r) => r as Row);
const stepArb = fc.array(fc.tuple(rowArb, fc.integer({ min: -2, max: 2 })), { maxLength: 14 });

type Indexed = Operator & { nativeIndex: boolean; stateSize(): number; snapshot(): unknown; restore(s: unknown): void; close(): void };
type Build = (out: Output, keyIndex: 'native' | 'auto' | 'js') => Indexed;

const order = [{ column: 2, desc: true }];
const builds: [string, Build][] = [
  ['top-n by one column', (o, k) => new TopN(o, { width: 3, partitionBy: [0], order, limit: 2, rankOutput: 'rank', keyIndex: k })],
  ['top-n by two columns', (o, k) => new TopN(o, { width: 3, partitionBy: [0, 1], order, limit: 1, keyIndex: k })],
  ['over window by one column', (o, k) => new OverWindow(o, { width: 3, partitionBy: [0], order, calls: [{ fn: 'row_number', frame: { mode: 'rows' } }, { fn: 'sum', arg: 2, frame: { mode: 'rows', preceding: 1, following: 0 } }], keyIndex: k })],
];

function build(f: Build, k: 'native' | 'auto' | 'js'): { op: Indexed; out: ReturnType<typeof make>['out'] } {
  return make((out) => f(out, k));
}

for (const [name, f] of builds) for (const kind of ['native', 'auto'] as const) {
  t.test(`${name}: ${kind} and JS indexes emit the same changes for every step`, async (t) => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 8 }), fc.nat({ max: 8 }), (steps, restoreAt) => {
        let nat = build(f, kind);
        let js = build(f, 'js');
        if (!nat.op.nativeIndex || js.op.nativeIndex) throw new Error('paths not as requested');
        for (const [s, step] of steps.entries()) {
          if (s === restoreAt) {
            // snapshot each path and restore it into the other one
            const fromNat = JSON.parse(JSON.stringify(nat.op.snapshot()));
            const fromJs = JSON.parse(JSON.stringify(js.op.snapshot()));
            nat.op.close();
            js.op.close();
            nat = build(f, kind);
            js = build(f, 'js');
            nat.op.restore(fromJs);
            js.op.restore(fromNat);
          }
          const b = batch(step.map(([r]) => r), step.map(([, w]) => w));
          nat.op.push(b, 0);
          js.op.push(b, 0);
          nat.op.flush();
          js.op.flush();
          const a = JSON.stringify(nat.out.changes());
          const e = JSON.stringify(js.out.changes());
          if (a !== e) throw new Error(`step ${s} differs:\nnative ${a}\njs     ${e}`);
          if (nat.op.stateSize() !== js.op.stateSize()) throw new Error('state sizes differ');
          nat.out.clear();
          js.out.clear();
        }
        nat.op.close();
        js.op.close();
      }),
      { numRuns: 250 },
    );
  });
}

for (const kind of ['native', 'auto'] as const) t.test(`${kind}: emptied partitions release their keys; a key that comes back starts afresh`, async (t) => {
  const { op, out } = make((o) => new TopN(o, { width: 2, partitionBy: [0], order: [{ column: 1, desc: false }], limit: 1, keyIndex: kind }));
  t.ok(op.nativeIndex);
  op.push(inserts(['a', 3], [NaN, 1], [-0, 5], [0, 4], ['a', 2]), 0);
  op.flush();
  t.same(out.net().sort(), [['a', 2], [NaN, 1], [0, 4]].sort(), '-0 and 0 are one partition, NaN is its own');
  out.clear();
  op.push(deletes(['a', 3], ['a', 2], [NaN, 1]), 0);
  op.flush();
  t.same(out.changes(), [[['a', 2], -1], [[NaN, 1], -1]]);
  t.equal(op.stateSize(), 2, 'only the 0 partition is left');
  out.clear();
  op.push(inserts(['b', 9], ['a', 7]), 0);
  op.flush();
  t.same(out.changes(), [[['b', 9], 1], [['a', 7], 1]], 'new partitions take freed slots and are told apart');
  op.close();
});

t.test('snapshot of a Top-N with a rank column restores its emitted rows into either path', async (t) => {
  for (const [from, to] of [['native', 'js'], ['js', 'native'], ['native', 'native'], ['auto', 'js'], ['js', 'auto']] as const) {
    const a = make((o) => new TopN(o, { width: 2, partitionBy: [0], order: [{ column: 1, desc: true }], limit: 1, rankOutput: 'row_number', keyIndex: from }));
    a.op.push(inserts(['p', 1], ['p', 5], [null, 2], [7, 3]), 0);
    a.op.flush();
    const b = make((o) => new TopN(o, { width: 2, partitionBy: [0], order: [{ column: 1, desc: true }], limit: 1, rankOutput: 'row_number', keyIndex: to }));
    b.op.restore(JSON.parse(JSON.stringify(a.op.snapshot())));
    b.op.push(deletes(['p', 5], [null, 2]), 0);
    b.op.flush();
    t.same(b.out.changes(), [[['p', 5, 1], -1], [['p', 1, 1], 1], [[null, 2, 1], -1]], `${from} → ${to}: the emitted rows were restored`);
    a.op.close();
    b.op.close();
  }
});

t.test('close() frees both native stores of a partition index', async (t) => {
  const before = stateStoreStats();
  const { op } = make((o) => new OverWindow(o, { width: 2, partitionBy: [0], order: [{ column: 1, desc: false }], calls: [{ fn: 'row_number', frame: { mode: 'rows' } }], keyIndex: 'native' }));
  t.equal(stateStoreStats().open, before.open, 'no store before the first row');
  op.push(inserts([1, 1], ['s', 2]), 0);
  op.flush();
  t.equal(stateStoreStats().open, before.open + 2, 'a number key and a string key: two stores');
  op.close();
  t.equal(stateStoreStats().open, before.open);
  t.equal(stateStoreStats().bytes, before.bytes);
  t.equal(op.stateSize(), 0);
});

t.test("'auto' puts number keys in the native store and other keys in a Map, and is the default; 'js' holds no store", async (t) => {
  const before = stateStoreStats().open;
  const { op, out } = make((o) => new OverWindow(o, { width: 2, partitionBy: [0], order: [{ column: 1, desc: false }], calls: [{ fn: 'row_number', frame: { mode: 'rows' } }], keyIndex: 'auto' }));
  t.ok(op.nativeIndex);
  op.push(inserts(['s', 2], [null, 1]), 0);
  op.flush();
  t.equal(stateStoreStats().open, before, 'strings and NULL open no store');
  op.push(inserts([1, 1], [1, 0]), 0);
  op.flush();
  t.equal(stateStoreStats().open, before + 1, 'a number key opens the u64 store');
  t.equal(out.net().length, 4);
  op.close();
  t.equal(stateStoreStats().open, before);
  const byDefault = make((o) => new TopN(o, { width: 2, partitionBy: [0], order: [{ column: 1, desc: false }], limit: 1 }));
  t.ok(byDefault.op.nativeIndex, "the default is 'auto': number keys native");
  byDefault.op.push(inserts([1, 1], ['s', 2]), 0);
  byDefault.op.flush();
  t.equal(stateStoreStats().open, before + 1, 'the default opens the u64 store for a number key');
  byDefault.op.close();
  t.equal(stateStoreStats().open, before, 'close() frees it');
  const plain = make((o) => new TopN(o, { width: 2, partitionBy: [0], order: [{ column: 1, desc: false }], limit: 1, keyIndex: 'js' }));
  t.notOk(plain.op.nativeIndex, "'js' keeps a Map");
  plain.op.push(inserts([1, 1], ['s', 2]), 0);
  plain.op.flush();
  t.equal(stateStoreStats().open, before);
  plain.op.close();
});
