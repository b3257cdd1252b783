// Writes dist/esm/index.mjs: an ESM facade over the CommonJS build, so both entry points share
// one module instance (error classes stay instanceof-compatible across import and require).
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const cjs = require(path.join(root, 'dist/cjs/index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule');
const lines = [
  "import { createRequire } from 'node:module';",
  'const require = createRequire(import.meta.url);',
  "const lib = require('../cjs/index.js');",
  ...names.map((n) => `export const ${n} = lib.${n};`),
  'export default lib;',
  '',
];
fs.mkdirSync(path.join(root, 'dist/esm'), { recursive: true });
fs.writeFileSync(path.join(root, 'dist/esm/index.mjs'), lines.join('\n'));
