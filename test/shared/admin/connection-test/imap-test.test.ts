import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ChannelRecord } from '../../../../shared/config/channel';
import { runConnectionTest, type ConnectionTestDeps } from '../../../../shared/admin/connection-test/run';
import type { ConnectionTestResult, StageId } from '../../../../shared/admin/connection-test/result';
import { startDovecot, type Dovecot } from '../../../support/dovecot';
import { startSmtpCapture, type SmtpCapture } from '../../outbound/smtp-capture';
import { makeSelfSignedCert } from '../../../../devhost/graph-simulator/cert';
import { freePort } from '../../../../devhost/ports';
import { rfc822 } from '../../../support/mail-e2e';

/**
 * The IMAP connection test on real servers: Dovecot (IMAPS, STARTTLS, a self-signed
 * certificate) and an in-process `smtp-server` with STARTTLS. Connections are counted
 * through the test's socket opener.
 */
const USER = { user: 'probe@example.com', password: `probe-Pa55-${Date.now()}` };
const SMTP_PASSWORD = `smtp-Pa55-${Date.now()}`;
let dovecot: Dovecot;
let smtp: SmtpCapture;
let smtpCa: string;

before(async () => {
  dovecot = await startDovecot({ users: [USER] });
  await dovecot.append(USER.user, 'INBOX', rfc822({ subject: 'one' }));
  await dovecot.append(USER.user, 'INBOX', rfc822({ subject: 'two' }));
  await dovecot.append(USER.user, 'Processed', rfc822({ subject: 'done' }));
  const cert = await makeSelfSignedCert();
  smtpCa = cert.certPem;
  smtp = await startSmtpCapture({ cert, passwords: { [USER.user]: SMTP_PASSWORD } });
});

after(async () => {
  await smtp?.stop();
  await dovecot?.stop();
});

function channel(connection: Record<string, unknown> = {}, folders: Record<string, unknown> = {}): ChannelRecord {
  const now = new Date().toISOString();
  return ChannelRecord.parse({
    id: 'probe',
    status: 'draft',
    name: 'Probe',
    connection: {
      protocol: 'imap',
      host: '127.0.0.1',
      port: dovecot.tlsPort,
      tls: 'implicit',
      username: USER.user,
      auth: { type: 'password', password: { ref: 'imap-password', updatedAt: now } },
      settings: { timeoutMs: 3000, retryCount: 0 },
      smtp: { host: '127.0.0.1', port: smtp.port, tls: 'starttls', auth: { type: 'password', password: { ref: 'smtp-password', updatedAt: now } } },
      ...connection,
    },
    folders: { read: ['INBOX'], success: 'Processed', fail: 'Failed', ...folders },
    ticketMapping: { templateId: 'it-support' },
    createdAt: now,
    createdBy: 't',
    updatedAt: now,
    updatedBy: 't',
  });
}

function deps(over: Partial<ConnectionTestDeps> & { imapPassword?: string; smtpPassword?: string } = {}): ConnectionTestDeps & { sockets: () => number } {
  let sockets = 0;
  const secrets: Record<string, string> = { 'imap-password': over.imapPassword ?? USER.password, 'smtp-password': over.smtpPassword ?? SMTP_PASSWORD };
  return {
    getSecret: async (ref) => secrets[ref],
    targetPolicy: { allowPrivate: true },
    trustedCaPem: [dovecot.caCertPem, smtpCa],
    openSocket: (o) => {
      sockets++;
      return net.connect(o);
    },
    ...over,
    sockets: () => sockets,
  };
}

const statuses = (r: ConnectionTestResult) => Object.fromEntries(r.stages.map((s) => [s.stage, s.status]));
const stage = (r: ConnectionTestResult, id: StageId) => r.stages.find((s) => s.stage === id)!;

test('an IMAPS channel passes every stage: addresses checked, certificate shown as trusted, folders listed with counts, SMTP signed in without sending', async () => {
  const r = await runConnectionTest(channel(), deps());
  assert.equal(r.ok, true, JSON.stringify(r, null, 1));
  assert.deepEqual(statuses(r), { dns: 'pass', tcp: 'pass', tls: 'pass', authentication: 'pass', folders: 'pass', send: 'pass' });
  const dns = stage(r, 'dns').details.targets![0] as { addresses: { class: string; allowed: boolean }[] };
  assert.deepEqual(dns.addresses, [{ address: '127.0.0.1', class: 'loopback', allowed: true }]);
  const tls = stage(r, 'tls').details.targets![0] as { mode: string; trusted: boolean; certificate: { subject: string } };
  assert.equal(tls.mode, 'implicit');
  assert.equal(tls.trusted, true);
  assert.equal(tls.certificate.subject, 'CN=127.0.0.1');
  const folders = stage(r, 'folders').details;
  assert.deepEqual(folders.folders!.find((f) => f.path === 'INBOX'), { path: 'INBOX', messages: 2, unread: 2, specialUse: '\\Inbox' });
  assert.deepEqual(folders.folders!.find((f) => f.path === 'Processed'), { path: 'Processed', messages: 1, unread: 1 });
  assert.deepEqual(folders.configured!.map((c) => [c.role, c.name, c.exists]), [['read', 'INBOX', true], ['success', 'Processed', true], ['fail', 'Failed', false]]);
  assert.match(folders.configured![2]!.note!, /created at the first sync/);
  const send = stage(r, 'send').details;
  assert.ok(send.capabilities!.includes('AUTH PLAIN LOGIN XOAUTH2'), JSON.stringify(send.capabilities));
  assert.deepEqual(send.steps!.map((s) => [s.step, s.status]), [['dns', 'pass'], ['tcp', 'pass'], ['tls', 'pass'], ['authentication', 'pass']]);
  assert.equal(smtp.mails.length, 0, 'no mail was sent');
  assert.ok(smtp.auths.some((a) => a.username === USER.user && a.secure), 'the SMTP sign-in happened over TLS');
  assert.ok(!JSON.stringify(r).includes(USER.password) && !JSON.stringify(r).includes(SMTP_PASSWORD));
});

test('STARTTLS on the plain port upgrades before anything else and shows the certificate', async () => {
  const r = await runConnectionTest(channel({ port: dovecot.port, tls: 'starttls' }), deps());
  assert.equal(r.ok, true, JSON.stringify(r, null, 1));
  const tls = stage(r, 'tls').details.targets![0] as { mode: string; trusted: boolean; protocol: string };
  assert.equal(tls.mode, 'starttls');
  assert.equal(tls.trusted, true);
  assert.match(tls.protocol, /^TLSv1\.[23]$/);
});

test('a wrong password fails at authentication with the server\'s words and advice; the later stages are skipped', async () => {
  const r = await runConnectionTest(channel(), deps({ imapPassword: 'not-the-password' }));
  assert.equal(r.ok, false);
  assert.equal(r.failedStage, 'authentication');
  assert.deepEqual(statuses(r), { dns: 'pass', tcp: 'pass', tls: 'pass', authentication: 'fail', folders: 'skipped', send: 'skipped' });
  const f = stage(r, 'authentication').failure!;
  assert.equal(f.code, 'IMAP_AUTH_FAILED');
  assert.match(f.message, /refused the sign-in of "probe@example\.com": .*Authentication failed/);
  assert.match(f.whatToDo, /username .* password/);
  assert.ok(!JSON.stringify(r).includes('not-the-password'));
});

test('a port where nothing listens fails at TCP (refused, with the port to check); nothing after it runs', async () => {
  const port = await freePort();
  const d = deps();
  const r = await runConnectionTest(channel({ port }), d);
  assert.equal(r.failedStage, 'tcp');
  const f = stage(r, 'tcp').failure!;
  assert.equal(f.code, 'TCP_REFUSED');
  assert.match(f.message, new RegExp(`port ${port}`));
  assert.match(f.whatToDo, /993/);
  assert.equal(d.sockets(), 1, 'one connection attempt, no retry');
});

test("a self-signed certificate the app does not trust fails at TLS showing its subject and issuer; no credential is sent", async () => {
  const logins = () => dovecot.log().split('\n').filter((l) => l.includes('Login:') && l.includes(`user=<${USER.user}>`)).length;
  const loginsReach = async (n: number) => {
    for (let i = 0; i < 200 && logins() < n; i++) await new Promise((res) => setTimeout(res, 25));
    return logins();
  };
  const before = logins();
  const r = await runConnectionTest(channel(), deps({ trustedCaPem: smtpCa }));
  assert.equal(r.failedStage, 'tls', JSON.stringify(r, null, 1));
  const t = stage(r, 'tls');
  assert.equal(t.failure!.code, 'TLS_UNTRUSTED');
  const target = t.details.targets![0] as { trusted: boolean; trustProblem: string; certificate: { subject: string; issuer: string } };
  assert.equal(target.trusted, false);
  assert.equal(target.trustProblem, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.equal(target.certificate.subject, 'CN=127.0.0.1');
  assert.equal(target.certificate.issuer, 'CN=127.0.0.1');
  assert.match(t.failure!.message, /issued by "CN=127\.0\.0\.1"/);
  assert.equal(stage(r, 'authentication').status, 'skipped');
  // A sign-in after it is logged as the next login: the untrusted test made none in between.
  await runConnectionTest(channel(), deps());
  assert.equal(await loginsReach(before + 1), before + 1, 'Dovecot saw no login from the untrusted test');
});

test('a certificate that does not name the configured host fails at TLS as a name mismatch listing the names it has', async () => {
  // mail.example.com resolves to Dovecot here; its certificate names 127.0.0.1 and localhost only.
  const r = await runConnectionTest(channel({ host: 'mail.example.com' }), deps({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] }));
  assert.equal(r.failedStage, 'tls', JSON.stringify(r, null, 1));
  const f = stage(r, 'tls').failure!;
  assert.equal(f.code, 'TLS_NAME_MISMATCH');
  assert.match(f.message, /does not name "mail\.example\.com" \(it names IP Address:127\.0\.0\.1, DNS:localhost\)/);
});

test('a refused target (the metadata address 169.254.169.254) fails at DNS/policy with CONNECT_TARGET_REFUSED and opens no connection', async () => {
  const d = deps({ targetPolicy: { allowPrivate: true } });
  const r = await runConnectionTest(channel({ host: '169.254.169.254', smtp: undefined }), d);
  assert.equal(r.failedStage, 'dns');
  const s = stage(r, 'dns');
  assert.equal(s.failure!.code, 'CONNECT_TARGET_REFUSED');
  assert.deepEqual(s.details.targets, [{ role: 'imap', host: '169.254.169.254', addresses: [{ address: '169.254.169.254', class: 'link-local', allowed: false, reason: 'a link-local address (where cloud metadata services live)' }] }]);
  assert.equal(d.sockets(), 0);
});

test('a name resolving to loopback where private hosts are not allowed is refused before any socket: the listener hears nothing', async () => {
  let heard = 0;
  const server = net.createServer((s) => { heard++; s.destroy(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const d = deps({ targetPolicy: { allowPrivate: false }, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const r = await runConnectionTest(channel({ host: 'mail.example.com', port: (server.address() as net.AddressInfo).port }), d);
    assert.equal(r.failedStage, 'dns');
    assert.match(stage(r, 'dns').failure!.message, /loopback/);
    assert.match(stage(r, 'dns').failure!.whatToDo, /MAIL_ALLOW_PRIVATE_HOSTS/);
    assert.equal(d.sockets(), 0);
    assert.equal(heard, 0);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a folder to read that does not exist fails the folders stage naming the folders there are', async () => {
  const r = await runConnectionTest(channel({}, { read: ['Support'] }), deps());
  assert.equal(r.failedStage, 'folders');
  const f = stage(r, 'folders');
  assert.equal(f.failure!.code, 'FOLDER_MISSING');
  assert.match(f.failure!.message, /"Support" does not exist; the mailbox has .*"INBOX"/);
  assert.ok(f.details.folders!.some((x) => x.path === 'INBOX'), 'the folders are listed for the picker');
});

test('an SMTP password the server refuses fails the send stage at its sign-in step; nothing is sent', async () => {
  const r = await runConnectionTest(channel(), deps({ smtpPassword: 'wrong-smtp-password' }));
  assert.equal(r.failedStage, 'send', JSON.stringify(r, null, 1));
  const s = stage(r, 'send');
  assert.equal(s.failure!.code, 'SMTP_AUTH_FAILED');
  assert.deepEqual(s.details.steps!.map((x) => [x.step, x.status]), [['dns', 'pass'], ['tcp', 'pass'], ['tls', 'pass'], ['authentication', 'fail']]);
  assert.equal(smtp.mails.length, 0);
  assert.ok(!JSON.stringify(r).includes('wrong-smtp-password'));
});

test('a channel without an SMTP server passes with the send stage skipped and saying why', async () => {
  const r = await runConnectionTest(channel({ smtp: undefined }), deps());
  assert.equal(r.ok, true);
  const s = stage(r, 'send');
  assert.equal(s.status, 'skipped');
  assert.match(s.details.skippedBecause!, /no SMTP server/);
});

/** A clear-text server that greets and refuses sign-ins in Exchange Online's words. */
async function exchangeLike(): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  let received = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.write('* OK The Microsoft Exchange IMAP4 service is ready. [TQBXADIAUABSADAAMQ==]\r\n');
    s.on('data', (d) => {
      received += d.toString('latin1');
      for (const line of d.toString('latin1').split('\r\n').filter(Boolean)) {
        const [tag, command] = line.split(' ');
        if (command?.toUpperCase() === 'CAPABILITY') s.write(`* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\r\n${tag} OK CAPABILITY completed.\r\n`);
        else if (command?.toUpperCase() === 'LOGOUT') s.end(`* BYE\r\n${tag} OK LOGOUT completed.\r\n`);
        else s.write(`${tag} NO AUTHENTICATE failed.\r\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

test("Exchange Online's \"AUTHENTICATE failed.\" is advised as IMAP disabled for the mailbox, basic auth off or missing app permissions (clear text chosen: the TLS stage is skipped, saying so)", async () => {
  const exchange = await exchangeLike();
  try {
    const r = await runConnectionTest(channel({ port: exchange.port, tls: 'none', allowPlaintext: true, smtp: undefined }), deps());
    assert.equal(r.failedStage, 'authentication', JSON.stringify(r, null, 1));
    const tls = stage(r, 'tls');
    assert.equal(tls.status, 'skipped');
    assert.match(tls.details.skippedBecause!, /clear text/);
    const f = stage(r, 'authentication').failure!;
    assert.equal(f.code, 'IMAP_AUTH_FAILED');
    // The server's words quote a command name, which the credential redaction of issue 6 removes from messages; the advice names them.
    assert.match(f.message, /refused the sign-in of "probe@example\.com"/);
    assert.match(f.whatToDo, /"AUTHENTICATE failed\." when IMAP is disabled for the mailbox \(Set-CASMailbox <mailbox> -ImapEnabled \$true\)/);
    assert.ok(exchange.received().length > 0);
    assert.ok(!JSON.stringify(r).includes(USER.password), 'the password the server was sent is not in the result');
  } finally {
    await exchange.close();
  }
});
