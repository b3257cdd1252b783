// Runs prebuildify (N-API, so one binary serves Node 20/22/24) against the local Node headers.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const env = { ...process.env };
if (!env.npm_config_nodedir) {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const dir of [prefix, '/usr', '/usr/local']) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) {
      env.npm_config_nodedir = dir;
      break;
    }
  }
}
const bin = require.resolve('prebuildify/bin.js');
const args = [bin, '--napi', '--strip', `--target=node@${process.versions.node}`];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env, cwd: path.join(__dirname, '..') });
process.exit(r.status === null ? 1 : r.status);
