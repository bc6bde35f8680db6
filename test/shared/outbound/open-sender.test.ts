import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRecord } from '../../../shared/config/channel';
import { openMailSender } from '../../../shared/outbound/open-sender';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { simulatorChannel } from '../../../devhost/graph-simulator/channel';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture';

/** The sender a channel gets: Graph sendMail for a Graph channel, SMTP for an IMAP channel. */
const DESK = 'desk@contoso.example';
let sim: GraphSimulator;
let capture: SmtpCapture;
before(async () => {
  [sim, capture] = await Promise.all([startGraphSimulator({ mailboxes: [DESK] }), startSmtpCapture({ passwords: { [DESK]: 'pw' } })]);
});
after(async () => {
  await Promise.all([sim?.stop(), capture?.stop()]);
});

const mail = { from: DESK, to: 'customer@example.org', subject: 'Re: hello', text: 'Thanks' };

test('a Graph channel sends through Graph sendMail, never SMTP', async () => {
  const { channel, deps } = simulatorChannel(sim, { mailbox: DESK });
  await openMailSender(channel, { graph: deps }).send(mail);
  assert.equal(sim.sentMail.length, 1);
  assert.equal(capture.mails.length, 0);
});

test('an IMAP channel sends through its SMTP server, never Graph', async () => {
  const now = '2026-11-01T00:00:00.000Z';
  const channel = ChannelRecord.parse({
    id: 'ch-imap',
    status: 'published',
    name: 'IMAP desk',
    connection: {
      protocol: 'imap', host: '127.0.0.1', port: 993, username: DESK,
      auth: { type: 'password', password: { ref: 'pw', updatedAt: now } },
      smtp: { host: '127.0.0.1', port: capture.port, tls: 'none', allowPlaintext: true },
    },
    ticketMapping: { templateId: 'it-support' },
    createdAt: now, createdBy: 'test', updatedAt: now, updatedBy: 'test',
  });
  await openMailSender(channel, { smtp: { getSecret: async () => 'pw', targetPolicy: { allowPrivate: true } } }).send(mail);
  assert.equal(capture.mails.length, 1);
  assert.equal(capture.mails[0]?.user, DESK);
  assert.equal(sim.sentMail.length, 1);
});
