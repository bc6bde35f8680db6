import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toAttachment } from '../../../shared/mail/attachments';
import type { CollectedAttachment } from '../../../shared/mail/parse-stream';
import { AttachmentPolicy, judgeAttachment } from '../../../shared/pipeline/attachment-policy';

/** An attachment as a large mail's streamed parse leaves it: summary and sample, no content. */
function streamedPast(filename: string, sample: Buffer, size: number): CollectedAttachment {
  return {
    type: 'attachment',
    contentType: 'application/zip',
    contentDisposition: 'attachment',
    filename,
    headers: new Map(),
    headerLines: [],
    related: false,
    partId: '2',
    body: { part: 1, size, sha256: 'f'.repeat(64), sample },
  } as unknown as CollectedAttachment;
}

// The policy's size limit is raised above the ZIP's (MAX_ATTACHMENT_MIB), so size alone does not refuse it.
test('a ZIP streamed past without being kept (its names unread) is refused by the policy, not passed unchecked', async () => {
  const zipHead = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64 * 1024 - 4, 7)]);
  const { info, content } = await toAttachment(streamedPast('backup.zip', zipHead, 40 * 1024 * 1024), 1, undefined, []);
  assert.equal(content, undefined);
  assert.deepEqual(info.archive, { extensions: [], truncated: false, unread: true });
  assert.equal(judgeAttachment(info, { ...AttachmentPolicy, maxBytes: 128 * 1024 * 1024 }).blocked, 'the archive is too large to look inside');
});

test('a large attachment streamed past that is not a ZIP is not marked as an archive', async () => {
  const { info } = await toAttachment(streamedPast('measurements.bin', Buffer.alloc(64 * 1024, 1), 40 * 1024 * 1024), 1, undefined, []);
  assert.equal(info.archive, undefined);
});
