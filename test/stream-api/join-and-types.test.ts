// Interval joins of keyed streams (against a brute-force oracle), and types flowing through the
// builder (checked by tsc: a wrong use below is a compile error, marked with @ts-expect-error).
import t from 'tap';
import { open, type DataStream, type WindowResult } from '../../lib/index.js';
import { tumble } from '../../lib/stream-api/index.js';

interface Click {
  user: string;
  page: string;
  ts: number;
}
interface Buy {
  user: string;
  amount: number;
  ts: number;
}

async function database() {
  const db = await open();
  await db.execute(`
    CREATE SOURCE click (user VARCHAR, page VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND);
    CREATE SOURCE buy (user VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)`);
  return db;
}

t.test('interval join equals the brute-force pairs; state is evicted by the watermark', async (t) => {
  const db = await database();
  const pairs: string[] = [];
  const p = db
    .stream<Click>('click', { timestamps: 'ms' })
    .keyBy((c) => c.user)
    .intervalJoin(db.stream<Buy>('buy', { timestamps: 'ms' }).keyBy((b) => b.user), {
      lowerMs: 0,
      upperMs: 10_000,
      leftTime: (c) => c.ts,
      rightTime: (b) => b.ts,
      join: (c, b, user) => `${user}:${c.page}@${c.ts}->${b.amount}@${b.ts}`,
    })
    .forEach((e) => pairs.push(...e));
  let s = 7;
  const rnd = (n: number): number => ((s = (s * 48271) % 2147483647), s % n);
  const clicks: Click[] = [];
  const buys: Buy[] = [];
  for (let chunk = 0; chunk < 15; chunk++) {
    const c: Click[] = [];
    const b: Buy[] = [];
    for (let i = chunk * 20; i < chunk * 20 + 20; i++) {
      const ts = i * 500 + rnd(1500); // out of order within the 2-second watermark delay
      if (rnd(3) === 0) b.push({ user: `u${rnd(5)}`, amount: rnd(100), ts });
      else c.push({ user: `u${rnd(5)}`, page: `p${rnd(9)}`, ts });
    }
    db.insert('click', c);
    db.insert('buy', b);
    clicks.push(...c);
    buys.push(...b);
  }
  const want: string[] = [];
  for (const c of clicks) for (const b of buys) if (c.user === b.user && b.ts >= c.ts && b.ts <= c.ts + 10_000) want.push(`${c.user}:${c.page}@${c.ts}->${b.amount}@${b.ts}`);
  t.ok(want.length > 100);
  t.same(pairs.sort(), want.sort());
  db.advanceWatermark('click', 1e13);
  db.advanceWatermark('buy', 1e13);
  t.equal(p.stateSize(), 0, 'everything evicted once the watermark is past');
  t.throws(() => db.stream<Click>('click').keyBy((c) => c.user).intervalJoin(db.stream<Buy>('buy').keyBy((b) => b.user), {
    lowerMs: 5, upperMs: 1, leftTime: (c) => c.ts, rightTime: (b) => b.ts, join: () => 1,
  }), RangeError);
  await db.close();
});

t.test('types flow through every step', async (t) => {
  const db = await database();
  const clicks = db.stream<Click>('click', { timestamps: 'ms' });
  const pages: DataStream<{ page: string; len: number }> = clicks.map((c) => ({ page: c.page, len: c.page.length }));
  // @ts-expect-error: map's result has no `user`
  pages.map((x) => x.user);
  const windows: DataStream<WindowResult<string, number>> = clicks
    .keyBy((c) => c.user)
    .window(tumble(1000), (c) => c.ts)
    .aggregate({ create: () => 0, add: (a: number) => a + 1, result: (a: number) => a });
  // @ts-expect-error: keys are strings here
  windows.map((w): number => w.key);
  const narrowed: DataStream<Click & { page: 'home' }> = clicks.filter((c): c is Click & { page: 'home' } => c.page === 'home');
  // @ts-expect-error: union needs the same element type
  clicks.union(db.stream<Buy>('buy'));
  t.ok(pages && windows && narrowed);
  await db.close();
});
