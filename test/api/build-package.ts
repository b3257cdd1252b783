// Builds dist/ (CommonJS + the ESM facade) for tests that run the package as users do, at most
// once per source change: skipped while dist is newer than every lib/ file, serialised across
// parallel test processes by a lock directory.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.sql')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  const esm = path.join(root, 'dist', 'esm', 'index.mjs');
  if (!fs.existsSync(esm) || !fs.existsSync(path.join(root, 'dist', 'cjs', 'index.js'))) return false;
  return fs.statSync(esm).mtimeMs > newestMtime(path.join(root, 'lib'));
}

export async function ensureBuilt(): Promise<void> {
  const lock = path.join(root, 'dist', '.test-build-lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (waited > 180_000) fs.rmSync(lock, { recursive: true, force: true }); // a crashed holder
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (isFresh()) return;
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
        cwd: root,
        stdio: 'pipe',
      });
    } catch {
      // type errors elsewhere in the tree do not stop the emit; the typecheck step reports them
    }
    if (!fs.existsSync(path.join(root, 'dist', 'cjs', 'index.js'))) throw new Error('the TypeScript build emitted nothing');
    execFileSync(process.execPath, ['scripts/esm-wrapper.cjs'], { cwd: root, stdio: 'pipe' });
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
