// Keyed state in the native state store: what user code writes comes back exactly (through the
// store, not only the JS cache), a snapshot restores into a fresh store with the object shapes it
// needs, keys compare by value, and misuse is reported by name.
import t from 'tap';
import { KeyedState } from '../../lib/stream-api/keyed-state.js';
import { ByteSink, ByteSource, Shapes, decodeKey, encodeKey, encodeValue } from '../../lib/stream-api/state-codec.js';

const samples: unknown[] = [
  0,
  -0,
  1,
  -1,
  2 ** 31,
  -(2 ** 31) - 1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  Number.MAX_SAFE_INTEGER,
  '',
  'ascii',
  'ünïcødé ✓ 𝄞',
  'x'.repeat(100),
  true,
  false,
  null,
  undefined,
  123456789012345678901234567890n,
  -5n,
  new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 123)),
  [1, 'a', [null, [undefined]]],
  { a: 1, b: { c: 'd', e: [1, 2] } },
  { b: 1, a: 2 }, // another field order is another shape
  {},
  new Map<unknown, unknown>([
    [1, { n: 1 }],
    ['k', [2]],
  ]),
  new Set([1, 'two', 3n]),
  new Uint8Array([1, 2, 3]), // not a plain shape: structured clone fallback
];

t.test('the codec round-trips the values user state holds, with and without shapes', async (t) => {
  for (const shapes of [undefined, new Shapes()]) {
    const sink = new ByteSink();
    for (const v of samples) {
      sink.reset();
      encodeValue(sink, v, shapes);
      const back = new ByteSource(sink.slice(0).slice(), shapes).value();
      if (typeof v === 'number' && Number.isNaN(v)) t.ok(Number.isNaN(back as number));
      else t.same(back, v, `${shapes ? 'shaped' : 'plain'}: ${String(v)}`);
      if (Object.is(v, -0)) t.ok(Object.is(back, -0), '-0 stays -0 as a value');
    }
  }
  t.throws(() => encodeValue(new ByteSink(), () => 1), /keyed state cannot hold a function/);
  t.throws(() => new ByteSource(new Uint8Array([4, 0, 0])).value(), /truncated/);
  t.throws(() => new ByteSource(new Uint8Array([99])).value(), /unknown tag 99/);
  t.throws(() => new ByteSource(new Uint8Array([14, 7, 0, 0, 0]), new Shapes()).value(), /unknown object shape 7/);
});

t.test('store keys: state number + key, -0 and 0 are one key, 1 and 1n are two', async (t) => {
  const enc = (state: number, key: unknown): string => {
    const s = new ByteSink();
    encodeKey(s, state, key);
    return Buffer.from(s.slice(0)).toString('hex');
  };
  t.equal(enc(3, -0), enc(3, 0));
  t.not(enc(3, 1), enc(3, 1n));
  t.not(enc(3, 'a'), enc(4, 'a'));
  const s = new ByteSink();
  encodeKey(s, 300, 'card-1');
  t.same(decodeKey(s.slice(0)), { state: 300, key: 'card-1' });
});

function at(st: KeyedState, key: unknown): KeyedState {
  st.currentKey = key;
  return st;
}

t.test('state lives in the native store: a snapshot restores it into a fresh operator', async (t) => {
  const a = new KeyedState('op#1');
  const sum = a.aggregating<number, { n: number; total: number }, number>('sum', {
    create: () => ({ n: 0, total: 0 }),
    add: (acc, v) => ({ n: acc.n + 1, total: acc.total + v }),
    result: (acc) => acc.total / acc.n,
  });
  at(a, 'x');
  a.value<{ at: Date; tags: string[] }>('last').update({ at: new Date(5), tags: ['a'] });
  a.list<number>('seen').add(1);
  a.list<number>('seen').add(2);
  a.map<number, { n: number }>('byTs').put(10, { n: 1 });
  sum.add(4);
  sum.add(8);
  at(a, 2n);
  a.value<string>('last').update('bigint key');
  at(a, 'x');
  // mutating what was read is kept: touched entries are written back whole
  a.map<number, { n: number }>('byTs').get(10)!.n += 41;
  a.list<number>('seen').get(); // read-only touch writes the same value back
  a.commit();
  t.equal(a.size(), 5, 'entries in the store: last(x), seen, byTs, sum, last(2n)');

  const b = new KeyedState('op#1');
  b.restore(structuredClone(a.snapshot()));
  at(b, 'x');
  t.same(b.value('last').value(), { at: new Date(5), tags: ['a'] });
  t.same(b.list('seen').get(), [1, 2]);
  t.same([...b.map<number, { n: number }>('byTs').entries()], [[10, { n: 42 }]]);
  t.equal(b.aggregating('sum', { create: () => ({ n: 0, total: 0 }), add: (x) => x, result: (acc: { n: number; total: number }) => acc.total / acc.n }).get(), 6);
  at(b, 2n);
  t.equal(b.value('last').value(), 'bigint key');
  at(b, 2);
  t.equal(b.value('last').value(), undefined, 'the number 2 is not the key 2n');
  t.same(
    b.dump().map((e) => e.state).sort(),
    ['byTs', 'last', 'last', 'seen', 'sum'],
    'dump lists user state only (not the saved object shapes)',
  );
  a.close();
  b.close();
});

t.test('clear, remove and empty updates delete entries from the store', async (t) => {
  const s = new KeyedState('op#2');
  at(s, 'k');
  s.value<number>('v').update(1);
  s.list<number>('l').add(1);
  s.map<string, number>('m').put('a', 1);
  s.commit();
  t.equal(s.size(), 3);
  s.value<number>('v').update(undefined as unknown as number);
  s.list<number>('l').update([]);
  s.map<string, number>('m').remove('a');
  t.equal(s.size(), 0, 'every entry gone once committed');
  t.equal(s.value('v').value(), undefined);
  t.same(s.list('l').get(), []);
  t.equal(s.map('m').has('a'), false);
  s.close();
});

t.test('a value read after the cache was dropped comes from the store', async (t) => {
  const s = new KeyedState('op#3');
  // more distinct keys than the decoded cache keeps: it starts over, later reads hit the store
  for (let k = 0; k < 140_000; k++) {
    at(s, k);
    s.value<{ k: number }>('v').update({ k });
  }
  s.commit();
  t.equal(s.size(), 140_000);
  let wrong = 0;
  for (let k = 0; k < 140_000; k += 997) {
    at(s, k);
    if (s.value<{ k: number }>('v').value()?.k !== k) wrong++;
  }
  t.equal(wrong, 0);
  // a store this large snapshots as its native file image; it restores like a scanned one
  const snap = s.snapshot();
  t.ok('file' in snap, 'large state: the native image');
  const r = new KeyedState('op#3');
  r.restore(structuredClone(snap));
  t.equal(r.size(), 140_000);
  for (const k of [0, 69_999, 139_999]) {
    at(r, k);
    t.same(r.value<{ k: number }>('v').value(), { k }, `key ${k} after the restore`);
  }
  at(r, 140_000);
  t.equal(r.value('v').value(), undefined);
  s.close();
  r.close();
});

t.test('misuse is named', async (t) => {
  const s = new KeyedState('Detector#4');
  s.value('x');
  t.throws(() => s.list('x'), { code: 'INVALID_ARGUMENT', message: /operator "Detector#4": state "x" is value state, requested as list state/ });
  t.throws(() => s.restore({ nope: true }), { code: 'INVALID_ARGUMENT', message: /not a keyed-state snapshot/ });
  s.close();
  t.throws(() => s.commit() ?? s.size(), { code: 'CLOSED' }, 'a closed store says so');
});
