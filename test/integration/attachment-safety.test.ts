import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../support/stack';
import { type Dovecot, dovecotChannelInput, startDovecot } from '../support/dovecot';
import { api, eventually, publishChannel, tickets } from '../support/mail-e2e';

/**
 * Hostile attachments through the real parts (Dovecot, the local host, Azurite, the
 * Cosmos emulator): what the security review got stored and downloadable — a program
 * behind a trailing dot, a disk image, a page sent as text — is listed on the ticket as
 * blocked and never served; what is stored downloads as an attachment that cannot
 * render actively in the API's origin.
 */
let stack: TestStack;
let dovecot: Dovecot;
const USER = { user: 'attachments@example.com', password: 'attachments-secret' };

before(async () => {
  dovecot = await startDovecot({ users: [USER] });
  stack = await startTestStack({ trustCa: [dovecot.caCertPem] });
});

after(async () => {
  await stack?.stop();
  await dovecot?.stop();
});

function windowsProgram(): Buffer {
  const b = Buffer.alloc(1024);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}

function isoImage(): Buffer {
  const b = Buffer.alloc(0x8800);
  b.write('\x01CD001\x01', 0x8000, 'latin1');
  return b;
}

function mailWith(parts: { name: string; type: string; content: Buffer }[]): Buffer {
  const boundary = 'b_attachment_safety';
  const lines = [
    'From: Alice Example <alice@example.org>', 'To: desk@example.com', 'Subject: Documents for the audit', 'Message-ID: <attachment-safety-1@client.example.org>',
    `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`, '',
    `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', 'Please find the documents attached.', '',
  ];
  for (const p of parts) {
    lines.push(`--${boundary}`, `Content-Type: ${p.type}; name="${p.name}"`, `Content-Disposition: attachment; filename="${p.name}"`, 'Content-Transfer-Encoding: base64', '', p.content.toString('base64'), '');
  }
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'));
}

interface TicketAttachment {
  filename: string;
  contentType: string;
  href?: string;
  blocked?: string;
}

test('a program behind a trailing dot, a disk image and an HTML page sent as .txt are listed as blocked and answer 410; stored files download as sandboxed attachments', async () => {
  const channelId = await publishChannel(stack, dovecotChannelInput(dovecot, USER, 'Attachment safety desk', { domains: { allowed: ['example.org'] } }));
  await stack.settle(30_000);

  const pdf = Buffer.from('%PDF-1.4\n%audit report\n');
  const xml = Buffer.from('<?xml version="1.0"?><rows><row id="1"/></rows>');
  await dovecot.append(
    USER.user,
    'INBOX',
    mailWith([
      { name: 'invoice.exe.', type: 'application/octet-stream', content: windowsProgram() },
      { name: 'backup.iso', type: 'application/octet-stream', content: isoImage() },
      { name: 'notes.txt', type: 'text/plain', content: Buffer.from('<html><body><script>location="https://evil.example/"</script></body></html>') },
      { name: 'audit report.pdf', type: 'application/pdf', content: pdf },
      { name: 'rows.xml', type: 'text/xml', content: xml },
    ]),
  );
  assert.equal((await api(stack, 'POST', `channels/${channelId}/sync`)).status, 202);
  await eventually(stack, async () => (await tickets(stack, channelId)).length === 1, 'the ticket for the mail');

  const [ticket] = (await api<{ items: { id: string; attachments: TicketAttachment[] }[] }>(stack, 'GET', `tickets?channelId=${channelId}`)).body.items;
  const byName = new Map(ticket!.attachments.map((a) => [a.filename, a]));
  const download = (href: string) => fetch(`${stack.baseUrl}${href}`, { headers: { 'x-functions-key': stack.adminKey } });

  const blocked: [string, RegExp][] = [
    ['invoice.exe.', /file type \.exe is blocked/],
    ['backup.iso', /file type \.iso is blocked/],
    ['notes.txt', /the content is an HTML page, which is blocked/],
  ];
  for (const [name, reason] of blocked) {
    const a = byName.get(name);
    assert.ok(a, `${name} is listed on the ticket: ${JSON.stringify(ticket!.attachments)}`);
    assert.match(a.blocked ?? '', reason, name);
    assert.equal(a.href, undefined, `${name} has no download link`);
    const index = ticket!.attachments.indexOf(a);
    const res = await download(`/api/tickets/${encodeURIComponent(ticket!.id)}/attachments/${index}`);
    assert.equal(res.status, 410, `${name} was never stored`);
  }

  const report = byName.get('audit report.pdf');
  assert.ok(report?.href, 'the PDF is stored');
  const res = await download(report.href);
  assert.equal(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(pdf), 'the same bytes come back');
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="audit report.pdf"');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('content-security-policy'), "sandbox; default-src 'none'");

  const rows = byName.get('rows.xml');
  assert.ok(rows?.href, 'plain XML data is stored');
  const xmlRes = await download(rows.href);
  assert.equal(xmlRes.status, 200);
  assert.equal(xmlRes.headers.get('content-type'), 'application/octet-stream', 'a type a browser could render actively is served as bytes');
  assert.ok(Buffer.from(await xmlRes.arrayBuffer()).equals(xml));
});
