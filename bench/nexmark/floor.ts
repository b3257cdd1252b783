// Hand-written TypeScript floors of Nexmark q0, q1, q2, q5 and q7: the fastest plain code doing
// the same observable work as the engine's materialized view over the same columnar batches —
// the query's exact output columns, the results retained (columnar and growable, readable later
// like the view's contents; input columns kept by reference where the view keeps them so too)
// and each batch's changes handed to a subscriber callback. No SQL, no planner, no generic
// operators. q5 and q7 are in floor-windows.ts; the old minimal kernels, which do less, are in
// floor-kernels.ts.
import type { EventBatch } from '../../lib/nexmark/generator.js';
import { ChunkLog, F64Column, type FloorChanges, type FloorSubscriber } from './floor-columns.js';
import { q5, q7 } from './floor-windows.js';

export type { FloorChanges, FloorSubscriber } from './floor-columns.js';

export type FloorValue = number | string;

export interface FloorQuery {
  name: string;
  /** the query's output columns, in order */
  readonly columns: readonly string[];
  /** processes one batch; returns the number of changes handed to the subscriber */
  push(batch: EventBatch): number;
  /** end of input; returns the number of changes handed to the subscriber */
  finish(): number;
  /**
   * The retained result as rows, in column order (read like the view's contents; not on the
   * timed path). q1's DECIMAL price is given as its unscaled integer at scale 3 (price × 908).
   */
  contents(): FloorValue[][];
}

export type FloorFactory = (subscriber?: FloorSubscriber) => FloorQuery;

const ignore: FloorSubscriber = () => {};

function rowsOf(columns: readonly F64Column[]): FloorValue[][] {
  const n = columns[0].length;
  const out: FloorValue[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = columns.map((c) => c.data[i]);
  return out;
}

/** q0: every bid, projected to (auction, bidder, price, date_time, extra) and kept. */
export function q0(subscriber: FloorSubscriber = ignore): FloorQuery {
  const log = new ChunkLog();
  const changes: FloorChanges = { columns: [], start: 0, length: 0 };
  return {
    name: 'q0',
    columns: ['auction', 'bidder', 'price', 'date_time', 'extra'],
    push(b) {
      const n = b.bids;
      if (n === 0) return 0;
      const src = b.bid;
      // every output column is an input column: the view keeps them by reference, so does this
      log.append([src.auction, src.bidder, src.price, src.date_time, src.extra], n);
      changes.columns = log.chunks[log.chunks.length - 1];
      changes.length = n;
      subscriber(changes);
      return n;
    },
    finish: () => 0,
    contents: () => log.rows(),
  };
}

/** q1: q0 with the price converted, 0.908 × price as an exact DECIMAL (unscaled price × 908, scale 3). */
export function q1(subscriber: FloorSubscriber = ignore): FloorQuery {
  const log = new ChunkLog();
  const changes: FloorChanges = { columns: [], start: 0, length: 0 };
  return {
    name: 'q1',
    columns: ['auction', 'bidder', 'price', 'date_time', 'extra'],
    push(b) {
      const n = b.bids;
      if (n === 0) return 0;
      const src = b.bid;
      const price = new Float64Array(n);
      const srcPrice = src.price;
      // prices are integers below 2^53 / 908, so the unscaled product is exact in a double
      for (let i = 0; i < n; i++) price[i] = srcPrice[i] * 908;
      log.append([src.auction, src.bidder, price, src.date_time, src.extra], n);
      changes.columns = log.chunks[log.chunks.length - 1];
      changes.length = n;
      subscriber(changes);
      return n;
    },
    finish: () => 0,
    contents: () => log.rows(),
  };
}

/** q2: (auction, price) of the bids whose auction % 123 = 0, kept. */
export function q2(subscriber: FloorSubscriber = ignore): FloorQuery {
  const auction = new F64Column();
  const price = new F64Column();
  const columns = [auction, price];
  const changes: FloorChanges = { columns: [], start: 0, length: 0 };
  return {
    name: 'q2',
    columns: ['auction', 'price'],
    push(b) {
      const n = b.bids;
      const src = b.bid;
      const base = auction.reserve(n);
      price.reserve(n);
      const a = auction.data;
      const p = price.data;
      const srcAuction = src.auction;
      const srcPrice = src.price;
      let k = base;
      for (let i = 0; i < n; i++) {
        const id = srcAuction[i];
        if (id % 123 === 0) {
          a[k] = id;
          p[k++] = srcPrice[i];
        }
      }
      auction.length = price.length = k;
      if (k === base) return 0;
      changes.columns[0] = auction.data;
      changes.columns[1] = price.data;
      changes.start = base;
      changes.length = k - base;
      subscriber(changes);
      return k - base;
    },
    finish: () => 0,
    contents: () => rowsOf(columns),
  };
}

export const floors: Record<string, FloorFactory> = { q0, q1, q2, q5, q7 };
