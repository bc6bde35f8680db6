import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { startAzurite, type AzuriteHandle } from '../../../devhost/emulators';
import { resetSettingsCache } from '../../../shared/config/settings';
import { BlobContainers } from '../../../shared/store/containers';
import { attachmentBlobName, blobService, putAttachmentStream, resetBlobClients, STREAM_BLOCK_BYTES } from '../../../shared/store/blobs';

/**
 * Streamed uploads (blobs.ts `streamOnce`) on a real Azurite: what one upload holds in memory
 * is its blocks, so the test counts the blocks it committed and their sizes.
 */
let azurite: AzuriteHandle;
before(async () => {
  azurite = await startAzurite();
  Object.assign(process.env, { AzureWebJobsStorage: azurite.connectionString, COSMOS_ENDPOINT: process.env.COSMOS_ENDPOINT ?? 'https://localhost:8081/' });
  resetSettingsCache();
  resetBlobClients();
});
after(async () => {
  resetBlobClients();
  await azurite.stop();
});

test('a streamed attachment of 2.5 MiB is committed as three blocks of at most 1 MiB each: one upload holds its blocks in flight, never 4 MiB ones', async () => {
  const content = Buffer.alloc(2.5 * 1024 * 1024, 7);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const chunks = (function* () { for (let i = 0; i < content.length; i += 64 * 1024) yield content.subarray(i, i + 64 * 1024); })();
  const name = await putAttachmentStream(sha256, Readable.from(chunks), 'application/octet-stream');

  assert.equal(name, attachmentBlobName(sha256));
  const blob = blobService().getContainerClient(BlobContainers.attachments).getBlockBlobClient(name);
  const list = await blob.getBlockList('committed');
  assert.deepEqual(list.committedBlocks?.map((b) => b.size), [STREAM_BLOCK_BYTES, STREAM_BLOCK_BYTES, content.length - 2 * STREAM_BLOCK_BYTES]);
  assert.equal(STREAM_BLOCK_BYTES, 1024 * 1024);
  assert.equal((await blob.downloadToBuffer()).equals(content), true);
});

test('a streamed attachment whose bytes do not hash to the name it is given is refused and never committed: no content under another content\'s name', async () => {
  const content = Buffer.alloc(1.5 * 1024 * 1024, 9);
  const claimed = createHash('sha256').update('something else').digest('hex');
  const chunks = (function* () { for (let i = 0; i < content.length; i += 64 * 1024) yield content.subarray(i, i + 64 * 1024); })();
  await assert.rejects(putAttachmentStream(claimed, Readable.from(chunks), 'application/octet-stream'), /hashes to/);
  const blob = blobService().getContainerClient(BlobContainers.attachments).getBlockBlobClient(attachmentBlobName(claimed));
  assert.equal(await blob.exists(), false);
  // the right bytes under that name later are stored as usual
  const right = Buffer.from('something else');
  assert.equal(await putAttachmentStream(claimed, Readable.from([right]), 'text/plain'), attachmentBlobName(claimed));
  assert.equal((await blob.downloadToBuffer()).equals(right), true);
});
