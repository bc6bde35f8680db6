import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
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

/** Every entry of the app, as package.json `main` (dist/functions/*.js) has the worker load them. */
const ALL_ENTRIES = fs.readdirSync(path.join(root, 'functions')).filter((f) => f.endsWith('.ts')).sort().map((f) => `functions/${f}`);

test('every entry loaded together, as the Functions worker loads main, answers the handshake without any heavy SDK: each loads its SDKs on first use', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/cold-start-probe.ts', '--handshake', 'graphNotify', ...ALL_ENTRIES], { cwd: root });
  const report = ProbeReport.parse(JSON.parse(stdout));
  for (const name of ['processMail', 'syncMailbox', 'scheduleSync', 'renewSubscriptions', 'sendMail', 'recordSendFailure', 'recordFailure', 'sweepOutbox', 'moveThreadEntries', 'health', 'adminListChannels', 'graphNotify', 'graphLifecycle']) {
    assert.ok(report.registered.includes(name), `${name} registered`);
  }
  assert.deepEqual(report.heavyLoaded, [], `loaded at require time: ${report.heavyLoaded.join(', ')}`);
  assert.equal(report.handshake?.status, 200);
  assert.deepEqual(report.handshake?.heavyLoaded, []);
});

test('the probe sees a heavy SDK when a module does load one (the pipeline runtime)', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/cold-start-probe.ts', 'shared/pipeline/runtime.ts'], { cwd: root });
  const report = ProbeReport.parse(JSON.parse(stdout));
  assert.deepEqual(report.registered, []);
  for (const pkg of ['@azure/cosmos', '@azure/storage-blob', 'mailparser'] as const) {
    assert.ok(HEAVY_PACKAGES.includes(pkg));
    assert.ok(report.heavyLoaded.includes(pkg), `${pkg} in ${report.heavyLoaded.join(', ')}`);
  }
});
