import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
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

/**
 * Block size and blocks in flight of a streamed upload: one upload holds two 1 MiB blocks
 * plus up to one block gathering (3 MiB; with 4 MiB blocks it was 12 MiB of a large mail's
 * peak). A 150 MB mail is ~150 block writes instead of ~40: a few cents per ten thousand.
 */
export const STREAM_BLOCK_BYTES = 1024 * 1024;
const STREAM_BLOCKS_IN_FLIGHT = 2;

/**
 * Streams `body` into a blob unless one of that name exists already: the blocks are staged
 * as they come (never the whole content in memory) and committed at the end, so a reader
 * never sees half a blob. An existing blob (a redelivery) wins; `body` is drained then.
 */
async function streamOnce(containerName: string, name: string, body: Readable, contentType: string): Promise<void> {
  const c = await blobContainer(containerName);
  try {
    await c.getBlockBlobClient(name).uploadStream(body, STREAM_BLOCK_BYTES, STREAM_BLOCKS_IN_FLIGHT, {
      blobHTTPHeaders: { blobContentType: contentType },
      conditions: { ifNoneMatch: '*' },
    });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 412) throw err;
  }
}

/** The raw MIME of a large mail, streamed to Blob under `name` (see rawBlobName). */
export async function putRawMailStream(name: string, body: Readable): Promise<void> {
  await streamOnce(BlobContainers.rawMail, name, body, 'message/rfc822');
}

/** Reads a stored raw mail (or its first `count` bytes) as a stream: a large mail is parsed from here, never held whole. */
export async function openRawMail(name: string, range?: { count: number }): Promise<Readable> {
  const c = await blobContainer(BlobContainers.rawMail);
  const res = await c.getBlockBlobClient(name).download(0, range?.count);
  if (!res.readableStreamBody) throw new Error(`blob ${name} has no body`);
  return res.readableStreamBody as Readable;
}

/**
 * An attachment streamed to Blob under its (already known) sha256; returns the blob name.
 * The name is the content's hash, and other mails' identical attachments will be found
 * under it: the bytes are hashed on the way and a difference fails the stream before its
 * end, so the upload's block list is never committed — no content is ever stored under
 * another content's name.
 */
export async function putAttachmentStream(sha256: string, body: Readable, contentType: string): Promise<string> {
  const name = attachmentBlobName(sha256);
  const hash = createHash('sha256');
  const verified = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const got = hash.digest('hex');
      done(got === sha256 ? null : new Error(`the attachment streamed for ${sha256} hashes to ${got}: not stored`));
    },
  });
  body.once('error', (err) => verified.destroy(err));
  await streamOnce(BlobContainers.attachments, name, body.pipe(verified), contentType || 'application/octet-stream');
  return name;
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
