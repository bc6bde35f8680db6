import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { ChannelRecord, type SecretRef } from '../../../shared/config/channel';
import { PermanentError, TransientError } from '../../../shared/errors';
import type { OutboundMail } from '../../../shared/outbound/mail-sender';
import { createSmtpSender, type SmtpDeps } from '../../../shared/outbound/smtp';
import { freePort } from '../../../devhost/ports';
import { makeSelfSignedCert, type SelfSignedCert } from '../../../devhost/graph-simulator/cert';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture';
import { rejects } from '../../support/rejects';

/** Real SMTP on loopback: nodemailer talking to an in-process `smtp-server`. */

const PASSWORD_REF: SecretRef = { ref: 'smtp-password', updatedAt: '2026-11-01T00:00:00.000Z' };
const USER = 'desk@example.com';
const PASSWORD = 'smtp-secret-1';

function channel(port: number, tls: 'implicit' | 'starttls' | 'none', auth: unknown = { type: 'password', password: PASSWORD_REF }): ChannelRecord {
  const now = '2026-11-01T00:00:00.000Z';
  return ChannelRecord.parse({
    id: 'ch-smtp',
    status: 'published',
    name: 'Service desk',
    connection: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: 993,
      username: USER,
      auth,
      settings: { timeoutMs: 2000 },
      smtp: { host: '127.0.0.1', port, tls, allowPlaintext: tls === 'none' },
    },
    ticketMapping: { templateId: 'it-support' },
    createdAt: now,
    createdBy: 'test',
    updatedAt: now,
    updatedBy: 'test',
  });
}

function deps(cert?: SelfSignedCert, password = PASSWORD): SmtpDeps {
  return {
    getSecret: async (ref) => (ref.ref === PASSWORD_REF.ref ? password : undefined),
    ...(cert ? { tlsOptions: { ca: cert.certPem } } : {}),
    // the capture servers listen on loopback, as the local stack allows
    targetPolicy: { allowPrivate: true },
  };
}

const reply: OutboundMail = {
  from: { name: 'Service desk', address: USER },
  to: 'customer@example.org',
  subject: 'Re: Printer on floor 3 is jammed [#T-1042]',
  text: 'We received your request and opened ticket T-1042.',
  html: '<p>We received your request and opened ticket <b>T-1042</b>.</p>',
  inReplyTo: '<original-1@client.example.org>',
  references: ['<original-0@client.example.org>', '<original-1@client.example.org>'],
  headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
};

describe('SMTP sender', () => {
  let cert: SelfSignedCert;
  let plain: SmtpCapture;
  let starttls: SmtpCapture;
  let implicit: SmtpCapture;
  before(async () => {
    cert = await makeSelfSignedCert();
    const passwords = { [USER]: PASSWORD };
    const refuse = { 'nobody@example.org': 550, 'busy@example.org': 450 };
    [plain, starttls, implicit] = await Promise.all([
      startSmtpCapture({ passwords, refuse }),
      startSmtpCapture({ passwords, cert, tokens: { [USER]: 'token-abc' } }),
      startSmtpCapture({ passwords, cert, implicitTls: true }),
    ]);
  });
  after(async () => {
    await Promise.all([plain?.stop(), starttls?.stop(), implicit?.stop()]);
  });

  it('an auto-response arrives as composed: threaded to the mail it answers, marked auto-submitted', async () => {
    const attachment = Buffer.from('%PDF-1.4 fake but binary \u0000\u00ff', 'latin1');
    const sent = await createSmtpSender(channel(plain.port, 'none'), deps()).send({
      ...reply,
      cc: [{ name: 'Team lead', address: 'lead@example.com' }],
      attachments: [{ filename: 'receipt.pdf', content: attachment, contentType: 'application/pdf' }],
    });
    assert.match(sent.messageId, /^<[^<>\s]+@[^<>\s]+>$/);
    assert.equal(plain.mails.length, 1);
    const got = plain.mails[0]!;
    assert.deepEqual(got.envelope, { from: USER, to: ['customer@example.org', 'lead@example.com'] });
    assert.equal(got.user, USER, 'logged in with the channel username and stored password');

    const parsed = await simpleParser(got.raw);
    assert.equal(parsed.messageId, sent.messageId);
    assert.equal(parsed.subject, reply.subject);
    assert.equal(parsed.from?.value[0]?.address, USER);
    assert.equal(parsed.from?.value[0]?.name, 'Service desk');
    assert.equal(parsed.text?.trim(), reply.text);
    assert.equal(parsed.html && parsed.html.includes('<b>T-1042</b>'), true);
    assert.equal(parsed.inReplyTo, '<original-1@client.example.org>');
    assert.deepEqual(parsed.references, ['<original-0@client.example.org>', '<original-1@client.example.org>']);
    assert.equal(parsed.headers.get('auto-submitted'), 'auto-replied');
    assert.equal(parsed.headers.get('x-auto-response-suppress'), 'All');
    assert.ok(parsed.headers.get('x-mailchannel-id'), 'our own stamp, so the classifier recognises the mail if it comes back');
    assert.equal(parsed.attachments.length, 1);
    assert.equal(parsed.attachments[0]!.filename, 'receipt.pdf');
    assert.ok(parsed.attachments[0]!.content.equals(attachment));
  });

  it('a Message-ID given by the caller is the one the mail goes out with', async () => {
    const sent = await createSmtpSender(channel(plain.port, 'none'), deps()).send({ ...reply, messageId: '<ack.T-1042@desk.example.com>' });
    assert.equal(sent.messageId, '<ack.T-1042@desk.example.com>');
    const parsed = await simpleParser(plain.mails.at(-1)!.raw);
    assert.equal(parsed.messageId, '<ack.T-1042@desk.example.com>');
  });

  it('with STARTTLS the password is only sent after the upgrade; the test CA is trusted', async () => {
    await createSmtpSender(channel(starttls.port, 'starttls'), deps(cert)).send(reply);
    assert.equal(starttls.mails.length, 1);
    assert.equal(starttls.mails[0]!.secure, true);
    assert.deepEqual(starttls.auths.at(-1), { method: 'PLAIN', username: USER, secure: true });
  });

  it('implicit TLS works, and an untrusted certificate is refused (as "could not connect", the detail goes to the log)', async () => {
    await createSmtpSender(channel(implicit.port, 'implicit'), deps(cert)).send(reply);
    assert.equal(implicit.mails.at(-1)?.secure, true);
    await rejects(createSmtpSender(channel(implicit.port, 'implicit'), deps()).send(reply), TransientError, 'SMTP_CONNECT');
    assert.equal(implicit.mails.length, 1);
  });

  it('STARTTLS required but not offered: refused, credentials never sent in clear', async () => {
    const before = plain.auths.length;
    await rejects(createSmtpSender(channel(plain.port, 'starttls'), deps(cert)).send(reply), TransientError, 'SMTP_CONNECT');
    assert.equal(plain.auths.length, before);
  });

  it('an OAuth channel sends with XOAUTH2 and the token from the provider', async () => {
    const auth = { type: 'oauth', flow: 'clientCredentials', tenantId: 'contoso.onmicrosoft.com', clientId: 'app-1' };
    const scopes: string[] = [];
    const oauthDeps: SmtpDeps = {
      getSecret: async () => undefined,
      getAccessToken: async (_a, scope) => {
        scopes.push(scope);
        return 'token-abc';
      },
      tlsOptions: { ca: cert.certPem },
      targetPolicy: { allowPrivate: true },
    };
    await createSmtpSender(channel(starttls.port, 'starttls', auth), oauthDeps).send(reply);
    assert.deepEqual(starttls.auths.at(-1), { method: 'XOAUTH2', username: USER, secure: true });
    assert.deepEqual(scopes, ['https://outlook.office365.com/.default']);
  });

  it('a wrong password is a permanent SMTP_AUTH error', async () => {
    const err = await rejects(createSmtpSender(channel(plain.port, 'none'), deps(undefined, 'wrong-pw')).send(reply), PermanentError, 'SMTP_AUTH');
    assert.doesNotMatch(err.message, /wrong-pw/);
  });

  it('a recipient refused with 5xx is permanent, with 4xx transient', async () => {
    const sender = createSmtpSender(channel(plain.port, 'none'), deps());
    await rejects(sender.send({ ...reply, to: 'nobody@example.org' }), PermanentError, 'SMTP_REJECTED');
    await rejects(sender.send({ ...reply, to: 'busy@example.org' }), TransientError, 'SMTP_DEFERRED');
  });

  it('header injection is refused before anything is sent, naming the field', async () => {
    const count = plain.mails.length;
    const sender = createSmtpSender(channel(plain.port, 'none'), deps());
    const bad = await rejects(sender.send({ ...reply, subject: 'Hi\r\nBcc: victim@example.org' }), PermanentError, 'SMTP_BAD_MESSAGE');
    assert.match(bad.message, /subject/);
    const badHeader = await rejects(sender.send({ ...reply, headers: { 'X-Ticket': 'T-1\nBcc: victim@example.org' } }), PermanentError, 'SMTP_BAD_MESSAGE');
    assert.match(badHeader.message, /headers/);
    assert.equal(plain.mails.length, count);
  });

  it('tls "none" without allowPlaintext never connects, and a loopback server is refused unless the deployment allows it', async () => {
    const before = plain.auths.length;
    const ch = channel(plain.port, 'none');
    if (ch.connection.protocol === 'imap' && ch.connection.smtp) ch.connection.smtp.allowPlaintext = false;
    await rejects(createSmtpSender(ch, deps()).send(reply), PermanentError, 'SMTP_PLAINTEXT_REFUSED');
    await rejects(createSmtpSender(channel(plain.port, 'none'), { ...deps(), targetPolicy: { allowPrivate: false } }).send(reply), PermanentError, 'CONNECT_TARGET_REFUSED');
    assert.equal(plain.auths.length, before);
  });

  it('a server that is down is a transient error', async () => {
    await rejects(createSmtpSender(channel(await freePort(), 'none'), deps()).send(reply), TransientError, 'SMTP_CONNECT');
  });

  it('a channel without SMTP settings says so', () => {
    const ch = channel(25, 'none');
    if (ch.connection.protocol === 'imap') delete ch.connection.smtp;
    assert.throws(() => createSmtpSender(ch, deps()), (e: unknown) => e instanceof PermanentError && e.code === 'SMTP_NOT_CONFIGURED');
  });
});
