// The alternative a Node developer would reach for: RxJS pipelines over bid objects, written the
// idiomatic way (map/filter, and scan for event-time windows, since RxJS windows are wall-clock).
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

function count<T>(source: Observable<T>): number {
  let n = 0;
  source.subscribe(() => n++);
  return n;
}

export function q1(bids: BidObject[]): number {
  return count(from(bids).pipe(map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908, date_time: b.date_time, extra: b.extra }))));
}

export function q2(bids: BidObject[]): number {
  return count(from(bids).pipe(filter((b) => b.auction % 123 === 0), map((b) => ({ auction: b.auction, price: b.price }))));
}

interface HopState {
  windows: Map<number, Map<number, number>>;
  maxTs: number;
  closed: { start: number; auction: number; num: number }[];
}

/** q5-like: HOP(10 s, 2 s) bid counts per auction, emitting each closed window's top auctions. */
export function q5(bids: BidObject[], delayMs = 4000): number {
  const size = 10_000;
  const slide = 2_000;
  const flushAll = { auction: 0, bidder: 0, price: 0, channel: '', url: '', date_time: Infinity, extra: '' };
  return count(
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
    ),
  );
}

/** q7-like: highest bids of each 10-second tumbling window. */
export function q7(bids: BidObject[], delayMs = 4000): number {
  const size = 10_000;
  type St = { windows: Map<number, BidObject[]>; maxTs: number; out: BidObject[] };
  const end = { auction: 0, bidder: 0, price: 0, channel: '', url: '', date_time: Infinity, extra: '' };
  return count(
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
    ),
  );
}
