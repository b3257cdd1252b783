// `laminardb demo`: the Nexmark generator feeding live views of an in-memory database, shown as
// a dashboard (redrawn in place on a terminal, periodic plain lines otherwise) with throughput
// and latency. Events enter as columnar batches, the way a connector feeds the engine; the views
// are read through the public API (subscriptions and queries).

import type { Writable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Engine } from '../engine/engine.js';
import { openWith } from '../api/open.js';
import type { Database } from '../api/database.js';
import { NexmarkGenerator, insertNexmarkBatch } from '../nexmark/generator.js';
import { DEMO_SCHEMA, DEMO_VIEWS } from './demo-sql.js';
import { LatencySamples, renderDashboard, renderLine, type DashboardState } from './demo-render.js';

export const DEMO_USAGE = `Usage: laminardb demo [--events N] [--batch N] [--event-rate N] [--refresh MS] [--plain]

Runs the Nexmark event generator into an in-memory database with three live views (a windowed
aggregate, a join and a Top-N) and shows them updating with events/s and latency figures.
Without --events it runs until Ctrl-C.

Options:
  --events N       stop after N events (prints the final views and a summary)
  --batch N        events per insert call (default 1024)
  --event-rate N   generated events per second of event time (default 10000)
  --refresh MS     redraw interval in milliseconds (default 250 on a terminal, 1000 otherwise)
  --plain          print one line per refresh instead of redrawing (default when not a terminal)
  --help           this help`;

export interface DemoOptions {
  /** stop after this many events (undefined: until the signal aborts) */
  events?: number;
  batch: number;
  eventRate: number;
  refreshMs: number;
  /** redraw a dashboard in place (a terminal) instead of printing plain lines */
  dashboard: boolean;
}

export interface DemoSummary {
  events: number;
  seconds: number;
  /** events per second of wall time, generation included */
  eventsPerSecond: number;
  /** events per second of time spent inside insert calls (the engine and its subscribers) */
  engineEventsPerSecond: number;
  /** insert call → first view change, over the run's batches (undefined if no batch changed a view) */
  latencyP50Ms: number | undefined;
  latencyP99Ms: number | undefined;
  changes: Record<string, number>;
}

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const HOME_AND_CLEAR = '\x1b[H\x1b[2J';

/** Runs the demo; resolves when --events are done or the signal aborts. */
export async function runDemo(options: DemoOptions, out: Writable, signal?: AbortSignal): Promise<DemoSummary> {
  const engine = new Engine();
  const db = openWith(() => engine);
  const latency = new LatencySamples(4096);
  // a uniform sample over the whole run, for the final frame and the summary
  const runLatency = new LatencySamples(16_384);
  const state: DashboardState = {
    events: 0,
    elapsedMs: 0,
    engineMs: 0,
    eventTime: 0,
    watermarkLagMs: 4000,
    batch: options.batch,
    rateNow: 0,
    rssMb: 0,
    latency,
    changes: Object.fromEntries(DEMO_VIEWS.map((v) => [v.name, 0])),
    windows: [],
    localSellers: 0,
    recentSellers: [],
    hotAuctions: [],
  };
  let batchStart = 0; // performance.now() at the start of the current insert, 0 between inserts
  const firstChange = (): void => {
    if (batchStart !== 0) {
      const ms = performance.now() - batchStart;
      latency.add(ms);
      runLatency.add(ms);
      batchStart = 0;
    }
  };
  try {
    await db.execute(DEMO_SCHEMA);
    for (const view of DEMO_VIEWS) await db.execute(view.sql);
    subscribeAll(db, state, firstChange);

    const generator = new NexmarkGenerator({ eventsPerSecond: options.eventRate });
    const start = performance.now();
    let lastYield = start;
    let lastRefresh = start;
    let eventsAtRefresh = 0;
    const refresh = async (final: boolean) => {
      const now = performance.now();
      state.elapsedMs = now - start;
      state.rateNow = ((state.events - eventsAtRefresh) / Math.max(now - lastRefresh, 1e-3)) * 1000;
      eventsAtRefresh = state.events;
      state.rssMb = process.memoryUsage.rss() / 2 ** 20;
      lastRefresh = now;
      if (final) state.latency = runLatency;
      state.hotAuctions = await db.query('SELECT auction, bids, top_price FROM hot_auctions ORDER BY bids DESC, auction');
      if (options.dashboard) out.write(HOME_AND_CLEAR + renderDashboard(state, DEMO_VIEWS, final));
      else out.write(renderLine(state) + '\n');
      latency.reset();
    };
    if (options.dashboard) out.write(HIDE_CURSOR);
    while (!signal?.aborted && (options.events === undefined || state.events < options.events)) {
      const n = options.events === undefined ? options.batch : Math.min(options.batch, options.events - state.events);
      const batch = generator.next(n);
      batchStart = performance.now();
      const t0 = batchStart;
      insertNexmarkBatch(engine, batch);
      state.engineMs += performance.now() - t0;
      batchStart = 0;
      state.events += n;
      state.eventTime = batch.maxTimestamp;
      const now = performance.now();
      if (now - lastYield > 10) {
        // let Ctrl-C and the output stream through
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (now - lastRefresh >= options.refreshMs) await refresh(false);
    }
    await db.flush();
    await refresh(true);
    const seconds = (performance.now() - start) / 1000;
    return {
      events: state.events,
      seconds,
      eventsPerSecond: state.events / seconds,
      engineEventsPerSecond: state.events / (state.engineMs / 1000),
      latencyP50Ms: runLatency.quantile(0.5),
      latencyP99Ms: runLatency.quantile(0.99),
      changes: { ...state.changes },
    };
  } finally {
    if (options.dashboard) out.write(SHOW_CURSOR);
    await db.close();
  }
}

function subscribeAll(db: Database, state: DashboardState, firstChange: () => void): void {
  db.subscribe<{ window_start: Date; bids: number; avg_price: number; max_price: number }>('bids_per_second', {
    onChange: (c) => {
      firstChange();
      state.changes.bids_per_second!++;
      if (c.op === 'delete') return; // an EMIT ON WINDOW CLOSE view only appends closed windows
      state.windows.push(c.row);
      if (state.windows.length > 3) state.windows.shift();
    },
  });
  db.subscribe<{ name: string; city: string; state: string; auction: number }>('local_sellers', {
    onChange: (c) => {
      firstChange();
      state.changes.local_sellers!++;
      if (c.op === 'insert') {
        state.localSellers++;
        state.recentSellers.push(c.row);
        if (state.recentSellers.length > 3) state.recentSellers.shift();
      } else if (c.op === 'delete') state.localSellers--;
    },
  });
  db.subscribe('hot_auctions', {
    onChange: () => {
      firstChange();
      state.changes.hot_auctions!++;
    },
  });
}

