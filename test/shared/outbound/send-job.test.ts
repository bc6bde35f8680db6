import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { ChannelRecord, type SecretRef } from '../../../shared/config/channel';
import { TransientError } from '../../../shared/errors';
import { enqueueOutbound } from '../../../shared/outbound/enqueue';
import { createGraphSender } from '../../../shared/outbound/graph-sender';
import type { MailSender } from '../../../shared/outbound/mail-sender';
import { newOutboxRecord, type OutboxMail, type OutboxPurpose } from '../../../shared/outbound/outbox';
import { sendFaultHook, InjectedSendFault, type SendFaultPoint } from '../../../shared/outbound/send-faults';
import { recordSendFailure, sendOutbound, type SendJobDeps } from '../../../shared/outbound/send-job';
import { createSmtpSender } from '../../../shared/outbound/smtp';
import type { MailOutboundMessage } from '../../../shared/queue/contracts';
import { createOutbox, readOutbox, replaceOutbox } from '../../../shared/store/outbox';
import { asHeaderValue, outgoingMessageId } from '../../../shared/threading/message-ids';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { simulatorChannel } from '../../../devhost/graph-simulator/channel';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture';

/**
 * The send job on real parts: outbox records in the Cosmos emulator, mail to an `smtp-server`
 * capture (IMAP channels) and to the Graph simulator (Graph channels). Crashes are injected at
 * every point of the job, then the queue message is redelivered (same message id, as the
 * queue does) and a stray second message for the record arrives too; the mails the provider
 * received are counted.
 */
const DESK = 'desk@contoso.example';
const CUSTOMER = 'customer@contoso.example';
const PASSWORD_REF: SecretRef = { ref: 'smtp-password', updatedAt: '2026-11-01T00:00:00.000Z' };

function smtpChannel(port: number): ChannelRecord {
  const now = '2026-11-01T00:00:00.000Z';
  return ChannelRecord.parse({
    id: 'ch-smtp',
    status: 'published',
    name: 'IMAP desk',
    connection: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: 993,
      username: DESK,
      auth: { type: 'password', password: PASSWORD_REF },
      settings: { timeoutMs: 2000 },
      smtp: { host: '127.0.0.1', port, tls: 'none', allowPlaintext: true },
    },
    ticketMapping: { templateId: 'it-support' },
    createdAt: now,
    createdBy: 'test',
    updatedAt: now,
    updatedBy: 'test',
  });
}

let env: EmulatorEnv;
let capture: SmtpCapture;
let sim: GraphSimulator;
let smtp: ChannelRecord;
let graph: ReturnType<typeof simulatorChannel>;
const attachments = new Map<string, Buffer>([['sha256/ab/receipt', Buffer.from('%PDF-1.4 receipt \u0000\u00ff', 'latin1')]]);

before(async () => {
  [env, capture, sim] = await Promise.all([useEmulatorEnv(), startSmtpCapture({ passwords: { [DESK]: 'pw' }, refuse: { 'nobody@example.org': 550, 'busy@example.org': 450 } }), startGraphSimulator({ mailboxes: [DESK, CUSTOMER] })]);
  smtp = smtpChannel(capture.port);
  graph = simulatorChannel(sim, { mailbox: DESK, id: 'ch-graph', retryCount: 0 });
});
after(async () => {
  await Promise.all([env?.stop(), capture?.stop(), sim?.stop()]);
});

/** Cosmos operations the job made, by kind. */
interface Counts { reads: number; replaces: number; sends: number }

function deps(channel: ChannelRecord, fault?: SendJobDeps['fault'], counts: Counts = { reads: 0, replaces: 0, sends: 0 }): SendJobDeps {
  const sender: MailSender =
    channel.connection.protocol === 'graph'
      ? createGraphSender(channel, graph.deps)
      : createSmtpSender(channel, { getSecret: async (ref) => (ref.ref === PASSWORD_REF.ref ? 'pw' : undefined), targetPolicy: { allowPrivate: true } });
  return {
    loadChannel: async (id) => (id === channel.id ? channel : undefined),
    readOutbox: (c, id) => { counts.reads++; return readOutbox(c, id); },
    replaceOutbox: (r, etag) => { counts.replaces++; return replaceOutbox(r, etag); },
    openSender: () => ({ send: (m) => { counts.sends++; return sender.send(m); } }),
    getAttachment: async (name) => attachments.get(name) ?? Buffer.alloc(0),
    now: () => new Date(),
    ...(fault ? { fault } : {}),
  };
}

let n = 0;
async function queued(channel: ChannelRecord, over: Partial<OutboxMail> = {}, purpose: OutboxPurpose = 'autoResponse'): Promise<MailOutboundMessage> {
  const id = `ledger-${++n}-${Date.now()}:${purpose}`;
  const record = newOutboxRecord({
    id,
    channelId: channel.id,
    purpose,
    ticketId: `T-${n}`,
    mail: { from: { name: 'Service desk', address: DESK }, to: CUSTOMER, subject: `Re: request ${n} [#T-${n}]`, text: 'We are on it.', inReplyTo: `<customer-${n}@customer.example>`, ...over },
    messageId: asHeaderValue(outgoingMessageId(id, 'desk.contoso.example')),
    now: new Date(),
  });
  const messages: MailOutboundMessage[] = [];
  await enqueueOutbound([record], { createOutbox, enqueue: async (m) => { messages.push(m); }, now: () => new Date() });
  return messages[0]!;
}

/** Mails the provider received with this Message-ID. */
async function received(channel: ChannelRecord, messageId: string): Promise<number> {
  if (channel.connection.protocol === 'graph') {
    return sim.sentMail.filter((m) => m.raw.toString('latin1').includes(`Message-ID: ${messageId}`)).length;
  }
  let count = 0;
  for (const m of capture.mails) if ((await simpleParser(m.raw)).messageId === messageId) count++;
  return count;
}

const POINTS: (SendFaultPoint | 'none')[] = ['none', 'after-claim', 'after-accept', 'after-sent'];
/** What the outbox promises: one mail, and a second one (same Message-ID) only for a crash in the window. */
const EXPECTED: Record<(typeof POINTS)[number], number> = { none: 1, 'after-claim': 1, 'after-accept': 2, 'after-sent': 1 };

for (const transport of ['smtp', 'graph'] as const) {
  describe(`send job over ${transport === 'smtp' ? 'SMTP (smtp-server capture)' : 'Graph (simulator Sent Items)'}`, () => {
    const channel = () => (transport === 'smtp' ? smtp : graph.channel);

    for (const point of POINTS) {
      it(`a crash ${point === 'none' ? 'nowhere' : point}, a redelivery and a stray second message: ${EXPECTED[point]} mail(s) received${EXPECTED[point] > 1 ? ', the same Message-ID' : ''}`, async () => {
        const msg = await queued(channel());
        const faults = point === 'none' ? undefined : sendFaultHook([{ point, match: msg.outboxId, times: 1 }]);
        const first = sendOutbound(msg, deps(channel(), faults), { id: 'queue-msg-1' });
        if (point === 'none') assert.equal((await first).outcome, 'sent');
        else await assert.rejects(first, InjectedSendFault);
        const redelivered = await sendOutbound(msg, deps(channel(), faults), { id: 'queue-msg-1' });
        const stray = await sendOutbound(msg, deps(channel(), faults), { id: 'queue-msg-2' });
        assert.equal(stray.outcome, 'already-sent');
        assert.equal(redelivered.outcome, point === 'none' || point === 'after-sent' ? 'already-sent' : 'sent');
        if (point === 'after-accept') assert.equal(redelivered.resend, true, 'the job knows it may be sending a duplicate');

        const record = (await readOutbox(msg.channelId, msg.outboxId))!.record;
        assert.equal(record.state, 'sent');
        assert.equal(await received(channel(), record.messageId), EXPECTED[point]);
        assert.equal(record.attempts, EXPECTED[point] === 2 || point === 'after-claim' ? 2 : 1);
      });
    }

    it('two deliveries at once for the same record: one mail (the claim is ETag-guarded)', async () => {
      const msg = await queued(channel());
      const results = await Promise.all([sendOutbound(msg, deps(channel()), { id: 'a' }), sendOutbound(msg, deps(channel()), { id: 'b' })]);
      const outcomes = results.map((r) => r.outcome);
      assert.equal(outcomes.filter((o) => o === 'sent').length, 1);
      assert.ok(outcomes.every((o) => o === 'sent' || o === 'held-by-another' || o === 'already-sent'), outcomes.join());
      const record = (await readOutbox(msg.channelId, msg.outboxId))!.record;
      assert.equal(await received(channel(), record.messageId), 1);
    });

    it('a delivery meeting a record another live delivery is sending sends nothing', async () => {
      const msg = await queued(channel());
      await assert.rejects(sendOutbound(msg, deps(channel(), sendFaultHook([{ point: 'after-claim', match: msg.outboxId, times: 1 }])), { id: 'holder' }), InjectedSendFault);
      const counts = { reads: 0, replaces: 0, sends: 0 };
      assert.equal((await sendOutbound(msg, deps(channel(), undefined, counts), { id: 'rival' })).outcome, 'held-by-another');
      assert.deepEqual(counts, { reads: 1, replaces: 0, sends: 0 });
    });

    it('one mail costs one read and two replaces in Cosmos, one provider call; a redelivery after it one read', async () => {
      const msg = await queued(channel(), { attachments: [{ filename: 'receipt.pdf', contentType: 'application/pdf', blobName: 'sha256/ab/receipt' }] });
      const counts = { reads: 0, replaces: 0, sends: 0 };
      await sendOutbound(msg, deps(channel(), undefined, counts), { id: 'q' });
      assert.deepEqual(counts, { reads: 1, replaces: 2, sends: 1 });
      const again = { reads: 0, replaces: 0, sends: 0 };
      await sendOutbound(msg, deps(channel(), undefined, again), { id: 'q' });
      assert.deepEqual(again, { reads: 1, replaces: 0, sends: 0 });
      const record = (await readOutbox(msg.channelId, msg.outboxId))!.record;
      const raw = transport === 'graph' ? sim.sentMail.at(-1)!.raw : capture.mails.at(-1)!.raw;
      const parsed = await simpleParser(raw);
      assert.equal(parsed.messageId, record.messageId);
      assert.ok(parsed.attachments[0]?.content.equals(attachments.get('sha256/ab/receipt')!), 'the attachment read from its blob reference');
    });
  });
}

describe('send job failures (SMTP)', () => {
  it('a recipient refused for good fails the record with the reason, without a retry', async () => {
    const msg = await queued(smtp, { to: 'nobody@example.org' });
    assert.equal((await sendOutbound(msg, deps(smtp), { id: 'q' })).outcome, 'failed');
    const record = (await readOutbox(msg.channelId, msg.outboxId))!.record;
    assert.equal(record.state, 'failed');
    assert.equal(record.failure?.code, 'SMTP_REJECTED');
    assert.equal((await sendOutbound(msg, deps(smtp), { id: 'q' })).outcome, 'already-failed');
  });

  it('a deferred recipient is retried by the queue; when the queue gives up, poison fails the record with the last error', async () => {
    const msg = await queued(smtp, { to: 'busy@example.org' });
    for (let i = 0; i < 5; i++) await assert.rejects(sendOutbound(msg, deps(smtp), { id: 'q' }), (err: unknown) => err instanceof TransientError && err.code === 'SMTP_DEFERRED');
    const queuedAgain = (await readOutbox(msg.channelId, msg.outboxId))!.record;
    assert.equal(queuedAgain.state, 'queued');
    assert.equal(queuedAgain.attempts, 5);
    assert.deepEqual(await recordSendFailure(msg, { readOutbox, replaceOutbox, now: () => new Date() }), { outboxId: msg.outboxId, state: 'failed' });
    const failed = (await readOutbox(msg.channelId, msg.outboxId))!.record;
    assert.equal(failed.failure?.code, 'SMTP_DEFERRED');
    assert.match(failed.failure?.reason ?? '', /450|busy/);
  });

  it('poison after the mail was sent leaves the record sent', async () => {
    const msg = await queued(smtp);
    await sendOutbound(msg, deps(smtp), { id: 'q' });
    assert.deepEqual(await recordSendFailure(msg, { readOutbox, replaceOutbox, now: () => new Date() }), { outboxId: msg.outboxId, state: 'sent' });
  });

  it('enqueueing the same record again (a redelivered decision) keeps the first record and sends once', async () => {
    const msg = await queued(smtp);
    const first = (await readOutbox(msg.channelId, msg.outboxId))!.record;
    const messages: MailOutboundMessage[] = [];
    const again = await enqueueOutbound([{ ...first, mail: { ...first.mail, subject: 'changed' } }], { createOutbox, enqueue: async (m) => { messages.push(m); }, now: () => new Date() });
    assert.deepEqual(again, { created: 0, existing: 1 });
    for (const m of [msg, ...messages]) await sendOutbound(m, deps(smtp), { id: `q-${m.enqueuedAt}` });
    assert.equal(await received(smtp, first.messageId), 1);
    assert.equal((await simpleParser(capture.mails.at(-1)!.raw)).subject, first.mail.subject);
  });
});
