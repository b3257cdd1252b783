// Subscriptions over a stand-in engine: async iteration, onChange, bounded buffer and its
// overflow policies, backpressure signals, and how closing ends them.
import t from 'tap';
import { ClosedError, LaminarError } from '../../lib/errors.js';
import type { Change } from '../../lib/api/subscription.js';
import { bidRow, fakeDb } from './helpers.js';

type Bid = { auction: number; price: number; channel: string | null; ts: Date };

t.test('iteration yields user-facing changes in order', async (t) => {
  const { db, engine } = fakeDb();
  const sub = db.subscribe<Bid>('bid_changes');
  db.insert('bid', [bidRow(1), bidRow(2)]);
  engine.emit('bid_changes', [
    {
      op: 'update',
      row: [1001, 9, 'Google', 5],
      old: [1001, 1.5, 'Google', 1_700_000_000_001],
    },
    { op: 'delete', row: [1002, 3, null, 7] },
  ]);
  t.equal(sub.pending, 4);
  const seen: Change<Bid>[] = [];
  for await (const c of sub) {
    seen.push(c);
    if (seen.length === 4) break;
  }
  t.equal(seen[0]!.op, 'insert');
  t.same(Object.keys(seen[0]!.row), ['auction', 'price', 'channel', 'ts'], 'keys in column order');
  t.ok(seen[0]!.row.ts instanceof Date && seen[0]!.row.ts.getTime() === 1_700_000_000_001, 'TIMESTAMP → Date');
  t.notOk('old' in seen[0]!, 'inserts carry no old');
  t.same(seen[2], { op: 'update', row: { auction: 1001, price: 9, channel: 'Google', ts: new Date(5) }, old: { auction: 1001, price: 1.5, channel: 'Google', ts: new Date(1_700_000_000_001) } });
  t.same(seen[3], { op: 'delete', row: { auction: 1002, price: 3, channel: null, ts: new Date(7) } });
  t.ok(sub.closed, 'break closed the subscription');
  t.equal(engine.listeners.get('bid_changes')!.size, 0, 'engine subscription released');
});

t.test('a waiting consumer is woken by the next insert', async (t) => {
  const { db } = fakeDb();
  const sub = db.subscribe('bid_changes');
  const it = sub[Symbol.asyncIterator]();
  const next = it.next();
  setImmediate(() => db.insert('bid', bidRow(3)));
  const r = await next;
  t.equal(r.done, false);
  t.equal((r.value as Change).row.auction, 1003);
  sub.close();
  t.same(await it.next(), { done: true, value: undefined }, 'closed → done');
});

t.test('snapshot delivers current contents first', async (t) => {
  const { db } = fakeDb();
  db.insert('bid', [bidRow(1), bidRow(2)]);
  const sub = db.subscribe('bid_changes', { snapshot: true });
  t.equal(sub.pending, 2);
  const none = db.subscribe('bid_changes');
  t.equal(none.pending, 0, 'default: changes only');
  await db.close();
});

t.test("overflow 'error': buffered changes are readable, then the iteration throws", async (t) => {
  const { db, engine } = fakeDb();
  const sub = db.subscribe('bid_changes', { bufferSize: 3 });
  db.insert('bid', [bidRow(1), bidRow(2)]);
  db.insert('bid', [bidRow(3), bidRow(4), bidRow(5)]);
  t.ok(sub.closed, 'overflow ends the subscription');
  t.equal(engine.listeners.get('bid_changes')!.size, 0);
  const got: number[] = [];
  await t.rejects(
    (async () => {
      for await (const c of sub) got.push(c.row.auction as number);
    })(),
    { code: 'SUBSCRIPTION_OVERFLOW', message: /3 changes buffered/ },
  );
  t.same(got, [1001, 1002, 1003], 'everything buffered before the overflow was delivered');
  t.equal(engine.rows.get('bid')!.length, 5, 'the producer was never blocked or failed');
});

t.test('a snapshot larger than the buffer is delivered whole; later changes count against the bound', async (t) => {
  const { db } = fakeDb();
  db.insert('bid', [bidRow(1), bidRow(2), bidRow(3), bidRow(4)]);
  const sub = db.subscribe('bid_changes', { snapshot: true, bufferSize: 2 });
  t.equal(sub.pending, 4);
  t.equal(sub.closed, false);
  db.insert('bid', bidRow(5));
  t.equal(sub.closed, true, 'the buffer was already over its bound');
  const got: number[] = [];
  await t.rejects(
    (async () => {
      for await (const c of sub) got.push(c.row.auction as number);
    })(),
    { code: 'SUBSCRIPTION_OVERFLOW' },
  );
  t.same(got, [1001, 1002, 1003, 1004]);
});

t.test("overflow 'drop-oldest' keeps the most recent changes and counts the rest", async (t) => {
  const { db } = fakeDb({ subscriptionOverflow: 'drop-oldest', subscriptionBufferSize: 2 });
  const sub = db.subscribe('bid_changes');
  db.insert('bid', [bidRow(1), bidRow(2), bidRow(3), bidRow(4), bidRow(5)]);
  t.equal(sub.pending, 2);
  t.equal(sub.dropped, 3);
  const it = sub[Symbol.asyncIterator]();
  t.equal(((await it.next()).value as Change).row.auction, 1004);
  t.equal(((await it.next()).value as Change).row.auction, 1005);
  sub.close();
});

t.test('pending, drained() and db.drain() let a producer wait for consumers', async (t) => {
  const { db } = fakeDb();
  const sub = db.subscribe('bid_changes');
  await sub.drained(); // empty: resolves at once
  db.insert('bid', [bidRow(1), bidRow(2), bidRow(3)]);
  t.equal(sub.pending, 3);
  let drained = false;
  const all = db.drain().then(() => (drained = true));
  const it = sub[Symbol.asyncIterator]();
  await it.next();
  await it.next();
  await new Promise((r) => setImmediate(r));
  t.equal(drained, false, 'not drained while one change is buffered');
  await it.next();
  await all;
  t.equal(drained, true);
  t.equal(sub.pending, 0);
  sub.close();
});

t.test('onChange receives each change synchronously; iteration is refused', async (t) => {
  const { db } = fakeDb();
  const got: unknown[] = [];
  const sub = db.subscribe('bid_changes', { onChange: (c) => got.push(c.row.auction) });
  db.insert('bid', [bidRow(1), bidRow(2)]);
  t.same(got, [1001, 1002], 'delivered before insert returned');
  t.equal(sub.pending, 0);
  t.throws(() => sub[Symbol.asyncIterator](), { code: 'INVALID_ARGUMENT' });
  sub.close();
  db.insert('bid', bidRow(3));
  t.same(got, [1001, 1002], 'nothing after close');
});

t.test('an onChange that throws closes the subscription and reports to onError', async (t) => {
  const { db } = fakeDb();
  const errors: unknown[] = [];
  let calls = 0;
  const sub = db.subscribe('bid_changes', {
    onChange: () => {
      calls++;
      throw new Error('consumer bug');
    },
    onError: (e) => errors.push(e),
  });
  t.doesNotThrow(() => db.insert('bid', [bidRow(1), bidRow(2)]), 'the insert itself succeeds');
  t.equal(calls, 1);
  t.ok(sub.closed);
  t.match(errors, [{ message: 'consumer bug' }]);
});

t.test('db.close() ends subscriptions after their buffered changes', async (t) => {
  const { db } = fakeDb();
  const sub = db.subscribe('bid_changes');
  const idle = db.subscribe('bid_changes');
  const idleNext = idle[Symbol.asyncIterator]().next();
  db.insert('bid', [bidRow(1), bidRow(2)]);
  const idleFirst = await idleNext;
  t.equal(idleFirst.done, false);
  await db.close();
  const got: unknown[] = [];
  for await (const c of sub) got.push(c.row.auction);
  t.same(got, [1001, 1002]);
  t.ok(sub.closed);
  t.throws(() => db.subscribe('bid_changes'), ClosedError);
});

t.test('pending iterator waits resolve as done when the subscription closes', async (t) => {
  const { db } = fakeDb();
  const sub = db.subscribe('bid_changes');
  const it = sub[Symbol.asyncIterator]();
  const waiting = it.next();
  await db.close();
  t.same(await waiting, { done: true, value: undefined });
});

t.test('invalid subscribe arguments', async (t) => {
  const { db } = fakeDb();
  t.throws(() => db.subscribe('nope'), { code: 'UNKNOWN_OBJECT' });
  t.throws(() => db.subscribe('bid_changes', { bufferSize: 0 }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => db.subscribe('bid_changes', { overflow: 'block' as 'error' }), LaminarError);
  t.throws(() => db.subscribe('bid_changes', { onChange: 5 as unknown as () => void }), { code: 'INVALID_ARGUMENT' });
});
