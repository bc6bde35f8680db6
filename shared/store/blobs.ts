import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { DefaultAzureCredential } from '@azure/identity';
import { settings } from '../config/settings';
import { BlobContainers } from './containers';
import { ensureOnce } from '../ensure-once';

/**
 * Blob storage: the raw MIME of every mail (audit, retry, dry run) and attachments.
 * Writes are idempotent: raw mail is named by channel + ledger key, attachments by
 * their content hash, so a redelivery rewrites nothing.
 */
let service: BlobServiceClient | undefined;
const ensured = ensureOnce();

export function blobService(): BlobServiceClient {
  if (!service) {
    const s = settings();
    if (s.AzureWebJobsStorage) service = BlobServiceClient.fromConnectionString(s.AzureWebJobsStorage);
    else if (s.AzureWebJobsStorage__blobServiceUri)
      service = new BlobServiceClient(s.AzureWebJobsStorage__blobServiceUri, new DefaultAzureCredential({ managedIdentityClientId: s.AzureWebJobsStorage__clientId }));
    else throw new Error('no storage configured: set AzureWebJobsStorage or AzureWebJobsStorage__blobServiceUri');
  }
  return service;
}

async function blobContainer(name: string): Promise<ContainerClient> {
  const c = blobService().getContainerClient(name);
  await ensured.run(name, () => c.createIfNotExists());
  return c;
}

export const rawBlobName = (channelId: string, key: string) => `${channelId}/${key}.eml`;
export const attachmentBlobName = (sha256: string) => `sha256/${sha256.slice(0, 2)}/${sha256}`;

/** Stores bytes unless a blob of that name exists already (If-None-Match: *). */
async function putOnce(containerName: string, name: string, data: Buffer, contentType: string): Promise<void> {
  const c = await blobContainer(containerName);
  try {
    await c.getBlockBlobClient(name).uploadData(data, {
      blobHTTPHeaders: { blobContentType: contentType },
      conditions: { ifNoneMatch: '*' },
    });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 412) throw err;
  }
}

export async function putRawMail(channelId: string, key: string, raw: Buffer): Promise<string> {
  const name = rawBlobName(channelId, key);
  await putOnce(BlobContainers.rawMail, name, raw, 'message/rfc822');
  return name;
}

export async function getRawMail(name: string): Promise<Buffer> {
  const c = await blobContainer(BlobContainers.rawMail);
  return c.getBlockBlobClient(name).downloadToBuffer();
}

export async function putAttachment(sha256: string, content: Buffer, contentType: string): Promise<string> {
  const name = attachmentBlobName(sha256);
  await putOnce(BlobContainers.attachments, name, content, contentType || 'application/octet-stream');
  return name;
}

export async function getAttachment(name: string): Promise<Buffer> {
  const c = await blobContainer(BlobContainers.attachments);
  return c.getBlockBlobClient(name).downloadToBuffer();
}

export function resetBlobClients(): void {
  service = undefined;
  ensured.clear();
}
