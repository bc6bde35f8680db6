#!/usr/bin/env node
'use strict';
// `npx mail-channel …` from a checkout: run the TypeScript entry through tsx's
// CommonJS loader, so no build step is needed.
require('tsx/cjs');
const { main } = require('./mail-channel.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 2;
  },
);
