#!/usr/bin/env node
// Thin shim (CommonJS, see bin/package.json): run the bundled CLI dist/cli.cjs, built by
// `npm install` / `npm run build`. The build also stores V8's compiled code for it
// (dist/cli.cjs.cache) so start-up skips most parsing; a cache V8 rejects (another Node
// version) only costs speed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'cli.cjs');
let source;
try {
  source = fs.readFileSync(file, 'utf8');
} catch {
  process.stderr.write('moe-calc: not built yet: run "npm install" (or "npm run build") in the moe-calc folder\n');
  process.exitCode = 2;
}
if (source !== undefined) {
  let cachedData;
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    // no cache: compile normally
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (process.env.MOE_CALC_WRITE_CODE_CACHE) {
    // the build runs one command with this set, so the cache holds the functions it compiled
    process.on('exit', () => fs.writeFileSync(`${file}.cache`, script.createCachedData()));
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
}
