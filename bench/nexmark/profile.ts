// CPU profile of exactly the timed loop of one Nexmark query (generator, set-up, warm-up and the
// forced collection before the loop excluded):
//   npx tsx bench/nexmark/profile.ts q7 [events]
// writes <tmpdir>/laminardb-<query>.cpuprofile (open it in Chrome DevTools) and prints the top
// self-time functions and source files. Self time attributed to "(garbage collector)" is the
// main thread's share of collections.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Session } from 'node:inspector';
import { generate, runQuery } from './run.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per source file, largest first, as [name, µs]. */
export function selfTimes(profile: Profile): { functions: [string, number][]; files: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const f = byId.get(profile.samples[i])!.callFrame;
    // a sample's time is the gap to the next one (the last sample's gap is the profiler stopping)
    const us = profile.timeDeltas[i + 1] ?? 0;
    const file = f.url ? f.url.split('/').slice(-2).join('/') : f.functionName;
    const fn = `${f.functionName || '(anonymous)'} ${file}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { functions: sorted(functions), files: sorted(files) };
}

function main(): void {
  const query = process.argv[2] ?? 'q7';
  const events = Number(process.argv[3] ?? 1_000_000);
  const { batches } = generate(events, 4096);
  runQuery(query, batches.slice(0, 50)); // compile the query's code paths first
  const session = new Session();
  session.connect();
  // the inspector answers a same-thread session synchronously, so the profile brackets exactly
  // the timed loop: no set-up, warm-up or the forced full collection before it
  let profile: Profile | undefined;
  session.post('Profiler.enable');
  const r = runQuery(query, batches, {
    start: () => session.post('Profiler.start'),
    stop: () =>
      session.post('Profiler.stop', (err, res) => {
        if (err) throw err;
        profile = res.profile as unknown as Profile;
      }),
  });
  session.disconnect();
  if (profile === undefined) throw new Error('the profiler returned no profile');
  const out = path.join(os.tmpdir(), `laminardb-${query}.cpuprofile`);
  fs.writeFileSync(out, JSON.stringify(profile));
  const { functions, files } = selfTimes(profile);
  const total = functions.reduce((s, [, us]) => s + us, 0);
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
  console.log(`${query}: ${(r.eventsPerSec / 1e6).toFixed(3)} M events/s (${(r.cpuEventsPerSec / 1e6).toFixed(3)} M per CPU-second), ${r.stateEntries} state entries`);
  console.log('\nself time by file');
  for (const [name, us] of files.slice(0, 12)) console.log(`  ${pct(us)}  ${name}`);
  console.log('\nself time by function');
  for (const [name, us] of functions.slice(0, 20)) console.log(`  ${pct(us)}  ${name}`);
  console.log(`\nprofile: ${out}`);
}

if (require.main === module) main();
