import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { CosmosClient } from '@azure/cosmos';
import { QueueServiceClient } from '@azure/storage-queue';
import { COSMOS_EMULATOR_KEY, DEV_ACCOUNT, DEV_ACCOUNT_KEY } from '../../devhost/emulators';
import { interrupt, startNpmStart } from '../support/npm-start';

/**
 * `npm start` (scripts/start.ts) end to end, in a throwaway data dir and settings file:
 * it comes up, keeps data across a restart, `--fresh` wipes it, and Ctrl-C (SIGINT to
 * the process group, as a terminal sends it) stops every process it started.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const start = (extra: string[] = []) => startNpmStart(tmp, extra);

function processesUsing(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const cosmosClient = (endpoint: string) => new CosmosClient({ endpoint, key: COSMOS_EMULATOR_KEY, connectionPolicy: { enableEndpointDiscovery: false } });
const queueClient = (endpoint: string) => QueueServiceClient.fromConnectionString(
  `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};QueueEndpoint=${endpoint};`,
).getQueueClient('start-test');

test('npm start runs the app on the emulators, keeps data across a restart, --fresh wipes it, and Ctrl-C leaves no process behind', async () => {
  const first = await start();
  const health = await fetch(`${first.hostUrl}/api/health`);
  assert.equal(health.status, 200, first.out());
  const settings = JSON.parse(fs.readFileSync(path.join(tmp, 'local.settings.json'), 'utf8')) as { Values: Record<string, string> };
  assert.equal(settings.Values.ADMIN_API_KEY, first.adminKey);
  assert.doesNotMatch(settings.Values.ADMIN_API_KEY ?? '', /replace-me/, 'placeholders replaced by random keys');

  await cosmosClient(first.cosmos).database('mailchannel').container('channels').items.upsert({ id: 'persist-me', note: 'kept' });
  await queueClient(first.queues).createIfNotExists();
  await queueClient(first.queues).sendMessage('kept too');
  assert.equal(await interrupt(first), 0, first.out());
  assert.deepEqual(processesUsing(path.join(tmp, 'data', 'azurite')), [], 'no azurite left running');
  await assert.rejects(fetch(`${first.hostUrl}/api/health`), 'the host is gone');

  const second = await start();
  const { resource } = await cosmosClient(second.cosmos).database('mailchannel').container('channels').item('persist-me', 'persist-me').read<{ note: string }>();
  assert.equal(resource?.note, 'kept');
  const { peekedMessageItems } = await queueClient(second.queues).peekMessages();
  assert.equal(peekedMessageItems[0]?.messageText, 'kept too');
  assert.equal(await interrupt(second), 0, second.out());

  const fresh = await start(['--fresh']);
  const gone = await cosmosClient(fresh.cosmos).database('mailchannel').container('channels').item('persist-me', 'persist-me').read();
  assert.equal(gone.statusCode, 404);
  assert.equal(await queueClient(fresh.queues).exists(), false);
  assert.equal(await interrupt(fresh), 0, fresh.out());
  assert.deepEqual(processesUsing(path.join(tmp, 'data', 'azurite')), []);
});
