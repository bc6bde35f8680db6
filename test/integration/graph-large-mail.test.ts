import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { largeAttachmentMail } from '../support/large-mail';
import { LARGE_ATTACHMENT_BYTES as ATTACHMENT_BYTES, LARGE_MAIL_HOST_ENV, storedAttachmentOf, syncAndSettle } from '../support/large-mail-e2e';
import { publishChannel } from '../support/mail-e2e';

/**
 * A 60 MB mail (one 44 MiB attachment, base64) end to end on real parts: the Graph
 * simulator, the local Functions host, Azurite and the Cosmos emulator. The host streams it
 * (large-mail.ts): the `$value` body into Blob, parsed from there, the attachment streamed
 * from the stored raw mail into Blob. One mail: the IMAP twin is imap-large-mail.test.ts.
 */
let stack: TestStack;
let sim: GraphSimulator;
const GRAPH_MAILBOX = 'bigmail@contoso.example';

before(async () => {
  sim = await startGraphSimulator({ mailboxes: [GRAPH_MAILBOX] });
  stack = await startTestStack({ trustCa: [sim.caCertPem], env: { ...LARGE_MAIL_HOST_ENV } });
});

after(async () => {
  await stack?.stop();
  await sim?.stop();
});

test('a 60 MB mail in a Microsoft 365 mailbox (Graph $value) becomes a ticket whose stored attachment has the SHA-256 of the original', async () => {
  const mail = largeAttachmentMail({ bytes: ATTACHMENT_BYTES, seed: 61, subject: 'Disk image of the failing laptop (Graph)', messageId: '<big-graph-61@client.example.org>' });
  const channelId = await publishChannel(stack, { ...simulatorChannelInput(sim, GRAPH_MAILBOX), domains: { allowed: ['example.org'] } });
  await stack.settle(30_000);
  await sim.deliver(GRAPH_MAILBOX, 'Inbox', mail.raw);
  await syncAndSettle(stack, channelId);

  const stored = await storedAttachmentOf(stack, channelId);
  assert.deepEqual(stored, { title: 'Disk image of the failing laptop (Graph)', sha256: mail.sha256, size: ATTACHMENT_BYTES });
  assert.equal(sim.folderMessages(GRAPH_MAILBOX, 'Processed').length, 1);
  assert.equal(sim.requests.filter((r) => r.mailbox === GRAPH_MAILBOX && r.endpoint === 'messages.value' && r.status < 300).length, 1, 'its MIME was fetched once');
});
