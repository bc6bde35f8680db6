import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { PermanentError } from '../../../shared/errors';
import { parseMail, parseMailWithContent } from '../../../shared/mail/parse';
import { ParsedMail } from '../../../shared/mail/parsed-mail';

const fixtures = path.resolve(__dirname, '../../fixtures/mail');
const corpus = path.resolve(__dirname, '../../../../shared/corpus/zammad-mail');
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name));
const mime = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'));

describe('parseMail', () => {
  test('an Outlook reply comes out with bare ids, an ISO date, lower-cased headers and both bodies', async () => {
    const mail = await parseMail(fixture('outlook-reply.eml'));
    assert.equal(mail.messageId, 'AM0PR02MB1234E1F0C3B8A3D2B1E4C5A6B7C8@AM0PR02MB1234.eurprd02.prod.outlook.com');
    assert.equal(mail.inReplyTo, 'ticket-1042-1717409700@example.com');
    assert.deepEqual(mail.references, ['ticket-1042-1717409700@example.com']);
    assert.equal(mail.date, '2024-06-03T10:42:09.000Z');
    assert.deepEqual(mail.from, { address: 'jane.customer@contoso.com', name: 'Jane Customer' });
    assert.deepEqual(mail.to, [{ address: 'support@example.com', name: 'Support' }]);
    assert.equal(mail.headers['thread-topic'], '[Ticket#1042] Printer on floor 3 does not print');
    assert.ok(Object.keys(mail.headers).every((k) => k === k.toLowerCase()));
    assert.match(mail.text, /paper jam/);
    assert.ok(mail.html?.includes('Kind regards'));
    assert.ok(!mail.html?.includes('<style'), 'the sanitizer removed the <style> block');
    assert.equal(mail.rawSize, fixture('outlook-reply.eml').length);
    assert.equal(mail.rawSha256, createHash('sha256').update(fixture('outlook-reply.eml')).digest('hex'));
    assert.deepEqual(mail.warnings, []);
    ParsedMail.parse(mail); // the contract holds
  });

  test('ISO-8859-1 8-bit text and encoded-word headers come out as proper Unicode', async () => {
    const mail = await parseMail(fixture('latin1-8bit.eml'));
    assert.equal(mail.subject, 'Drucker im Büro geht nicht');
    assert.equal(mail.from?.name, 'Jürgen Müller');
    assert.match(mail.text, /zeigt "Störung"\. Grüße aus Köln, Jürgen Müller/);
  });

  test('Windows-1252 text keeps the euro sign, the dash and the typographic quotes', async () => {
    const mail = await parseMail(fixture('windows-1252.eml'));
    assert.equal(mail.from?.name, 'René Lefèvre');
    assert.match(mail.text, /1\u00a0200 € au lieu de 1\u00a0000 € – merci de vérifier “l’article 3”/);
  });

  test('an inline image referenced by cid is inline; an unreferenced image and a PDF stay attachments, their content kept apart by sha256', async () => {
    const { mail, attachmentContents } = await parseMailWithContent(fixture('inline-image.eml'));
    assert.deepEqual(
      mail.attachments.map(({ filename, contentType, inline, cid }) => ({ filename, contentType, inline, cid })),
      [
        { filename: 'image001.png', contentType: 'image/png', inline: true, cid: 'image001.png@01DABB2C.5E6F7A80' },
        { filename: 'attachment-2.png', contentType: 'image/png', inline: false, cid: 'unreferenced@contoso.com' },
        { filename: 'error-log.pdf', contentType: 'application/pdf', inline: false, cid: undefined },
      ],
    );
    assert.match(mail.html ?? '', /<img src="cid:image001\.png@01DABB2C\.5E6F7A80"/, 'the cid reference survives sanitizing');
    for (const a of mail.attachments) {
      const content = attachmentContents.get(a.sha256);
      assert.ok(content, `content of ${a.filename}`);
      assert.equal(content.length, a.size);
      assert.equal(createHash('sha256').update(content).digest('hex'), a.sha256);
    }
    assert.ok(attachmentContents.get(mail.attachments[2]!.sha256)!.toString('latin1').startsWith('%PDF-1.4'));
    assert.ok(!JSON.stringify(mail).includes('iVBORw0KGgo'), 'no attachment content in ParsedMail');
  });

  test('an HTML-only mail gets a text body derived from its HTML', async () => {
    const mail = await parseMail(fixture('inline-image.eml'));
    assert.equal(mail.text, 'The error looks like this:\n\nSara');
  });

  test('a TNEF part without a name is kept whole as winmail.dat', async () => {
    const { mail, attachmentContents } = await parseMailWithContent(fixture('tnef.eml'));
    const tnef = mail.attachments.find((a) => a.contentType === 'application/ms-tnef');
    assert.equal(tnef?.filename, 'winmail.dat');
    assert.deepEqual([...attachmentContents.get(tnef!.sha256)!.subarray(0, 4)], [0x78, 0x9f, 0x3e, 0x22], 'the TNEF signature is intact');
  });

  test('an x-uuencode part is decoded', async () => {
    const { mail, attachmentContents } = await parseMailWithContent(fs.readFileSync(path.join(corpus, 'mail078-content_transfer_encoding_x_uuencode.box')));
    const att = mail.attachments.find((a) => a.filename === 'PGP_Cmts_on_12-14-01_Pkg.txt');
    assert.equal(attachmentContents.get(att!.sha256)?.toString(), 'Hello Zammad');
  });

  test('an inline uuencoded block becomes an attachment, as its MIME twin (same report, another day) carries it, and leaves the text body', async () => {
    const viaMime = await parseMailWithContent(fs.readFileSync(path.join(corpus, 'mail024.box')));
    const viaUu = await parseMailWithContent(fs.readFileSync(path.join(corpus, 'mail025.box')));
    const a = viaMime.mail.attachments.find((x) => x.filename === 'rulesets-report.csv');
    const b = viaUu.mail.attachments.find((x) => x.filename === 'rulesets-report.csv');
    assert.ok(a && b);
    assert.equal(b.contentType, 'text/csv');
    assert.equal(viaUu.attachmentContents.get(b.sha256)?.toString(), 'RULESET_ID;NAME;ACTIV;RUN_MODE;AUDIT_MODIFY_DATE\n387;DP DHL JOIN - EN : Einladung eAC;T;SM;17.09.14\n');
    const header = (c: Buffer | undefined) => c?.toString().split('\n')[0];
    assert.equal(header(viaUu.attachmentContents.get(b.sha256)), header(viaMime.attachmentContents.get(a.sha256)));
    assert.equal(viaUu.mail.text, '');
    assert.ok(viaUu.mail.warnings.some((w) => /uuencoded/.test(w)));
  });

  test('a nameless attached mail is named after its subject, a nameless report after its description', async () => {
    const mail = await parseMail(fixture('dsn-postfix.eml'));
    assert.deepEqual(mail.attachments.map((a) => [a.filename, a.contentType]), [
      ['Delivery report.txt', 'message/delivery-status'],
      ['[Ticket#1047] Your request has been received.eml', 'message/rfc822'],
    ]);
  });

  test('the HTML body never carries script, handlers or javascript: links', async () => {
    const mail = await parseMail(mime(`From: a@example.com
Subject: hi
Content-Type: text/html; charset=utf-8

<p onclick="steal()">Hello<script>alert(1)</script> <a href="javascript:alert(2)">x</a> <img src="x" onerror="alert(3)"></p>`));
    assert.equal(mail.html, '<p>Hello <a target="_blank" rel="noopener noreferrer">x</a> </p>');
    assert.ok(!/alert\(1\)|<script/.test(mail.text), 'no script in the text either');
  });
});

describe('parseMail with broken input', () => {
  const refused = async (raw: Buffer, reason: RegExp) => {
    await assert.rejects(parseMail(raw), (err: unknown) => {
      assert.ok(err instanceof PermanentError);
      assert.equal(err.code, 'MIME_UNPARSEABLE');
      assert.match(err.message, reason);
      return true;
    });
  };

  test('empty input is refused with MIME_UNPARSEABLE: empty', () => refused(Buffer.alloc(0), /empty/));
  test('blank input is refused with MIME_UNPARSEABLE: empty', () => refused(Buffer.from('\r\n \r\n'), /empty/));
  test('binary garbage (a PNG) is refused as binary data', () =>
    refused(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'), /binary/));
  test('plain text without any header is refused as having no headers', () => refused(Buffer.from('Hello,\nplease call me back.\n'), /no mail headers/));

  test('a line of junk above the headers, a broken Date and no Message-ID still parse, with warnings', async () => {
    const mail = await parseMail(mime(`---- Original email message ----
From: Ann <ann@example.com>
Subject: still readable
Date: Wed, 05 Sep 2018 29:24:05 +0700

body`));
    assert.equal(mail.from?.address, 'ann@example.com');
    assert.equal(mail.subject, 'still readable');
    assert.equal(mail.date, undefined);
    assert.equal(mail.messageId, undefined);
    assert.equal(mail.text, 'body');
    assert.equal(mail.warnings.length, 3, mail.warnings.join(' | '));
  });

  test('a mail without From takes its sender from Reply-To, and says so', async () => {
    const mail = await parseMail(mime(`Reply-To: <answer@example.com>
Subject: no from
Message-ID: <x@y>

hi`));
    assert.equal(mail.from?.address, 'answer@example.com');
    assert.ok(mail.warnings.some((w) => /reply-to/.test(w)));
  });

  test('a multipart whose boundary never appears keeps its body as text', async () => {
    const mail = await parseMail(mime(`From: a@example.com
Subject: broken
Content-Type: multipart/mixed; boundary="never-there"
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe aus Wien`));
    assert.equal(mail.text, 'Grüße aus Wien');
    assert.ok(mail.warnings.some((w) => /no parts/.test(w)));
  });

  test('a Date run into the next header still yields its date', async () => {
    const mail = await parseMail(mime(`From: a@example.com
Date: Fri, 07 Apr 2023 17:30:44 +0200Received: from m241-41.example.com
Subject: x

y`));
    assert.equal(mail.date, '2023-04-07T15:30:44.000Z');
  });
});
