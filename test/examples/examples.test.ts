// The examples run as a user runs them (node examples/…, importing the built package by name)
// and print what they promise.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureBuilt, root } from '../api/build-package.js';

t.before(ensureBuilt);

const ran = new Set<string>();

function run(file: string): string {
  ran.add(file);
  return execFileSync(process.execPath, [path.join(root, 'examples', file)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

t.test('quickstart.mjs: changes, then the view', { timeout: 60_000 }, async (t) => {
  const out = run('quickstart.mjs');
  t.match(out, /^insert auction 1: top 100\nupdate auction 1: top 250 \(was 100\)\ninsert auction 2: top 40\n/);
  t.match(out, /│ 0 +│ 1 +│ 250 │ 2 +│/);
});

t.test('windows.cjs: bad rows rejected, windows emitted when closed', { timeout: 60_000 }, async (t) => {
  t.equal(
    run('windows.cjs'),
    ['rejected: NOT_NULL_VIOLATION in row 1, column user_id', '2024-01-01T09:00:00.000Z ann: 2 clicks', '2024-01-01T09:00:00.000Z bob: 1 clicks', ''].join('\n'),
  );
});

t.test('kysely.mjs: typed builder results', { timeout: 60_000 }, async (t) => {
  t.equal(run('kysely.mjs'), "[ { city: 'Lima', people: 2 }, { city: 'Oslo', people: 1 } ]\n[ { name: 'Bob' }, { name: 'Cy' } ]\n");
});

t.test('arrow.mjs: Arrow in, Arrow out', { timeout: 60_000 }, async (t) => {
  const out = run('arrow.mjs');
  t.match(out, /^sensor: Int32, mean: Float64, n: Int64\n/);
  t.match(out, /\{ sensor: 3, mean: 30\.42856\d*, n: 25000n \}/);
});

t.test('iot-sensors.mjs: closed windows only, a late reading dropped, the alert query', { timeout: 60_000 }, async (t) => {
  // boiler 20 + 1.5·s and hall 19 + 0.5·(s mod 3) for s = 0…24; windows of 10 s with the
  // watermark 2 s behind the last reading (24 s): [0, 10) and [10, 20) closed, [20, 30) open
  t.equal(
    run('iot-sensors.mjs'),
    [
      '08:00:00 boiler: n=10 avg=26.75 min=20 max=33.5',
      '08:00:00 hall: n=10 avg=19.45 min=19 max=20',
      '08:00:10 boiler: n=10 avg=41.75 min=35 max=48.5',
      '08:00:10 hall: n=10 avg=19.50 min=19 max=20',
      'alert: boiler reached 48.5 °C in the window from 08:00:10',
      '',
    ].join('\n'),
  );
});

t.test('trades-ohlc.mjs: one bar per symbol and minute, equal to the bars computed directly', { timeout: 60_000 }, async (t) => {
  // the example's prices, aggregated here without the database
  const bars = new Map<string, { open: string; high: number; low: number; close: string; volume: number }>();
  for (let i = 0; i < 180; i++) {
    const minute = `14:3${Math.floor(i / 60)}`;
    const trades: [string, string, number][] = [
      ['ACME', (101 + i * 0.03 + Math.sin(i / 3) * 0.4).toFixed(2), 10 + (i % 7)],
      ['GLOB', (55 - i * 0.02 + Math.cos(i / 4) * 0.25).toFixed(2), 100 + (i % 3) * 50],
    ];
    for (const [symbol, price, qty] of trades) {
      const key = `${minute} ${symbol.padEnd(4)}`;
      const bar = bars.get(key) ?? { open: price, high: -Infinity, low: Infinity, close: price, volume: 0 };
      bar.high = Math.max(bar.high, Number(price));
      bar.low = Math.min(bar.low, Number(price));
      bar.close = price;
      bar.volume += qty;
      bars.set(key, bar);
    }
  }
  const expected = [...bars].map(([k, b]) => `${k} O ${b.open} H ${b.high.toFixed(2)} L ${b.low.toFixed(2)} C ${b.close} V ${b.volume}`);
  const lines = run('trades-ohlc.mjs').trimEnd().split('\n');
  t.same([...lines].sort(), expected.sort());
  t.equal(lines.length, 6);
});

t.test('clickstream-sessions.cjs: sessions split by a 30-minute gap, the open one not emitted', { timeout: 60_000 }, async (t) => {
  const out = run('clickstream-sessions.cjs').split('\n');
  t.same(out.slice(0, 3).sort(), [
    'ann: 09:00-10:10 3 clicks on 2 pages, active 40 min',
    'ann: 11:00-11:30 1 click on 1 page, active 0 min',
    'bob: 09:05-09:50 2 clicks on 2 pages, active 15 min',
  ]);
  t.same(out.slice(3), ['closed sessions of bob so far: 1', '']);
});

t.test('fraud-detection.mjs: operator API alerts, read back through SQL', { timeout: 60_000 }, async (t) => {
  t.equal(
    run('fraud-detection.mjs'),
    [
      'ALERT amex-7: $700 at 2024-03-01T12:00:03.000Z after a small charge at 2024-03-01T12:00:01.000Z',
      'ALERT visa-1: $950 at 2024-03-01T12:00:20.000Z after a small charge at 2024-03-01T12:00:00.000Z',
      "[ { card: 'amex-7', alerts: 1 }, { card: 'visa-1', alerts: 1 } ]",
      'pipeline failed: false',
      '',
    ].join('\n'),
  );
});

t.test('every program in examples/ is run above', async (t) => {
  const programs = fs.readdirSync(path.join(root, 'examples')).filter((f) => /\.(mjs|cjs|js)$/.test(f));
  t.ok(programs.length >= 7);
  t.same(programs.filter((f) => !ran.has(f)), [], 'an example without a test here would rot');
});

t.test('README.md: the usage snippet prints what the README says it prints', { timeout: 60_000 }, async (t) => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const snippet = /Then, in an ES module[^\n]*\n\n```js\n([\s\S]*?)```\n\nprints\n\n```\n([\s\S]*?)```/.exec(readme);
  if (!snippet) throw new Error('README.md: the usage snippet and its "prints" block were not found');
  // inside the package directory, so `import … from 'laminardb'` resolves to this package
  fs.mkdirSync(path.join(root, '.tap'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, '.tap', 'readme-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'app.mjs');
  fs.writeFileSync(file, snippet[1]!);
  const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  t.equal(out, snippet[2]);
});
