import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import type { Server } from 'node:http';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { makeEmulatorQueriesLinear } from './cosmos-query-linear';

/**
 * The emulators of the local stack: Azurite (queues, blobs) as a child process and
 * the Cosmos DB emulator (@vercel/cosmosdb-server) in-process over plain HTTP.
 * Both bind to 127.0.0.1 only.
 */

/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The Cosmos emulator's well-known key (public, documented by Microsoft). */
export const COSMOS_EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface AzuriteHandle {
  connectionString: string;
  queuePort: number;
  blobPort: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts Azurite; `location` keeps data on disk, otherwise it is in memory. */
export async function startAzurite(opts: { location?: string; queuePort?: number; blobPort?: number } = {}): Promise<AzuriteHandle> {
  const bin = require.resolve('azurite/dist/src/azurite.js');
  // Port 0 unless one is asked for: Azurite binds a free port itself and says which. A port
  // picked here and handed over could be taken meanwhile by another process (tests start
  // stacks two at a time), and the wait below would then find that process listening.
  const args = [
    bin, '--silent', '--disableTelemetry', '--skipApiVersionCheck',
    '--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1',
    '--blobPort', String(opts.blobPort ?? 0), '--queuePort', String(opts.queuePort ?? 0), '--tablePort', '0',
  ];
  if (opts.location) {
    fs.mkdirSync(opts.location, { recursive: true });
    args.push('--location', opts.location);
  } else {
    args.push('--inMemoryPersistence');
  }
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`azurite exited (${code}): ${stderr}`))));
  const listening = new Promise<{ blob: number; queue: number }>((resolve) => {
    const ports: { blob?: number; queue?: number } = {};
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      if (ports.blob && ports.queue) return; // keep draining the pipe, nothing more to learn
      out += d.toString();
      for (const m of out.matchAll(/Azurite (Blob|Queue) service is successfully listening at http:\/\/127\.0\.0\.1:(\d{1,5})/g)) {
        ports[m[1] === 'Blob' ? 'blob' : 'queue'] = Number(m[2]);
      }
      if (ports.blob && ports.queue) resolve({ blob: ports.blob, queue: ports.queue });
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`azurite did not say where it listens within 30 s: ${stderr}`)), 30_000);
  });
  const { blob: blobPort, queue: queuePort } = await Promise.race([listening, exited, timedOut]).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  }).finally(() => clearTimeout(timer));
  exited.catch(() => undefined);
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};` +
    `QueueEndpoint=http://127.0.0.1:${queuePort}/${DEV_ACCOUNT};BlobEndpoint=http://127.0.0.1:${blobPort}/${DEV_ACCOUNT};`;
  return {
    connectionString,
    queuePort,
    blobPort,
    pid: child.pid ?? -1,
    stop: () => stopChild(child),
  };
}

export interface CosmosHandle {
  endpoint: string;
  key: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the Cosmos emulator in this process (in memory; see devhost/cosmos-snapshot.ts for persistence). */
export async function startCosmos(opts: { port?: number } = {}): Promise<CosmosHandle> {
  // its queries scan every document of a container: make that scan linear (cosmos-query-linear.ts)
  makeEmulatorQueriesLinear();
  // keep-alive as Azure Cosmos DB does: without it the emulator answers `Connection: close`
  // and every operation opens a new TCP connection (measured in bench/: 8 per mail)
  const server: Server = createHttpServer({ keepAlive: true });
  const port = opts.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('cosmos emulator: no address');
  return {
    endpoint: `http://127.0.0.1:${addr.port}/`,
    key: COSMOS_EMULATOR_KEY,
    port: addr.port,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

export const repoRoot = path.resolve(__dirname, '..');
