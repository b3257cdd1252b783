// Hand-written TypeScript floors of Nexmark q0, q1, q2, q5 and q7: the fastest plain code doing
// the same observable work as the engine's materialized view over the same columnar batches —
// the query's exact output columns, the results retained (columnar, growable, readable later
// like the view's contents) and each batch's changes handed to a subscriber callback. No SQL, no
// planner, no generic operators. q5 and q7 are in floor-windows.ts; the old minimal kernels,
// which do less, are in floor-kernels.ts.
import type { EventBatch } from '../../lib/nexmark/generator.js';
import { F64Column, StrColumn, type FloorChanges, type FloorSubscriber } from './floor-columns.js';
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

const APPLY_LIMIT = 16_384; // arguments per push.apply call, far below V8's limit

/** Appends src[0 .. n) to a string column: push.apply copies in one builtin call (~2× a loop). */
function appendStrings(col: StrColumn, src: readonly string[], n: number): void {
  const dst = col.data;
  if (n === src.length && n <= APPLY_LIMIT) {
    Array.prototype.push.apply(dst, src as string[]);
    return;
  }
  for (let i = 0; i < n; i++) dst.push(src[i]);
}

function rowsOf(columns: readonly (F64Column | StrColumn)[]): FloorValue[][] {
  const n = columns[0].length;
  const out: FloorValue[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = columns.map((c) => c.data[i]);
  return out;
}

/** q0: every bid, projected to (auction, bidder, price, date_time, extra) and kept. */
export function q0(subscriber: FloorSubscriber = ignore): FloorQuery {
  const auction = new F64Column();
  const bidder = new F64Column();
  const price = new F64Column();
  const dateTime = new F64Column();
  const extra = new StrColumn();
  const columns = [auction, bidder, price, dateTime, extra];
  const changes: FloorChanges = { columns, start: 0, length: 0 };
  return {
    name: 'q0',
    columns: ['auction', 'bidder', 'price', 'date_time', 'extra'],
    push(b) {
      const n = b.bids;
      if (n === 0) return 0;
      const src = b.bid;
      const base = auction.reserve(n);
      bidder.reserve(n);
      price.reserve(n);
      dateTime.reserve(n);
      // the numeric columns are copies of the input: a block copy is the fastest hand-written way
      auction.data.set(src.auction.subarray(0, n), base);
      bidder.data.set(src.bidder.subarray(0, n), base);
      price.data.set(src.price.subarray(0, n), base);
      dateTime.data.set(src.date_time.subarray(0, n), base);
      auction.length = bidder.length = price.length = dateTime.length = base + n;
      appendStrings(extra, src.extra, n);
      changes.start = base;
      changes.length = n;
      subscriber(changes);
      return n;
    },
    finish: () => 0,
    contents: () => rowsOf(columns),
  };
}

/** q1: q0 with the price converted, 0.908 × price as an exact DECIMAL (unscaled price × 908, scale 3). */
export function q1(subscriber: FloorSubscriber = ignore): FloorQuery {
  const auction = new F64Column();
  const bidder = new F64Column();
  const price = new F64Column();
  const dateTime = new F64Column();
  const extra = new StrColumn();
  const columns = [auction, bidder, price, dateTime, extra];
  const changes: FloorChanges = { columns, start: 0, length: 0 };
  return {
    name: 'q1',
    columns: ['auction', 'bidder', 'price', 'date_time', 'extra'],
    push(b) {
      const n = b.bids;
      if (n === 0) return 0;
      const src = b.bid;
      const base = auction.reserve(n);
      bidder.reserve(n);
      price.reserve(n);
      dateTime.reserve(n);
      auction.data.set(src.auction.subarray(0, n), base);
      bidder.data.set(src.bidder.subarray(0, n), base);
      dateTime.data.set(src.date_time.subarray(0, n), base);
      const p = price.data;
      const srcPrice = src.price;
      // prices are integers below 2^53 / 908, so the unscaled product is exact in a double
      for (let i = 0; i < n; i++) p[base + i] = srcPrice[i] * 908;
      auction.length = bidder.length = price.length = dateTime.length = base + n;
      appendStrings(extra, src.extra, n);
      changes.start = base;
      changes.length = n;
      subscriber(changes);
      return n;
    },
    finish: () => 0,
    contents: () => rowsOf(columns),
  };
}

/** q2: (auction, price) of the bids whose auction % 123 = 0, kept. */
export function q2(subscriber: FloorSubscriber = ignore): FloorQuery {
  const auction = new F64Column();
  const price = new F64Column();
  const columns = [auction, price];
  const changes: FloorChanges = { columns, start: 0, length: 0 };
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
