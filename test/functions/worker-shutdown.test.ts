import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CoreRegistry, installCoreApi } from '../../devhost/core-api';
import { repoRoot } from '../../devhost/emulators';
import { useEmulatorEnv, type EmulatorEnv } from '../shared/store/emulator-env';
import { container } from '../../shared/store/cosmos';
import { countsWaiting, deferCounterChanges, flushPendingCounts } from '../../shared/store/channel-stats';
import { tallyChanges } from '../../shared/pipeline/stats-tally';

/**
 * functions/worker-shutdown.ts loaded the way the local host loads the app: when the host
 * stops the worker (appTerminate), the stats counts still waiting for their second are
 * written, on the real store (Cosmos emulator).
 */
let env: EmulatorEnv;
before(async () => {
  env = await useEmulatorEnv();
});
after(async () => {
  await env.stop();
});

test('the worker writes the counts that wait for their second when the host stops it', async () => {
  const registry = new CoreRegistry();
  installCoreApi(registry, () => undefined);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(repoRoot, 'functions', 'worker-shutdown.ts'));
  assert.equal(registry.hooks.appTerminate.length, 1);

  const channelId = `ch-${randomUUID()}`;
  const hour = '2026-12-06T12:00:00.000Z';
  const closed = (latencyBucket: number) => tallyChanges(undefined, { hour, outcome: 'created', latencyBucket });
  deferCounterChanges(channelId, closed(0));
  await flushPendingCounts(channelId);
  // a second mail closing within the second after the first count's write: its count waits
  deferCounterChanges(channelId, closed(1));
  assert.equal(countsWaiting(), 1, 'the second count waits for its second (checked before any timer could run)');

  await registry.runHooks('appTerminate', { hookData: {}, appHookData: registry.appHookData });
  assert.equal(countsWaiting(), 0);
  const { resource } = await (await container('channelStats')).item(`hour:${hour}`, channelId).read<{ finished: number; latency: number[] }>();
  assert.equal(resource?.finished, 2, 'read from the store directly: both mails counted');
  assert.deepEqual(resource?.latency.slice(0, 2), [1, 1]);
});
