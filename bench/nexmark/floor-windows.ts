// Hand-written floors of the windowed Nexmark queries q5 and q7, with the changelog semantics of
// the engine's views (EMIT CHANGES): after each batch the subscriber receives the batch's net
// changes — deletes of rows that left the view, inserts of rows that entered it — and the floor
// retains the view's current contents per window. Windows are never dropped from the result (the
// view keeps closed windows' rows too). Input is assumed in event-time order within the sources'
// 4 s watermark delay, as the generator produces it: no late rows to drop.
import type { EventBatch } from '../../lib/nexmark/generator.js';
import { ChangeBuffer, type FloorSubscriber } from './floor-columns.js';
import type { FloorQuery, FloorValue } from './floor.js';

const ignore: FloorSubscriber = () => {};

/** One HOP window of q5: bid counts per auction and the auctions at the window's highest count. */
interface HopWindow {
  readonly start: number;
  readonly counts: Map<number, number>;
  /** highest count in the window */
  max: number;
  /** auctions whose count equals `max`, in the order they reached it */
  readonly top: number[];
  /** top[0 .. inView) are rows (auction, max) of the view; the rest are still to be inserted */
  inView: number;
  dirty: boolean;
}

/**
 * q5: for every HOP(2 s, 10 s) window, the auctions with the most bids, as rows (auction, num) —
 * the SQL's self-join of counts with their per-window max, where num >= maxn means num = maxn.
 */
export function q5(subscriber: FloorSubscriber = ignore): FloorQuery {
  const size = 10_000;
  const slide = 2_000;
  const windows = new Map<number, HopWindow>();
  const changes = new ChangeBuffer(2);
  const dirty: HopWindow[] = [];
  // the windows of the current slide: consecutive bids share them
  let paneStart = NaN;
  let pane: HopWindow[] = [];

  const windowsOf = (last: number): HopWindow[] => {
    const out: HopWindow[] = [];
    for (let start = last; start > last - size; start -= slide) {
      let w = windows.get(start);
      if (w === undefined) {
        w = { start, counts: new Map(), max: 0, top: [], inView: 0, dirty: false };
        windows.set(start, w);
      }
      out.push(w);
    }
    return out;
  };

  return {
    name: 'q5',
    columns: ['auction', 'num'],
    push(b: EventBatch) {
      changes.clear();
      const bid = b.bid;
      const n = b.bids;
      const dt = bid.date_time;
      const auctions = bid.auction;
      for (let i = 0; i < n; i++) {
        const ts = dt[i];
        const last = ts - (((ts % slide) + slide) % slide);
        if (last !== paneStart) {
          pane = windowsOf(last);
          paneStart = last;
        }
        const a = auctions[i];
        for (let k = 0; k < pane.length; k++) {
          const w = pane[k];
          const c = (w.counts.get(a) ?? 0) + 1;
          w.counts.set(a, c);
          if (c < w.max) continue;
          if (c > w.max) {
            // a new highest count: every row of this window leaves the view
            for (let j = 0; j < w.inView; j++) changes.add(-1, w.top[j], w.max);
            w.inView = 0;
            w.top.length = 0;
            w.max = c;
          }
          w.top.push(a);
          if (!w.dirty) {
            w.dirty = true;
            dirty.push(w);
          }
        }
      }
      for (const w of dirty) {
        for (let j = w.inView; j < w.top.length; j++) changes.add(1, w.top[j], w.max);
        w.inView = w.top.length;
        w.dirty = false;
      }
      dirty.length = 0;
      if (changes.length > 0) subscriber(changes.ready());
      return changes.length;
    },
    finish: () => 0,
    contents() {
      const rows: FloorValue[][] = [];
      for (const w of windows.values()) for (let j = 0; j < w.inView; j++) rows.push([w.top[j], w.max]);
      return rows;
    },
  };
}

/** One TUMBLE window of q7: its highest price and the bids that match it. */
interface TumbleWindow {
  readonly end: number;
  /** highest price among the window's own bids; -Infinity while it has none */
  max: number;
  /** matching bids (price = max): the window's own and those at exactly `end` */
  readonly auction: number[];
  readonly bidder: number[];
  readonly dateTime: number[];
  /** matches [0 .. inView) are rows of the view; the rest are still to be inserted */
  inView: number;
  /** bids at exactly `end` priced above `max`: they match if the max rises to their price */
  readonly edgeAuction: number[];
  readonly edgeBidder: number[];
  readonly edgePrice: number[];
  dirty: boolean;
}

/**
 * q7: bids whose price equals the highest price of a 10 s tumbling window, as rows (auction,
 * price, bidder, date_time). As the SQL says (BETWEEN is inclusive), a window [s, s + 10 s) also
 * matches bids at exactly s + 10 s — which belong to the next window's max.
 */
export function q7(subscriber: FloorSubscriber = ignore): FloorQuery {
  const size = 10_000;
  const windows = new Map<number, TumbleWindow>();
  const changes = new ChangeBuffer(4);
  const dirty: TumbleWindow[] = [];

  const windowAt = (start: number): TumbleWindow => {
    let w = windows.get(start);
    if (w === undefined) {
      w = { end: start + size, max: -Infinity, auction: [], bidder: [], dateTime: [], inView: 0, edgeAuction: [], edgeBidder: [], edgePrice: [], dirty: false };
      windows.set(start, w);
    }
    return w;
  };
  const markDirty = (w: TumbleWindow): void => {
    if (!w.dirty) {
      w.dirty = true;
      dirty.push(w);
    }
  };
  /** A higher max: the window's rows leave the view and the edge bids at the new price match. */
  const raise = (w: TumbleWindow, max: number): void => {
    for (let j = 0; j < w.inView; j++) changes.add(-1, w.auction[j], w.max, w.bidder[j], w.dateTime[j]);
    w.inView = 0;
    w.auction.length = w.bidder.length = w.dateTime.length = 0;
    w.max = max;
    if (w.edgePrice.length === 0) return;
    let kept = 0;
    for (let j = 0; j < w.edgePrice.length; j++) {
      const p = w.edgePrice[j];
      if (p === max) {
        w.auction.push(w.edgeAuction[j]);
        w.bidder.push(w.edgeBidder[j]);
        w.dateTime.push(w.end);
      } else if (p > max) {
        w.edgeAuction[kept] = w.edgeAuction[j];
        w.edgeBidder[kept] = w.edgeBidder[j];
        w.edgePrice[kept++] = p;
      }
    }
    w.edgeAuction.length = w.edgeBidder.length = w.edgePrice.length = kept;
  };

  let curStart = NaN;
  let cur: TumbleWindow | undefined;
  return {
    name: 'q7',
    columns: ['auction', 'price', 'bidder', 'date_time'],
    push(b: EventBatch) {
      changes.clear();
      const bid = b.bid;
      const n = b.bids;
      const dt = bid.date_time;
      const prices = bid.price;
      for (let i = 0; i < n; i++) {
        const ts = dt[i];
        const start = ts - (((ts % size) + size) % size);
        if (start !== curStart) {
          cur = windowAt(start);
          curStart = start;
        }
        const w = cur!;
        const p = prices[i];
        if (p >= w.max) {
          if (p > w.max) raise(w, p);
          w.auction.push(bid.auction[i]);
          w.bidder.push(bid.bidder[i]);
          w.dateTime.push(ts);
          markDirty(w);
        }
        if (ts === start) {
          // also the closing edge of the previous window
          const prev = windowAt(start - size);
          if (p === prev.max) {
            prev.auction.push(bid.auction[i]);
            prev.bidder.push(bid.bidder[i]);
            prev.dateTime.push(ts);
            markDirty(prev);
          } else if (p > prev.max) {
            prev.edgeAuction.push(bid.auction[i]);
            prev.edgeBidder.push(bid.bidder[i]);
            prev.edgePrice.push(p);
          }
        }
      }
      for (const w of dirty) {
        for (let j = w.inView; j < w.auction.length; j++) changes.add(1, w.auction[j], w.max, w.bidder[j], w.dateTime[j]);
        w.inView = w.auction.length;
        w.dirty = false;
      }
      dirty.length = 0;
      if (changes.length > 0) subscriber(changes.ready());
      return changes.length;
    },
    finish: () => 0,
    contents() {
      const rows: FloorValue[][] = [];
      for (const w of windows.values()) for (let j = 0; j < w.inView; j++) rows.push([w.auction[j], w.max, w.bidder[j], w.dateTime[j]]);
      return rows;
    },
  };
}
