import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { type Dovecot, dovecotChannelInput, startDovecot } from '../support/dovecot';
import { largeAttachmentMail } from '../support/large-mail';
import { LARGE_ATTACHMENT_BYTES as ATTACHMENT_BYTES, LARGE_MAIL_HOST_ENV, storedAttachmentOf, syncAndSettle } from '../support/large-mail-e2e';
import { ledger, publishChannel } from '../support/mail-e2e';

/**
 * A 60 MB mail (one 44 MiB attachment, base64) end to end on real parts: a Dovecot
 * mailbox, the local Functions host, Azurite and the Cosmos emulator. The host streams it
 * (large-mail.ts): imapflow's download into Blob, parsed from there, the attachment
 * streamed from the stored raw mail into Blob. One mail: the Graph twin is graph-large-mail.test.ts.
 */
let stack: TestStack;
let dovecot: Dovecot;
const IMAP_USER = { user: 'bigmail@example.com', password: 'bigmail-secret' };

before(async () => {
  dovecot = await startDovecot({ users: [IMAP_USER] });
  stack = await startTestStack({ trustCa: [dovecot.caCertPem], env: { ...LARGE_MAIL_HOST_ENV } });
});

after(async () => {
  await stack?.stop();
  await dovecot?.stop();
});

test('a 60 MB mail in an IMAP mailbox becomes a ticket whose stored attachment has the SHA-256 of the original', async () => {
  const mail = largeAttachmentMail({ bytes: ATTACHMENT_BYTES, seed: 60, subject: 'Disk image of the failing laptop (IMAP)', messageId: '<big-imap-60@client.example.org>' });
  assert.ok(mail.raw.length > 60_000_000, `the mail is ${mail.raw.length} bytes`);
  const channelId = await publishChannel(stack, dovecotChannelInput(dovecot, IMAP_USER, 'IMAP large mail', { domains: { allowed: ['example.org'] } }));
  await stack.settle(30_000);
  await dovecot.append(IMAP_USER.user, 'INBOX', mail.raw);
  await syncAndSettle(stack, channelId);

  const stored = await storedAttachmentOf(stack, channelId);
  assert.deepEqual(stored, { title: 'Disk image of the failing laptop (IMAP)', sha256: mail.sha256, size: ATTACHMENT_BYTES });
  const [record] = await ledger(stack, channelId);
  assert.equal(record?.state, 'done');
  assert.equal(record?.source.folder, 'Processed');
});
