// Loads the native addon once (prebuild or local build) via node-gyp-build.
import * as path from 'node:path';
import * as fs from 'node:fs';

function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'laminardb') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('laminardb: cannot locate the package root to load the native addon');
    dir = parent;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NativeAddon = any;

let cached: NativeAddon | undefined;

/** The native addon; loaded lazily so pure-TypeScript paths never pay for it. */
export function native(): NativeAddon {
  if (cached === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    cached = load(packageRoot());
  }
  return cached;
}
