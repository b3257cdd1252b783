// `npm run bench:native` — native core micro-benchmarks (state store, SPSC ring, WAL).
// `--quick` runs tiny sizes (used by the smoke test so the benchmarks never rot).
import { printTable, writeResults, type BenchRow } from '../report.js';

type Suite = { run(opts: { quick: boolean }): Promise<BenchRow[]> };

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const suites: [string, () => Promise<Suite>][] = [
    ['state store', () => import('./state.js')],
    ['SPSC ring', () => import('./ring.js')],
    ['WAL', () => import('./wal.js')],
    ['timer wheel', () => import('./timer-wheel.js')],
  ];
  const all: BenchRow[] = [];
  for (const [title, load] of suites) {
    const rows = await (await load()).run({ quick });
    printTable(title, rows);
    all.push(...rows);
  }
  console.log(`\nresults: ${writeResults(quick ? 'native-quick.json' : 'native.json', all)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
