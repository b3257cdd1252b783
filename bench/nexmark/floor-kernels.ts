// The minimal kernels of Nexmark q0, q1, q2, q5 and q7 — "kernel only": each computes just the
// core of its query over the columnar batches and keeps nothing (q1 only its price column, q7
// only a per-window max). They do LESS work than the engine's views, so they are no floor to be
// judged against; the bench prints them, labelled, so their numbers are not hidden. The floors
// that do the same observable work as the engine are in floor.ts and floor-windows.ts.
import type { BidColumns, EventBatch } from '../../lib/nexmark/generator.js';

export interface KernelQuery {
  name: string;
  /** process one batch of events; returns the number of output rows produced */
  push(batch: EventBatch): number;
  /** end of input: close every remaining window; returns output rows */
  finish(): number;
}
/** q0: pass-through projection into fresh output columns. */
export function q0(): KernelQuery {
  return {
    name: 'q0',
    push(b) {
      const bid = b.bid;
      const n = b.bids;
      const auction = new Float64Array(n);
      const bidder = new Float64Array(n);
      const price = new Float64Array(n);
      const ts = new Float64Array(n);
      const extra = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        auction[i] = bid.auction[i];
        bidder[i] = bid.bidder[i];
        price[i] = bid.price[i];
        ts[i] = bid.date_time[i];
        extra[i] = bid.extra[i];
      }
      return n;
    },
    finish: () => 0,
  };
}

/** q1: currency conversion. */
export function q1(): KernelQuery {
  return {
    name: 'q1',
    push(b) {
      const n = b.bids;
      const price = new Float64Array(n);
      const src = b.bid.price;
      for (let i = 0; i < n; i++) price[i] = src[i] * 0.908;
      return n;
    },
    finish: () => 0,
  };
}

/** q2: filter on auction id. */
export function q2(): KernelQuery {
  return {
    name: 'q2',
    push(b) {
      const n = b.bids;
      const auction = b.bid.auction;
      const sel = new Uint32Array(n);
      let k = 0;
      for (let i = 0; i < n; i++) if (auction[i] % 123 === 0) sel[k++] = i;
      return k;
    },
    finish: () => 0,
  };
}

/** Windowed count per auction with HOP(10 s, slide 2 s), emitting the top auctions per closed window. */
export function q5(delayMs = 4000): KernelQuery {
  const size = 10_000;
  const slide = 2_000;
  const windows = new Map<number, Map<number, number>>();
  let maxTs = -Infinity;
  const close = (wm: number): number => {
    let out = 0;
    for (const [start, counts] of windows) {
      if (start + size > wm) continue;
      let max = 0;
      for (const c of counts.values()) if (c > max) max = c;
      for (const c of counts.values()) if (c >= max) out++;
      windows.delete(start);
    }
    return out;
  };
  return {
    name: 'q5',
    push(b) {
      const bid: BidColumns = b.bid;
      for (let i = 0; i < b.bids; i++) {
        const ts = bid.date_time[i];
        if (ts > maxTs) maxTs = ts;
        const last = ts - (ts % slide);
        for (let start = last; start > ts - size; start -= slide) {
          let counts = windows.get(start);
          if (counts === undefined) windows.set(start, (counts = new Map()));
          const a = bid.auction[i];
          counts.set(a, (counts.get(a) ?? 0) + 1);
        }
      }
      return close(maxTs - delayMs);
    },
    finish: () => close(Infinity),
  };
}

/** Highest bid per 10-second tumbling window: buffer each window's max and its bids. */
export function q7(delayMs = 4000): KernelQuery {
  const size = 10_000;
  const maxPrice = new Map<number, number>();
  const bidsAtMax = new Map<number, number>();
  let maxTs = -Infinity;
  const close = (wm: number): number => {
    let out = 0;
    for (const [start] of maxPrice) {
      if (start + size > wm) continue;
      out += bidsAtMax.get(start) ?? 0;
      maxPrice.delete(start);
      bidsAtMax.delete(start);
    }
    return out;
  };
  return {
    name: 'q7',
    push(b) {
      const bid = b.bid;
      for (let i = 0; i < b.bids; i++) {
        const ts = bid.date_time[i];
        if (ts > maxTs) maxTs = ts;
        const start = ts - (ts % size);
        const p = bid.price[i];
        const m = maxPrice.get(start);
        if (m === undefined || p > m) {
          maxPrice.set(start, p);
          bidsAtMax.set(start, 1);
        } else if (p === m) {
          bidsAtMax.set(start, (bidsAtMax.get(start) ?? 0) + 1);
        }
      }
      return close(maxTs - delayMs);
    },
    finish: () => close(Infinity),
  };
}

export const kernels: Record<string, () => KernelQuery> = { q0, q1, q2, q5, q7 };
