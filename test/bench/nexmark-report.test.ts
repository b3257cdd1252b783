// The Nexmark bench's report: state entries and RSS per query, and the SVG chart.
import t from 'tap';
import { generate, runQuery, TARGETS } from '../../bench/nexmark/run.js';
import { nexmarkChart } from '../../bench/nexmark/chart.js';
import { comparisonTable, verdicts } from '../../bench/nexmark/compare.js';

t.test('runQuery reports operator state entries and RSS', async (t) => {
  const { batches } = generate(4000, 512);
  const q0 = runQuery('q0', batches);
  t.equal(q0.error, undefined);
  t.equal(q0.stateEntries, 0, 'a projection holds no operator state');
  const q4 = runQuery('q4', batches);
  t.equal(q4.error, undefined);
  t.ok(q4.stateEntries > 0, `q4 keeps join and aggregate state (${q4.stateEntries} entries)`);
  for (const r of [q0, q4]) {
    t.ok(r.rssBeforeMb > 0 && r.peakRssMb >= r.rssBeforeMb, `${r.query}: peak RSS ≥ RSS at start`);
  }
});

t.test('the chart has one row per query, colours by target, and escapes text', async (t) => {
  const svg = nexmarkChart('title <&>', [
    { query: 'q0', eventsPerSec: 6e6, target: TARGETS.q0, floor: 5e7 },
    { query: 'q1', eventsPerSec: 2e6, target: TARGETS.q1, rxjs: 9e7 },
    { query: 'q11', eventsPerSec: 3e5 },
    { query: 'q9', eventsPerSec: 0, error: 'boom <bad>' },
  ]);
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.ok(svg.trimEnd().endsWith('</svg>'));
  t.match(svg, /title &lt;&amp;&gt;/);
  t.match(svg, /<rect[^>]*fill="#2a9d4b"><title>q0: 6000000/, 'q0 meets its target: green');
  t.match(svg, /<rect[^>]*fill="#d43c3c"><title>q1: 2000000/, 'q1 misses: red');
  t.match(svg, /<rect[^>]*fill="#999"><title>q11: 300000/, 'no target: grey');
  t.match(svg, /failed: boom &lt;bad&gt;/);
  t.equal((svg.match(/<title>target:/g) ?? []).length, 2, 'a target tick for each query with a target');
  t.equal((svg.match(/<title>floor:/g) ?? []).length, 1);
  t.equal((svg.match(/<title>RxJS:/g) ?? []).length, 1);
  // a faster rate draws a longer bar (log scale)
  const width = (q: string) => Number(new RegExp(`width="([\\d.]+)" height="14" fill="[^"]+"><title>${q}:`).exec(svg)![1]);
  t.ok(width('q0') > width('q1') && width('q1') > width('q11'));
});

t.test('the comparison verdicts: absolute target, half the floor, ten times RxJS', async (t) => {
  t.same(verdicts(6e6, 5e6, 12e6, 0.5e6), { absolute: true, halfFloor: true, tenTimesRx: true }, 'exactly half the floor and ten times RxJS meet');
  t.same(verdicts(6e6, 7e6, 12.1e6, 0.61e6), { absolute: false, halfFloor: false, tenTimesRx: false });
  t.same(verdicts(6e6), {}, 'no target, floor or RxJS: no verdict');
  const table = comparisonTable([
    { query: 'q1', engine: 6e6, target: 5e6, floor: 20e6, kernel: 500e6, rxjs: 0.5e6 },
    { query: 'q9', engine: 0, error: 'boom' },
  ]);
  const lines = table.split('\n');
  t.equal(lines.length, 3, 'a header and a line per query');
  t.match(lines[0], /engine\s+floor \(same work\)\s+engine÷floor\s+floor, columnar changes\s+kernel only\s+RxJS\s+engine÷RxJS\s+targets/);
  t.match(lines[1], /^q1\s+6\.00 M\s+20\.00 M\s+0\.30×\s+-\s+500\.00 M\s+500\.0 K\s+12\.00×\s+≥ 5\.00 M: met, ≥ 0\.5× floor: MISSED, ≥ 10× RxJS: met$/);
  t.match(lines[2], /^q9 .*FAILED: boom$/);
});

t.test('the comparison prints CPU-time ratios beside the wall-clock ones', async (t) => {
  const table = comparisonTable([{ query: 'q7', engine: 1e6, floor: 4e6, rxjs: 2e6, cpu: { engine: 2e6, floor: 4e6, rxjs: 1e6 } }]);
  t.match(table.split('\n')[1], /0\.25× \(CPU 0\.50×\).*0\.50× \(CPU 2\.00×\)/);
});
