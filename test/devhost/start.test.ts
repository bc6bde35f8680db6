import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { CosmosClient } from '@azure/cosmos';
import { QueueServiceClient } from '@azure/storage-queue';
import { COSMOS_EMULATOR_KEY, DEV_ACCOUNT, DEV_ACCOUNT_KEY, repoRoot } from '../../devhost/emulators';

/**
 * `npm start` (scripts/start.ts) end to end, in a throwaway data dir and settings file:
 * it comes up, keeps data across a restart, `--fresh` wipes it, and Ctrl-C (SIGINT to
 * the process group, as a terminal sends it) stops every process it started.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Running { child: ChildProcess; out: () => string; hostUrl: string; cosmos: string; queues: string; adminKey: string }

async function start(extra: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [
    '--import', 'tsx', path.join(repoRoot, 'scripts', 'start.ts'),
    '--port', '0', '--free-ports', '--data-dir', path.join(tmp, 'data'), '--settings', path.join(tmp, 'local.settings.json'), ...extra,
  ], { cwd: repoRoot, detached: true, env: { ...process.env, LOCAL_SECRETS_FILE: path.join(tmp, 'data', 'secrets.enc.json') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const deadline = Date.now() + 40_000;
  while (!/Ctrl-C stops everything/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const grab = (re: RegExp) => re.exec(output)?.[1] ?? assert.fail(`no ${re} in:\n${output}`);
  return {
    child,
    out: () => output,
    hostUrl: grab(/Functions host\s+(http:\/\/\S+?)\/api\//),
    cosmos: grab(/Cosmos emulator\s+(http:\/\/\S+)/),
    queues: grab(/Azurite\s+queues (http:\/\/\S+)/),
    adminKey: grab(/admin API key\s+(\S+)/),
  };
}

/** Ctrl-C: SIGINT to the whole process group; resolves with the exit code. */
async function interrupt(r: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code)));
  process.kill(-(r.child.pid ?? 0), 'SIGINT');
  return exited;
}

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
