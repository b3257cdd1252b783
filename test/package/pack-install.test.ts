// The packed tarball installs into an empty project with no compiler and loads the prebuilt addon.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

t.test('npm pack → install elsewhere uses the prebuild, compiles nothing', { timeout: 240_000 }, async (t) => {
  // Leave no prebuild behind unless one was there: node-gyp-build prefers build/Release but falls
  // back to prebuilds/, and a stale prebuild would silently shadow a missing local build.
  const hadPrebuilds = fs.existsSync(path.join(root, 'prebuilds'));
  t.teardown(() => {
    if (!hadPrebuilds) fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
  });
  run(process.execPath, ['scripts/prebuild.cjs'], root);
  t.ok(fs.existsSync(path.join(root, 'prebuilds', 'linux-x64')), 'prebuilds/linux-x64 exists');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-pack-'));
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const packed = run('npm', ['pack', '--pack-destination', work, '--json'], root);
  const tarball = path.join(work, JSON.parse(packed)[0].filename as string);
  const listing = JSON.parse(packed)[0].files.map((f: { path: string }) => f.path) as string[];
  t.ok(listing.some((f) => f.startsWith('prebuilds/linux-x64/')), 'tarball ships the prebuild');
  t.ok(listing.includes('dist/cjs/index.js') && listing.includes('dist/esm/index.mjs'), 'tarball ships both builds');
  t.ok(listing.includes('types/index.d.ts'), 'tarball ships the type definitions');

  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // Hide every compiler: a build attempt would fail the install.
  const env: NodeJS.ProcessEnv = { ...process.env, CC: '/bin/false', CXX: '/bin/false', npm_config_nodedir: '/nonexistent' };
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app, env);
  const installed = path.join(app, 'node_modules', 'laminardb');
  t.notOk(fs.existsSync(path.join(installed, 'build')), 'no local native build happened');

  const cjs = run(process.execPath, ['-e', "const l=require('laminardb');console.log(typeof l.open, l.nativeAbiVersion())"], app, {
    ...env,
    PREBUILDS_ONLY: '1',
  });
  t.equal(cjs.trim(), 'function 1', 'CommonJS entry loads the prebuilt addon');
  const esm = run(
    process.execPath,
    ['--input-type=module', '-e', "import { open, nativeAbiVersion } from 'laminardb'; console.log(typeof open, nativeAbiVersion())"],
    app,
    { ...env, PREBUILDS_ONLY: '1' },
  );
  t.equal(esm.trim(), 'function 1', 'ESM entry loads the prebuilt addon');
});
