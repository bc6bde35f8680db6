import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { ChannelRecord } from '../../../shared/config/channel';
import { PermanentError, TransientError } from '../../../shared/errors';
import { createGraphSender } from '../../../shared/outbound/graph-sender';
import type { OutboundMail } from '../../../shared/outbound/mail-sender';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { simulatorChannel } from '../../../devhost/graph-simulator/channel';
import { rejects } from '../../support/rejects';

/**
 * The Graph sender on the Graph + Entra simulator, through the real Graph client and
 * @azure/identity: sendMail in MIME format, so the mail that arrives is the one we composed.
 */
const DESK = 'desk@contoso.example';
const CUSTOMER = 'customer@contoso.example';

const reply: OutboundMail = {
  from: { name: 'Service desk', address: DESK },
  to: CUSTOMER,
  cc: ['lead@elsewhere.example'],
  replyTo: 'reply@contoso.example',
  subject: 'Re: Printer on floor 3 is jammed [#T-1042]',
  text: 'We received your request and opened ticket T-1042.',
  html: '<p>We received your request and opened ticket <b>T-1042</b>.</p>',
  inReplyTo: '<original-1@client.example.org>',
  references: ['<original-0@client.example.org>', '<original-1@client.example.org>'],
  messageId: '<mc.0123456789abcdef@desk.contoso.example>',
  headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
};

describe('Graph sender', () => {
  let sim: GraphSimulator;
  before(async () => {
    sim = await startGraphSimulator({ mailboxes: [DESK, CUSTOMER] });
    Object.assign(process.env, sim.managedIdentity.env());
  });
  after(async () => {
    await sim?.stop();
  });

  it('an auto-response goes out as MIME with our headers kept, lands in Sent Items and in the recipient mailbox', async () => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: DESK, id: 'ch-graph' });
    const attachment = Buffer.from('%PDF-1.4 fake but binary \u0000\u00ff', 'latin1');
    const sent = await createGraphSender(channel, deps).send({ ...reply, attachments: [{ filename: 'receipt.pdf', content: attachment, contentType: 'application/pdf' }] });
    assert.equal(sent.messageId, reply.messageId);

    const call = sim.requests.filter((r) => r.endpoint === 'sendMail').at(-1);
    assert.equal(call?.mailbox, DESK);
    const out = sim.sentMail.at(-1)!;
    assert.deepEqual(out.deliveredTo, [CUSTOMER]);
    const parsed = await simpleParser(out.raw);
    assert.equal(parsed.messageId, reply.messageId);
    assert.equal(parsed.subject, reply.subject);
    assert.equal(parsed.from?.value[0]?.address, DESK);
    assert.equal(parsed.inReplyTo, '<original-1@client.example.org>');
    assert.deepEqual(parsed.references, ['<original-0@client.example.org>', '<original-1@client.example.org>']);
    assert.equal(parsed.headers.get('auto-submitted'), 'auto-replied');
    assert.equal(parsed.headers.get('x-auto-response-suppress'), 'All');
    assert.equal(parsed.headers.get('x-mailchannel-id'), 'ch-graph');
    assert.equal(parsed.replyTo?.value[0]?.address, 'reply@contoso.example');
    assert.equal(parsed.text?.trim(), reply.text);
    assert.ok(parsed.attachments[0]?.content.equals(attachment));

    const inbox = sim.folderMessages(CUSTOMER, 'inbox');
    assert.equal(inbox.at(-1)?.internetMessageId, reply.messageId);
    assert.ok(sim.folderMessages(DESK, 'sentitems').some((m) => m.internetMessageId === reply.messageId));
  });

  it('a managed identity channel sends with the identity\'s token, no secret read', async () => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: DESK, id: 'ch-mi' });
    const record = ChannelRecord.parse({ ...channel, connection: { ...channel.connection, auth: { type: 'managedIdentity' } } });
    let secretReads = 0;
    await createGraphSender(record, { ...deps, getSecret: async () => { secretReads++; return undefined; } }).send({ ...reply, messageId: '<mc.mi@desk.contoso.example>' });
    assert.equal(secretReads, 0);
    assert.equal(sim.requests.filter((r) => r.endpoint === 'sendMail').at(-1)?.appId, sim.managedIdentity.systemAssignedClientId);
  });

  it('throttling past the retries is transient with Graph\'s Retry-After; a rejected login is permanent', async () => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: DESK, id: 'ch-throttled', retryCount: 0 });
    sim.injectFaults(1, { status: 429, retryAfterSeconds: 7, endpoint: 'sendMail' });
    const before = sim.sentMail.length;
    const throttled = await rejects(createGraphSender(channel, deps).send(reply), TransientError, 'GRAPH_THROTTLED');
    assert.equal((throttled as TransientError).retryAfterMs, 7000);
    const wrong = simulatorChannel(sim, { mailbox: DESK, id: 'ch-wrong', clientSecret: 'not-the-secret' });
    await rejects(createGraphSender(wrong.channel, wrong.deps).send(reply), PermanentError, 'AUTH_REJECTED');
    assert.equal(sim.sentMail.length, before);
  });

  it('header injection is refused before Graph is called', async () => {
    const { channel, deps } = simulatorChannel(sim, { mailbox: DESK, id: 'ch-inject' });
    const calls = sim.requests.length;
    await rejects(createGraphSender(channel, deps).send({ ...reply, subject: 'Hi\r\nBcc: victim@example.org' }), PermanentError, 'GRAPH_BAD_MESSAGE');
    assert.equal(sim.requests.length, calls);
  });
});
