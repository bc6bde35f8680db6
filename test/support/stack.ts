import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { repoRoot, startAzurite, startCosmos, stopChild, type AzuriteHandle, type CosmosHandle } from '../../devhost/emulators';
import { deepMerge } from '../../devhost/host-json';
import type { InvocationRecord } from '../../devhost/invoke';
import { allQueueNames } from '../../shared/queue/contracts';
import { workerNodeArgv } from '../../shared/config/worker-node-arguments';

/**
 * The whole app on real parts for end-to-end tests: in-memory Azurite (queues, blobs)
 * and the Cosmos emulator on free ports, then the local Functions host (devhost) as a
 * CHILD PROCESS running the app's registered functions against them.
 *
 *   const stack = await startTestStack();
 *   await fetch(`${stack.baseUrl}/api/health`);
 *   await stack.invokeAndWait('scheduleSync');
 *   await stack.stop();
 */

/** host.json override that makes queue triggers poll every ≤100 ms and retry after 1 s. */
export const FAST_QUEUES = {
  extensions: { queues: { maxPollingInterval: '00:00:00.100', visibilityTimeout: '00:00:01' } },
} as const;

export interface TestStackOptions {
  /** Extra app settings for the host (override the defaults below). */
  env?: Record<string, string>;
  /** Functions app to run; default the project itself. */
  appRoot?: string;
  /** Deep-merged over the app's host.json, after FAST_QUEUES. */
  hostJson?: object;
  /** Apply FAST_QUEUES (default true). */
  fastQueues?: boolean;
  /** Queues to create before the host starts, as infra provisions them; default: the project's queues when appRoot is the project, else none. */
  queues?: readonly string[];
  /** Print host debug lines into logs(). */
  verbose?: boolean;
  /**
   * A Graph + Entra simulator the app talks to: its CA is trusted (NODE_EXTRA_CA_CERTS) and its
   * managed identity endpoint is the host's, as Azure Functions sets IDENTITY_ENDPOINT and
   * IDENTITY_HEADER for an app with an identity.
   */
  graphSimulator?: { caCertPem: string; managedIdentity: { env(): { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string } } };
  /** CA certificates (PEM) the host trusts besides the system's: Dovecot's, a Graph simulator's used without `graphSimulator`. */
  trustCa?: readonly string[];
}

export interface TestStack {
  /** http://127.0.0.1:PORT — routes are under `${baseUrl}/api/...`. */
  baseUrl: string;
  /** The app settings given to the host (AzureWebJobsStorage, COSMOS_*, ADMIN_API_KEY, LOCAL_SECRETS_*, ...). */
  env: Record<string, string>;
  /** The app's ADMIN_API_KEY setting. */
  adminKey: string;
  /** The host's master key (admin API, and authLevel "admin"/"function" routes). */
  masterKey: string;
  /** The host's default host key (authLevel "function" routes). */
  functionKey: string;
  /** Fires a non-HTTP function via the host admin API (202: it runs in the background). */
  invoke(functionName: string, input?: string): Promise<void>;
  /** Like invoke, then waits until that invocation has finished; returns its record. */
  invokeAndWait(functionName: string, input?: string, timeoutMs?: number): Promise<InvocationRecord>;
  /** Finished and running invocations the host has seen (optionally of one function). */
  invocations(functionName?: string): Promise<InvocationRecord[]>;
  /** Queue client of the stack's Azurite (messages for queue triggers must be base64). */
  queueService: QueueServiceClient;
  /** Sends a message as the trigger expects it: JSON (unless a string), base64-encoded; creates the queue if missing. */
  enqueue(queueName: string, message: unknown): Promise<void>;
  /**
   * Waits until the app is quiet: no invocation running and every trigger queue empty
   * (in-flight and retrying messages count), twice in a row. Rejects after `timeoutMs`.
   */
  settle(timeoutMs?: number): Promise<void>;
  /** Host output so far (stdout and stderr). */
  logs(): string;
  stop(): Promise<void>;
}

const CLI = path.join(repoRoot, 'devhost', 'cli.ts');

/** The host's extra trusted CAs, in one file (NODE_EXTRA_CA_CERTS names one), and the simulator's identity endpoint. */
function trustEnv(opts: TestStackOptions, tmp: string): Record<string, string> {
  const pems = [...(opts.trustCa ?? []), ...(opts.graphSimulator ? [opts.graphSimulator.caCertPem] : [])];
  const identity = opts.graphSimulator ? opts.graphSimulator.managedIdentity.env() : {};
  if (!pems.length) return identity;
  const caFile = path.join(tmp, 'trusted-ca.pem');
  fs.writeFileSync(caFile, pems.join('\n'));
  return { NODE_EXTRA_CA_CERTS: caFile, ...identity };
}

function waitForReady(child: ChildProcess, out: () => string, timeoutMs: number): Promise<{ port: number; baseUrl: string; masterKey: string; hostKey: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`devhost not ready after ${timeoutMs} ms:\n${out()}`)), timeoutMs);
    const onData = () => {
      const m = /^DEVHOST_READY (.+)$/m.exec(out());
      if (m?.[1]) done(undefined, JSON.parse(m[1]));
    };
    const onExit = (code: number | null) => done(new Error(`devhost exited (${code}) before it was ready:\n${out()}`));
    function done(err?: Error, value?: { port: number; baseUrl: string; masterKey: string; hostKey: string }) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err); else if (value) resolve(value);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const appRoot = path.resolve(opts.appRoot ?? repoRoot);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'teststack-'));
  let azurite: AzuriteHandle | undefined;
  let cosmos: CosmosHandle | undefined;
  let child: ChildProcess | undefined;
  let output = '';
  try {
    [azurite, cosmos] = await Promise.all([startAzurite(), startCosmos()]);
    const masterKey = crypto.randomBytes(24).toString('base64url');
    const functionKey = crypto.randomBytes(24).toString('base64url');
    const env: Record<string, string> = {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage: azurite.connectionString,
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_DATABASE: 'mailchannel',
      ADMIN_API_KEY: crypto.randomBytes(24).toString('base64url'),
      LOCAL_SECRETS_FILE: path.join(tmp, 'secrets.enc.json'),
      LOCAL_SECRETS_KEY: crypto.randomBytes(32).toString('base64'),
      DEVHOST_MASTER_KEY: masterKey,
      DEVHOST_HOST_KEY: functionKey,
      // Dovecot, SMTP and Graph stand-ins listen on loopback (shared/net/address-policy.ts).
      MAIL_ALLOW_PRIVATE_HOSTS: 'true',
      ...trustEnv(opts, tmp),
      ...opts.env,
    };

    const queueService = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const queues = opts.queues ?? (appRoot === path.resolve(repoRoot) ? allQueueNames : []);
    await Promise.all(queues.map((q) => queueService.getQueueClient(q).createIfNotExists()));

    const override = { ...(opts.fastQueues === false ? {} : FAST_QUEUES) };
    const hostJson = opts.hostJson ? deepMerge(override, opts.hostJson) : override;
    const args = [...workerNodeArgv(), '--import', 'tsx', CLI, '--app-root', appRoot, '--port', '0', '--host-json-override', JSON.stringify(hostJson), '--exit-with-parent'];
    if (opts.verbose) args.push('--verbose');
    child = spawn(process.execPath, args, { cwd: appRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
    const ready = await waitForReady(child, () => output, 30_000);
    const baseUrl = ready.baseUrl;
    const hostChild = child;
    const az = azurite;
    const cs = cosmos;

    const adminFetch = (p: string, init?: RequestInit) =>
      fetch(`${baseUrl}${p}`, { ...init, headers: { 'x-functions-key': masterKey, 'content-type': 'application/json', ...init?.headers } });

    const startInvocation = async (name: string, input = ''): Promise<string> => {
      const res = await adminFetch(`/admin/functions/${encodeURIComponent(name)}`, { method: 'POST', body: JSON.stringify({ input }) });
      if (res.status !== 202) throw new Error(`admin invoke of ${name}: HTTP ${res.status} ${await res.text()}`);
      return res.headers.get('x-devhost-invocation-id') ?? '';
    };

    let stopped: Promise<void> | undefined;
    return {
      baseUrl,
      env,
      adminKey: env.ADMIN_API_KEY ?? '',
      masterKey,
      functionKey,
      queueService,
      invoke: async (name, input) => { await startInvocation(name, input); },
      invokeAndWait: async (name, input, timeoutMs = 30_000) => {
        const id = await startInvocation(name, input);
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const res = await adminFetch(`/admin/devhost/invocations/${id}`);
          if (res.ok) {
            const rec = (await res.json()) as InvocationRecord;
            if (rec.status !== 'running') return rec;
          }
          if (Date.now() > deadline) throw new Error(`invocation ${id} of ${name} still running after ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 25));
        }
      },
      invocations: async (name) => {
        const q = name ? `?function=${encodeURIComponent(name)}` : '';
        const res = await adminFetch(`/admin/devhost/invocations${q}`);
        return (await res.json()) as InvocationRecord[];
      },
      enqueue: async (queueName, message) => {
        const q = queueService.getQueueClient(queueName);
        await q.createIfNotExists();
        const text = typeof message === 'string' ? message : JSON.stringify(message);
        await q.sendMessage(Buffer.from(text, 'utf8').toString('base64'));
      },
      settle: async (timeoutMs = 30_000) => {
        const fns = (await (await adminFetch('/admin/functions')).json()) as { queueName?: string }[];
        const queueNames = fns.map((f) => f.queueName).filter((q): q is string => !!q);
        const quiet = async () => {
          const records = (await (await adminFetch('/admin/devhost/invocations')).json()) as InvocationRecord[];
          if (records.some((r) => r.status === 'running')) return false;
          for (const q of queueNames) {
            const qc = queueService.getQueueClient(q);
            if (!(await qc.exists())) continue;
            if (((await qc.getProperties()).approximateMessagesCount ?? 0) > 0) return false;
          }
          return true;
        };
        const deadline = Date.now() + timeoutMs;
        let quietInARow = 0;
        while (quietInARow < 2) {
          quietInARow = (await quiet()) ? quietInARow + 1 : 0;
          if (quietInARow >= 2) break;
          if (Date.now() > deadline) throw new Error(`the app did not settle within ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 150));
        }
      },
      logs: () => output,
      stop: () => {
        stopped ??= (async () => {
          await stopChild(hostChild, 15_000);
          await Promise.all([az.stop(), cs.stop()]);
          fs.rmSync(tmp, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    if (child) await stopChild(child).catch(() => undefined);
    await Promise.all([azurite?.stop(), cosmos?.stop()]).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

