import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAzurite, startCosmos, COSMOS_EMULATOR_KEY, DEV_ACCOUNT, type AzuriteHandle, type CosmosHandle } from '../devhost/emulators';
import { startGraphSimulator, type GraphSimulator, type ThrottleOptions } from '../devhost/graph-simulator';
import { classifyBlob, classifyCosmos, startCountingProxy, type CountingProxy } from './counting-proxy';

/**
 * The world a benchmark's worker runs against, all on 127.0.0.1 and fresh per benchmark:
 * Azurite (child process), the Cosmos emulator and the Graph + Entra ID simulator (both in
 * this, the driver's, process), optionally behind counting proxies. The pipeline itself
 * runs in a worker child process (bench/worker.ts) started with `workerEnv`: that keeps its
 * CPU and memory apart from the emulators', and lets it trust the simulator's freshly made
 * certificate through NODE_EXTRA_CA_CERTS, which Node reads only at start.
 */
export interface WorldOptions {
  /** Graph's per-mailbox limits in the simulator (default: Outlook's 4 concurrent, 10,000 per 10 min). */
  throttle?: ThrottleOptions;
  /** Time each mailbox request spends "in Exchange" (ms). */
  latencyMs?: number;
  /** Put counting proxies in front of Cosmos and Azurite's blob endpoint. */
  countRequests?: boolean;
}

export interface World {
  sim: GraphSimulator;
  azurite: AzuriteHandle;
  cosmos: CosmosHandle;
  cosmosProxy?: CountingProxy;
  blobProxy?: CountingProxy;
  /** App settings for the worker process (the pipeline's environment). */
  workerEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-channel-bench-'));
  const started: { stop(): Promise<void> }[] = [];
  try {
    const azurite = await startAzurite();
    started.push(azurite);
    // devhost's emulator: keep-alive (as Azure Cosmos DB) and linear queries (cosmos-query-linear.ts)
    const cosmos = await startCosmos();
    started.push(cosmos);
    const sim = await startGraphSimulator({
      ...(opts.throttle ? { throttle: opts.throttle } : {}),
      ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
    });
    started.push(sim);
    let cosmosProxy: CountingProxy | undefined;
    let blobProxy: CountingProxy | undefined;
    if (opts.countRequests) {
      cosmosProxy = await startCountingProxy(cosmos.port, classifyCosmos);
      started.push(cosmosProxy);
      blobProxy = await startCountingProxy(azurite.blobPort, classifyBlob);
      started.push(blobProxy);
    }
    const caFile = path.join(dir, 'graph-simulator-ca.pem');
    fs.writeFileSync(caFile, sim.caCertPem);
    const storage = blobProxy
      ? azurite.connectionString.replace(/BlobEndpoint=[^;]+;/, `BlobEndpoint=${blobProxy.origin}/${DEV_ACCOUNT};`)
      : azurite.connectionString;
    const workerEnv: Record<string, string> = {
      AzureWebJobsStorage: storage,
      COSMOS_ENDPOINT: cosmosProxy ? `${cosmosProxy.origin}/` : cosmos.endpoint,
      COSMOS_KEY: COSMOS_EMULATOR_KEY,
      COSMOS_DATABASE: 'bench',
      LOCAL_SECRETS_KEY: randomBytes(32).toString('base64'),
      LOCAL_SECRETS_FILE: path.join(dir, 'secrets.enc.json'),
      NODE_EXTRA_CA_CERTS: caFile,
      // the Graph simulator listens on loopback (shared/net/address-policy.ts)
      MAIL_ALLOW_PRIVATE_HOSTS: 'true',
    };
    return {
      sim,
      azurite,
      cosmos,
      ...(cosmosProxy ? { cosmosProxy } : {}),
      ...(blobProxy ? { blobProxy } : {}),
      workerEnv,
      stop: async () => {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
