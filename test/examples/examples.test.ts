// The examples run as a user runs them (node examples/…, importing the built package by name)
// and print what they promise.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureBuilt, root } from '../api/build-package.js';

t.before(ensureBuilt);

function run(file: string): string {
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
