// Smoke run of bench/scaling (tiny event count) so it never rots: both configurations must run
// to the end and aggregate every key.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

for (const query of ['agg', 'join', 'exchange']) t.test(`bench/scaling/keyed.ts --query ${query} runs with threads 1 and 2`, async (t) => {
  const out = path.join(os.tmpdir(), `laminar-scaling-${process.pid}-${query}.json`);
  t.teardown(() => fs.rmSync(out, { force: true }));
  const bench = path.join(__dirname, '..', '..', 'bench', 'scaling', 'keyed.ts');
  const r = spawnSync(process.execPath, [...process.execArgv, bench, '--query', query, '--events', '40000', '--batch', '1000', '--keys', '500', '--json', out], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 0, r.stderr);
  // CPU time comes in 10 ms ticks: a smoke run may be too short for a CPU-bound ratio
  if (query !== 'exchange') t.match(r.stdout, new RegExp(`speed-up ${query} 2 threads vs 1: wall [0-9.]+x, cpu-bound ([0-9.]+x|n/a \\(run too short\\))`));
  t.match(r.stdout, /load average=/, 'the load average is printed');
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    results: { threads: number; groups: number; events: number; cpuNsPerEvent: Record<string, number> }[];
    scaling: { query: string; wallRatio: number; cpuBoundRatio: number | null; shardNsPerEvent: number[] }[];
  };
  t.strictSame(report.results.map((x) => x.threads), [1, 2]);
  t.equal(report.scaling.length, 1);
  t.equal(report.scaling[0]!.query, query);
  t.ok(report.scaling[0]!.wallRatio > 0, 'the wall-clock ratio is reported');
  t.ok(report.scaling[0]!.cpuBoundRatio === null || report.scaling[0]!.cpuBoundRatio > 0, 'the CPU-bound ratio is reported when measurable');
  t.equal(report.scaling[0]!.shardNsPerEvent.length, 2);
  if (query === 'exchange') {
    t.match(r.stdout, /exchange cost per event \(2 threads\): wall [0-9.]+ ns; CPU: main thread \d+ ns/);
    return;
  }
  for (const x of report.results) {
    if (query === 'agg') t.equal(x.groups, 500, `threads=${x.threads}: every key aggregated`);
    t.equal(x.groups, report.results[0]!.groups, `threads=${x.threads}: as many groups as one thread`);
    t.ok(x.groups > 100);
    t.equal(x.events, 40000);
  }
  t.equal(Object.keys(report.results[1]!.cpuNsPerEvent).filter((k) => k.startsWith('laminar-shard')).length, 2, 'CPU time of both shard threads');
});

t.test('bench/scaling/keyed.ts --durable runs with threads 1 and 2', async (t) => {
  const bench = path.join(__dirname, '..', '..', 'bench', 'scaling', 'keyed.ts');
  const r = spawnSync(process.execPath, [...process.execArgv, bench, '--durable', '--query', 'agg', '--events', '40000', '--batch', '1000', '--keys', '500'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^durable cpus=/m);
  t.match(r.stdout, /agg threads=2 .* groups=500 /, 'every key aggregated by the durable shards');
  t.match(r.stdout, /speed-up agg 2 threads vs 1/);
});
