// `laminardb run file.sql`: runs a pipeline file, then — while any source connector produces —
// keeps running, printing one throughput line per interval (events/s per source, changes/s per
// materialized view, totals, the mean time an insert batch spends in the engine), until every
// bounded connector has finished, --duration has passed, or SIGINT/SIGTERM arrives. Ends with a
// summary line; the caller closes the database (a durable one ends consistent).

import { Readable, type Writable } from 'node:stream';
import type { Database } from '../api/database.js';
import type { ConnectorStatus } from '../connectors/manager.js';
import { runShell } from './shell.js';

export const RUN_USAGE = `Usage: laminardb run <file.sql> [--db path] [--interval ms] [--duration s]

Runs the statements of a SQL file, printing each result, on the database at --db (in memory
without it). Stops at the first error with its file:line:column (exit code 1).

When the file declares sources with connectors (CREATE SOURCE … WITH (connector = 'datagen' |
'nexmark' | 'file', …), see docs/connectors.md), they start once the whole file has run, and run keeps
going, printing every --interval ms (default 1000) the events/s of each source, the changes/s
of each materialized view, totals and the mean insert-batch latency. It stops when every
bounded connector has finished, after --duration seconds, or on Ctrl+C / SIGTERM, and prints a
summary. A connector that fails ends the run with its error (exit code 1).`;

export interface RunOptions {
  db: Database;
  file: string;
  text: string;
  intervalMs: number;
  durationS: number | undefined;
  stdout: Writable;
  stderr: Writable;
  /** aborted on SIGINT / SIGTERM */
  signal: AbortSignal;
  /** failures reported by the database's onConnectorError (wired by the caller at open) */
  failures: { error: Error; source: string }[];
}

/** Resolves with the exit code. */
export async function runPipeline(o: RunOptions): Promise<number> {
  const code = await runShell({ db: o.db, input: Readable.from([o.text]), output: o.stdout, errors: o.stderr, interactive: false, source: o.file });
  if (code !== 0 || o.db.connectors().length === 0) return code;
  const views = o.db.relations().filter((r) => r.kind === 'materialized view').map((r) => r.name);
  const changes = new Map<string, number>(views.map((v) => [v, 0]));
  for (const view of views) o.db.subscribe(view, { onChange: () => changes.set(view, changes.get(view)! + 1) });

  const start = performance.now();
  o.db.startConnectors();
  let last = { at: start, sources: o.db.connectors(), changes: new Map(changes) };
  let nextLine = start + o.intervalMs;
  const deadline = o.durationS === undefined ? Infinity : start + o.durationS * 1000;
  let reason = 'finished';
  for (;;) {
    await sleep(Math.max(1, Math.min(50, nextLine - performance.now())), o.signal);
    const now = performance.now();
    const status = o.db.connectors();
    if (o.failures.length > 0) {
      reason = 'failed';
      break;
    }
    if (o.signal.aborted) {
      reason = 'interrupted';
      break;
    }
    if (now >= deadline) {
      reason = `stopped after ${o.durationS} s`;
      break;
    }
    if (!status.some((s) => s.state === 'running')) break;
    if (now >= nextLine) {
      o.stdout.write(progressLine(now - start, now - last.at, last.sources, status, last.changes, changes) + '\n');
      last = { at: now, sources: status, changes: new Map(changes) };
      nextLine += o.intervalMs * Math.max(1, Math.ceil((now - nextLine) / o.intervalMs));
    }
  }
  const seconds = (performance.now() - start) / 1000;
  o.stdout.write(summaryLine(reason, seconds, o.db.connectors(), changes) + '\n');
  for (const f of o.failures) o.stderr.write(`laminardb: error: ${f.error.message}\n`);
  return o.failures.length > 0 ? 1 : 0;
}

function progressLine(
  elapsedMs: number,
  spanMs: number,
  before: ConnectorStatus[],
  now: ConnectorStatus[],
  changesBefore: Map<string, number>,
  changesNow: Map<string, number>,
): string {
  const perSecond = (n: number) => fmt(Math.round((n * 1000) / Math.max(spanMs, 1)));
  const sources = now.map((s) => {
    const prev = before.find((b) => b.source === s.source)?.rows ?? 0;
    return `${s.source} ${perSecond(s.rows - prev)}`;
  });
  const views = [...changesNow].map(([v, n]) => `${v} ${perSecond(n - (changesBefore.get(v) ?? 0))}`);
  const rows = sum(now.map((s) => s.rows));
  const changed = sum([...changesNow.values()]);
  return (
    `[${(elapsedMs / 1000).toFixed(1)} s] events/s: ${sources.join(', ')}` +
    (views.length > 0 ? ` | changes/s: ${views.join(', ')}` : '') +
    ` | total ${fmt(rows)} events, ${fmt(changed)} changes` +
    latency(before, now)
  );
}

/** Mean time an insert batch spent in the engine (views and subscribers included) in the span. */
function latency(before: ConnectorStatus[], now: ConnectorStatus[]): string {
  const producers = (list: ConnectorStatus[]) => {
    // sources sharing a producer report the same batch counters: count each producer once
    const seen = new Map<string, { batches: number; insertMs: number }>();
    for (const s of list) seen.set(s.group, s);
    return [...seen.values()].reduce((a, s) => ({ batches: a.batches + s.batches, insertMs: a.insertMs + s.insertMs }), { batches: 0, insertMs: 0 });
  };
  const a = producers(before);
  const b = producers(now);
  const batches = b.batches - a.batches;
  return batches > 0 ? ` | batch latency ${((b.insertMs - a.insertMs) / batches).toFixed(3)} ms` : '';
}

function summaryLine(reason: string, seconds: number, status: ConnectorStatus[], changes: Map<string, number>): string {
  const rows = sum(status.map((s) => s.rows));
  const views = [...changes].map(([v, n]) => `${v} ${fmt(n)}`);
  const all = latency([], status);
  return (
    `${reason} in ${seconds.toFixed(2)} s: ${fmt(rows)} events (${status.map((s) => `${s.source} ${fmt(s.rows)}`).join(', ')}), ` +
    `${fmt(Math.round(rows / Math.max(seconds, 1e-3)))} events/s` +
    (views.length > 0 ? `; view changes: ${views.join(', ')}` : '') +
    all.replace(' | batch latency', '; mean batch latency')
  );
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
