import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeText } from '../../../shared/mail/body-text';
import { isoDate, withoutAngleBrackets } from '../../../shared/mail/mime-headers';
import { parseMail } from '../../../shared/mail/parse';
import { extractReplyText } from '../../../shared/mail/reply-text';
import { isListEnvelope } from '../../../shared/mail/signals/list-headers';
import { extractUuBlocks } from '../../../shared/mail/uudecode';
import { mapTicket } from '../../../shared/tickets/field-mapping';
import { channelRecord, parsedMail } from '../../support/fixtures';
import { seededRandom } from '../../support/seeded-random';

/**
 * The regexes recheck found quadratic were replaced by index scans (see regex-safety.test.ts).
 * Differential tests: on seeded random short inputs the scans answer exactly as the old
 * regexes did; on long hostile inputs they finish (the old ones took minutes: each input
 * below is sized past the test timeout for quadratic work).
 */

function* randomStrings(alphabet: readonly string[], count = 3000, seed = 11): Generator<string> {
  const r = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    let s = '';
    const len = Math.floor(r() * 14);
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(r() * alphabet.length)];
    yield s;
  }
}

const old = {
  normalizeText: (text: string) => text.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').trim(),
  withoutAngleBrackets: (id: string) => id.trim().replace(/^<+/, '').replace(/>+$/, ''),
  isListEnvelope: (local: string) => /^(?:owner-.+|.+-owner|.+-bounces(?:\+.*)?)$/.test(local),
  extractUuBlocks: (text: string) => {
    const blocks: string[] = [];
    const rest = text.replace(/^begin [0-7]{3,4} ([^\r\n]+)\r?\n([\s\S]*?)^end[ \t]*$/gm, (whole: string, name: string, body: string) => {
      const decoded = extractUuBlocks(`begin 644 ${name}\n${body.split(/\r?\n/).join('\n')}end`).blocks[0];
      if (!decoded) return whole;
      blocks.push(name.trim());
      return '';
    });
    return { text: blocks.length ? rest.replace(/\n{3,}/g, '\n\n').trim() : text, names: blocks };
  },
};

test('index scans answer as the regexes they replace did, on random short inputs', () => {
  for (const s of randomStrings([' ', '\t', '\r', '\n', 'a', 'b'])) assert.equal(normalizeText(s), old.normalizeText(s), JSON.stringify(s));
  for (const s of randomStrings(['<', '>', ' ', 'a', '@', 'b.c'])) assert.equal(withoutAngleBrackets(s), old.withoutAngleBrackets(s), JSON.stringify(s));
  for (const s of randomStrings(['owner', '-', 'bounces', '+', 'x', 'owner-', '-owner', '\n'])) assert.equal(isListEnvelope(s), old.isListEnvelope(s), JSON.stringify(s));
  const uu = ['begin 644 a.txt\n', '#0V%T\n', '`\n', 'end\n', 'end \n', 'text\n', '\n', 'begin 644 b\r\n', 'bad line\n'];
  for (const s of randomStrings(uu, 3000, 5)) {
    const now = extractUuBlocks(s);
    assert.deepEqual({ text: now.text, names: now.blocks.map((b) => b.filename) }, old.extractUuBlocks(s), JSON.stringify(s));
  }
});

test('hostile header values are read in linear work: Date comments, Message-ID brackets, list envelopes', { timeout: 30_000 }, () => {
  assert.equal(isoDate(`${'('.repeat(300_000)}`), undefined);
  assert.equal(isoDate('Tue, 1 Dec 2026 10:00:00 +0100 (CET) (more'), '2026-12-01T09:00:00.000Z');
  assert.equal(withoutAngleBrackets(`<id@x${'>'.repeat(300_000)}y`), `id@x${'>'.repeat(300_000)}y`);
  assert.equal(isListEnvelope(`a${'-bounces'.repeat(100_000)}x`), false);
  assert.equal(isListEnvelope('dev-bounces+alice=example.org'), true);
});

test('hostile mail fields are read in linear work: From brackets, List-Id, rule owner, uuencode, reply lines, email fields', { timeout: 60_000 }, async () => {
  const head = (extra: string) => Buffer.from(`From: ${extra}\r\nTo: desk@example.com\r\nSubject: hi\r\nList-Id: ${'<'.repeat(200_000)}\r\nX-MS-Exchange-Inbox-Rules-Loop: ${'>'.repeat(200_000)}x\r\n\r\n${'begin 644 x\n'.repeat(50_000)}body\r\n`);
  const mail = await parseMail(head(`${'<'.repeat(200_000)}Alice <alice@example.org>`));
  assert.equal(mail.from?.address, 'alice@example.org');
  const blanks = await parseMail(head('"A" <power quadrant alice@example.org>'));
  assert.equal(blanks.from?.address, 'power quadrant alice@example.org', 'an address with blanks inside its brackets is still kept whole');

  const reply = ['Thanks!', '', 'On Mon, 1 Dec 2026, alice@example.org wrote:', '> old'].join('\n');
  assert.equal(extractReplyText(reply), 'Thanks!');
  assert.equal(extractReplyText(['Thanks!', '<alice@example.org> wrote:', '> old'].join('\n')), 'Thanks!');
  const hostile = `${'a@'.repeat(100_000)}b wrote:\n${`\t${' '.repeat(1000)}`.repeat(100)}From: x\n${'<blockquote '.repeat(20_000)}`;
  assert.equal(extractReplyText(hostile, hostile), hostile.trim());

  const channel = channelRecord({ ticketMapping: { templateId: 't', whitelist: [], nonWhitelistedReply: 'reject', fields: [{ field: 'contact', source: { kind: 'header', name: 'X-Contact' } }] } });
  const template = { id: 't', fields: [{ name: 'contact', type: 'email' as const, required: false }] };
  const mapped = (value: string) => {
    const r = mapTicket(channel, template, parsedMail({ headers: { 'x-contact': value } }), '2026-12-01T00:00:00.000Z');
    assert.ok(r.ok);
    return r.ticket.fields.contact;
  };
  assert.equal(mapped('Call <Bob@Example.ORG> today'), 'bob@example.org');
  assert.equal(mapped('a@b@c.d'), 'b@c.d');
  assert.equal(mapped(`${'x'.repeat(300_000)} y@z`), undefined);
});
