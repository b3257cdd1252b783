// What `laminardb demo` prints: a dashboard frame for a terminal, a plain line otherwise.

import type { DemoView } from './demo-sql.js';

/** Latency samples (ms) of one refresh period, in a fixed buffer (no allocation per sample). */
export class LatencySamples {
  private readonly values: Float64Array;
  private count = 0;
  private seen = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  add(ms: number): void {
    // once full, keep a uniform sample of the period (reservoir sampling)
    const i = this.seen < this.values.length ? this.seen : Math.floor(Math.random() * (this.seen + 1));
    if (i < this.values.length) this.values[i] = ms;
    this.seen++;
    this.count = Math.min(this.seen, this.values.length);
  }

  /** the q-quantile (0..1) of the samples, or undefined without samples */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const sorted = this.values.slice(0, this.count).sort();
    return sorted[Math.min(this.count - 1, Math.floor(q * this.count))];
  }

  reset(): void {
    this.count = 0;
    this.seen = 0;
  }
}

export interface DashboardState {
  events: number;
  elapsedMs: number;
  /** time spent inside insert calls (engine and subscribers) */
  engineMs: number;
  /** event time of the last generated event, epoch ms */
  eventTime: number;
  watermarkLagMs: number;
  batch: number;
  /** events/s since the previous refresh */
  rateNow: number;
  /** resident set size of the process, MiB */
  rssMb: number;
  /** insert call → first view change delivered, per batch */
  latency: LatencySamples;
  changes: Record<string, number>;
  windows: { window_start: Date; bids: number; avg_price: number; max_price: number }[];
  localSellers: number;
  recentSellers: { name: string; city: string; state: string; auction: number }[];
  hotAuctions: Record<string, unknown>[];
}

/** 1234567 → "1.23 M" */
export function humanCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + ' K';
  return Math.round(n).toString();
}

function micros(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const us = ms * 1000;
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`;
}

function time(ms: number | Date): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function averageRate(s: DashboardState): number {
  return s.elapsedMs > 0 ? (s.events / s.elapsedMs) * 1000 : 0;
}

function engineRate(s: DashboardState): number {
  return s.engineMs > 0 ? (s.events / s.engineMs) * 1000 : 0;
}

/** One line per refresh (not a terminal): progress, rates, latency, and the views in brief. */
export function renderLine(s: DashboardState): string {
  const top = s.hotAuctions[0];
  const lastWindow = s.windows[s.windows.length - 1];
  return [
    `${(s.elapsedMs / 1000).toFixed(1)}s`,
    `events=${s.events}`,
    `events/s=${humanCount(s.rateNow)}`,
    `engine events/s=${humanCount(engineRate(s))}`,
    `latency p50=${micros(s.latency.quantile(0.5))} p99=${micros(s.latency.quantile(0.99))}`,
    `windows closed=${s.changes.bids_per_second ?? 0}` + (lastWindow ? ` (last ${time(lastWindow.window_start)}: ${lastWindow.bids} bids)` : ''),
    `local_sellers=${s.localSellers}`,
    `top auction=${top ? `${top.auction} (${top.bids} bids)` : '-'}`,
  ].join('  ');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => '    ' + cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** A dashboard frame (the caller clears the screen first). */
export function renderDashboard(s: DashboardState, views: readonly DemoView[], final: boolean): string {
  const title = (name: string) => `  ${name} — ${views.find((v) => v.name === name)?.title ?? ''}  [${humanCount(s.changes[name] ?? 0)} changes]`;
  const out: string[] = [];
  out.push(`LaminarDB demo — Nexmark events into an in-memory database${final ? ' (finished)' : '   (Ctrl-C to stop)'}`);
  out.push('');
  out.push(
    `  events ${humanCount(s.events)}   now ${humanCount(s.rateNow)} events/s   average ${humanCount(averageRate(s))} events/s` +
      `   inside the engine ${humanCount(engineRate(s))} events/s`,
  );
  out.push(
    `  latency${final ? ' over the run' : ''}, insert call → first view change (batches of ${s.batch}): p50 ${micros(s.latency.quantile(0.5))}   p99 ${micros(s.latency.quantile(0.99))}` +
      `   event time ${s.eventTime ? time(s.eventTime) : '-'} (watermark ${s.watermarkLagMs / 1000} s behind)   memory ${s.rssMb.toFixed(0)} MiB`,
  );
  out.push('');
  out.push(title('bids_per_second'));
  out.push(
    ...table(
      ['window_start', 'bids', 'avg_price', 'max_price'],
      s.windows.map((w) => [time(w.window_start), String(w.bids), w.avg_price.toFixed(0), String(w.max_price)]),
    ),
  );
  out.push('');
  out.push(title('local_sellers') + `  rows: ${s.localSellers}`);
  out.push(...table(['name', 'city', 'state', 'auction'], s.recentSellers.map((r) => [r.name, r.city, r.state, String(r.auction)])));
  out.push('');
  out.push(title('hot_auctions'));
  out.push(...table(['auction', 'bids', 'top_price'], s.hotAuctions.map((r) => [String(r.auction), String(r.bids), String(r.top_price)])));
  return out.join('\n') + '\n';
}
