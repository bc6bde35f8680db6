import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import nodemailer from 'nodemailer';
import { startGraphSimulator, type GraphSimulator } from '../../../devhost/graph-simulator';
import { startSmtpIntake, type SmtpIntake } from '../../../devhost/demo/smtp-intake';

/** The demo SMTP intake, fed by nodemailer as any client would, delivering into the real simulator. */
const LIMIT = 64 * 1024;

/** One SMTP conversation, command by command; returns the final line of each reply (the greeting first). */
async function smtpSession(port: number, commands: string[]): Promise<string[]> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  const replies: string[] = [];
  let buffered = '';
  let waiting: (() => void) | undefined;
  socket.on('data', (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 2);
      if (line[3] === '-') continue; // a multi-line reply goes on
      replies.push(line);
      waiting?.();
    }
  });
  const next = (count: number) => new Promise<void>((resolve) => {
    const check = () => { if (replies.length >= count) { waiting = undefined; resolve(); } };
    waiting = check;
    check();
  });
  await next(1);
  for (const c of commands) {
    socket.write(`${c}\r\n`);
    await next(replies.length + 1);
  }
  socket.destroy();
  return replies;
}

describe('demo SMTP intake', () => {
  let sim: GraphSimulator;
  let intake: SmtpIntake;
  let deliveries = 0;
  const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: intake.port, secure: false, ignoreTLS: true });

  before(async () => {
    sim = await startGraphSimulator({ createRecipientMailboxes: true });
    intake = await startSmtpIntake({
      port: 0,
      maxBytes: LIMIT,
      maxRecipients: 3,
      deliver: async (mailbox, raw) => {
        deliveries++;
        await sim.deliver(mailbox, 'Inbox', raw);
      },
    });
  });
  after(async () => {
    await intake.stop();
    await sim.stop();
  });

  it("a mail to an address @demo.test lands, as sent, in that mailbox's Inbox, which is made on first mail", async () => {
    const info = await transport().sendMail({ from: 'alice@example.org', to: 'First.Time@demo.test', subject: 'Printer jams', text: 'It jams.', messageId: '<jam-1@example.org>' });
    assert.match(info.response, /^250 /);
    assert.ok(sim.mailboxAddresses().includes('first.time@demo.test'));
    const inbox = sim.folderMessages('first.time@demo.test', 'Inbox');
    assert.deepEqual(inbox.map((m) => [m.subject, m.from, m.internetMessageId]), [['Printer jams', 'alice@example.org', '<jam-1@example.org>']]);
    assert.match(sim.rawMessage('first.time@demo.test', inbox[0]!.id)!.toString(), /\r\n\r\nIt jams\./);
  });

  it('a recipient of another domain is refused at RCPT with 550 saying it is no relay, and nothing is delivered', async () => {
    const before = deliveries;
    await assert.rejects(
      transport().sendMail({ from: 'alice@example.org', to: 'someone@gmail.com', subject: 'relay?', text: 'x' }),
      (err: Error & { responseCode?: number; response?: string }) => {
        assert.equal(err.responseCode, 550);
        assert.match(err.response ?? '', /5\.7\.1 .*relaying denied.*only to @demo\.test/);
        return true;
      },
    );
    assert.equal(deliveries, before);
  });

  it('with a demo and an outside recipient, only the demo mailbox gets the mail; the other is reported rejected', async () => {
    const info = await transport().sendMail({ from: 'alice@example.org', to: ['desk2@demo.test', 'bob@elsewhere.example'], subject: 'Mixed', text: 'x' });
    assert.deepEqual(info.accepted, ['desk2@demo.test']);
    assert.deepEqual(info.rejected, ['bob@elsewhere.example']);
    assert.equal(sim.folderMessages('desk2@demo.test', 'Inbox').length, 1);
    assert.ok(!sim.mailboxAddresses().includes('bob@elsewhere.example'));
  });

  it('the same mailbox named twice in the envelope gets one copy; a recipient past the limit is refused with 452', async () => {
    const replies = await smtpSession(intake.port, [
      'EHLO client.example',
      'MAIL FROM:<alice@example.org>',
      'RCPT TO:<twice@demo.test>',
      'RCPT TO:<TWICE@demo.test>',
      'RCPT TO:<third@demo.test>',
      'RCPT TO:<fourth@demo.test>',
      'RCPT TO:<fifth@demo.test>',
      'DATA',
      'From: alice@example.org\r\nTo: twice@demo.test\r\nSubject: Many\r\n\r\nx\r\n.',
      'QUIT',
    ]);
    assert.deepEqual(replies.map((r) => r.slice(0, 3)), ['220', '250', '250', '250', '250', '250', '250', '452', '354', '250', '221']);
    assert.equal(sim.folderMessages('twice@demo.test', 'Inbox').length, 1);
    assert.equal(sim.folderMessages('third@demo.test', 'Inbox').length, 1);
    assert.equal(sim.folderMessages('fourth@demo.test', 'Inbox').length, 1);
    assert.ok(!sim.mailboxAddresses().includes('fifth@demo.test'));
  });

  it('a mail over the size limit is refused with 552 and never delivered', async () => {
    const before = deliveries;
    await assert.rejects(
      transport().sendMail({ from: 'alice@example.org', to: 'big@demo.test', subject: 'Big', text: 'x'.repeat(LIMIT + 1) }),
      (err: Error & { responseCode?: number }) => err.responseCode === 552,
    );
    assert.equal(deliveries, before);
    assert.ok(!sim.mailboxAddresses().includes('big@demo.test'));
  });

  it('it listens on loopback only: an address of this machine on another interface refuses the connection', async (t) => {
    assert.equal(intake.host, '127.0.0.1');
    const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) return t.skip('this machine has no non-loopback IPv4 address');
    const code = await new Promise<string>((resolve) => {
      const s = net.connect({ host: external.address, port: intake.port });
      s.once('connect', () => { s.destroy(); resolve('connected'); });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.equal(code, 'ECONNREFUSED');
  });
});
