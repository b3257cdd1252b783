// The alternative a Node developer would reach for: RxJS pipelines over bid objects, written the
// idiomatic way (map/filter, and scan for event-time windows, since RxJS windows are wall-clock),
// with a subscriber that keeps every result row in an array, like a user who reads them later.
// q5 and q7 emit each window's rows when the window closes (at the end of input for the rest),
// not a changelog: after the end their kept rows are the query's result. q7 is the version a
// Node developer would write: a bid at exactly a window's end is not matched to that window's max
// (the SQL's inclusive BETWEEN would), which the generator's data never makes matter.
import { from, type Observable } from 'rxjs';
import { filter, map, mergeMap, scan } from 'rxjs/operators';
import type { EventBatch } from '../../lib/nexmark/generator.js';

export interface BidObject {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  date_time: number;
  extra: string;
}

/** Bid objects, built before timing: an RxJS user holds events as objects. */
export function bidObjects(b: EventBatch): BidObject[] {
  const out: BidObject[] = new Array(b.bids);
  const c = b.bid;
  for (let i = 0; i < b.bids; i++) {
    out[i] = { auction: c.auction[i], bidder: c.bidder[i], price: c.price[i], channel: c.channel[i], url: c.url[i], date_time: c.date_time[i], extra: c.extra[i] };
  }
  return out;
}

/** A pipeline's kept output: every row its subscriber received. */
export interface RxRun<T> {
  rows: T[];
}

function keep<T>(source: Observable<T>): RxRun<T> {
  const rows: T[] = [];
  source.subscribe((row) => rows.push(row));
  return { rows };
}

export interface Q1Row {
  auction: number;
  bidder: number;
  price: number;
  date_time: number;
  extra: string;
}

export function q1(bids: BidObject[]): RxRun<Q1Row> {
  return keep(from(bids).pipe(map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908, date_time: b.date_time, extra: b.extra }))));
}

export function q2(bids: BidObject[]): RxRun<{ auction: number; price: number }> {
  return keep(from(bids).pipe(filter((b) => b.auction % 123 === 0), map((b) => ({ auction: b.auction, price: b.price }))));
}

interface HopState {
  windows: Map<number, Map<number, number>>;
  maxTs: number;
  closed: { start: number; auction: number; num: number }[];
}

/** q5-like: HOP(10 s, 2 s) bid counts per auction, emitting each closed window's top auctions. */
export function q5(bids: BidObject[], delayMs = 4000): RxRun<{ auction: number; num: number }> {
  const size = 10_000;
  const slide = 2_000;
  const flushAll = { auction: 0, bidder: 0, price: 0, channel: '', url: '', date_time: Infinity, extra: '' };
  return keep(
    from([...bids, flushAll]).pipe(
      scan(
        (st: HopState, b: BidObject) => {
          st.closed = [];
          if (b.date_time !== Infinity) {
            st.maxTs = Math.max(st.maxTs, b.date_time);
            for (let start = b.date_time - (b.date_time % slide); start > b.date_time - size; start -= slide) {
              const w = st.windows.get(start) ?? new Map<number, number>();
              w.set(b.auction, (w.get(b.auction) ?? 0) + 1);
              st.windows.set(start, w);
            }
          }
          const wm = b.date_time === Infinity ? Infinity : st.maxTs - delayMs;
          for (const [start, counts] of st.windows) {
            if (start + size > wm) continue;
            const max = Math.max(...counts.values());
            for (const [auction, num] of counts) if (num >= max) st.closed.push({ start, auction, num });
            st.windows.delete(start);
          }
          return st;
        },
        { windows: new Map(), maxTs: -Infinity, closed: [] } as HopState,
      ),
      mergeMap((st) => st.closed),
      map((w) => ({ auction: w.auction, num: w.num })),
    ),
  );
}

/** q7-like: highest bids of each 10-second tumbling window. */
export interface Q7Row {
  auction: number;
  price: number;
  bidder: number;
  date_time: number;
}

export function q7(bids: BidObject[], delayMs = 4000): RxRun<Q7Row> {
  const size = 10_000;
  type St = { windows: Map<number, BidObject[]>; maxTs: number; out: BidObject[] };
  const end = { auction: 0, bidder: 0, price: 0, channel: '', url: '', date_time: Infinity, extra: '' };
  return keep(
    from([...bids, end]).pipe(
      scan(
        (st: St, b: BidObject) => {
          st.out = [];
          if (b.date_time !== Infinity) {
            st.maxTs = Math.max(st.maxTs, b.date_time);
            const start = b.date_time - (b.date_time % size);
            const w = st.windows.get(start) ?? [];
            if (w.length === 0 || b.price > w[0].price) st.windows.set(start, [b]);
            else if (b.price === w[0].price) w.push(b);
          }
          const wm = b.date_time === Infinity ? Infinity : st.maxTs - delayMs;
          for (const [start, top] of st.windows) {
            if (start + size > wm) continue;
            st.out.push(...top);
            st.windows.delete(start);
          }
          return st;
        },
        { windows: new Map(), maxTs: -Infinity, out: [] } as St,
      ),
      mergeMap((st) => st.out),
      map((b) => ({ auction: b.auction, price: b.price, bidder: b.bidder, date_time: b.date_time })),
    ),
  );
}
