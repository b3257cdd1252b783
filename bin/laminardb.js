#!/usr/bin/env node
// The laminardb command line (built code in dist/cjs; see lib/cli/main.ts).
'use strict';
const { main } = require('../dist/cjs/cli/main.js');

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`laminardb: internal error: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 70;
  },
);
