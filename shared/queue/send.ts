import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { DefaultAzureCredential } from '@azure/identity';
import type { z } from 'zod';
import { settings } from '../config/settings';
import { ensureOnce } from '../ensure-once';

/**
 * Sends zod-validated messages to storage queues, base64-encoded as the Functions
 * host's queue trigger expects by default (messageEncoding "base64").
 */
let service: QueueServiceClient | undefined;

export function queueService(): QueueServiceClient {
  if (!service) {
    const s = settings();
    if (s.AzureWebJobsStorage) {
      service = QueueServiceClient.fromConnectionString(s.AzureWebJobsStorage);
    } else if (s.AzureWebJobsStorage__queueServiceUri) {
      service = new QueueServiceClient(s.AzureWebJobsStorage__queueServiceUri, new DefaultAzureCredential({ managedIdentityClientId: s.AzureWebJobsStorage__clientId }));
    } else {
      throw new Error('no storage configured: set AzureWebJobsStorage or AzureWebJobsStorage__queueServiceUri');
    }
  }
  return service;
}

const ensured = ensureOnce();

export async function queueClient(name: string): Promise<QueueClient> {
  const q = queueService().getQueueClient(name);
  await ensured.run(name, () => q.createIfNotExists());
  return q;
}

export function encodeQueueMessage(body: unknown): string {
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
}

/** Validates `body` against `schema` (a contract from contracts.ts) and enqueues it. */
export async function sendQueueMessage<S extends z.ZodType>(
  queueName: string,
  schema: S,
  body: z.input<S>,
  options: { visibilityTimeoutSeconds?: number } = {},
): Promise<void> {
  const valid = schema.parse(body);
  const q = await queueClient(queueName);
  await q.sendMessage(encodeQueueMessage(valid), { visibilityTimeout: options.visibilityTimeoutSeconds, messageTimeToLive: -1 });
}

export function resetQueueClients(): void {
  service = undefined;
  ensured.clear();
}
