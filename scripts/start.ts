import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { persistCosmos, readSnapshotFile, restoreSnapshot } from '../devhost/cosmos-snapshot';
import { repoRoot, startAzurite, startCosmos, stopChild } from '../devhost/emulators';
import { readHostJson } from '../devhost/host-json';
import { appSettings, ensureLocalSettings } from '../devhost/local-settings';
import { freePort, isPortFree, preferPort } from '../devhost/ports';
import { demoFiles, startDemo, type Demo } from '../devhost/demo';
import { notificationUrls } from '../shared/notifications/urls';
import { adminClient, ensureDemoChannel, hostFunctionRunner, subscribeNow, type DemoChannelResult } from '../devhost/demo/demo-channel';
import { ensureAdminUi } from '../admin-ui/build';
import { allQueueNames } from '../shared/queue/contracts';
import { workerNodeArgv } from '../shared/config/worker-node-arguments';
import { BlobContainers, CosmosContainers } from '../shared/store/containers';

/**
 * `npm start` — the whole app on this machine, no cloud account:
 * Azurite (queues, blobs; data in .local/azurite), the Cosmos emulator (in memory,
 * snapshotted to .local/cosmos.json and restored on start), then the local Functions
 * host (devhost) on http://127.0.0.1:7071 running the project's functions, and a demo
 * mailbox (devhost/demo): the Graph + Entra simulator, an SMTP intake on 127.0.0.1:2525
 * for @demo.test, and on a fresh data folder a published demo channel helpdesk@demo.test.
 *
 *   npm start                 keep data from the last run
 *   npm start -- --no-demo    no simulator, no SMTP intake, no demo channel
 *   npm start -- --smtp-port N  the demo SMTP intake's port (default 2525)
 *   npm start -- --fresh      wipe local data first
 *   npm start -- --port 7072  another host port (0 = any free port)
 *   npm start -- --free-ports emulators and demo on random ports instead of 10000/10001/8081/2525
 *   npm start -- --data-dir DIR --settings FILE   (tests use throwaway ones)
 *
 * Ctrl-C stops the host (running invocations finish), saves Cosmos, stops Azurite.
 */
const { values: args } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    port: { type: 'string', default: '7071' },
    'free-ports': { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: path.join(repoRoot, '.local') },
    settings: { type: 'string', default: path.join(repoRoot, 'local.settings.json') },
    verbose: { type: 'boolean', default: false },
    'no-demo': { type: 'boolean', default: false },
    'smtp-port': { type: 'string' },
  },
});

const dataDir = path.resolve(args['data-dir']);
const azuriteDir = path.join(dataDir, 'azurite');
const cosmosFile = path.join(dataDir, 'cosmos.json');
const keysFile = path.join(dataDir, 'host-keys.json');
const demoFilesHere = demoFiles(dataDir);
const COSMOS_SAVE_INTERVAL_MS = 10_000;

function say(msg: string): void {
  process.stdout.write(`[start] ${msg}\n`);
}

/** Keys of the local host, kept across restarts so bookmarks and scripts keep working. */
function hostKeys(): { master: string; host: string } {
  try {
    const k = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as { master?: unknown; host?: unknown };
    if (typeof k.master === 'string' && typeof k.host === 'string') return { master: k.master, host: k.host };
  } catch { /* first start */ }
  const keys = { master: crypto.randomBytes(30).toString('base64url'), host: crypto.randomBytes(30).toString('base64url') };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(keysFile, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

function wipe(localSecretsFile: string | undefined): void {
  const targets = [azuriteDir, cosmosFile, keysFile, ...Object.values(demoFilesHere)];
  if (localSecretsFile) {
    const abs = path.resolve(repoRoot, localSecretsFile);
    if (abs.startsWith(dataDir + path.sep)) targets.push(abs);
  }
  for (const t of targets) fs.rmSync(t, { recursive: true, force: true });
  say(`--fresh: wiped ${targets.map((t) => path.relative(repoRoot, t) || t).join(', ')}`);
}

async function provision(storage: string, cosmos: CosmosClient, database: string): Promise<void> {
  // What infra/ provisions in Azure: the queues, blob containers, Cosmos database and containers.
  const queues = QueueServiceClient.fromConnectionString(storage);
  const blobs = BlobServiceClient.fromConnectionString(storage);
  await Promise.all([
    ...allQueueNames.map((q) => queues.getQueueClient(q).createIfNotExists()),
    ...Object.values(BlobContainers).map((c) => blobs.getContainerClient(c).createIfNotExists()),
  ]);
  const { database: db } = await cosmos.databases.createIfNotExists({ id: database });
  for (const c of Object.values(CosmosContainers)) {
    await db.containers.createIfNotExists({ id: c.id, partitionKey: { paths: [c.partitionKey] }, ...('defaultTtl' in c ? { defaultTtl: c.defaultTtl } : {}) });
  }
}

function waitForReady(child: ChildProcess): Promise<{ baseUrl: string }> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^DEVHOST_READY (.+)$/.exec(line);
        if (m?.[1]) resolve(JSON.parse(m[1]) as { baseUrl: string });
        else process.stdout.write(`${line}\n`);
      }
    });
    child.once('exit', (code) => reject(new Error(`the host exited (${code}) before it was ready`)));
  });
}

const DEMO_SIMULATOR_PORT = 7443;
const DEFAULT_DEMO_SMTP_PORT = 2525;
const DEMO_WEB_PORT = 7080;

function demoLines(demo: Demo, channel: DemoChannelResult, baseUrl: string, subscribed: boolean): string[] {
  const state = channel.kind === 'deleted-by-user'
    ? `channel ${channel.channelId} was deleted; npm start -- --fresh makes a new one`
    : `channel ${channel.channelId} (${channel.status}${channel.kind === 'created' ? ', just created' : channel.kind === 'upgraded' ? ', updated: replies to its tickets now become notes' : ''}${subscribed ? ', subscribed to new mail' : ''})`;
  const portFlag = demo.smtp.port === DEFAULT_DEMO_SMTP_PORT ? '' : ` --port ${demo.smtp.port}`;
  return [
    `  demo mailbox     ${demo.address}   ${state}`,
    `  admin page       ${baseUrl}/api/console/   (sign in with the key above)`,
    `  send a test mail npx mail-channel send-test${portFlag}   (or any SMTP client: 127.0.0.1:${demo.smtp.port}, no TLS, no login, to any address @demo.test)`,
    `  demo inboxes     ${demo.web.url}/demo/mailboxes/{address}/messages   (the channel's answers land in the sender's inbox; in the admin page: ${baseUrl}/api/console/#/demo)`,
    `  tickets          curl -H "x-functions-key: <admin API key>" ${baseUrl}/api/tickets`,
    `  Microsoft Graph  ${demo.sim.graphBaseUrl}   (simulator; token endpoint ${demo.sim.tokenEndpoint(demo.sim.app.tenantId)})`,
  ];
}

async function main(): Promise<void> {
  const port = Number(args.port);
  if (port !== 0 && !(await isPortFree(port))) {
    throw new Error(`Port ${port} is unavailable. Close the process using that port, or pass --port.`);
  }
  const { settings, created } = ensureLocalSettings(path.resolve(args.settings), path.join(repoRoot, 'local.settings.json.example'));
  if (created) say(`created ${path.relative(process.cwd(), path.resolve(args.settings))} with fresh random keys (never commit it)`);
  const { values, skipped } = appSettings(settings, process.env);
  for (const k of skipped) say(`Skipping '${k}' from local settings as it's already defined in current environment variables.`);
  if (args.fresh) wipe(values.LOCAL_SECRETS_FILE);

  const free = args['free-ports'];
  const [queuePort, blobPort, cosmosPort] = free ? [undefined, undefined, undefined]
    : [await preferPort(10001), await preferPort(10000), await preferPort(8081)];
  const [azurite, cosmos] = await Promise.all([
    startAzurite({ location: azuriteDir, queuePort, blobPort }),
    startCosmos({ port: cosmosPort }),
  ]);
  let host: ChildProcess | undefined;
  let demo: Demo | undefined;
  let persist: { stop(): Promise<void> } | undefined;
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (code: number): Promise<void> => {
    shuttingDown ??= (async () => {
      say('stopping…');
      if (host) await stopChild(host, 30_000);
      await demo?.stop();
      await persist?.stop();
      await Promise.all([azurite.stop(), cosmos.stop()]);
      say('stopped');
      process.exit(code);
    })();
    return shuttingDown;
  };
  // Ctrl-C reaches every process of the group, and `tsx` relays it once more: repeats
  // within 2 s are the same Ctrl-C. A later one means "stop waiting".
  let firstSignalAt = 0;
  const onSignal = () => {
    const now = Date.now();
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      void shutdown(0);
    } else if (now - firstSignalAt > 2000) {
      host?.kill('SIGKILL');
      process.kill(azurite.pid, 'SIGKILL');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const cosmosClient = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
    const snapshot = readSnapshotFile(cosmosFile);
    if (snapshot) say(`restored ${await restoreSnapshot(cosmosClient, snapshot)} Cosmos items from ${path.relative(process.cwd(), cosmosFile)}`);
    const database = values.COSMOS_DATABASE || 'mailchannel';
    await provision(azurite.connectionString, cosmosClient, database);
    persist = persistCosmos(cosmosClient, cosmosFile, COSMOS_SAVE_INTERVAL_MS, (err) => say(`could not save Cosmos: ${String(err)}`));

    const keys = hostKeys();
    const env: Record<string, string> = {
      ...values,
      AzureWebJobsStorage: azurite.connectionString,
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_DATABASE: database,
      DEVHOST_MASTER_KEY: process.env.DEVHOST_MASTER_KEY ?? keys.master,
      DEVHOST_HOST_KEY: process.env.DEVHOST_HOST_KEY ?? keys.host,
      // The local Dovecot listens on loopback; an older local.settings.json may not say so yet.
      MAIL_ALLOW_PRIVATE_HOSTS: values.MAIL_ALLOW_PRIVATE_HOSTS ?? 'true',
    };
    // The local stack polls queues at least every 2 s unless host.json says otherwise.
    const hostJson = readHostJson(repoRoot);
    const override = hostJson.extensions?.queues?.maxPollingInterval ? undefined : { extensions: { queues: { maxPollingInterval: '00:00:02' } } };
    // The admin page is a build product (dist/web/): build it when a source is newer.
    if (await ensureAdminUi()) say('built the admin page (dist/web/)');
    // The demo needs the host's URL before the host runs (PUBLIC_BASE_URL, CORS): fix the port now.
    const hostPort = port === 0 ? await freePort() : port;
    if (!args['no-demo']) {
      demo = await startDemo({
        dataDir,
        simPort: free ? 0 : await preferPort(DEMO_SIMULATOR_PORT),
        smtpPort: args['smtp-port'] !== undefined ? Number(args['smtp-port']) : free ? 0 : await preferPort(DEFAULT_DEMO_SMTP_PORT),
        webPort: free ? 0 : await preferPort(DEMO_WEB_PORT),
        allowedOrigins: [`http://127.0.0.1:${hostPort}`, `http://localhost:${hostPort}`],
        log: say,
      });
      env.NODE_EXTRA_CA_CERTS = demo.caFile;
      // The host serves the demo inboxes on its own origin under /demo, with the admin key (devhost/http/demo-mount.ts): the admin page's CSP allows no other origin.
      env.DEMO_WEB_URL = demo.web.url;
      // Change notifications from the simulator to this host, so a demo mail is a ticket in
      // seconds (polling would take up to a minute). A PUBLIC_BASE_URL of your own wins.
      if (!env.PUBLIC_BASE_URL && !process.env.PUBLIC_BASE_URL) env.PUBLIC_BASE_URL = `http://127.0.0.1:${hostPort}`;
    }
    const cli = path.join(repoRoot, 'devhost', 'cli.ts');
    const hostArgs = [...workerNodeArgv(), '--import', 'tsx', cli, '--app-root', repoRoot, '--port', String(port), '--exit-with-parent'];
    if (override) hostArgs.push('--host-json-override', JSON.stringify(override));
    if (args.verbose) hostArgs.push('--verbose');
    // Without the demo, no PUBLIC_BASE_URL by default: Microsoft Graph can only notify a public
    // https URL, so locally the channels poll (set it, e.g. to a tunnel, to try notifications).
    const spawnHost = (hostPort: number): ChildProcess => {
      const a = [...hostArgs];
      a[a.indexOf('--port') + 1] = String(hostPort);
      return spawn(process.execPath, a, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
    };
    host = spawnHost(hostPort);
    const ready = await waitForReady(host);
    // Like Azure restarting a crashed worker: bring the host back (same port), unless it keeps crashing.
    const restarts: number[] = [];
    const watch = (child: ChildProcess): void => {
      child.once('exit', (code) => {
        if (shuttingDown) return;
        const now = Date.now();
        while (restarts.length > 0 && now - (restarts[0] ?? 0) > 60_000) restarts.shift();
        if (restarts.length >= 5) { say(`the host exited (${code}) 5 times within a minute; giving up`); void shutdown(1); return; }
        restarts.push(now);
        say(`the host exited (${code}); restarting it`);
        host = spawnHost(Number(new URL(ready.baseUrl).port));
        const next = host;
        waitForReady(next).then(() => watch(next), () => { if (!shuttingDown) void shutdown(1); });
      });
    };
    watch(host);
    const demoChannel = demo ? await ensureDemoChannel(adminClient(ready.baseUrl, env.ADMIN_API_KEY ?? ''), demo.sim, demo.address, demo.markerFile) : undefined;
    const demoSubscribed = demo && demoChannel && demoChannel.kind !== 'deleted-by-user' && demoChannel.status === 'published'
      ? await subscribeNow(demo.sim, demo.address, notificationUrls(env.PUBLIC_BASE_URL ?? '').notificationUrl, hostFunctionRunner(ready.baseUrl, env.DEVHOST_MASTER_KEY ?? '', 'renewSubscriptions')).catch((err: unknown) => {
        say(`could not subscribe the demo mailbox now (${err instanceof Error ? err.message : String(err)}); the subscription timer does it within a minute`);
        return false;
      })
      : false;

    say([
      'the local stack is up:',
      `  Functions host   ${ready.baseUrl}/api/…   (health: ${ready.baseUrl}/api/health)`,
      `  admin API key    ${env.ADMIN_API_KEY ?? '(ADMIN_API_KEY not set)'}`,
      `  host master key  ${env.DEVHOST_MASTER_KEY}   (x-functions-key; POST ${ready.baseUrl}/admin/functions/{name} runs a timer/queue function)`,
      `  Azurite          queues ${azurite.connectionString.match(/QueueEndpoint=([^;]+)/)?.[1] ?? ''}  blobs ${azurite.connectionString.match(/BlobEndpoint=([^;]+)/)?.[1] ?? ''}`,
      `  Cosmos emulator  ${cosmos.endpoint}  database ${database}`,
      `  data             ${path.relative(process.cwd(), dataDir) || dataDir}/  (npm start -- --fresh wipes it)`,
      ...(demo && demoChannel ? demoLines(demo, demoChannel, ready.baseUrl, demoSubscribed) : [`  demo mailbox     off (--no-demo)${fs.existsSync(demoFilesHere.channelMarker) ? '; the demo channel made earlier stays published and its syncs fail while the demo is off: pause it, or start without --no-demo' : ''}`]),
      'Ctrl-C stops everything.',
    ].join('\n'));
  } catch (err) {
    say(`failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[start] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
