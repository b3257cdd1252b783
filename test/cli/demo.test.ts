// `laminardb demo` as a user runs it: main() with real streams over the real engine and the
// deterministic Nexmark generator, plus `npm run demo`'s command line (bin/laminardb.js).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureBuilt, root } from '../api/build-package.js';
import { runCli } from './run-cli.js';

t.test('--events N ends after N events with plain lines and a summary', { timeout: 120_000 }, async (t) => {
  const r = await runCli(['demo', '--events', '100000', '--refresh', '100000']);
  t.equal(r.err, '');
  t.equal(r.code, 0);
  const lines = r.out.trimEnd().split('\n');
  t.equal(lines.length, 2, 'one final refresh line (the refresh interval is longer than the run) and the summary');
  t.notMatch(r.out, /\x1b\[/, 'no terminal escapes when stdout is not a terminal');
  // 10,000 events per second of event time: 100,000 events reach 9.9999 s, the watermark (4 s
  // behind) 5.9999 s, so exactly the windows [0 s, 1 s) … [4 s, 5 s) have closed, and each holds
  // 46/50 of 10,000 events (bids)
  t.match(lines[0], /^\d+\.\ds {2}events=100000 {2}events\/s=\S+ \S* {2}engine events\/s=/);
  t.match(lines[0], /windows closed=5 \(last 00:00:04: 9200 bids\)/);
  t.match(lines[0], /latency p50=\d+(\.\d+)? (µs|ms) p99=\d+(\.\d+)? (µs|ms)/);
  t.match(lines[0], /local_sellers=[1-9]\d* {2}top auction=\d+ \(\d+ bids\)$/);
  t.match(lines[1], /^100000 events in \d+\.\d\d s: \d+ events\/s \(\d+ events\/s inside the engine\); latency p50 \d+\.\d{3} ms p99 \d+\.\d{3} ms; view changes: bids_per_second 5, local_sellers [1-9]\d*, hot_auctions [1-9]\d*$/);
});

t.test('the same events give the same views (the generator is seeded)', { timeout: 120_000 }, async (t) => {
  const views = (out: string) => out.split('\n')[0]!.replace(/^.*(windows closed=)/, '$1');
  const a = await runCli(['demo', '--events', '30000', '--refresh', '100000', '--batch', '500']);
  const b = await runCli(['demo', '--events', '30000', '--refresh', '100000', '--batch', '4096']);
  t.equal(a.code, 0);
  t.equal(views(a.out), views(b.out), 'batch boundaries do not change the results');
});

t.test('on a terminal: a dashboard redrawn in place, cursor restored', { timeout: 120_000 }, async (t) => {
  const r = await runCli(['demo', '--events', '60000'], { stdoutTty: true });
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^\x1b\[\?25l/, 'cursor hidden while drawing');
  t.match(r.out, /\x1b\[H\x1b\[2JLaminarDB demo — Nexmark events into an in-memory database \(finished\)/);
  t.match(r.out, /bids_per_second — windowed aggregate/);
  t.match(r.out, /latency over the run, insert call → first view change \(batches of 1024\): p50 [\d.]+ (µs|ms) +p99 [\d.]+ (µs|ms) .* memory \d+ MiB\n/);
  t.match(r.out, /window_start {2}bids {2}avg_price {2}max_price\n {4}00:00:00 {6}9200 /);
  t.match(r.out, /local_sellers — join \(Nexmark q3\)/);
  t.match(r.out, /hot_auctions — Top-N: the 5 auctions with the most bids/);
  const frame = r.out.slice(r.out.lastIndexOf('hot_auctions — '));
  t.equal(frame.split('\n').filter((l) => /^ {4}\d+ +\d+ +\d+$/.test(l)).length, 5, 'five rows in the Top-N');
  t.match(r.out, /\x1b\[\?25h60000 events in /, 'cursor shown again before the summary');
});

t.test('--help and bad options', async (t) => {
  const help = await runCli(['demo', '--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^Usage: laminardb demo \[--events N\]/);
  t.match((await runCli(['--help'])).out, /\n {2}demo \[--events N\]/, 'listed in the main help');
  for (const [args, message] of [
    [['demo', '--events', '0'], '--events needs a positive integer, got "0"'],
    [['demo', '--events', 'lots'], '--events needs a positive integer, got "lots"'],
    [['demo', '--batch', '-5'], '--batch needs a positive integer, got "-5"'],
    [['demo', '--events'], 'option --events needs a value'],
    [['demo', '--fast'], 'unknown option --fast'],
    [['demo', 'now'], 'demo takes no positional arguments (got now)'],
  ] as const) {
    const r = await runCli([...args]);
    t.equal(r.code, 2, args.join(' '));
    t.equal(r.err, `laminardb: ${message} (see laminardb --help)\n`);
    t.equal(r.out, '');
  }
});

t.test('npm run demo command line: node bin/laminardb.js demo', { timeout: 180_000 }, async (t) => {
  await ensureBuilt();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'laminardb.js'), 'demo', '--events', '20000'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /\n20000 events in \d+\.\d\d s: /);
});

t.test('without --events it runs until Ctrl-C, then prints the summary and exits 0', { timeout: 180_000 }, async (t) => {
  await ensureBuilt();
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'laminardb.js'), 'demo', '--refresh', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // wait for the first progress line, then interrupt
  await new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('\n') && resolve()));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 0);
  t.match(out, /\n\d+ events in \d+\.\d\d s: \d+ events\/s/);
});
