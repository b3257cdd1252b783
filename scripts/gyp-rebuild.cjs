// Builds the addon with node-gyp against the local Node headers, never downloading them.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { envWithNodeDir } = require('./node-headers.cjs');

const env = envWithNodeDir();
const args = ['rebuild'];
if (env.npm_config_nodedir) args.push(`--nodedir=${env.npm_config_nodedir}`);
// Inside npm scripts npm names its bundled node-gyp; run directly, look for npm's copy.
const npmCopy = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const bin = process.env.npm_config_node_gyp || (fs.existsSync(npmCopy) ? npmCopy : undefined);
const cmd = bin ? process.execPath : 'node-gyp';
const cmdArgs = bin ? [bin, ...args] : args;
const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env, cwd: path.join(__dirname, '..') });
if (r.error) console.error(`laminardb: cannot run node-gyp: ${r.error.message}`);
process.exit(r.status === null ? 1 : r.status);
