// The packed tarball, with its prebuild, installs into an empty project with no compiler and
// loads the prebuilt addon. Everything happens in a temporary copy of the package: rebuilding the
// addon in the working tree would remove build/Release under tests running in parallel.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function pack(dir: string, dest: string): { tarball: string; files: string[] } {
  // --ignore-scripts: dist/ is already built by `npm install` (prepare); rebuilding it here would
  // rewrite files other tests are reading.
  const out = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--pack-destination', dest, '--json'], dir))[0];
  return { tarball: path.join(dest, out.filename as string), files: out.files.map((f: { path: string }) => f.path) };
}

t.test('npm run prebuild → npm pack → install elsewhere uses the prebuild, compiles nothing', { timeout: 300_000 }, async (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-pack-'));
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));

  // 1. The package as published, unpacked, with the repo's dev dependencies for the build tools.
  const source = pack(root, work);
  t.ok(source.files.includes('dist/cjs/index.js') && source.files.includes('dist/esm/index.mjs'), 'ships both builds');
  t.ok(source.files.includes('types/index.d.ts'), 'ships the type definitions');
  t.ok(source.files.includes('binding.gyp') && source.files.includes('scripts/list-sources.cjs'), 'ships the fallback native build');
  const pkgDir = path.join(work, 'pkg');
  fs.mkdirSync(pkgDir);
  run('tar', ['-xzf', source.tarball, '-C', pkgDir, '--strip-components=1'], work);
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkgDir, 'node_modules'), 'dir');
  // the prebuild script is a maintainer tool, not shipped
  fs.copyFileSync(path.join(root, 'scripts', 'prebuild.cjs'), path.join(pkgDir, 'scripts', 'prebuild.cjs'));

  // 2. `npm run prebuild` there, then pack again: the tarball now carries prebuilds/linux-x64.
  run('npm', ['run', 'prebuild'], pkgDir);
  t.ok(fs.readdirSync(path.join(pkgDir, 'prebuilds', 'linux-x64')).some((f) => f.endsWith('.node')), 'prebuild written');
  fs.unlinkSync(path.join(pkgDir, 'node_modules'));
  const dest = path.join(work, 'out');
  fs.mkdirSync(dest);
  const packed = pack(pkgDir, dest);
  t.ok(packed.files.some((f) => f.startsWith('prebuilds/linux-x64/')), 'tarball ships the prebuild');

  // 3. Install into an empty app with every compiler hidden: a build attempt would fail the install.
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, CC: '/bin/false', CXX: '/bin/false', npm_config_nodedir: '/nonexistent' };
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', packed.tarball], app, env);
  const installed = path.join(app, 'node_modules', 'laminardb');
  t.notOk(fs.existsSync(path.join(installed, 'build')), 'no local native build happened');

  const probe = "console.log(typeof l.open, l.nativeAbiVersion())";
  const cjs = run(process.execPath, ['-e', `const l=require('laminardb');${probe}`], app, { ...env, PREBUILDS_ONLY: '1' });
  t.equal(cjs.trim(), 'function 1', 'CommonJS entry loads the prebuilt addon');
  const esm = run(process.execPath, ['--input-type=module', '-e', `import * as l from 'laminardb'; ${probe}`], app, { ...env, PREBUILDS_ONLY: '1' });
  t.equal(esm.trim(), 'function 1', 'ESM entry loads the prebuilt addon');
  const e2e = run(
    process.execPath,
    ['-e', "require('laminardb').open().then(async (db) => { await db.execute('CREATE TABLE t (a INT)'); db.insert('t', [{ a: 41 }]); console.log(JSON.stringify(await db.query('SELECT a + 1 AS b FROM t'))); await db.close(); })"],
    app,
    { ...env, PREBUILDS_ONLY: '1' },
  );
  t.equal(e2e.trim(), '[{"b":42}]', 'the installed package runs SQL');
});
