import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { largeAttachmentMail } from '../../support/large-mail';
import { createHash } from 'node:crypto';
import { parseMailWithContent, parseStoredMail, streamAttachmentParts, STREAMED_HOLD_BYTES, STREAMED_HOLD_PART_BYTES, type OpenRaw } from '../../../shared/mail/parse';
import { collectMail } from '../../../shared/mail/parse-stream';

/**
 * The streamed parse (parse-stream.ts via parse.ts `parseStoredMail`): a large mail's
 * attachment is hashed and measured as it flows, not kept, and a second pass streams the
 * same bytes back out. Work is counted in bytes kept, never timed.
 */

/** A stored raw mail read in 64 KiB chunks, as a Blob download arrives; counts the reads. */
function storedRaw(raw: Buffer): { open: OpenRaw; opened: number[] } {
  const opened: number[] = [];
  const open: OpenRaw = async (range) => {
    const bytes = range ? raw.subarray(0, range.count) : raw;
    opened.push(bytes.length);
    return Readable.from((function* () { for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024); })());
  };
  return { open, opened };
}

test('a streamed parse keeps none of an attachment larger than its hold budget, yet knows its size and SHA-256', async () => {
  const mail = largeAttachmentMail({ bytes: STREAMED_HOLD_BYTES + 1024 * 1024, seed: 7, subject: 'Big log', messageId: '<big-log-7@client.example.org>' });
  const { open } = storedRaw(mail.raw);
  const parsed = await parseStoredMail('ch/raw.eml', open, { sha256: 'raw-hash', size: mail.raw.length });

  assert.equal(parsed.attachmentContents.size, 0, 'no attachment bytes kept');
  assert.deepEqual(parsed.mail.attachments.map((a) => [a.filename, a.size, a.sha256]), [['measurements.bin', mail.content.length, mail.sha256]]);
  assert.deepEqual([...(parsed.attachmentsInRaw?.parts ?? [])], [[mail.sha256, 1]]);
  assert.equal(parsed.mail.subject, 'Big log');
  assert.equal(parsed.mail.text, `The measurements are attached (${mail.content.length} bytes).`);
  assert.equal(parsed.mail.rawSize, mail.raw.length);
});

test('a streamed parse of a small mail gives what the in-memory parse gives, attachment content included', async () => {
  const mail = largeAttachmentMail({ bytes: 100 * 1024, seed: 8, subject: 'Small log', messageId: '<small-log-8@client.example.org>' });
  const streamed = await parseStoredMail('ch/raw.eml', storedRaw(mail.raw).open, { sha256: 'x', size: mail.raw.length });
  const inMemory = await parseMailWithContent(mail.raw);
  assert.deepEqual({ ...streamed.mail, rawSha256: 'x' }, { ...inMemory.mail, rawSha256: 'x' });
  assert.equal(streamed.attachmentContents.get(mail.sha256)?.equals(mail.content), true);
  assert.equal(streamed.attachmentsInRaw, undefined);
});

test('text above the header block is skipped by the streamed parse as by the in-memory one', async () => {
  const mail = largeAttachmentMail({ bytes: 1024, seed: 9, subject: 'Forwarded with junk above', messageId: '<junk-9@client.example.org>' });
  const raw = Buffer.concat([Buffer.from('>From someone Mon Jan  1 00:00:00 2024\r\n'), mail.raw]);
  const streamed = await parseStoredMail('ch/raw.eml', storedRaw(raw).open, { sha256: 'x', size: raw.length });
  assert.equal(streamed.mail.subject, 'Forwarded with junk above');
  assert.deepEqual(streamed.mail.attachments.map((a) => a.sha256), [mail.sha256]);
});

test('the second pass streams exactly the wanted part, byte for byte, and nothing else', async () => {
  const mail = largeAttachmentMail({ bytes: 3 * 1024 * 1024 + 17, seed: 10, subject: 'Dump', messageId: '<dump-10@client.example.org>' });
  const { open } = storedRaw(mail.raw);
  const got: { part: number; bytes: Buffer }[] = [];
  await streamAttachmentParts(open, new Set([1]), async (part, content) => {
    const chunks: Buffer[] = [];
    for await (const c of content) chunks.push(c as Buffer);
    got.push({ part, bytes: Buffer.concat(chunks) });
  });
  assert.equal(got.length, 1);
  assert.equal(got[0]?.part, 1);
  assert.equal(got[0]?.bytes.equals(mail.content), true);

  let called = 0;
  await streamAttachmentParts(open, new Set([2]), async () => void called++);
  assert.equal(called, 0, 'a part number the mail does not have streams nothing');
});

/** A multipart mail with one base64 attachment per entry of `sizes` (deterministic bytes), in 64 KiB chunks. */
function partsMail(sizes: number[]): { input: () => Readable; contents: Buffer[] } {
  const contents = sizes.map((n, i) => Buffer.alloc(n, i + 1));
  const lines = ['From: a@example.org', 'To: b@example.com', 'Subject: parts', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'see attached'];
  contents.forEach((c, i) => {
    lines.push('--b', `Content-Type: application/octet-stream; name="p${i}.bin"`, `Content-Disposition: attachment; filename="p${i}.bin"`, 'Content-Transfer-Encoding: base64', '');
    const b64 = c.toString('base64');
    for (let j = 0; j < b64.length; j += 76) lines.push(b64.slice(j, j + 76));
  });
  lines.push('--b--', '');
  const raw = Buffer.from(lines.join('\r\n'));
  return { input: () => Readable.from((function* () { for (let i = 0; i < raw.length; i += 64 * 1024) yield raw.subarray(i, i + 64 * 1024); })()), contents };
}

const MiB = 1024 * 1024;

test('a part larger than the per-part cap is dropped once past it: the parse holds at most the cap of it at once, and still keeps the small parts', async () => {
  const mail = partsMail([512 * 1024, 5 * MiB, 300 * 1024]);
  const capped = await collectMail(mail.input(), {}, { holdBytes: 8 * MiB, holdPartBytes: MiB, holdZipBytes: 0 });

  assert.deepEqual(capped.attachments.map((a) => [a.body.size, a.body.content !== undefined]), [[512 * 1024, true], [5 * MiB, false], [300 * 1024, true]]);
  assert.equal(capped.attachments[0]?.body.content?.equals(mail.contents[0]!), true);
  assert.equal(capped.attachments[1]?.body.sha256, createHash('sha256').update(mail.contents[1]!).digest('hex'), 'the dropped part is still hashed whole');
  // the first part kept, plus the big one up to the cap and one decoded chunk past it
  assert.ok(capped.peakHeldBytes <= 512 * 1024 + MiB + 64 * 1024, `held ${capped.peakHeldBytes} bytes at once`);
  assert.ok(capped.peakHeldBytes > 512 * 1024 + MiB - 64 * 1024, `held ${capped.peakHeldBytes} bytes at once`);

  // without the cap the 5 MiB part fits the mail's 8 MiB and is held whole
  const uncapped = await collectMail(mail.input(), {}, { holdBytes: 8 * MiB, holdZipBytes: 0 });
  assert.equal(uncapped.attachments[1]?.body.content?.length, 5 * MiB);
  assert.ok(uncapped.peakHeldBytes >= 512 * 1024 + 5 * MiB + 300 * 1024);
});

test(`a large mail's streamed parse keeps a part only up to ${STREAMED_HOLD_PART_BYTES / MiB} MiB, though the mail may hold ${STREAMED_HOLD_BYTES / MiB} MiB: a 2 MiB attachment is left in the raw mail`, async () => {
  const mail = largeAttachmentMail({ bytes: 2 * MiB, seed: 11, subject: 'Mid-size log', messageId: '<mid-log-11@client.example.org>' });
  const parsed = await parseStoredMail('ch/raw.eml', storedRaw(mail.raw).open, { sha256: 'x', size: mail.raw.length });
  assert.equal(parsed.attachmentContents.size, 0);
  assert.deepEqual([...(parsed.attachmentsInRaw?.parts ?? [])], [[mail.sha256, 1]]);
});
