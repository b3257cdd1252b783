// The Nexmark floors and RxJS pipelines must do the same observable work as the engine's views:
// their kept results must equal the view's contents on the same data, and a floor's changes,
// replayed, must rebuild exactly what it kept. So neither can silently do less work.
import t, { type Test } from 'tap';
import { Engine } from '../../lib/engine/engine.js';
import { Decimal } from '../../lib/types/decimal.js';
import { NexmarkGenerator, insertNexmarkBatch, type EventBatch } from '../../lib/nexmark/generator.js';
import { querySql, schemaSql } from '../../bench/nexmark/run.js';
import { floors, type FloorChanges, type FloorValue } from '../../bench/nexmark/floor.js';
import * as rx from '../../bench/nexmark/rxjs.js';
import { rowChanges } from '../../bench/nexmark/floor-columns.js';

const T0 = Date.UTC(2024, 0, 1); // aligned to 10 s windows

function batchesOf(events: number, batchSize: number, eventsPerSecond?: number): EventBatch[] {
  const gen = new NexmarkGenerator(eventsPerSecond === undefined ? {} : { eventsPerSecond });
  const out: EventBatch[] = [];
  for (let done = 0; done < events; done += batchSize) out.push(gen.next(Math.min(batchSize, events - done)));
  return out;
}

/** A batch of bids only: rows of (auction, bidder, price, date_time). */
function bidBatch(rows: [number, number, number, number][]): EventBatch {
  const f = (k: number) => Float64Array.from(rows, (r) => r[k]);
  const s = (v: string) => rows.map(() => v);
  const none = new Float64Array(0);
  return {
    firstEventId: 0,
    events: rows.length,
    persons: 0,
    auctions: 0,
    bids: rows.length,
    person: { id: none, name: [], email_address: [], credit_card: [], city: [], state: [], date_time: none, extra: [] },
    auction: { id: none, item_name: [], description: [], initial_bid: none, reserve: none, date_time: none, expires: none, seller: none, category: none, extra: [] },
    bid: { auction: f(0), bidder: f(1), price: f(2), channel: s('Google'), url: s('https://x'), date_time: f(3), extra: s('') },
    maxTimestamp: Math.max(...rows.map((r) => r[3])),
  };
}

/** Rows in a canonical order, DECIMALs as their unscaled integer at scale 3 (the floors' form). */
function canonical(rows: readonly unknown[][]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(
        r.map((v) => {
          if (v instanceof Decimal) {
            if (v.scale !== 3) throw new Error(`expected scale 3, got ${v.scale}`);
            return Number(v.unscaled);
          }
          return v;
        }),
      ),
    )
    .sort();
}

function engineContents(query: string, batches: EventBatch[]): { rows: string[]; changes: number } {
  const engine = new Engine();
  try {
    engine.execute(schemaSql());
    engine.execute(`CREATE MATERIALIZED VIEW ${query} AS ${querySql(query).replace(/;\s*$/, '')}`);
    let changes = 0;
    engine.subscribe(query, (c) => {
      changes += c.length;
    });
    for (const b of batches) insertNexmarkBatch(engine, b);
    engine.flush();
    return { rows: canonical(engine.query(`SELECT * FROM ${query}`).rows), changes };
  } finally {
    engine.close();
  }
}

/** Runs a floor, replaying the changes it hands its subscriber into a multiset of rows. */
function runFloor(query: string, batches: EventBatch[]): { kept: string[]; replayed: string[]; changes: number; deletes: number } {
  const replay = new Map<string, number>();
  let deletes = 0;
  const onChanges = (c: FloorChanges) => {
    for (let i = 0; i < c.length; i++) {
      const row: FloorValue[] = c.columns.map((col) => col[c.start + i]!);
      const key = JSON.stringify(row);
      const sign = c.signs ? c.signs[i] : 1;
      if (sign < 0) deletes++;
      const n = (replay.get(key) ?? 0) + sign;
      if (n < 0) throw new Error(`${query}: a delete of ${key}, which is not in the result`);
      if (n === 0) replay.delete(key);
      else replay.set(key, n);
    }
  };
  const f = floors[query]!(onChanges);
  let changes = 0;
  for (const b of batches) changes += f.push(b);
  changes += f.finish();
  const replayed: string[] = [];
  for (const [key, n] of replay) for (let i = 0; i < n; i++) replayed.push(key);
  return { kept: canonical(f.contents()), replayed: replayed.sort(), changes, deletes };
}

function checkFloor(t: Test, query: string, batches: EventBatch[], label: string): void {
  const engine = engineContents(query, batches);
  const floor = runFloor(query, batches);
  t.ok(engine.rows.length > 0, `${label} ${query}: the view has rows (${engine.rows.length})`);
  t.same(floor.kept, engine.rows, `${label} ${query}: the floor keeps exactly the view's contents`);
  t.same(floor.replayed, floor.kept, `${label} ${query}: the floor's changes rebuild what it kept`);
  t.ok(floor.changes >= floor.kept.length, `${label} ${query}: a change for every kept row`);
}

t.test('each floor keeps exactly the engine view contents (generator data, one window)', async (t) => {
  const batches = batchesOf(6000, 512);
  for (const q of ['q0', 'q1', 'q2', 'q5', 'q7']) checkFloor(t, q, batches, '10 M events/s:');
});

t.test('each windowed floor matches across many windows, closed and open', async (t) => {
  // 300 events per second of event time: 9000 events span 30 s, i.e. 3 tumbling and 15 hop windows
  const batches = batchesOf(9000, 700, 300);
  for (const q of ['q5', 'q7']) checkFloor(t, q, batches, '300 events/s:');
  const q7 = runFloor('q7', batches);
  t.ok(q7.deletes > 0, 'q7: a rising max deleted rows');
  const q5 = runFloor('q5', batches);
  t.ok(q5.deletes > 0, 'q5: a rising count deleted rows');
});

t.test('q7 floor: ties, a bid at exactly the window end, and a max raised by a later, disordered bid', async (t) => {
  const batches = [
    bidBatch([
      [1, 1, 100, T0 + 1],
      [2, 2, 300, T0 + 2],
      [3, 3, 300, T0 + 5],
    ]),
    bidBatch([
      [4, 4, 300, T0 + 10_000], // the next window's, and at window 0's end with its max: matches both
      [5, 5, 500, T0 + 10_000], // above window 0's max: matches it only if that max becomes 500
      [6, 6, 200, T0 + 10_001],
    ]),
    bidBatch([[7, 7, 500, T0 + 9_000]]), // 1 s behind, inside the 4 s watermark delay: window 0's max is now 500
  ];
  const engine = engineContents('q7', batches);
  t.same(
    engine.rows,
    canonical([
      [5, 500, 5, T0 + 10_000],
      [5, 500, 5, T0 + 10_000],
      [7, 500, 7, T0 + 9_000],
    ]),
    'the engine: window 0 matches (5) at its end and (7); window 1 matches (5)',
  );
  const floor = runFloor('q7', batches);
  t.same(floor.kept, engine.rows);
  t.same(floor.replayed, floor.kept);
  // window 1's (4) was overtaken within its batch, so it never entered the view
  t.equal(floor.deletes, 3, 'window 0 dropped (2), (3) and (4)');
});

t.test('q5 floor: ties at the top count and a count that overtakes them', async (t) => {
  const batches = [
    bidBatch([
      [1, 1, 10, T0 + 1],
      [2, 1, 10, T0 + 2],
    ]),
    bidBatch([[1, 1, 10, T0 + 2_500]]), // auction 1 leads in windows holding both
  ];
  const engine = engineContents('q5', batches);
  const floor = runFloor('q5', batches);
  t.same(floor.kept, engine.rows);
  t.same(floor.replayed, floor.kept);
  // windows starting at -6 s .. 0 s hold all three bids: (1, 2); the one at -8 s only the first
  // two, a tie: (1, 1) and (2, 1); the one at 2 s only the last: (1, 1)
  t.same(floor.kept, canonical([[1, 2], [1, 2], [1, 2], [1, 2], [1, 1], [2, 1], [1, 1]]));
});

t.test('RxJS pipelines keep the same results as the views', async (t) => {
  const sameRows = (name: string, kept: unknown[][], batches: EventBatch[]) => {
    const engine = engineContents(name, batches).rows;
    t.ok(kept.length > 0, `RxJS ${name} kept rows`);
    t.same(canonical(kept), engine, `RxJS ${name}: kept rows = the view's contents`);
  };
  for (const [label, batches] of [
    ['one window', batchesOf(6000, 512)],
    ['many windows', batchesOf(9000, 700, 300)],
  ] as const) {
    const bids = batches.flatMap((b) => rx.bidObjects(b));
    const q1 = rx.q1(bids).rows.map((r) => [r.auction, r.bidder, Math.round(r.price * 1000), r.date_time, r.extra]);
    sameRows('q1', q1, batches);
    sameRows('q2', rx.q2(bids).rows.map((r) => [r.auction, r.price]), batches);
    sameRows('q5', rx.q5(bids).rows.map((r) => [r.auction, r.num]), batches);
    sameRows('q7', rx.q7(bids).rows.map((r) => [r.auction, r.price, r.bidder, r.date_time]), batches);
    t.pass(`${label} checked`);
  }
});

t.test('row-shaped delivery (what the bench times) hands over the same changes as column slices', async (t) => {
  const batches = batchesOf(9000, 700, 300);
  for (const q of ['q1', 'q5', 'q7']) {
    const columnar: string[] = [];
    const rows: string[] = [];
    const a = floors[q]!((c) => {
      for (let i = 0; i < c.length; i++) columnar.push(JSON.stringify([c.signs ? c.signs[i] : 1, ...c.columns.map((col) => col[c.start + i])]));
    });
    const b = floors[q]!(rowChanges((changes) => {
      for (const ch of changes) rows.push(JSON.stringify([ch.op === 'delete' ? -1 : 1, ...ch.row]));
    }));
    for (const batch of batches) {
      a.push(batch);
      b.push(batch);
    }
    t.ok(rows.length > 0, `${q}: changes delivered`);
    t.same(rows, columnar, `${q}: same changes, same order`);
  }
});
