import type http from 'node:http';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite } from '../devhost/emulators';
import { allQueueNames } from '../shared/queue/contracts';
import { startTestStack, type TestStack } from '../test/support/stack';
import type { Benchmark } from './benchmark';
import { startCountingProxy } from './counting-proxy';

/**
 * What an idle app costs in storage transactions: the local host with the app's own
 * host.json (devhost/queue reproduces the Storage extension's randomized exponential
 * back-off up to `maxPollingInterval`), its queue endpoint behind a counting proxy, no
 * mail at all. After WARMUP_MS (the back-off has reached its ceiling) every queue request
 * is counted for WINDOW_MS and scaled to an hour, per queue.
 *
 * Azure's listener is the same algorithm (docs: "Azure Queue storage trigger — Polling
 * algorithm"), so per instance and per queue trigger the steady idle cost is
 * 3,600 s ÷ maxPollingInterval receive calls an hour.
 */
const WARMUP_MS = 15_000;
const WINDOW_MS = 60_000;

/** `GET /devstoreaccount1/<queue>/messages?...` → `<queue> receive`; other calls by method and path. */
export function classifyQueueRequest(req: Pick<http.IncomingMessage, 'method' | 'url'>): string {
  const url = new URL(req.url ?? '/', 'http://queue');
  const parts = url.pathname.split('/').filter(Boolean);
  const queue = parts[1] ?? '(account)';
  if (parts[2] === 'messages') {
    if (req.method === 'GET') return `${queue} ${url.searchParams.get('peekonly') === 'true' ? 'peek' : 'receive'}`;
    return `${queue} ${req.method === 'POST' ? 'send' : req.method === 'DELETE' ? 'delete' : 'update'}`;
  }
  return `${queue} ${req.method ?? '?'} ${url.searchParams.get('comp') ?? ''}`.trimEnd();
}

export const idlePolling: Benchmark = {
  name: 'idle-polling',
  title: `idle queue polling: storage requests of an app with no mail, host.json as deployed (${WINDOW_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up)`,
  async run({ print }) {
    // The host's storage is an Azurite of our own behind the proxy (the stack's own one stays unused).
    const azurite = await startAzurite();
    const proxy = await startCountingProxy(azurite.queuePort, classifyQueueRequest);
    let stack: TestStack | undefined;
    try {
      const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
      await Promise.all(allQueueNames.map((q) => queues.getQueueClient(q).createIfNotExists()));
      const storage = azurite.connectionString.replace(/QueueEndpoint=[^;]+;/, `QueueEndpoint=${proxy.origin}/devstoreaccount1;`);
      stack = await startTestStack({ fastQueues: false, env: { AzureWebJobsStorage: storage } });
      await new Promise((r) => setTimeout(r, WARMUP_MS));
      proxy.reset();
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const counts = proxy.counts();
      const perHour = (n: number) => Math.round((n * 3_600_000) / WINDOW_MS);
      const byQueue: Record<string, number> = {};
      for (const [k, n] of Object.entries(counts)) if (!/ \d{3}$/.test(k)) byQueue[k] = perHour(n);
      const total = Object.values(byQueue).reduce((a, b) => a + b, 0);
      for (const [k, n] of Object.entries(byQueue).sort()) print(`${k.padEnd(34)} ${String(n).padStart(6)} / hour`);
      print(`all queue requests at idle: ${total} / hour (${Object.keys(byQueue).length} kinds), measured ${Object.values(counts).reduce((a, b) => a + b, 0)} in ${WINDOW_MS / 1000} s`);
      return { windowMs: WINDOW_MS, perHour: byQueue, totalPerHour: total };
    } finally {
      await stack?.stop();
      await proxy.stop();
      await azurite.stop();
    }
  },
};
