import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { resetSettingsCache } from '../../shared/config/settings';
import { enqueueOutbound } from '../../shared/outbound/enqueue';
import { newOutboxRecord } from '../../shared/outbound/outbox';
import { dispatchDeps } from '../../shared/outbound/runtime';
import { resetQueueClients } from '../../shared/queue/send';
import { putAttachment, resetBlobClients } from '../../shared/store/blobs';
import { resetCosmosClient } from '../../shared/store/cosmos';
import { readOutbox } from '../../shared/store/outbox';
import { asHeaderValue, outgoingMessageId } from '../../shared/threading/message-ids';
import { startGraphSimulator, type GraphSimulator } from '../../devhost/graph-simulator';
import { simulatorChannelInput } from '../../devhost/graph-simulator/channel';
import { publishChannel } from '../support/mail-e2e';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Outgoing mail through the local Functions host (child process) with Azurite, the Cosmos
 * emulator and the Graph simulator: an outbox record and its `mail-outbound` message (written
 * by the real enqueueOutbound from this process) → the sendMail function → Graph sendMail in
 * MIME format → the mail in the recipient's mailbox. Crashes are injected in the host's send
 * job (MAILCHANNEL_TEST_SEND_FAULTS); the queue's own redelivery finishes the job.
 */
let stack: TestStack;
let sim: GraphSimulator;
let channelId: string;
const DESK = 'desk-out@contoso.example';
const CUSTOMER = 'customer-out@contoso.example';

before(async () => {
  sim = await startGraphSimulator({ mailboxes: [DESK, CUSTOMER] });
  stack = await startTestStack({
    graphSimulator: sim,
    env: {
      MAILCHANNEL_TEST_SEND_FAULTS: JSON.stringify([
        { point: 'after-claim', match: 'crash-after-claim', times: 1 },
        { point: 'after-accept', match: 'crash-after-accept', times: 1 },
        { point: 'after-sent', match: 'crash-after-sent', times: 1 },
      ]),
    },
  });
  Object.assign(process.env, {
    AzureWebJobsStorage: stack.env.AzureWebJobsStorage,
    COSMOS_ENDPOINT: stack.env.COSMOS_ENDPOINT,
    COSMOS_KEY: stack.env.COSMOS_KEY,
    COSMOS_DATABASE: stack.env.COSMOS_DATABASE,
  });
  resetSettingsCache();
  resetCosmosClient();
  resetQueueClients();
  resetBlobClients();
  channelId = await publishChannel(stack, simulatorChannelInput(sim, DESK));
  await stack.settle(30_000);
});

after(async () => {
  resetCosmosClient();
  await stack?.stop();
  await sim?.stop();
});

async function queueAutoResponse(key: string, attachment?: Buffer) {
  const id = `${key}:autoResponse`;
  const blobName = attachment ? await putAttachment(createHash('sha256').update(attachment).digest('hex'), attachment, 'application/pdf') : undefined;
  const record = newOutboxRecord({
    id,
    channelId,
    purpose: 'autoResponse',
    ticketId: 'T-000042',
    mail: {
      from: { name: 'Service desk', address: DESK },
      to: CUSTOMER,
      subject: `Re: ${key} [#T-000042]`,
      text: 'We received your request.',
      html: '<p>We received your request.</p>',
      inReplyTo: `<${key}@customer.example>`,
      references: [`<${key}@customer.example>`],
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
      ...(blobName ? { attachments: [{ filename: 'summary.pdf', contentType: 'application/pdf', blobName }] } : {}),
    },
    messageId: asHeaderValue(outgoingMessageId(id, 'contoso.example')),
    now: new Date(),
  });
  await enqueueOutbound([record], dispatchDeps());
  return record;
}

const inboxCopies = (messageId: string) => sim.folderMessages(CUSTOMER, 'inbox').filter((m) => m.internetMessageId === messageId);

test('an outbox record and its queue message: the host sends it through Graph, and the mail arrives in the recipient mailbox with our headers', async () => {
  const attachment = Buffer.from('%PDF-1.4 summary \u0000\u00ff', 'latin1');
  const record = await queueAutoResponse('ledger-e2e-1', attachment);
  await stack.settle(30_000);

  const copies = inboxCopies(record.messageId);
  assert.equal(copies.length, 1, stack.logs().slice(-3000));
  const parsed = await simpleParser(sim.rawMessage(CUSTOMER, copies[0]!.id)!);
  assert.equal(parsed.subject, 'Re: ledger-e2e-1 [#T-000042]');
  assert.equal(parsed.inReplyTo, '<ledger-e2e-1@customer.example>');
  assert.equal(parsed.headers.get('auto-submitted'), 'auto-replied');
  assert.equal(parsed.headers.get('x-auto-response-suppress'), 'All');
  assert.equal(parsed.headers.get('x-mailchannel-id'), channelId);
  assert.ok(parsed.attachments[0]?.content.equals(attachment), 'the attachment, read from Blob storage');
  assert.ok(sim.folderMessages(DESK, 'sentitems').some((m) => m.internetMessageId === record.messageId));

  const stored = (await readOutbox(channelId, record.id))!.record;
  assert.equal(stored.state, 'sent');
  assert.equal(stored.attempts, 1);
});

for (const [point, expected] of [['after-claim', 1], ['after-accept', 2], ['after-sent', 1]] as const) {
  test(`the host's send job crashing ${point}, retried by the queue: ${expected} mail(s) in the recipient mailbox${expected > 1 ? ', both with the same Message-ID' : ''}`, async () => {
    const failedBefore = (await stack.invocations('sendMail')).filter((i) => i.status === 'failed').length;
    const record = await queueAutoResponse(`crash-${point}-${Date.now()}`);
    await stack.settle(60_000);
    const crashes = (await stack.invocations('sendMail')).filter((i) => i.status === 'failed');
    assert.equal(crashes.length - failedBefore, 1, 'the injected crash happened once');
    assert.match(crashes.at(-1)?.error ?? '', new RegExp(`injected fault at ${point}`));
    assert.equal(inboxCopies(record.messageId).length, expected, stack.logs().slice(-3000));
    const stored = (await readOutbox(channelId, record.id))!.record;
    assert.equal(stored.state, 'sent');
    assert.equal(stored.attempts, point === 'after-sent' ? 1 : 2);
  });
}

test('Graph failing every send: the queue gives up after its retries and the poison handler marks the record failed with the last error', async () => {
  // the last test of the file: the faults outlast it
  sim.injectFaults(1000, { status: 503, retryAfterSeconds: 0, endpoint: 'sendMail' });
  const record = await queueAutoResponse(`unavailable-${Date.now()}`);
  await stack.settle(90_000);
  const stored = (await readOutbox(channelId, record.id))!.record;
  assert.equal(stored.state, 'failed', JSON.stringify(stored));
  assert.equal(stored.failure?.code, 'GRAPH_UNAVAILABLE');
  assert.equal(stored.attempts, 5, 'one provider call per delivery, five deliveries before the poison queue');
  assert.equal(inboxCopies(record.messageId).length, 0);
  assert.equal((await stack.invocations('recordSendFailure')).filter((i) => i.status === 'succeeded').length, 1);
});
