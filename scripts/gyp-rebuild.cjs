// Builds the addon with node-gyp against the local Node headers, never downloading them.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = ['rebuild'];
const env = { ...process.env };
if (!env.npm_config_nodedir) {
  // Debian's nodejs ships headers in /usr/include/node; an official tarball in <prefix>/include/node.
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const dir of [prefix, '/usr', '/usr/local']) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) {
      env.npm_config_nodedir = dir;
      break;
    }
  }
}
if (env.npm_config_nodedir) args.push(`--nodedir=${env.npm_config_nodedir}`);
const bin = process.env.npm_config_node_gyp;
const cmd = bin ? process.execPath : 'node-gyp';
const cmdArgs = bin ? [bin, ...args] : args;
const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env, cwd: path.join(__dirname, '..') });
process.exit(r.status === null ? 1 : r.status);
