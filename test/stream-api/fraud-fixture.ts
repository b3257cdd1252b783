// The fraud rule of the operator API's proof, shared by the in-memory and durable tests: the
// keyed process function, a deterministic out-of-order generator, and the hand computation.
import type { ProcessContext, ProcessFunction } from '../../lib/index.js';

export interface Tx {
  card: string;
  amount: number;
  ts: Date;
}
export interface Alert {
  card: string;
  smallAt: number;
  largeAt: number;
  amount: number;
}

export const SMALL = 1;
export const LARGE = 500;
export const MINUTE = 60_000;

export class FraudDetector implements ProcessFunction<string, Tx, Alert> {
  process(tx: Tx, ctx: ProcessContext<string, Alert>): void {
    const ts = tx.ts.getTime();
    // buffer until the watermark passes ts, then handle in event-time order (onTimer)
    const pending = ctx.state.map<number, Tx[]>('pending');
    const atTs = pending.get(ts);
    if (atTs) atTs.push(tx);
    else pending.put(ts, [tx]);
    ctx.timers.registerEventTimeTimer(ts);
  }

  onTimer(timer: { time: number }, ctx: ProcessContext<string, Alert>): void {
    const pending = ctx.state.map<number, Tx[]>('pending');
    const smallAt = ctx.state.value<number>('smallAt');
    if (timer.time === (ctx.state.value<number>('expiry').value() ?? NaN)) {
      // a minute after the last small charge: forget it (keeps state bounded)
      if (!pending.has(timer.time)) {
        smallAt.clear();
        ctx.state.value<number>('expiry').clear();
        return;
      }
    }
    for (const tx of pending.get(timer.time) ?? []) {
      const ts = tx.ts.getTime();
      const since = smallAt.value();
      if (tx.amount > LARGE && since !== undefined && ts - since <= MINUTE) {
        ctx.emit({ card: ctx.key, smallAt: since, largeAt: ts, amount: tx.amount });
        smallAt.clear();
      }
      if (tx.amount < SMALL) {
        smallAt.update(ts);
        ctx.state.value<number>('expiry').update(ts + MINUTE + 1);
        ctx.timers.registerEventTimeTimer(ts + MINUTE + 1);
      }
    }
    pending.remove(timer.time);
  }
}

/** Deterministic generator: 6 cards, distinct timestamps, arrival shuffled within blocks of 5. */
export function generate(n: number, seed: number): Tx[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const inOrder: Tx[] = [];
  let time = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    time += 1 + Math.floor(rnd() * 900);
    const r = rnd();
    const amount = r < 0.25 ? Math.round(rnd() * 99) / 100 : r < 0.45 ? 500.01 + Math.round(rnd() * 2000) : 1 + Math.round(rnd() * 400);
    inOrder.push({ card: `card-${Math.floor(rnd() * 6)}`, amount, ts: new Date(time) });
  }
  const arrival: Tx[] = [];
  for (let b = 0; b < n; b += 5) {
    const block = inOrder.slice(b, b + 5);
    for (let i = block.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [block[i], block[j]] = [block[j]!, block[i]!];
    }
    arrival.push(...block);
  }
  return arrival;
}

/** The rule computed directly: per card in event-time order, the last small charge arms it. */
export function expected(txs: Tx[]): Alert[] {
  const byCard = new Map<string, Tx[]>();
  for (const tx of txs) (byCard.get(tx.card) ?? byCard.set(tx.card, []).get(tx.card)!).push(tx);
  const alerts: Alert[] = [];
  for (const [card, list] of byCard) {
    list.sort((a, b) => a.ts.getTime() - b.ts.getTime());
    let small: number | undefined;
    for (const tx of list) {
      const ts = tx.ts.getTime();
      if (tx.amount > LARGE && small !== undefined && ts - small <= MINUTE) {
        alerts.push({ card, smallAt: small, largeAt: ts, amount: tx.amount });
        small = undefined;
      }
      if (tx.amount < SMALL) small = ts;
    }
  }
  return sortAlerts(alerts);
}

export function sortAlerts(a: Alert[]): Alert[] {
  return a.sort((x, y) => x.largeAt - y.largeAt || x.card.localeCompare(y.card));
}

