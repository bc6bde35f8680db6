import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BounceReport, MAX_ORIGINAL_IDS, MAX_REASON, MAX_RECIPIENTS, readBounceReport } from '../../../shared/mail/bounce-report';
import { newWorkMeter } from '../../../shared/mail/bounce/work-meter';
import { sha256Hex } from '../../../shared/mail/attachments';
import { parseMailWithContent } from '../../../shared/mail/parse';
import type { AttachmentInfo } from '../../../shared/mail/parsed-mail';
import { parsedMail } from '../../support/fixtures';

const root = path.resolve(__dirname, '../../..');
const read = async (file: string) => {
  const { mail, attachmentContents } = await parseMailWithContent(fs.readFileSync(path.join(root, file)));
  return readBounceReport(mail, attachmentContents);
};

/** A DSN as a mail server writes it: text, delivery-status, the returned mail's headers. */
function dsn(o: { status?: string; action?: string; extraDsn?: string; returned?: string; headers?: string; text?: string; recipients?: string }) {
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>',
      'To: desk@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <bounce-1@mx.example.org>',
      ...(o.headers ? [o.headers] : []),
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      o.text ?? 'This is the mail system at host mx.example.org.',
      '',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      ...(o.extraDsn ? [o.extraDsn] : []),
      '',
      o.recipients ?? ['Final-Recipient: rfc822; alice@example.net', `Action: ${o.action ?? 'failed'}`, `Status: ${o.status ?? '5.1.1'}`, 'Diagnostic-Code: smtp; 550 5.1.1 <alice@example.net>: Recipient address rejected: User unknown'].join('\n'),
      '',
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      o.returned ?? 'From: desk@example.com\nTo: alice@example.net\nSubject: Your request [#T-000042]\nMessage-ID: <mc.0123456789abcdef0123456789abcdef@example.com>',
      '',
      '--B--',
      '',
    ].join('\r\n'),
  );
}
const parseReport = async (raw: Buffer) => {
  const { mail, attachmentContents } = await parseMailWithContent(raw);
  return readBounceReport(mail, attachmentContents);
};

test('a Postfix DSN gives the returned mail\'s Message-ID first, the failed recipient, its status and the server\'s words', async () => {
  const r = await read('test/fixtures/mail/dsn-postfix.eml');
  assert.deepEqual(r.originalMessageIds[0], { id: 'ticket-1047-1717485160@example.com', source: 'returned-message' });
  assert.equal(r.failed, true);
  assert.equal(r.recipient, 'nobody@fabrikam.example');
  assert.equal(r.status, '5.1.1');
  assert.equal(r.reason, '550 5.1.1 <nobody@fabrikam.example>: Recipient address rejected: User unknown');
});

test('an Exim bounce without a DSN part: recipients from X-Failed-Recipients, each with its own words from the text, the quoted original\'s Message-ID', async () => {
  const r = await read('test/fixtures/mail/public/sisimai/email-exim-02.eml');
  assert.deepEqual(r.originalMessageIds, [{ id: 'E1X58pB-0004bW-2s@marutamachi.example.org', source: 'quoted-headers' }]);
  assert.deepEqual(r.recipients, [
    { address: 'kijitora@example.jp', status: '5.1.1', diagnostic: '550 5.1.1 <kijitora@example.jp>... User Unknown' },
    { address: 'sabatora@example.jp', status: '5.2.1', diagnostic: '550 5.2.1 <sabatora@example.jp>... User Unknown' },
  ]);
  assert.equal(r.reason, '550 5.1.1 <kijitora@example.jp>... User Unknown');
});

test('a folded Exim diagnostic is read whole (the line after "<address>:" continues it)', async () => {
  const r = await read('test/corpus/sisimai-bounces/email-exim-30.eml');
  assert.equal(r.reason, '554 5.7.1 <kijitora@exmaple.ch>: Recipient address rejected: Access denied');
  assert.equal(r.status, '5.7.1');
});

test('qmail: the Message-ID quoted below "copy of the message", the recipient in <…>:, the remote server\'s answer', async () => {
  const r = await read('test/fixtures/mail/public/sisimai/email-qmail-01.eml');
  assert.equal(r.originalMessageIds[0]?.id, '000000000.9999999999999.JavaMail.postmaster@mailhub');
  assert.equal(r.recipient, 'kijitora@example.ne.jp');
  assert.equal(r.reason, '550 Unknown user kijitora@example.ne.jp');
  assert.equal(r.status, '5.5.0');
});

test('Exchange NDRs: the returned message beats the quoted "Original message headers" (a relay can change the id there) and In-Reply-To', async () => {
  const r = await read('test/corpus/sisimai-bounces/email-exchange2007-04.eml');
  assert.deepEqual(r.originalMessageIds.map((c) => c.source), ['returned-message', 'quoted-headers']);
  assert.equal(r.originalMessageIds[0]?.id, '78f44d2b2ea5763064d21edacd9d8d18@example.net');
  const old = await read('test/corpus/sisimai-machine/email-exchange2003-03.eml');
  assert.equal(old.recipient, 'kijitora@example.jp', 'the address after "did not reach", not the To: above it');
  assert.equal(old.reason, 'The recipient name is not recognized', 'a report without codes: the line after the address');
});

test('plain-text bounces without codes: IMail\'s "Unknown user: <address>" line and Domino\'s "because:" paragraph are the reason', async () => {
  assert.equal((await read('test/corpus/sisimai-machine/email-imailserver-01.eml')).reason, 'Unknown user: kijitora@example.com');
  assert.equal((await read('test/fixtures/mail/public/sisimai/email-domino-01.eml')).reason, 'User some.name (kijitora@example.jp) not listed in Domino Directory');
});

test('a delay warning is no failure: a DSN whose every recipient is "delayed", and Gmail\'s plain-text warning', async () => {
  const delayed = await parseReport(dsn({ action: 'delayed', status: '4.4.1' }));
  assert.equal(delayed.failed, false);
  assert.equal(delayed.status, '4.4.1');
  assert.equal((await read('test/corpus/sisimai-bounces/email-google-09.eml')).failed, false);
  assert.equal((await parseReport(dsn({}))).failed, true);
});

test('complaints (ARF abuse reports, DMARC failure reports, Microsoft JMRP, Amazon SES complaints) return the mail but are no failure', async () => {
  for (const file of ['sisimai-machine/arf-05.eml', 'sisimai-machine/arf-09.eml', 'sisimai-machine/arf-19.eml', 'sisimai-machine/arf-03.eml', 'sisimai-machine/arf-13.eml', 'sisimai-set/arf-22.eml', 'sisimai-set/ced-us-amazonses-03.eml']) {
    const r = await read(`test/corpus/${file}`);
    assert.equal(r.failed, false, file);
  }
  assert.equal((await read('test/corpus/sisimai-set/ced-us-amazonses-02.eml')).failed, true, 'an SES bounce notification is one');
});

test('a DSN with a delayed and a failed recipient is a failure, and names the failed one', async () => {
  const recipients = ['Final-Recipient: rfc822; slow@example.net', 'Action: delayed', 'Status: 4.4.1', '', 'Final-Recipient: rfc822; gone@example.net', 'Action: failed', 'Status: 5.1.1'].join('\n');
  const r = await parseReport(dsn({ recipients }));
  assert.equal(r.failed, true);
  assert.equal(r.recipient, 'gone@example.net');
  assert.deepEqual(r.recipients.map((x) => [x.address, x.action]), [['slow@example.net', 'delayed'], ['gone@example.net', 'failed']]);
  assert.equal(r.reason, '5.1.1 bad destination mailbox address', 'no Diagnostic-Code: the status\'s meaning');
});

test('candidates come strongest first and once each: returned headers, X-Original-Message-ID, In-Reply-To, References (nearest first), quoted headers, an ENVID shaped like a Message-ID', async () => {
  const r = await parseReport(
    dsn({
      headers: 'In-Reply-To: <irt@example.com>\r\nReferences: <root@example.com> <parent@example.com> <mc.0123456789abcdef0123456789abcdef@EXAMPLE.com>',
      extraDsn: 'X-Original-Message-ID: <dsn@example.com>\nOriginal-Envelope-Id: envid@example.com',
      text: 'Message-ID: <quoted@example.com>',
    }),
  );
  assert.deepEqual(
    r.originalMessageIds.map((c) => `${c.source} ${c.id}`),
    ['returned-message mc.0123456789abcdef0123456789abcdef@example.com', 'delivery-status dsn@example.com', 'in-reply-to irt@example.com', 'references parent@example.com', 'references root@example.com', 'quoted-headers quoted@example.com', 'envelope-id envid@example.com'],
  );
  const opaque = await parseReport(dsn({ extraDsn: 'Original-Envelope-Id: 3F2A91', returned: 'Subject: x' }));
  assert.deepEqual(opaque.originalMessageIds, [], 'an ENVID that is no Message-ID is no candidate');
});

test('a returned mail marked inline (mailparser merges it into the body, headers lost) gives its Message-ID from the raw MIME', async () => {
  for (const [file, id] of [
    ['test/corpus/sisimai-set/dos-email-mailfoundry-01.eml', '000000000.0000000000000.neko@gw.example.jp'],
    ['test/corpus/sisimai-heldout2/mac-msp-us-sendgrid-01.eml', 'F9B4AEED-722D-47FD-929E-3625AF2161BB@example.jp'],
  ] as const) {
    const raw = fs.readFileSync(path.join(root, file));
    const { mail, attachmentContents } = await parseMailWithContent(raw);
    assert.equal(readBounceReport(mail, attachmentContents).originalMessageIds.length, 0, `${file}: the parsed mail has lost it`);
    assert.deepEqual(readBounceReport(mail, attachmentContents, { raw }).originalMessageIds[0], { id, source: 'returned-message' });
  }
});

test('with no diagnostic, no status and no address the reason is the bounce\'s subject, else a fixed sentence', async () => {
  const mail = parsedMail({ subject: 'Undelivered Mail Returned to Sender', text: 'some test' });
  assert.equal(readBounceReport(mail, new Map()).reason, 'Undelivered Mail Returned to Sender');
  assert.equal(readBounceReport(parsedMail({ subject: '', text: '' }), new Map()).reason, 'the mail could not be delivered');
});

function part(contentType: string, content: Buffer, i: number): { info: AttachmentInfo; content: Buffer } {
  return { info: { filename: `p${i}`, contentType, size: content.length, inline: false, sha256: sha256Hex(Buffer.from(`part ${i}`)) }, content };
}

function hostileBounce(bodyBytes: number, parts: number) {
  const dsnBody = Buffer.from(`${'Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 ' + '@.5'.repeat(50)}\n\n`.repeat(40_000));
  const returned = Buffer.from(`Message-ID: <${'x'.repeat(2000)}@example.com>\n${' folded'.repeat(100_000)}\n`);
  const all = Array.from({ length: parts }, (_, i) => part(i % 2 ? 'message/delivery-status' : 'text/rfc822-headers', i % 2 ? dsnBody : returned, i));
  const unit = 'Message-ID: <q@x.example>\n5.5.5.5.5 550 550 a@a@a@a.b <<<>>> ' + '@'.repeat(200) + '.'.repeat(200) + '\n';
  const text = unit.repeat(Math.ceil(bodyBytes / unit.length)).slice(0, bodyBytes);
  const mail = parsedMail({
    subject: 'x'.repeat(100_000),
    text,
    inReplyTo: 'irt@example.com',
    references: Array.from({ length: 10_000 }, (_, i) => `r${i}@example.com`),
    headers: { 'x-failed-recipients': 'a@b.example, '.repeat(100_000) },
    attachments: all.map((p) => p.info),
  });
  const raw = Buffer.from('Content-Type: message/rfc822\n\nMessage-ID: <r@x.example>\n'.repeat(Math.ceil(bodyBytes / 50)));
  return { mail, contents: new Map(all.map((p) => [p.info.sha256, p.content])), raw };
}

test('a 5 MB bounce body and raw MIME with 2,000 report parts is read in bounded work: twice the body, the raw and the parts cost the same, and the output keeps its limits', () => {
  const small = hostileBounce(5 * 1024 * 1024, 2000);
  const meterSmall = newWorkMeter();
  const r = readBounceReport(small.mail, small.contents, { meter: meterSmall, raw: small.raw });
  const big = hostileBounce(10 * 1024 * 1024, 4000);
  const meterBig = newWorkMeter();
  readBounceReport(big.mail, big.contents, { meter: meterBig, raw: big.raw });

  assert.equal(meterBig.chars, meterSmall.chars, 'the work does not grow with the input');
  assert.ok(meterSmall.chars < 20_000_000, `characters looked at: ${meterSmall.chars}`);
  assert.ok(BounceReport.safeParse(r).success);
  assert.ok(r.originalMessageIds.length <= MAX_ORIGINAL_IDS);
  assert.ok(r.recipients.length <= MAX_RECIPIENTS);
  assert.ok(r.reason.length <= MAX_REASON);
});
