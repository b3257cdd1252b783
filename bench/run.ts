// `npm run bench` — every benchmark suite, one after another in child processes (so one suite's
// heap and JIT state do not colour the next), then one summary of what each wrote to
// bench/results/. `--quick` passes tiny sizes to every suite (what the smoke test runs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchRow } from './report.js';

interface Suite {
  name: string;
  script: string;
  /** results file the suite writes (full, quick); null: it only prints */
  results: [string, string] | null;
  /** environment for a quick run, for suites sized by environment variables */
  quickEnv?: Record<string, string>;
  /** extra arguments of a full (not quick) run */
  fullArgs?: string[];
}

export const SUITES: Suite[] = [
  { name: 'nexmark', script: 'nexmark/run.ts', results: ['nexmark.json', 'nexmark-quick.json'] },
  // latency is measured on the compiled package (what `require('laminardb')` runs): under tsx every
  // imported call goes through a getter, ~0.3 µs per event on this sub-microsecond path
  { name: 'latency', script: 'latency/run.ts', results: ['latency-dist.json', 'latency-quick.json'], fullArgs: ['--dist'] },
  { name: 'window-trigger', script: 'window-trigger/run.ts', results: ['window-trigger.json', 'window-trigger-quick.json'] },
  { name: 'native', script: 'native/run.ts', results: ['native.json', 'native-quick.json'] },
  { name: 'storage', script: 'storage/run.ts', results: null, quickEnv: { LAMINAR_BENCH_EVENTS: '4000' } },
  { name: 'operator-api', script: 'operator-api/run.ts', results: ['operator-api.json', 'operator-api-quick.json'] },
];

export interface SuiteOutcome {
  name: string;
  ok: boolean;
  seconds: number;
  rows: BenchRow[];
  error?: string;
}

/** Runs one suite's script with tsx (in environment `baseEnv`); reads back the rows it wrote. */
export function runSuite(suite: Suite, quick: boolean, extraArgs: string[] = [], baseEnv: NodeJS.ProcessEnv = process.env): SuiteOutcome {
  const script = path.join(__dirname, suite.script);
  if (!fs.existsSync(script)) return { name: suite.name, ok: true, seconds: 0, rows: [], error: 'not present, skipped' };
  const resultsFile = suite.results ? path.join(__dirname, 'results', suite.results[quick ? 1 : 0]) : null;
  const before = resultsFile && fs.existsSync(resultsFile) ? fs.statSync(resultsFile).mtimeMs : 0;
  const t0 = performance.now();
  const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  const env = quick && suite.quickEnv ? { ...baseEnv, ...suite.quickEnv } : baseEnv;
  const r = spawnSync(tsx, [script, ...(quick ? ['--quick'] : (suite.fullArgs ?? [])), ...extraArgs], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const seconds = (performance.now() - t0) / 1000;
  if (resultsFile === null) {
    return r.status === 0 ? { name: suite.name, ok: true, seconds, rows: [] } : { name: suite.name, ok: false, seconds, rows: [], error: `exited with ${r.status ?? r.signal}` };
  }
  const wrote = fs.existsSync(resultsFile) && fs.statSync(resultsFile).mtimeMs > before;
  const rows = wrote ? ((JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { rows: BenchRow[] }).rows ?? []) : [];
  if (r.status !== 0) return { name: suite.name, ok: false, seconds, rows, error: `exited with ${r.status ?? r.signal}` };
  if (!wrote) return { name: suite.name, ok: false, seconds, rows, error: `did not write ${path.basename(resultsFile)}` };
  return { name: suite.name, ok: true, seconds, rows };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)} K`;
  return n >= 100 ? n.toFixed(0) : n.toFixed(2);
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const outcomes = SUITES.map((s) => runSuite(s, quick));
  console.log('\n==== summary ====');
  for (const o of outcomes) {
    console.log(`\n${o.name}: ${o.ok ? 'ok' : 'FAILED'} (${o.seconds.toFixed(1)} s)${o.error ? ` — ${o.error}` : ''}`);
    for (const r of o.rows) {
      const base = r.baseline ? `   ${r.baseline}: ${fmt(r.baselineValue ?? NaN)} ${r.unit}` : '';
      console.log(`  ${r.name.padEnd(40)} ${`${fmt(r.value)} ${r.unit}`.padStart(18)}${base}`);
    }
  }
  if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}

if (require.main === module) main();
