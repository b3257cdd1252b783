// The nexmark connector: the seeded generator's events, split over the three sources that share
// it, so the sources hold exactly what one generator run yields and joins line up.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Database } from '../../lib/index.js';
import { NexmarkGenerator, DEFAULT_CONFIG } from '../../lib/nexmark/generator.js';

const SCHEMA = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'nexmark', 'schema.sql'), 'utf8');

/** schema.sql with a WITH clause on every source */
function withConnector(options: string): string {
  return SCHEMA.replace(/(CREATE SOURCE (\w+) \([\s\S]*?\n\))/g, (_m, create: string, table: string) => `${create} WITH (connector = 'nexmark', nexmark.table = '${table}', ${options})`);
}

async function allFinished(db: Database, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (db.connectors().some((c) => c.state === 'running' || c.state === 'paused')) {
    if (Date.now() > until) throw new Error(`connectors still running: ${JSON.stringify(db.connectors())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('three sources with one seed share a generator: exactly its events, split 1 : 3 : 46', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(withConnector('events = 5000, seed = 9, batch_size = 700'));
  const status = db.connectors();
  t.equal(new Set(status.map((s) => s.group)).size, 1, 'one shared generator');
  await allFinished(db);
  t.same(
    db.connectors().map((s) => [s.source, s.state, s.rows, s.position]),
    [
      ['person', 'finished', 100, 5000],
      ['auction', 'finished', 300, 5000],
      ['bid', 'finished', 4600, 5000],
    ],
  );
  // the same events the generator yields directly
  const direct = new NexmarkGenerator({ seed: 9 }).generate(0, 5000);
  const bids = await db.query<{ price: number; bidder: number; date_time: Date }>('SELECT price, bidder, date_time FROM bid');
  t.same(bids.map((b) => b.price), Array.from(direct.bid.price));
  t.same(bids.map((b) => b.bidder), Array.from(direct.bid.bidder));
  t.same(bids.at(-1)!.date_time, new Date(direct.bid.date_time[direct.bids - 1]!));
  const persons = await db.query<{ id: number; name: string }>('SELECT id, name FROM person');
  t.same(persons.map((p) => p.name), direct.person.name);
  // joins line up: every auction's seller is a person of the same stream (ids lead by at most a few)
  const sellers = new Set(Array.from(direct.person.id));
  let expectedJoin = 0;
  for (const s of direct.auction.seller) if (sellers.has(s)) expectedJoin++;
  t.ok(expectedJoin > 200, `most auctions find their seller (${expectedJoin} of 300)`);
  t.same(await db.query('SELECT count(*) AS n FROM auction AS a JOIN person AS p ON a.seller = p.id'), [{ n: expectedJoin }]);
});

t.test('different generator options are different generators; the same seed reproduces', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const cols = `auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, date_time TIMESTAMP, extra VARCHAR`;
  await db.execute(`CREATE SOURCE b1 (${cols}) WITH (connector = 'nexmark', nexmark.table = 'bid', events = 1000, seed = 1);
    CREATE SOURCE b2 (${cols}) WITH (connector = 'nexmark', nexmark.table = 'bid', events = 1000, seed = 2);
    CREATE SOURCE b3 (${cols}) WITH (connector = 'nexmark', nexmark.table.type = 'Bid', nexmark.event.num = 1000, seed = 1)`);
  const groups = db.connectors().map((c) => c.group);
  t.not(groups[0], groups[1]);
  t.equal(groups[0], groups[2], "RisingWave's option names mean the same generator");
  await allFinished(db);
  const prices = async (s: string) => (await db.query<{ price: number }>(`SELECT price FROM ${s}`)).map((r) => r.price);
  const [p1, p2, p3] = [await prices('b1'), await prices('b2'), await prices('b3')];
  t.equal(p1.length, 920);
  t.same(p3, p1, 'one generator feeds both sources naming it');
  t.notSame(p2, p1);
});

t.test('event time: the generator base time advancing at event_time_rate; events_per_second limits the wall-clock rate', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const start = performance.now();
  await db.execute(withConnector("events = 1000, events_per_second = 2500, event_time_rate = 100, base_time = '2025-06-01 00:00:00'"));
  await allFinished(db);
  const seconds = (performance.now() - start) / 1000;
  t.ok(seconds >= 0.3 && seconds < 3, `1000 events at 2500/s took ${seconds.toFixed(2)} s (≈ 0.4)`);
  const [r] = await db.query<{ lo: Date; hi: Date }>('SELECT min(date_time) AS lo, max(date_time) AS hi FROM bid');
  t.ok(r!.lo.getTime() >= Date.UTC(2025, 5, 1) && r!.lo.getTime() < Date.UTC(2025, 5, 1) + 1000);
  t.equal(r!.hi.getTime(), Date.UTC(2025, 5, 1) + Math.floor((999 * 1000) / 100), 'event 999 at 100 events per second of event time');
  t.equal(DEFAULT_CONFIG.seed, 42);
});

t.test('a bounded nexmark stream closes its EOWC windows at the end', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(withConnector('events = 20000, event_time_rate = 5000'));
  await db.execute(`CREATE MATERIALIZED VIEW per_second AS SELECT window_start, count(*) AS bids FROM TUMBLE(bid, date_time, INTERVAL '1' SECOND)
    GROUP BY window_start, window_end EMIT ON WINDOW CLOSE`);
  await allFinished(db);
  // 20,000 events at 5,000 per second of event time: 4 one-second windows, all closed
  t.same(await db.query('SELECT count(*) AS windows, sum(bids) AS bids FROM per_second'), [{ windows: 4, bids: 18400 }]);
});
