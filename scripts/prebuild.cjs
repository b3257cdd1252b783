// Runs prebuildify (N-API, so one binary serves Node 20/22/24) against the local Node headers.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const { envWithNodeDir } = require('./node-headers.cjs');

const bin = require.resolve('prebuildify/bin.js');
const args = [bin, '--napi', '--strip', `--target=node@${process.versions.node}`];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: envWithNodeDir(), cwd: path.join(__dirname, '..') });
process.exit(r.status === null ? 1 : r.status);
