import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { HEAVY_PACKAGES, ProbeReport } from '../../bench/cold-start-probe';

/**
 * Graph gives a cold instance 10 s to answer the validation handshake of a new
 * subscription, so the webhook entries must not load the storage, Cosmos, Graph or mail
 * SDKs when they are required — only on the first real notification. Each entry is
 * required in a fresh node process (a clean require.cache) under the same
 * `@azure/functions-core` registration hook the Functions worker and devhost use.
 */
const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);

async function probe(entry: string, functionName: string): Promise<ProbeReport> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/cold-start-probe.ts', '--handshake', functionName, entry], { cwd: root });
  return ProbeReport.parse(JSON.parse(stdout));
}

for (const [entry, functionName] of [['functions/graph-notify.ts', 'graphNotify'], ['functions/graph-lifecycle.ts', 'graphLifecycle']] as const) {
  test(`${entry} registers ${functionName} and answers the validation handshake without loading any heavy SDK`, async () => {
    const report = await probe(entry, functionName);
    assert.deepEqual(report.registered, [functionName]);
    assert.deepEqual(report.heavyLoaded, [], `loaded at require time: ${report.heavyLoaded.join(', ')}`);
    assert.ok(report.handshake);
    assert.equal(report.handshake.status, 200);
    assert.match(report.handshake.body, /^Validation: Testing client application reachability/);
    assert.deepEqual(report.handshake.heavyLoaded, [], `loaded by the handshake: ${report.handshake.heavyLoaded.join(', ')}`);
  });
}

test('the probe sees a heavy SDK when an entry does load one (process-mail loads the pipeline)', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/cold-start-probe.ts', 'functions/process-mail.ts'], { cwd: root });
  const report = ProbeReport.parse(JSON.parse(stdout));
  assert.deepEqual(report.registered, ['processMail']);
  for (const pkg of ['@azure/cosmos', '@azure/storage-blob', 'mailparser'] as const) {
    assert.ok(HEAVY_PACKAGES.includes(pkg));
    assert.ok(report.heavyLoaded.includes(pkg), `${pkg} in ${report.heavyLoaded.join(', ')}`);
  }
});
