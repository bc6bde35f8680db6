import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { runInspect, type InspectedMail, type InspectFailure } from '../../cli/inspect';
import { ledgerKey } from '../../shared/pipeline/ledger-key';

const root = path.resolve(__dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/mail');

async function inspect(args: string[], stdin = ''): Promise<{ code: number; lines: (InspectedMail | InspectFailure)[]; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runInspect(args, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr });
  const text = Buffer.concat(out).toString();
  return { code, lines: text ? text.trimEnd().split('\n').map((l) => JSON.parse(l)) : [], stderr: Buffer.concat(err).toString() };
}

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inspect-test-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('mail-channel inspect', () => {
  test('prints one JSON line per mail with what was understood of it', async () => {
    const { code, lines } = await inspect([path.join(fixtures, 'gmail-reply.eml'), path.join(fixtures, 'exchange-oof.eml')]);
    assert.equal(code, 0);
    assert.equal(lines.length, 2);
    const [gmail, oof] = lines as InspectedMail[];
    assert.equal(gmail!.file, path.join(fixtures, 'gmail-reply.eml'));
    assert.equal(gmail!.messageId, 'CAF=q7Zx1b2HcR3d_0aT5yVq8ZkP1bX4N9w@mail.gmail.com');
    assert.deepEqual(gmail!.from, { address: 'max.mustermann@gmail.com', name: 'Max Mustermann' });
    assert.equal(gmail!.subject, 'Re: [Ticket#1043] VPN access for the new laptop');
    assert.equal(gmail!.date, '2024-06-04T06:03:51.000Z');
    assert.match(gmail!.replyText, /^Hi,\n\nthanks, the VPN works now/);
    assert.ok(!gmail!.replyText.includes('> Hello Max'));
    assert.equal(gmail!.classification.kind, 'human');
    assert.equal(oof!.classification.kind, 'auto-reply');
    assert.ok(oof!.classification.reasons.length >= 2);
    assert.equal(gmail!.decision, undefined, 'no decision without --channel');
  });

  test('a directory is inspected file by file, attachments listed without their content', async () => {
    const { lines } = await inspect([fixtures]);
    const files = fs.readdirSync(fixtures).filter((f) => fs.statSync(path.join(fixtures, f)).isFile());
    assert.equal(lines.length, files.length);
    const inline = lines.find((l) => l.file.endsWith('inline-image.eml')) as InspectedMail;
    assert.deepEqual(inline.attachments[0], { filename: 'image001.png', contentType: 'image/png', size: 70, inline: true, cid: 'image001.png@01DABB2C.5E6F7A80' });
  });

  test('a file that cannot be parsed prints its error, the others still print, and the exit code is 1', async () => {
    const bad = path.join(tmp, 'photo.eml');
    fs.writeFileSync(bad, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]));
    const { code, lines } = await inspect([bad, path.join(tmp, 'missing.eml'), path.join(fixtures, 'list-mail.eml')]);
    assert.equal(code, 1);
    assert.deepEqual(lines[0], { file: bad, error: { code: 'MIME_UNPARSEABLE', message: 'the input is binary data, not a MIME message' } });
    assert.equal((lines[1] as InspectFailure).error.code, 'FILE_UNREADABLE');
    assert.equal((lines[2] as InspectedMail).classification.kind, 'list');
  });

  test('- reads one mail from stdin', async () => {
    const { code, lines } = await inspect(['-'], 'From: a@example.com\r\nSubject: piped\r\n\r\nhello\r\n');
    assert.equal(code, 0);
    assert.equal((lines[0] as InspectedMail).file, '-');
    assert.equal((lines[0] as InspectedMail).subject, 'piped');
  });

  test('no input or an unknown option is a usage error (exit 2)', async () => {
    assert.equal((await inspect([])).code, 2);
    const unknown = await inspect(['--nope', 'x']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /usage: mail-channel inspect/);
  });
});

describe('mail-channel inspect --channel', () => {
  const channelFile = () => {
    const file = path.join(tmp, 'channel.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: 'IT support',
        connection: { protocol: 'imap', host: 'imap.example.com', username: 'support@example.com', auth: { type: 'password', password: 'not-needed' } },
        domains: { allowed: ['contoso.com', 'fabrikam.com'] },
        ticketMapping: { templateId: 'it-support' },
      }),
    );
    return file;
  };

  test('adds the pipeline\'s decision: a ticket for an allowed person, ignore for an auto-reply, reject for a foreign domain', async () => {
    const { code, lines } = await inspect(['--channel', channelFile(), ...['outlook-reply.eml', 'exchange-oof.eml', 'gmail-reply.eml'].map((f) => path.join(fixtures, f))]);
    assert.equal(code, 0);
    const [person, oof, foreign] = lines as InspectedMail[];
    assert.equal(person!.decision?.decision.action, 'createTicket');
    assert.equal(person!.decision?.ticket?.templateId, 'it-support');
    assert.equal(oof!.decision?.decision.action, 'ignore');
    assert.equal(oof!.decision?.decision.action === 'ignore' && oof!.decision.decision.code, 'AUTO_REPLY');
    assert.equal(foreign!.decision?.decision.action, 'reject');
    assert.equal(foreign!.decision?.decision.action === 'reject' && foreign!.decision.decision.code, 'SENDER_DOMAIN_NOT_ALLOWED');
    assert.equal(foreign!.decision?.targetFolder, 'Failed');
  });

  test('the channel as the admin API returns it (secrets as { isSet }) works too', async () => {
    const file = path.join(tmp, 'channel-view.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        id: 'ch-42',
        status: 'published',
        etag: '"1"',
        name: 'IT support',
        connection: { protocol: 'graph', username: 'support@example.com', auth: { type: 'oauth', tenantId: 't', clientId: 'c', clientSecret: { isSet: true } } },
        ticketMapping: { templateId: 'it-support' },
      }),
    );
    const { code, lines } = await inspect(['--channel', file, path.join(fixtures, 'own-loop.eml')]);
    assert.equal(code, 0);
    const looped = lines[0] as InspectedMail;
    assert.equal(looped.classification.kind, 'loop');
    assert.equal(looped.decision?.decision.action, 'ignore');
    assert.equal(looped.decision?.ledgerKey, ledgerKey('ch-42', { messageId: looped.messageId }), 'the channel id of the file is used');
  });

  test('a channel file that is not a channel is refused with the field that is wrong', async () => {
    const file = path.join(tmp, 'bad-channel.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'x', connection: { protocol: 'imap', username: 'u' }, ticketMapping: { templateId: 't' } }));
    const { code, stderr, lines } = await inspect(['--channel', file, path.join(fixtures, 'gmail-reply.eml')]);
    assert.equal(code, 2);
    assert.equal(lines.length, 0);
    assert.match(stderr, /connection\.host|connection\.auth/);
  });
});

describe('the mail-channel command', () => {
  test('bin/mail-channel.js inspects hundreds of files in one process, streaming one line each', { timeout: 60_000 }, async () => {
    const dir = path.join(tmp, 'many');
    fs.mkdirSync(dir);
    const samples = fs.readdirSync(fixtures).filter((f) => f.endsWith('.eml'));
    const count = 300;
    for (let i = 0; i < count; i++) fs.copyFileSync(path.join(fixtures, samples[i % samples.length]!), path.join(dir, `m${String(i).padStart(3, '0')}.eml`));
    fs.writeFileSync(path.join(dir, 'zz-broken.eml'), '');

    const child = spawn(process.execPath, [path.join(root, 'bin/mail-channel.js'), 'inspect', dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as InspectedMail | InspectFailure);
    assert.equal(lines.length, count + 1, stderr);
    assert.equal(lines.filter((l) => 'error' in l).length, 1);
    assert.deepEqual((lines.at(-1) as InspectFailure).error, { code: 'MIME_UNPARSEABLE', message: 'the input is empty' });
    assert.equal(code, 1);
  });
});

describe('inspect shows what thread resolution would look up', () => {
  test('a reply lists its subject token, its body marker and the Message-IDs it refers to, nearest first', async () => {
    const raw = [
      'From: Ann <ann@customer.example>',
      'To: desk@contoso.example',
      'Subject: AW: Re: [#T-000042-abcdefgh] Printer jammed',
      'Message-ID: <reply-1@customer.example>',
      'In-Reply-To: <mc.123@contoso.example>',
      'References: <first@customer.example> <mc.123@contoso.example>',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'It works again, thanks.',
      '',
      '> Hello Ann, we opened ticket T-000042.',
      '> [ref:T-000042-abcdefgh]',
      '',
    ].join('\r\n');
    const { code, lines } = await inspect(['-'], raw);
    assert.equal(code, 0);
    const mail = lines[0] as InspectedMail;
    assert.deepEqual(mail.thread.tokens, ['[#T-000042-abcdefgh]']);
    assert.deepEqual(mail.thread.markers, ['[ref:T-000042-abcdefgh]']);
    assert.deepEqual(mail.thread.messageIds, ['mc.123@contoso.example', 'first@customer.example']);
    assert.equal(mail.thread.prefixKind, 'reply');
    assert.equal(mail.replyText.trim(), 'It works again, thanks.');
  });
});
