// Keyed state in the native state store: what user code writes comes back exactly (through the
// store, not only the JS cache), a snapshot restores into a fresh store with the object shapes it
// needs, keys compare by value, and misuse is reported by name.
import t from 'tap';
import { serializeState, deserializeState } from '../../lib/storage/checkpoint-codec.js';
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
  new Map<unknown, unknown>([
    ['outer', new Map<unknown, unknown>([[2, { n: 2 }], [-0, new Map()]])],
    [3, { n: 3 }], // an entry after a nested Map: the encoder's context came back
  ]),
  new Set([1, 'two', 3n]),
  new Uint8Array([1, 2, 3]), // not a plain shape: structured clone fallback
  // fields of every kind through the compiled per-shape writer (numbers and undefined inline)
  { start: 1.7e12, acc: { n: 3, top: -Infinity, z: -0 }, next: undefined, s: 'x', d: null },
  { start: 1.7e12, acc: { n: 4, top: 9, z: 0 }, next: { start: 2, acc: undefined, next: undefined }, s: 'y', d: null },
  { 'we"ird': 1, "it's": '\u2028', 2: 'int-like names come first', '': [] },
  Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i % 3 === 0 ? undefined : i])), // past the compiled width
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
  t.ok(snap.ints !== undefined && 'file' in snap.ints, 'large state (integer keys): the native image');
  t.ok('keys' in snap, 'the small byte-keyed part (only the object shapes) is scanned');
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

t.test('integer keys live in the u64-keyed store; every other key in the byte-keyed one', async (t) => {
  const s = new KeyedState('op#5');
  // the u64 store holds integers in [0, 2^48); the rest (negative, fractional, 2^48, bigint,
  // strings) stay byte-keyed; both must round-trip through commit, cache loss, snapshot, restore
  const keys: unknown[] = [0, 1, 7, 2 ** 32 - 1, 2 ** 32, 2 ** 48 - 1, 2 ** 48, -1, 1.5, 2 ** 53, 3n, '3', Number.MAX_SAFE_INTEGER];
  keys.forEach((k, i) => {
    at(s, k);
    s.value<number>('v').update(i);
    s.map<string, number>('m').put('i', i);
  });
  at(s, -0);
  t.equal(s.value<number>('v').value(), 0, '-0 addresses the key 0');
  s.commit();
  t.equal(s.size(), keys.length * 2);
  const dumped = s.dump().filter((e) => e.state === 'v');
  t.same(
    new Map(dumped.map((e) => [e.key, e.value])),
    new Map(keys.map((k, i) => [k, i])),
    'dump decodes both stores: each key once, with its own value',
  );
  const snap = s.snapshot();
  t.ok(snap.ints !== undefined && 'keys' in snap.ints, 'a small state has a scanned integer part');
  t.equal((snap.ints as { keys: BigUint64Array }).keys.length, 12, 'six integer keys in [0, 2^48) × two states');
  t.equal(
    (snap.ints as { keys: BigUint64Array }).keys[11],
    (1n << 48n) | (2n ** 48n - 1n),
    'the state number sits above the 48 key bits',
  );
  const r = new KeyedState('op#5');
  r.restore(structuredClone(snap));
  keys.forEach((k, i) => {
    at(r, k);
    t.equal(r.value<number>('v').value(), i, `value of key ${String(k)} after the restore`);
    t.equal(r.map<string, number>('m').get('i'), i, `map of key ${String(k)} after the restore`);
  });
  // deletes reach the u64 store
  at(r, 2 ** 32);
  r.value('v').clear();
  at(r, 2 ** 48);
  r.value('v').clear();
  t.equal(r.size(), keys.length * 2 - 2, 'a cleared integer key and a cleared byte key are gone');
  const again = new KeyedState('op#5');
  again.restore(structuredClone(r.snapshot()));
  at(again, 2 ** 32);
  t.equal(again.value('v').value(), undefined, 'a deleted integer key stays deleted through a snapshot');
  at(again, 2 ** 32 - 1);
  t.equal(again.value('v').value(), 3);
  s.close();
  r.close();
  again.close();
});

t.test('both stores survive the checkpoint codec (what durable checkpoints write)', async (t) => {
  const s = new KeyedState('op#8');
  for (const k of [1, 2 ** 40, 'card-1', -3]) {
    at(s, k);
    s.value<{ k: unknown }>('v').update({ k });
  }
  const r = new KeyedState('op#8');
  r.restore(deserializeState(serializeState(s.snapshot())));
  for (const k of [1, 2 ** 40, 'card-1', -3]) {
    at(r, k);
    t.same(r.value('v').value(), { k }, `key ${String(k)}`);
  }
  t.equal(r.size(), 4);
  s.close();
  r.close();
});

t.test('a snapshot from before the integer-keyed store restores (its integer keys move over)', async (t) => {
  const s = new KeyedState('op#6');
  for (const k of [5, 'five', 6]) {
    at(s, k);
    s.value<{ k: unknown }>('v').update({ k });
  }
  const snap = s.snapshot() as { slots: unknown; keys: unknown; values: unknown; ints?: unknown };
  // rebuild the old layout: every entry byte-keyed, no `ints`
  const dumped = s.dump();
  const legacy = new KeyedState('op#6');
  const keys = new ByteSink();
  const values = new ByteSink();
  const keyOffsets = [0];
  const valueOffsets = [0];
  for (const e of dumped) {
    encodeKey(keys, 0, e.key);
    keyOffsets.push(keys.length);
    encodeValue(values, e.value); // no shapes: field names written out
    valueOffsets.push(values.length);
  }
  t.ok(snap.ints !== undefined);
  legacy.restore({
    slots: snap.slots,
    keys: { data: keys.slice(0).slice(), offsets: Uint32Array.from(keyOffsets) },
    values: { data: values.slice(0).slice(), offsets: Uint32Array.from(valueOffsets) },
  });
  t.equal(legacy.size(), 3);
  for (const k of [5, 'five', 6]) {
    at(legacy, k);
    t.same(legacy.value('v').value(), { k }, `legacy key ${String(k)}`);
  }
  const moved = legacy.snapshot();
  t.equal((moved.ints as { keys: BigUint64Array }).keys.length, 2, 'the integer keys moved to the u64 store');
  s.close();
  legacy.close();
});

t.test('a restore into the same instance: handles asked for afterwards address the restored state', async (t) => {
  const s = new KeyedState('op#7');
  at(s, 'k');
  s.value<number>('v').update(1);
  s.map<number, number>('m').put(1, 1);
  const snap = structuredClone(s.snapshot());
  s.value<number>('v').update(2);
  s.map<number, number>('m').put(1, 2);
  s.commit();
  s.restore(snap);
  at(s, 'k');
  t.equal(s.value<number>('v').value(), 1, 'not the value cached before the restore');
  t.equal(s.map<number, number>('m').get(1), 1);
  s.close();
});

t.test('keys whose state was cleared leave the cache: churning keys never overflow it', async (t) => {
  const s = new KeyedState('op#9');
  const internals = s as unknown as { cached: number; cacheComplete: boolean };
  // 200 000 distinct keys (more than the cache keeps), each written in one step and cleared in
  // the next, as windows keyed by a fresh id are
  let wrong = 0;
  for (let step = 0; step < 200; step++) {
    for (let k = step * 1000; k < step * 1000 + 1000; k++) {
      at(s, k);
      s.value<{ n: number }>('v').update({ n: k });
      at(s, `s${k}`);
      s.value<number>('v').update(k);
    }
    s.commit();
    for (let k = step * 1000; k < step * 1000 + 1000; k++) {
      at(s, k);
      if (s.value<{ n: number }>('v').value()?.n !== k) wrong++;
      s.value('v').clear();
      at(s, `s${k}`);
      s.value('v').clear();
    }
    s.commit();
  }
  t.equal(wrong, 0, 'every value read back before its clear');
  t.equal(s.size(), 0);
  t.equal(internals.cached, 0, 'no entry kept for a deleted key');
  t.equal(internals.cacheComplete, true, 'the cache never overflowed, so a miss still needs no store lookup');
  at(s, 5);
  t.equal(s.value('v').value(), undefined);
  s.close();
});

t.test('misuse is named', async (t) => {
  const s = new KeyedState('Detector#4');
  s.value('x');
  t.throws(() => s.list('x'), { code: 'INVALID_ARGUMENT', message: /operator "Detector#4": state "x" is value state, requested as list state/ });
  t.throws(() => s.restore({ nope: true }), { code: 'INVALID_ARGUMENT', message: /not a keyed-state snapshot/ });
  s.close();
  t.throws(() => s.commit() ?? s.size(), { code: 'CLOSED' }, 'a closed store says so');
});
