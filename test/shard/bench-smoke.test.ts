// Smoke run of bench/scaling (tiny event count) so it never rots: both configurations must run
// to the end and aggregate every key.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

for (const query of ['agg', 'join']) t.test(`bench/scaling/keyed.ts --query ${query} runs with threads 1 and 2`, async (t) => {
  const out = path.join(os.tmpdir(), `laminar-scaling-${process.pid}-${query}.json`);
  t.teardown(() => fs.rmSync(out, { force: true }));
  const bench = path.join(__dirname, '..', '..', 'bench', 'scaling', 'keyed.ts');
  const r = spawnSync(process.execPath, [...process.execArgv, bench, '--query', query, '--events', '40000', '--batch', '1000', '--keys', '500', '--json', out], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /speed-up 2 threads vs 1/);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: { threads: number; groups: number; events: number; cpuNsPerEvent: Record<string, number> }[] };
  t.strictSame(report.results.map((x) => x.threads), [1, 2]);
  for (const x of report.results) {
    if (query === 'agg') t.equal(x.groups, 500, `threads=${x.threads}: every key aggregated`);
    t.equal(x.groups, report.results[0]!.groups, `threads=${x.threads}: as many groups as one thread`);
    t.ok(x.groups > 100);
    t.equal(x.events, 40000);
  }
  t.equal(Object.keys(report.results[1]!.cpuNsPerEvent).filter((k) => k.startsWith('laminar-shard')).length, 2, 'CPU time of both shard threads');
});
