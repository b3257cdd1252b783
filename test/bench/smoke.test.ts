// Smoke run of every benchmark with tiny sizes, so the benchmarks never rot. Checks that each
// run completes and agrees with the hand-written floor where one exists — never timings.
import t from 'tap';
import { floors } from '../../bench/nexmark/floor.js';
import { generate, queryNames, runQuery } from '../../bench/nexmark/run.js';
import { runLatency } from '../../bench/latency/run.js';
import { closeAllAtOnce, closeOneByOne, floor } from '../../bench/window-trigger/run.js';
import { SUITES, runSuite } from '../../bench/run.js';
import { tsChildEnv } from '../helpers/ts-child.js';

t.test('every Nexmark query runs through the engine', async (t) => {
  const { batches } = generate(3000, 512);
  const names = queryNames();
  t.ok(names.length >= 20, `found ${names.length} queries`);
  for (const name of names) {
    const r = runQuery(name, batches);
    t.equal(r.error, undefined, `${name} runs`);
    t.ok(r.eventsPerSec > 0, `${name} measured a rate`);
  }
});

t.test('stateless queries emit exactly the rows of the hand-written floor', async (t) => {
  const { batches } = generate(3000, 512);
  for (const name of ['q0', 'q1', 'q2']) {
    const f = floors[name]!();
    let floorRows = 0;
    for (const b of batches) floorRows += f.push(b);
    floorRows += f.finish();
    t.ok(floorRows > 0, `${name} floor produced rows`);
    t.equal(runQuery(name, batches).outputRows, floorRows, `${name}: engine changes = floor rows`);
  }
});

t.test('latency bench: every view answers, percentiles are ordered', async (t) => {
  const results = runLatency({ events: 300, rate: 100_000 });
  t.equal(results.length, 4);
  for (const r of results) {
    t.ok(r.callbacks > 0, `${r.name} got callbacks`);
    t.ok(r.callbacks <= r.events, `${r.name} at most one callback per event`);
    t.ok(r.p50Us <= r.p99Us && r.p99Us <= r.p999Us && r.p999Us <= r.maxUs, `${r.name} p50 ≤ p99 ≤ p999 ≤ max`);
  }
  const agg = results.filter((r) => r.name.endsWith('keyed aggregate'));
  t.ok(agg.every((r) => r.callbacks === r.events), 'every event changes the keyed aggregate');
});

t.test('native and storage suites complete in quick mode', async (t) => {
  for (const suite of SUITES.filter((s) => s.name === 'native' || s.name === 'storage')) {
    const o = runSuite(suite, true, [], tsChildEnv());
    t.ok(o.ok, `${suite.name}: ${o.error ?? 'ok'}`);
  }
});

t.test('window-trigger bench: every window closes once with all its rows, like the floor', async (t) => {
  for (const r of [closeOneByOne(30, 3), closeAllAtOnce(30, 3), floor(30, 3)]) {
    t.equal(r.windows, 30, `${r.name}: windows closed`);
    t.equal(r.rows, 90, `${r.name}: rows delivered`);
    t.ok(r.perWindowUs > 0, `${r.name}: a cost was measured`);
  }
});
