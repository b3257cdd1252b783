// Finds the local Node headers so native builds never download them (there is no network here).
'use strict';
const fs = require('fs');
const path = require('path');

/** The directory to pass as nodedir: Debian's /usr, an official tarball's prefix, or /usr/local. */
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const dir of [prefix, '/usr', '/usr/local']) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  return undefined;
}

/** A copy of the environment with npm_config_nodedir set when the caller has not set it. */
function envWithNodeDir(env = process.env) {
  const out = { ...env };
  if (!out.npm_config_nodedir) {
    const dir = localNodeDir();
    if (dir) out.npm_config_nodedir = dir;
  }
  return out;
}

module.exports = { localNodeDir, envWithNodeDir };
