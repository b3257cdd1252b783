// Operator API basics: typed transformations over SQL relations, keyed state, windows, side
// outputs, union, views as inputs, the stream → SQL → stream round trip, containment.
import t from 'tap';
import { open } from '../../lib/index.js';
import { OutputTag, tumble, hop, session, type ProcessFunction } from '../../lib/stream-api/index.js';

interface Bid {
  auction: number;
  bidder: string;
  price: number;
  ts: Date;
}

async function bids() {
  const db = await open();
  await db.execute(`CREATE SOURCE bid (auction INT, bidder VARCHAR, price DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  return db;
}

t.test('map / filter / flatMap see decoded rows, in order, per step', async (t) => {
  const db = await bids();
  const got: string[][] = [];
  const p = db
    .stream<Bid>('bid')
    .filter((b) => b.price >= 10)
    .map((b) => ({ who: b.bidder, cents: Math.round(b.price * 100) }))
    .flatMap((x) => (x.cents > 5000 ? [x.who, x.who] : [x.who]))
    .forEach((events) => got.push(events));
  db.insert('bid', [
    { auction: 1, bidder: 'a', price: 5, ts: 1000 },
    { auction: 1, bidder: 'b', price: 20, ts: 2000 },
    { auction: 2, bidder: 'c', price: 60, ts: 3000 },
  ]);
  db.insert('bid', { auction: 2, bidder: 'd', price: null, ts: 4000 });
  t.same(got, [['b', 'c', 'c']], 'one delivery per step; NULL price filtered (null >= 10 is false)');
  t.equal(p.failed, false);
  p.stop();
  db.insert('bid', { auction: 2, bidder: 'e', price: 99, ts: 5000 });
  t.equal(got.length, 1, 'a stopped pipeline receives nothing');
  await db.close();
});

t.test('existing rows back-fill a new pipeline; views are inputs', async (t) => {
  const db = await bids();
  db.insert('bid', [
    { auction: 1, bidder: 'a', price: 5, ts: 1000 },
    { auction: 2, bidder: 'b', price: 50, ts: 1000 },
  ]);
  await db.execute(`CREATE VIEW pricey AS SELECT bidder, price * 2 AS doubled FROM bid WHERE price > 10`);
  const seen: { bidder: string; doubled: number }[] = [];
  db.stream<{ bidder: string; doubled: number }>('pricey').forEach((e) => seen.push(...e));
  t.same(seen, [{ bidder: 'b', doubled: 100 }], 'the view back-filled');
  db.insert('bid', { auction: 3, bidder: 'c', price: 11, ts: 2000 });
  t.same(seen.at(-1), { bidder: 'c', doubled: 22 });
  t.throws(() => db.stream('nope'), { code: 'UNKNOWN_OBJECT' });
  await db.close();
});

t.test('keyed process with value/list/map/aggregating state and an event-time timer', async (t) => {
  const db = await bids();
  class Stats implements ProcessFunction<number, Bid, string> {
    process(b: Bid, ctx: Parameters<ProcessFunction<number, Bid, string>['process']>[1]): void {
      const count = ctx.state.value<number>('count');
      count.update((count.value() ?? 0) + 1);
      ctx.state.list<string>('bidders').add(b.bidder);
      const per = ctx.state.map<string, number>('per');
      per.put(b.bidder, (per.get(b.bidder) ?? 0) + 1);
      ctx.state.aggregating('max', { create: () => -Infinity, add: (a: number, v: Bid) => Math.max(a, v.price), result: (a: number) => a }).add(b);
      ctx.timers.registerEventTimeTimer(10_000);
    }
    onTimer(timer: { time: number }, ctx: Parameters<ProcessFunction<number, Bid, string>['process']>[1]): void {
      const per = [...ctx.state.map<string, number>('per').entries()].map(([k, v]) => `${k}${v}`).join(',');
      const max = ctx.state.aggregating('max', { create: () => -Infinity, add: (a: number, v: Bid) => Math.max(a, v.price), result: (a: number) => a }).get();
      ctx.emit(`${ctx.key}@${timer.time}: n=${ctx.state.value<number>('count').value()} ${ctx.state.list<string>('bidders').get().join('')} ${per} max=${max}`);
    }
  }
  const out: string[] = [];
  const p = db
    .stream<Bid>('bid')
    .keyBy((b) => b.auction)
    .process(new Stats())
    .forEach((e) => out.push(...e));
  db.insert('bid', [
    { auction: 1, bidder: 'a', price: 5, ts: 1000 },
    { auction: 2, bidder: 'b', price: 7, ts: 2000 },
    { auction: 1, bidder: 'a', price: 9, ts: 3000 },
    { auction: 1, bidder: 'c', price: 1, ts: 4000 },
  ]);
  t.same(out, [], 'nothing before the watermark reaches the timer');
  t.ok(p.stateSize() > 0);
  db.insert('bid', { auction: 3, bidder: 'z', price: 1, ts: 10_000 });
  t.same(out.sort(), ['1@10000: n=3 aac a2,c1 max=9', '2@10000: n=1 b b1 max=7', '3@10000: n=1 z z1 max=1']);
  await db.close();
});

t.test('tumble / hop / session windows with aggregate and reduce; late events to a side output', async (t) => {
  const db = await bids();
  const late = new OutputTag<Bid>('late');
  const sums = db
    .stream<Bid>('bid')
    .keyBy((b) => b.auction)
    .window(tumble(10_000), (b) => b.ts, { lateTag: late })
    .aggregate({ create: () => 0, add: (a: number, b: Bid) => a + b.price, result: (a: number) => a });
  const tumbled: string[] = [];
  sums.forEach((e) => tumbled.push(...e.map((w) => `${w.key}[${w.windowStart},${w.windowEnd})=${w.value}`)));
  const lateSeen: number[] = [];
  sums.sideOutput(late).forEach((e) => lateSeen.push(...e.map((b) => b.price)));
  const hopped: string[] = [];
  db.stream<Bid>('bid')
    .keyBy(() => 'all')
    .window(hop(5_000, 10_000), (b) => b.ts)
    .reduce((a, b) => (a.price >= b.price ? a : b))
    .forEach((e) => hopped.push(...e.map((w) => `[${w.windowStart},${w.windowEnd})=${w.value.price}`)));
  const sessions: string[] = [];
  db.stream<Bid>('bid')
    .keyBy((b) => b.bidder)
    .window(session(3_000), (b) => b.ts)
    .aggregate({ create: () => 0, add: (a: number) => a + 1, result: (a: number) => a, merge: (a: number, b: number) => a + b })
    .forEach((e) => sessions.push(...e.map((w) => `${w.key}[${w.windowStart},${w.windowEnd})=${w.value}`)));

  db.insert('bid', [
    { auction: 1, bidder: 'a', price: 1, ts: 1_000 },
    { auction: 1, bidder: 'a', price: 2, ts: 4_000 },
    { auction: 2, bidder: 'b', price: 4, ts: 9_999 },
    { auction: 1, bidder: 'a', price: 8, ts: 12_000 },
  ]);
  t.same(tumbled.sort(), ['1[0,10000)=3', '2[0,10000)=4']);
  db.insert('bid', { auction: 1, bidder: 'a', price: 16, ts: 5_000 }); // late for [0,10000)
  t.same(lateSeen, [16]);
  db.insert('bid', { auction: 9, bidder: 'q', price: 32, ts: 30_000 });
  t.same(tumbled.sort(), ['1[0,10000)=3', '1[10000,20000)=8', '2[0,10000)=4']);
  // hop windows containing each ts: [-5000,5000) [0,10000) [5000,15000) [10000,20000) …; the
  // late 16 at ts 5000 still counts for [5000,15000) which was open.
  t.same(hopped, ['[-5000,5000)=2', '[0,10000)=4', '[5000,15000)=16', '[10000,20000)=8']);
  // a: 1000 → [1000,4000) touches 4000 → [1000,7000), closed by the watermark 12000 of the first
  // call, so the ts 5000 event of the second call is late for it; 12000 is alone
  t.same(sessions.sort(), ['a[1000,7000)=2', 'a[12000,15000)=1', 'b[9999,12999)=1']);
  await db.close();
});

t.test('union merges streams; watermark is the minimum of the inputs', async (t) => {
  const db = await bids();
  await db.execute(`CREATE SOURCE ask (auction INT, bidder VARCHAR, price DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts)`);
  const fired: number[] = [];
  db.stream<Bid>('bid')
    .union(db.stream<Bid>('ask'))
    .process<number>({
      process(_e, ctx) {
        ctx.timers.registerEventTimeTimer(5_000);
      },
      onTimer(timer, ctx) {
        ctx.emit(timer.time);
      },
    })
    .forEach((e) => fired.push(...e));
  db.insert('bid', { auction: 1, bidder: 'a', price: 1, ts: 9_000 });
  t.same(fired, [], 'ask has no watermark yet');
  db.insert('ask', { auction: 1, bidder: 'a', price: 1, ts: 6_000 });
  t.same(fired, [5_000]);
  await db.close();
});

t.test('stream → SQL → stream round trip', async (t) => {
  const db = await bids();
  db.stream<Bid>('bid')
    .filter((b) => b.price > 100)
    .map((b) => ({ bidder: b.bidder.toUpperCase(), price: b.price, ts: b.ts }))
    .to('big_bids', 'bidder VARCHAR, price DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts');
  await db.execute(`CREATE MATERIALIZED VIEW big_totals AS SELECT bidder, count(*) AS n, sum(price) AS total FROM big_bids GROUP BY bidder`);
  const back: string[] = [];
  db.stream<{ bidder: string; n: number; total: number }>('big_totals').forEach((e) => back.push(...e.map((r) => `${r.bidder}:${r.n}:${r.total}`)));
  db.insert('bid', [
    { auction: 1, bidder: 'ann', price: 150, ts: 1000 },
    { auction: 1, bidder: 'bob', price: 50, ts: 1000 },
    { auction: 1, bidder: 'ann', price: 250, ts: 2000 },
  ]);
  await db.flush();
  t.same(await db.query('SELECT bidder, n, total FROM big_totals'), [{ bidder: 'ANN', n: 2, total: 400 }]);
  t.same(back, ['ANN:2:400'], 'one insert call → one step of big_bids → one consolidated row');
  t.throws(() => db.stream('bid').to('big_bids', 'x INT'), { code: 'DUPLICATE_OBJECT' });
  await db.close();
});

t.test('a throwing user operator fails its pipeline only, naming operator and event; state survives', async (t) => {
  const db = await bids();
  const errors: Error[] = [];
  const counts: number[] = [];
  class Fragile implements ProcessFunction<string, Bid, number> {
    process(b: Bid, ctx: Parameters<ProcessFunction<string, Bid, number>['process']>[1]): void {
      if (b.price < 0) throw new Error('negative price');
      const n = ctx.state.value<number>('n');
      n.update((n.value() ?? 0) + 1);
      ctx.emit(n.value()!);
    }
  }
  const bad = db
    .stream<Bid>('bid')
    .keyBy((b) => b.bidder)
    .process(new Fragile())
    .forEach((e) => counts.push(...e), { onError: (e) => errors.push(e) });
  const healthy: string[] = [];
  const good = db.stream<Bid>('bid').map((b) => b.bidder).forEach((e) => healthy.push(...e));
  await db.execute('CREATE MATERIALIZED VIEW n AS SELECT count(*) AS n FROM bid');
  db.insert('bid', [
    { auction: 1, bidder: 'a', price: 1, ts: 1 },
    { auction: 1, bidder: 'a', price: -1, ts: 2 },
    { auction: 1, bidder: 'a', price: 3, ts: 3 },
  ]);
  db.insert('bid', { auction: 1, bidder: 'b', price: 1, ts: 4 });
  t.equal(errors.length, 1);
  t.equal(bad.failed, true);
  t.equal(bad.error?.code, 'USER_OPERATOR_FAILED');
  t.match(bad.error?.message, /operator "Fragile#\d+" failed in process on event \{"auction":1,"bidder":"a","price":-1,/);
  t.match(bad.error?.message, /negative price/);
  t.same(counts, [1], 'output before the failure was delivered, nothing after');
  t.same(healthy, ['a', 'a', 'a', 'b'], 'the other pipeline kept running');
  t.same(await db.query('SELECT n FROM n'), [{ n: 4 }], 'SQL views kept running');
  t.match(bad.inspectState(), [{ stage: /^Fragile#\d+$/, state: 'n', key: 'a', value: 1 }], 'the state before the failure is intact');
  t.equal(bad.inspectState().length, 1);
  // and it is what a snapshot carries: a pipeline restored from it continues from a=1
  const again: number[] = [];
  const db2 = await bids();
  const resumed = db2.stream<Bid>('bid').keyBy((b) => b.bidder).process(new Fragile()).forEach((e) => again.push(...e), { restore: bad.snapshot() });
  db2.insert('bid', [
    { auction: 1, bidder: 'a', price: 5, ts: 5 },
    { auction: 1, bidder: 'c', price: 5, ts: 5 },
  ]);
  t.same(again, [2, 1], 'a continues from its count before the failure');
  t.equal(resumed.failed, false);
  await db2.close();
  t.equal(good.failed, false);
  await db.close();
});
